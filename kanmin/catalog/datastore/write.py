"""Tables pushed through the API (``datastore_create``, ``datastore_upsert``,
``datastore_delete``): each change writes a whole new version of the Parquet file from the
current one, so that readers keep the all-or-nothing view the loader gives them. ``_id``
stays with its row; new rows get the next ids."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.utils.translation import gettext as _

from kanmin.catalog.datastore.load import ARROW_TYPES, CELL_SEPARATOR, FULL_TEXT, ID, RESERVED
from kanmin.catalog.datastore.query import _value
from kanmin.catalog.datastore.sql import json_value
from kanmin.core.errors import Invalid
from kanmin.core.jp_text import search_key

# CKAN / PostgreSQL type names a client may declare → ours.
TYPE_NAMES = {
    "text": "text",
    "varchar": "text",
    "int": "int",
    "int4": "int",
    "int8": "int",
    "integer": "int",
    "bigint": "int",
    "numeric": "numeric",
    "float": "numeric",
    "float8": "numeric",
    "double": "numeric",
    "date": "date",
    "timestamp": "timestamp",
    "time": "time",
    "bool": "bool",
    "boolean": "bool",
}


def _invalid(key: str, message: str) -> Invalid:
    return Invalid(fields={key: [message]}, code="datastore_write")


def declared_fields(fields: Any) -> list[dict[str, str]]:
    """CKAN's ``fields`` (``[{"id": …, "type": …}]``) checked and in our type names."""
    if fields in (None, ""):
        return []
    if not isinstance(fields, list):
        raise _invalid("fields", _("Not a list"))
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in fields:
        if not isinstance(item, dict) or not str(item.get("id") or "").strip():
            raise _invalid("fields", _("Each field needs an id"))
        name = str(item["id"])
        if name in RESERVED or name.startswith("_"):
            raise _invalid(
                "fields", _("“%(field)s”: names starting with _ are reserved") % {"field": name}
            )
        if name in seen:
            raise _invalid("fields", _("“%(field)s” is given twice") % {"field": name})
        seen.add(name)
        declared = str(item.get("type") or "text").lower()
        if declared not in TYPE_NAMES:
            raise _invalid(
                "fields",
                _("“%(type)s” is not a type; use one of %(types)s")
                % {"type": declared, "types": ", ".join(sorted(set(TYPE_NAMES)))},
            )
        out.append({"id": name, "type": TYPE_NAMES[declared]})
    return out


def current_rows(path: Any) -> list[dict[str, Any]]:
    if path is None:
        return []
    table = pq.read_table(path)
    return table.drop_columns([FULL_TEXT]).to_pylist()


def merge(
    rows: list[dict[str, Any]],
    fields: list[dict[str, str]],
    records: list[dict[str, Any]],
    *,
    method: str,
    primary_key: list[str],
) -> list[dict[str, Any]]:
    """``rows`` with ``records`` inserted, upserted or updated by ``primary_key``."""
    types = {f["id"]: f["type"] for f in fields}
    checked: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise _invalid("records", _("Record %(n)s is not an object") % {"n": index + 1})
        unknown = [k for k in record if k not in types and k != ID]
        if unknown:
            raise _invalid(
                "records",
                _("Record %(n)s: no such field: %(fields)s")
                % {"n": index + 1, "fields": ", ".join(unknown)},
            )
        checked.append(
            {k: _value(k, types[k], v, key="records") for k, v in record.items() if k != ID}
        )
    next_id = max((int(r[ID]) for r in rows), default=0) + 1
    if method == "insert":
        for record in checked:
            rows.append({ID: next_id, **record})
            next_id += 1
        return rows
    if not primary_key:
        raise _invalid("method", _("upsert and update need a primary key (datastore_create)"))
    index_of = {tuple(r.get(k) for k in primary_key): i for i, r in enumerate(rows)}
    for number, record in enumerate(checked, start=1):
        key = tuple(record.get(k) for k in primary_key)
        if any(v is None for v in key):
            raise _invalid(
                "records",
                _("Record %(n)s: the primary key %(key)s is missing")
                % {"n": number, "key": ", ".join(primary_key)},
            )
        at = index_of.get(key)
        if at is not None:
            rows[at] = {**rows[at], **record}
        elif method == "update":
            raise _invalid(
                "records",
                _("Record %(n)s: no row has the key %(key)s")
                % {"n": number, "key": json_value(list(key))},
            )
        else:
            rows.append({ID: next_id, **record})
            index_of[key] = len(rows) - 1
            next_id += 1
    return rows


def without(rows: list[dict[str, Any]], fields: list[dict[str, str]], filters: dict[str, Any]):
    """``rows`` minus those matching every filter (a value, or a list of values)."""
    types = {f["id"]: f["type"] for f in fields}
    wanted: dict[str, list[Any]] = {}
    for name, value in filters.items():
        if name not in types:
            raise _invalid("filters", _("field “%(field)s” not in table") % {"field": name})
        values = value if isinstance(value, list) else [value]
        wanted[name] = [_value(name, types[name], v) for v in values]
    return [r for r in rows if not all(r.get(k) in vs for k, vs in wanted.items())]


def to_table(rows: list[dict[str, Any]], fields: list[dict[str, str]]) -> pa.Table:
    """Rows (``_id`` and the fields) → the Arrow table the DataStore stores."""
    names = [f["id"] for f in fields if f["id"] != ID]
    arrays = [pa.array([r[ID] for r in rows], pa.int64())]
    for f in fields:
        if f["id"] == ID:
            continue
        arrays.append(pa.array([r.get(f["id"]) for r in rows], ARROW_TYPES[f["type"]]))
    texts = []
    for r in rows:
        cells = ["" if r.get(n) is None else str(json_value(r.get(n))) for n in names]
        texts.append(search_key(CELL_SEPARATOR.join(cells)))
    arrays.append(pa.array(texts, pa.string()))
    table = pa.table(arrays, names=[ID, *names, FULL_TEXT])
    return table.sort_by(ID) if len(rows) else table


def check_unique(table: pa.Table, primary_key: list[str]) -> None:
    if not primary_key or table.num_rows == 0:
        return
    groups = table.group_by(primary_key).aggregate([([], "count_all")])
    if pc.max(groups["count_all"]).as_py() > 1:
        raise _invalid(
            "primary_key",
            _("The rows are not unique on %(key)s") % {"key": ", ".join(primary_key)},
        )
