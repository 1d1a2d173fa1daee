"""``datastore_search`` over a table's Parquet file with DuckDB, parameters as CKAN takes them.

Every value goes in as a parameter; every identifier is one of the table's columns (checked
against its fields) and double-quoted. ``q`` finds any substring of any length, folded as the
catalog's search folds text (:func:`kanmin.core.jp_text.search_key`: width, kana, case): the
load wrote each row's folded cells to ``_full_text``, so a term is a plain ``contains`` test;
a ``q`` per column tests that column's cell of ``_full_text``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from kanmin.catalog.datastore.load import CELL_SEPARATOR, FULL_TEXT, ID
from kanmin.catalog.datastore.sql import (
    Interrupter,
    json_value,
    quote,
    search_connections,
    timeout_seconds,
)
from kanmin.catalog.datastore.sql import rows_max as _rows_max
from kanmin.core.errors import Invalid
from kanmin.core.jp_text import search_key

ROWS_DEFAULT = 100
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
# The keys datastore_search takes (CKAN 2.11 and 2.12); any other key is refused with 409.
SEARCH_KEYS = frozenset(
    {
        "resource_id",
        "id",
        "q",
        "full_text",
        "plain",
        "language",
        "filters",
        "limit",
        "offset",
        "fields",
        "sort",
        "distinct",
        "include_total",
        "total_estimation_threshold",
        "records_format",
        "include_next_page",
        "include_records",
        "callback",
        "_",
    }
)
RANGE_OPERATORS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "eq": "="}
_SORT_PART = re.compile(
    r'^\s*(?:"(?P<quoted>(?:[^"]|"")+)"|(?P<plain>[^\s"]+))'
    r"(?:\s+(?P<dir>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?\s*$",
    re.IGNORECASE,
)


def rows_max() -> int:
    return _rows_max()


def _invalid(key: str, message: str) -> Invalid:
    return Invalid(fields={key: [message]}, code="datastore_search")


@dataclass
class SearchParams:
    q: str | dict[str, str] | None = None
    full_text: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    fields: list[str] | None = None
    sort: str | None = None
    limit: int = ROWS_DEFAULT
    offset: int = 0
    distinct: bool = False
    include_total: bool = True
    records_format: str = "objects"
    include_next_page: bool = False
    include_records: bool = True


def _bool(key: str, value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "t"):
        return True
    if text in ("false", "0", "no", "off", "f"):
        return False
    raise _invalid(key, _("Not a boolean: %(value)s") % {"value": value})


def _int(key: str, value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _invalid(key, _("Invalid integer")) from None
    if number < 0:
        raise _invalid(key, _("Must be a natural number"))
    return number


def _json(key: str, value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            try:
                return json.loads(text)
            except ValueError:
                raise _invalid(key, _("Could not parse as valid JSON")) from None
    return value


def parse(data: dict[str, Any]) -> SearchParams:
    """CKAN's parameters → :class:`SearchParams`; unknown keys → 409 like CKAN's
    ``{"__extras": ["invalid value \\"x\\""]}``."""
    extras = sorted(k for k in data if k not in SEARCH_KEYS)
    if extras:
        raise Invalid(
            # CKAN's words, untranslated: clients compare them.
            fields={"__extras": [f'invalid value "{k}"' for k in extras]},
            code="datastore_extras",
        )
    params = SearchParams()
    q = _json("q", data.get("q"))
    if isinstance(q, dict):
        params.q = {str(k): str(v) for k, v in q.items()}
    elif q not in (None, ""):
        params.q = str(q)
    if data.get("full_text") not in (None, ""):
        params.full_text = str(data["full_text"])
    filters = _json("filters", data.get("filters"))
    if filters not in (None, ""):
        if not isinstance(filters, dict):
            raise _invalid("filters", _("Not a JSON object"))
        params.filters = filters
    fields = _json("fields", data.get("fields"))
    if fields not in (None, "", []):
        if isinstance(fields, str):
            fields = [f.strip() for f in fields.split(",") if f.strip()]
        if not isinstance(fields, list):
            raise _invalid("fields", _("Not a list"))
        params.fields = [str(f) for f in fields]
    sort = data.get("sort")
    if isinstance(sort, list):
        sort = ", ".join(str(s) for s in sort)
    params.sort = str(sort) if sort not in (None, "") else None
    params.limit = _int("limit", data.get("limit"), ROWS_DEFAULT)
    if params.limit > rows_max():
        raise _invalid("limit", _("Must be at most %(max)s") % {"max": rows_max()})
    params.offset = _int("offset", data.get("offset"), 0)
    params.distinct = _bool("distinct", data.get("distinct"), False)
    params.include_total = _bool("include_total", data.get("include_total"), True)
    params.include_next_page = _bool("include_next_page", data.get("include_next_page"), False)
    params.include_records = _bool("include_records", data.get("include_records"), True)
    records_format = str(data.get("records_format") or "objects")
    if records_format not in RECORDS_FORMATS:
        raise _invalid(
            "records_format",
            _("Value must be one of %(values)s") % {"values": ", ".join(RECORDS_FORMATS)},
        )
    params.records_format = records_format
    return params


# --------------------------------------------------------------------------------------------
# Building the statement
# --------------------------------------------------------------------------------------------


def _value(column: str, kind: str, value: Any, key: str = "filters") -> Any:
    """A filter value as the column's type (a clear 409 when it is not one)."""
    if value is None:
        return None
    try:
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(str(value).strip())
        if kind == "numeric":
            return float(str(value).strip())
        if kind == "date":
            return dt.date.fromisoformat(str(value).strip()[:10])
        if kind == "timestamp":
            return dt.datetime.fromisoformat(str(value).strip())
        if kind == "time":
            return dt.time.fromisoformat(str(value).strip())
        if kind == "bool":
            return _bool(key, value, False)
    except ValueError:
        raise _invalid(
            key,
            _("The value %(value)s of field “%(field)s” is not of its type (%(type)s).")
            % {"value": json.dumps(value, ensure_ascii=False), "field": column, "type": kind},
        ) from None
    return str(value)


@dataclass
class Table:
    """A loaded table as the search sees it."""

    path: Path
    fields: list[dict[str, str]]

    @property
    def types(self) -> dict[str, str]:
        return {f["id"]: f["type"] for f in self.fields}

    def position(self, column: str) -> int:
        """1-based index of a column among the file's columns (``_id`` not counted): its
        cell in ``_full_text``."""
        names = [f["id"] for f in self.fields if f["id"] != ID]
        return names.index(column) + 1


def _column(table: Table, name: str, key: str) -> str:
    if name not in table.types:
        raise _invalid(key, _("field “%(field)s” not in table") % {"field": name})
    return quote(name)


def _where(table: Table, params: SearchParams) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    values: list[Any] = []
    terms: list[str] = []
    if isinstance(params.q, str):
        terms += params.q.split()
    if params.full_text:
        terms += params.full_text.split()
    for term in terms:
        folded = search_key(term)
        if folded:
            clauses.append(f"contains({quote(FULL_TEXT)}, ?)")
            values.append(folded)
    if isinstance(params.q, dict):
        for name, text in params.q.items():
            _column(table, name, "q")
            if name == ID:
                clauses.append(f"CAST({quote(ID)} AS VARCHAR) = ?")
                values.append(str(text).strip())
                continue
            for term in str(text).split():
                clauses.append(f"contains(split_part({quote(FULL_TEXT)}, ?, ?), ?)")
                values += [CELL_SEPARATOR, table.position(name), search_key(term)]
    for name, wanted in params.filters.items():
        column = _column(table, str(name), "filters")
        kind = table.types[str(name)]
        if isinstance(wanted, dict):
            if not wanted:
                raise _invalid("filters", _("An empty condition for “%(field)s”") % {"field": name})
            for op, operand in wanted.items():
                if op not in RANGE_OPERATORS:
                    raise _invalid(
                        "filters",
                        _("Unknown operator “%(op)s”; use one of %(ops)s")
                        % {"op": op, "ops": ", ".join(RANGE_OPERATORS)},
                    )
                clauses.append(f"{column} {RANGE_OPERATORS[op]} ?")
                values.append(_value(str(name), kind, operand))
        elif isinstance(wanted, list):
            if not wanted:
                clauses.append("false")
                continue
            present = [_value(str(name), kind, v) for v in wanted if v is not None]
            parts = []
            if present:
                parts.append(f"{column} IN ({', '.join('?' * len(present))})")
                values += present
            if len(present) < len(wanted):
                parts.append(f"{column} IS NULL")
            clauses.append("(" + " OR ".join(parts) + ")")
        elif wanted is None:
            clauses.append(f"{column} IS NULL")
        else:
            clauses.append(f"{column} = ?")
            values.append(_value(str(name), kind, wanted))
    return clauses, values


def _order(table: Table, params: SearchParams, selected: list[str]) -> tuple[str, list[str]]:
    """ORDER BY and the sort columns (for the next page's cursor)."""
    if not params.sort:
        if params.distinct:
            return "", []
        return f"ORDER BY {quote(ID)}", [ID]
    parts: list[str] = []
    names: list[str] = []
    for piece in params.sort.split(","):
        match = _SORT_PART.match(piece)
        if not match:
            raise _invalid("sort", _("Cannot read the sort “%(sort)s”") % {"sort": piece.strip()})
        name = (
            match.group("quoted").replace('""', '"')
            if match.group("quoted")
            else match.group("plain")
        )
        column = _column(table, name, "sort")
        if params.distinct and name not in selected:
            raise _invalid(
                "sort",
                _("With distinct, sort only by fields returned: “%(field)s”") % {"field": name},
            )
        direction = (match.group("dir") or "asc").upper()
        nulls = f" NULLS {match.group('nulls').upper()}" if match.group("nulls") else ""
        parts.append(f"{column} {direction}{nulls}")
        names.append(name)
    if ID not in names and (not params.distinct or ID in selected):
        # Ties in ``_id`` order: the same page every time, and pages that neither skip nor
        # repeat a row (a parallel scan returns tied rows in any order; the stored order of
        # rows is not the file's, see load._cluster).
        parts.append(f"{quote(ID)} ASC")
    return "ORDER BY " + ", ".join(parts), names


def search(table: Table, params: SearchParams) -> dict[str, Any]:
    """The result keys CKAN computes: ``fields``, ``records``, ``total``, ``next_page``."""
    shown = list(table.fields)
    if params.fields is not None:
        for name in params.fields:
            _column(table, name, "fields")
        shown = [next(f for f in table.fields if f["id"] == n) for n in params.fields]
    selected = [f["id"] for f in shown]
    clauses, values = _where(table, params)
    order, sort_names = _order(table, params, selected)
    columns = ", ".join(quote(n) for n in selected)
    distinct = "DISTINCT " if params.distinct else ""
    equal = {
        str(name): _value(str(name), table.types[str(name)], wanted)
        for name, wanted in params.filters.items()
        if wanted is not None and not isinstance(wanted, dict | list)
    }
    con, clustering, in_memory = search_connections.cursor(table.path)
    # A filter on a key of the clustered copy reads a few of its row groups; otherwise the
    # table in the file's order (the default page and q pages are in its first row groups).
    source = "c" if set(clustering.keys) & {str(n) for n in params.filters} else "t"
    # In memory (t in the clustered order), the rows with equal values of the keys lie in
    # one run of row ids: only it is scanned.
    span = clustering.span(equal)
    if span is not None:
        source = "t"
        clauses.insert(0, "rowid BETWEEN ? AND ?")
        values[:0] = list(span)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    # A filtered page of a table in memory counts its rows in the same scan (a window over
    # the matching rows); a file's table, whose matches may be millions, is counted apart.
    counted = bool(in_memory and clauses and params.include_total and not distinct and params.limit)
    total_column = ", count(*) OVER () AS _total" if counted else ""
    statement = (
        f"SELECT {distinct}{columns}{total_column} FROM {source}{where} {order} LIMIT ? OFFSET ?"  # noqa: S608
    )
    try:
        with Interrupter(con, timeout_seconds()):
            rows: list[tuple[Any, ...]] = []
            total = None
            if params.include_records and params.limit:
                rows = con.execute(statement, [*values, params.limit, params.offset]).fetchall()
                if counted and rows:
                    total = int(rows[0][-1])
                    rows = [row[:-1] for row in rows]
            if params.include_total and total is None:
                inner = f"SELECT {distinct}{columns} FROM {source}{where}"  # noqa: S608
                row = con.execute(f"SELECT count(*) FROM ({inner})", values).fetchone()  # noqa: S608
                total = int(row[0]) if row else 0
    except duckdb.InterruptException:
        # A clear refusal, not a server error (a q over ten million rows on a busy machine).
        raise Invalid(
            fields={
                "q": [
                    _("The query took longer than %(s)s seconds and was stopped.")
                    % {"s": timeout_seconds()}
                ]
            },
            code="datastore_timeout",
        ) from None
    finally:
        con.close()
    result: dict[str, Any] = {"fields": [dict(f) for f in shown]}
    result["records"] = _format(rows, selected, params.records_format)
    if total is not None:
        result["total"] = total
        result["total_was_estimated"] = False
    if params.include_next_page:
        result["next_page"] = _next_page(rows, selected, sort_names, params)
    return result


# Values JSON takes as they are (dates, decimals, NaN and the like are converted).
_PLAIN = frozenset({str, int, bool, type(None)})


def _json_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows with their values as JSON takes them, converted column by column: a column
    of text and integers only (most of them) is passed through untouched."""
    if not rows:
        return rows
    columns = list(zip(*rows, strict=True))
    changed = False
    for i, column in enumerate(columns):
        if not {type(v) for v in column} <= _PLAIN:
            columns[i] = tuple(json_value(v) for v in column)
            changed = True
    return list(zip(*columns, strict=True)) if changed else rows


def _format(rows: list[tuple[Any, ...]], names: list[str], records_format: str) -> Any:
    if records_format == "objects":
        return [dict(zip(names, row, strict=True)) for row in _json_rows(rows)]
    if records_format == "lists":
        return [list(row) for row in _json_rows(rows)]
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n"
    )
    for row in rows:
        writer.writerow(["" if v is None else json_value(v) for v in row])
    return out.getvalue()


def _next_page(
    rows: list[tuple[Any, ...]], names: list[str], sort_names: list[str], params: SearchParams
) -> dict[str, Any] | None:
    """CKAN 2.12's keyset cursor, merged by the client into ``filters``: given when the page
    is sorted by ``_id`` ascending (the default) and may be followed by more rows."""
    if not rows or len(rows) < params.limit or sort_names != [ID] or ID not in names:
        return None
    if params.sort and "desc" in params.sort.lower():
        return None
    last = rows[-1][names.index(ID)]
    return {ID: {"gt": last}}
