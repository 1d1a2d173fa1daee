"""A safe subset of Solr's query syntax, turned into Django ``Q`` objects.

Supported: bare words and ``"phrases"`` (substring match on the search key, so any Japanese
substring is found regardless of width and hiragana/katakana), ``field:value`` and
``field:"phrase"`` for the fields in :data:`FIELDS`, a trailing ``*`` (prefix), ``*:*``,
``AND``/``OR``/``NOT`` (also ``&&``/``||``/``!``), ``+``/``-`` prefixes and parentheses.
Terms without an operator are ANDed (CKAN's ``q.op=AND``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from kanmin.core.errors import KanminError
from kanmin.core.jp_text import search_key


class QueryError(KanminError):
    """The query could not be parsed (CKAN: ``Search Query Error``)."""

    status = 400
    default_code = "search_query"


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


# field name → function(value, prefix) → Q
FieldBuilder = Callable[[str, bool], Q]


def _all_q() -> Q:
    return Q(pk__isnull=False)


class Parser:
    """Builds the query from the field builders' results with ``&``, ``|`` and ``~``: ``Q``
    objects for SQL, or anything else that composes the same way (the in-process index's
    boolean masks). ``everything`` makes the result that matches every dataset."""

    def __init__(
        self,
        tokens: list[Token],
        fields: dict[str, FieldBuilder],
        everything: Callable[[], Any] = _all_q,
    ) -> None:
        self.tokens = tokens
        self.pos = 0
        self.fields = fields
        self.everything = everything

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Q:
        if not self.tokens:
            return Q()
        q = self.parse_or()
        if self.peek() is not None:
            raise QueryError(_("Search Query is invalid: unbalanced parentheses."))
        return q

    def parse_or(self) -> Q:
        q = self.parse_and()
        while (t := self.peek()) is not None and t.kind == "OR":
            self.take()
            q = q | self.parse_and()
        return q

    def parse_and(self) -> Q:
        q = self.parse_unary()
        while (t := self.peek()) is not None and t.kind not in ("OR", ")"):
            if t.kind == "AND":
                self.take()
            q = q & self.parse_unary()
        return q

    def parse_unary(self) -> Q:
        t = self.peek()
        if t is None:
            raise QueryError(_("Search Query is invalid: the query ends too early."))
        if t.kind == "NOT":
            self.take()
            return ~self.parse_unary()
        if t.kind == "(":
            self.take()
            q = self.parse_or()
            if (end := self.peek()) is None or end.kind != ")":
                raise QueryError(_("Search Query is invalid: unbalanced parentheses."))
            self.take()
            return q
        if t.kind == "term":
            self.take()
            q = self.term(t)
            return ~q if t.mod in ("-", "!") else q
        raise QueryError(_("Search Query is invalid: unexpected %(token)s.") % {"token": t.kind})

    def term(self, t: Token) -> Q:
        if t.value == "*:*" or (t.field and t.value == "" and t.prefix):
            return self.everything()
        field = t.field or "text"
        builder = self.fields.get(field)
        if builder is None:
            raise QueryError(
                _("Search Query is invalid: undefined field %(field)s.") % {"field": field}
            )
        return builder(t.value, t.prefix)


def text_q(value: str, prefix: bool) -> Q:
    key = search_key(value)
    if not key:
        return Q(pk__isnull=False)
    return Q(search_key__contains=key)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def parse(text: str, fields: dict[str, FieldBuilder]) -> Q:
    """The Q object for a query string; raises :class:`QueryError`."""
    if len(text) > 2000:
        raise QueryError(_("Search Query is invalid: the query is too long."))
    return Parser(tokenize(text), fields).parse()


def evaluate(text: str, fields: dict[str, Callable[[str, bool], Any]], everything: Any) -> Any:
    """The query evaluated by other builders than ``Q`` (see :class:`Parser`)."""
    if len(text) > 2000:
        raise QueryError(_("Search Query is invalid: the query is too long."))
    tokens = tokenize(text)
    if not tokens:
        return everything()
    return Parser(tokens, fields, everything).parse()
