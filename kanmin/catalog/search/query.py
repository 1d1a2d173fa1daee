"""The query language: a safe subset of Solr's syntax, parsed into a small tree that each
backend evaluates its own way (SQL ``Q`` objects, boolean masks, a search engine's query).

Supported: bare words and ``"phrases"`` (substring match on the search key, so any Japanese
substring is found regardless of width and hiragana/katakana), ``field:value`` and
``field:"phrase"`` for the fields in :data:`FIELDS`, a trailing ``*`` (prefix), ``*:*``,
``AND``/``OR``/``NOT`` (also ``&&``/``||``/``!``), ``+``/``-`` prefixes and parentheses.
Terms without an operator are ANDed (CKAN's ``q.op=AND``). Sorts are CKAN's
(``metadata_modified desc, name asc``), parsed by :func:`parse_sort`.

Range queries on the times in :data:`RANGE_FIELDS`, as CKAN harvesters send them:
``metadata_modified:[2020-01-01T00:00:00Z TO *]``, ``{a TO b}`` (exclusive), mixed brackets,
``*`` for an open end and Solr's date math (``NOW``, ``NOW-7DAYS``, ``NOW/DAY``); a time alone
(``metadata_created:2020-01-01T00:00:00Z``) is a range of that one instant. The counts
``num_resources`` and ``num_tags`` take ranges of whole numbers (``num_resources:[1 TO *]``).
"""

from __future__ import annotations

import calendar
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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

# The fields a range query may name → the dataset column (times, in UTC).
RANGE_FIELDS = {
    "metadata_modified": "modified",
    "metadata_created": "created",
    "num_resources": "num_resources",
    "num_tags": "num_tags",
}
# Range columns that count rows (whole numbers), not times.
COUNT_COLUMNS = frozenset({"num_resources", "num_tags"})

# CKAN's sort fields → the dataset column (``pk`` breaks ties in every sort).
SORT_FIELDS = {
    "id": "pk",  # what ckanext-harvest's CKAN harvester pages by
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


@dataclass(frozen=True)
class Range:
    """``field:[low TO high]``: ``column`` (of :data:`RANGE_FIELDS`) between two aware UTC
    times (two whole numbers for :data:`COUNT_COLUMNS`), None for an open end; ``{`` and
    ``}`` exclude the end they stand at."""

    column: str
    low: datetime | int | None
    high: datetime | int | None
    include_low: bool = True
    include_high: bool = True


Node = Term | Everything | Not | And | Or | Range


def terms(node: Node) -> list[Term]:
    """The terms of a tree, left to right (a backend checks what it can answer)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms(node.node)
    if isinstance(node, And | Or):
        return terms(node.left) + terms(node.right)
    return []


def ranges(node: Node) -> list[Range]:
    """The range queries of a tree."""
    if isinstance(node, Range):
        return [node]
    if isinstance(node, Not):
        return ranges(node.node)
    if isinstance(node, And | Or):
        return ranges(node.left) + ranges(node.right)
    return []


# field name → function(value, prefix) → the backend's value for that term
FieldBuilder = Callable[[str, bool], Any]
RangeBuilder = Callable[[Range], Any]


def evaluate(
    node: Node,
    fields: Mapping[str, FieldBuilder],
    everything: Callable[[], Any],
    between: RangeBuilder,
) -> Any:
    """The tree built with a backend's field builders (``between`` for range queries),
    composed with ``&``, ``|`` and ``~`` (``Q`` objects, numpy masks, anything that composes
    the same way)."""
    if isinstance(node, Term):
        return fields[node.field](node.value, node.prefix)
    if isinstance(node, Everything):
        return everything()
    if isinstance(node, Range):
        return between(node)
    if isinstance(node, Not):
        return ~evaluate(node.node, fields, everything, between)
    left = evaluate(node.left, fields, everything, between)
    right = evaluate(node.right, fields, everything, between)
    return left & right if isinstance(node, And) else left | right


# --- times ---------------------------------------------------------------------------------

_DATE_MATH = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")
_UNITS = {
    "YEAR": "years",
    "MONTH": "months",
    "DAY": "days",
    "DATE": "days",
    "HOUR": "hours",
    "MINUTE": "minutes",
    "SECOND": "seconds",
    "MILLI": "milliseconds",
    "MILLISECOND": "milliseconds",
}


def _bad_time(value: str) -> QueryError:
    return QueryError(
        _("Search Query is invalid: %(value)s is not a time (for example 2020-01-01T00:00:00Z).")
        % {"value": value}
    )


def _shift(moment: datetime, unit: str, amount: int) -> datetime:
    if unit in ("years", "months"):
        months = moment.month - 1 + amount * (12 if unit == "years" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    return moment + timedelta(**{unit: amount})


def _round(moment: datetime, unit: str) -> datetime:
    order = ["years", "months", "days", "hours", "minutes", "seconds", "milliseconds"]
    keep = order.index(unit)
    return moment.replace(
        month=1 if keep < 1 else moment.month,
        day=1 if keep < 2 else moment.day,
        hour=0 if keep < 3 else moment.hour,
        minute=0 if keep < 4 else moment.minute,
        second=0 if keep < 5 else moment.second,
        microsecond=0 if keep < 6 else moment.microsecond // 1000 * 1000,
    )


def parse_time(value: str, *, now: datetime | None = None) -> datetime | None:
    """A Solr time (``2020-01-01T00:00:00Z``, with or without fractions, ``Z`` or offset; a
    date alone is its midnight UTC; ``NOW`` with date math) as an aware UTC datetime; None for
    ``*``. Raises :class:`QueryError`."""
    text = value.replace("\\", "").strip()
    if text == "*":
        return None
    upper = text.upper()
    math = ""
    if upper.startswith("NOW"):
        moment = now or datetime.now(UTC)
        math = upper[3:]
    else:
        split = re.match(r"^([0-9T:.\-]+(?:Z|[+-]\d\d:?\d\d)?)(.*)$", text)
        if split is None:
            raise _bad_time(value)
        base, math = split[1], split[2].upper()
        if base.endswith("Z"):
            base = base[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(base)
        except ValueError:
            raise _bad_time(value) from None
        # CKAN keeps its times in UTC without a zone: a time without one is UTC.
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    pos = 0
    while pos < len(math):
        m = _DATE_MATH.match(math, pos)
        if m is None:
            raise _bad_time(value)
        unit = _UNITS.get((m[3] or m[4]).rstrip("S"))
        if unit is None:
            raise _bad_time(value)
        if m[4]:
            moment = _round(moment, unit)
        else:
            moment = _shift(moment, unit, int(m[2]) * (-1 if m[1] == "-" else 1))
        pos = m.end()
    return moment


def _range(field: str, text: str) -> Range:
    inner = re.match(r"^([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])$", text)
    if inner is None:
        raise QueryError(
            _("Search Query is invalid: a range is [low TO high], not %(range)s.") % {"range": text}
        )
    column = RANGE_FIELDS[field]
    bound = _parse_count if column in COUNT_COLUMNS else parse_time
    return Range(
        column,
        bound(inner[2]),
        bound(inner[3]),
        include_low=inner[1] == "[",
        include_high=inner[4] == "]",
    )


def _parse_count(value: str) -> int | None:
    text = value.replace("\\", "").strip()
    if text == "*":
        return None
    if not text.isascii() or not text.isdigit():
        raise QueryError(
            _("Search Query is invalid: %(value)s is not a whole number.") % {"value": value}
        )
    return int(text)


# --- parsing -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\() | (?P<rp>\)) |
        (?P<mod>[+\-!])?
        (?:(?P<field>[A-Za-z_][\w.]*):)?
        (?:(?P<range>[\[{][^\]}]*[\]}])|"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+))
    )""",
    re.VERBOSE,
)
_OPERATORS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR", "NOT": "NOT"}


@dataclass(frozen=True)
class Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "term", "range"
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
        elif m["range"] is not None:
            tokens.append(
                Token("range", mod=m["mod"] or "", field=m["field"] or "", value=m["range"])
            )
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
        if t.kind in ("term", "range"):
            self.take()
            term = self.term(t)
            return Not(term) if t.mod in ("-", "!") else term
        raise QueryError(_("Search Query is invalid: unexpected %(token)s.") % {"token": t.kind})

    def term(self, t: Token) -> Node:
        if t.value == "*:*" or (t.field and t.value == "" and t.prefix):
            return Everything()
        if t.field in RANGE_FIELDS:
            if t.kind == "range":
                return _range(t.field, t.value)
            column = RANGE_FIELDS[t.field]
            value = (_parse_count if column in COUNT_COLUMNS else parse_time)(t.value)
            if value is None:
                return Everything()
            return Range(column, value, value)
        if t.kind == "range":
            raise QueryError(
                _("Search Query is invalid: %(field)s has no ranges.") % {"field": t.field or "*"}
            )
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
