"""The query language: a safe subset of Solr's syntax, parsed into a small tree that each
backend evaluates its own way (SQL ``Q`` objects, boolean masks, a search engine's query).

Supported: bare words and ``"phrases"`` (substring match on the search key, so any Japanese
substring is found regardless of width and hiragana/katakana), ``field:value`` and
``field:"phrase"`` for the fields in :data:`FIELDS`, a trailing ``*`` (prefix), ``*:*``,
``AND``/``OR``/``NOT`` (also ``&&``/``||``/``!``), ``+``/``-`` prefixes and parentheses.
Terms without an operator are ANDed (CKAN's ``q.op=AND``). Sorts are CKAN's
(``metadata_modified desc, name asc``), parsed by :func:`parse_sort`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kanmin.core.errors import KanminError


class QueryError(KanminError):
    """The query could not be parsed (CKAN: ``Search Query Error``)."""

    status = 400
    default_code = "search_query"


# The fields a query may name; every backend answers all of them. ``text`` is a bare word.
FIELDS = frozenset(
    {
        "text",
        "name",
        "id",
        "title",
        "notes",
        "tags",
        "groups",
        "organization",
        "owner_org",
        "res_format",
        "res_name",
        "res_description",
        "res_url",
        "license_id",
        "standard_dataset",
        "municipality",
        "state",
        "capacity",
        "dataset_type",
        "type",
        "maintainer",
        "quality",
    }
)

# CKAN's sort fields → the dataset column (``pk`` breaks ties in every sort).
SORT_FIELDS = {
    "score": "-modified",  # no relevance ranking yet: newest first
    "metadata_modified": "modified",
    "metadata_created": "created",
    "name": "name",
    "title_string": "title_ja",
    "title": "title_ja",
}
DEFAULT_SORT = "score desc, metadata_modified desc"
MAX_LENGTH = 2000

# --- the tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    field: str  # one of FIELDS
    value: str
    prefix: bool = False


@dataclass(frozen=True)
class Everything:
    """``*:*`` or ``field:*``: every dataset."""


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node


Node = Term | Everything | Not | And | Or


def terms(node: Node) -> list[Term]:
    """The terms of a tree, left to right (a backend checks what it can answer)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms(node.node)
    if isinstance(node, And | Or):
        return terms(node.left) + terms(node.right)
    return []


# field name → function(value, prefix) → the backend's value for that term
FieldBuilder = Callable[[str, bool], Any]


def evaluate(node: Node, fields: Mapping[str, FieldBuilder], everything: Callable[[], Any]) -> Any:
    """The tree built with a backend's field builders, composed with ``&``, ``|`` and ``~``
    (``Q`` objects, numpy masks, anything that composes the same way)."""
    if isinstance(node, Term):
        return fields[node.field](node.value, node.prefix)
    if isinstance(node, Everything):
        return everything()
    if isinstance(node, Not):
        return ~evaluate(node.node, fields, everything)
    if isinstance(node, And):
        return evaluate(node.left, fields, everything) & evaluate(node.right, fields, everything)
    return evaluate(node.left, fields, everything) | evaluate(node.right, fields, everything)


# --- parsing -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\() | (?P<rp>\)) |
        (?P<mod>[+\-!])?
        (?:(?P<field>[A-Za-z_][\w.]*):)?
        (?:"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+))
    )""",
    re.VERBOSE,
)
_OPERATORS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR", "NOT": "NOT"}


@dataclass(frozen=True)
class Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "term"
    mod: str = ""
    field: str = ""
    value: str = ""
    prefix: bool = False


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise QueryError(
                _("Search Query is invalid: cannot read the query at %(at)s.")
                % {"at": text[pos : pos + 20]}
            )
        pos = m.end()
        if m["lp"]:
            tokens.append(Token("("))
        elif m["rp"]:
            tokens.append(Token(")"))
        elif m["word"] is not None and not m["field"] and not m["mod"] and m["word"] in _OPERATORS:
            tokens.append(Token(_OPERATORS[m["word"]]))
        else:
            value = m["phrase"] if m["phrase"] is not None else m["word"]
            prefix = m["phrase"] is None and value.endswith("*") and value != "*:*"
            if prefix:
                value = value.rstrip("*")
            tokens.append(
                Token(
                    "term", mod=m["mod"] or "", field=m["field"] or "", value=value, prefix=prefix
                )
            )
    return tokens


class _Parser:
    """Recursive descent: OR binds loosest, then AND (explicit or implied), then NOT."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.parse_or()
        if self.peek() is not None:
            raise QueryError(_("Search Query is invalid: unbalanced parentheses."))
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while (t := self.peek()) is not None and t.kind == "OR":
            self.take()
            node = Or(node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_unary()
        while (t := self.peek()) is not None and t.kind not in ("OR", ")"):
            if t.kind == "AND":
                self.take()
            node = And(node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        t = self.peek()
        if t is None:
            raise QueryError(_("Search Query is invalid: the query ends too early."))
        if t.kind == "NOT":
            self.take()
            return Not(self.parse_unary())
        if t.kind == "(":
            self.take()
            node = self.parse_or()
            if (end := self.peek()) is None or end.kind != ")":
                raise QueryError(_("Search Query is invalid: unbalanced parentheses."))
            self.take()
            return node
        if t.kind == "term":
            self.take()
            term = self.term(t)
            return Not(term) if t.mod in ("-", "!") else term
        raise QueryError(_("Search Query is invalid: unexpected %(token)s.") % {"token": t.kind})

    def term(self, t: Token) -> Node:
        if t.value == "*:*" or (t.field and t.value == "" and t.prefix):
            return Everything()
        field = t.field or "text"
        if field not in FIELDS:
            raise QueryError(
                _("Search Query is invalid: undefined field %(field)s.") % {"field": field}
            )
        return Term(field, t.value, t.prefix)


def parse(text: str) -> Node:
    """The tree of a query string (not blank); raises :class:`QueryError`."""
    if len(text) > MAX_LENGTH:
        raise QueryError(_("Search Query is invalid: the query is too long."))
    tokens = tokenize(text)
    if not tokens:
        return Everything()
    return _Parser(tokens).parse()


def parse_sort(sort: str | None) -> list[str]:
    """CKAN's ``sort`` ("metadata_modified desc, name asc") as columns, ``-`` for descending,
    ending with ``pk`` (``order_by`` arguments); raises :class:`QueryError`."""
    order: list[str] = []
    for part in (sort or DEFAULT_SORT).split(","):
        words = part.split()
        if not words:
            continue
        field_name = words[0]
        direction = words[1].lower() if len(words) > 1 else "asc"
        if field_name not in SORT_FIELDS or direction not in ("asc", "desc") or len(words) > 2:
            raise QueryError(
                _("Search Query is invalid: cannot sort by %(sort)s.") % {"sort": part.strip()}
            )
        column = SORT_FIELDS[field_name]
        if field_name == "score":
            order.append(column)
            continue
        order.append(("-" if direction == "desc" else "") + column)
    return [*order, "pk"]


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
