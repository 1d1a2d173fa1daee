# ruff: noqa: S608  (identifiers are checked against the table's columns and quoted)
"""The peer of ``bench_datastore.py``'s requests/s figure: CKAN's ``datastore_search`` minus
CKAN, as a WSGI app for gunicorn (the same server and shape as ``kanmin serve``).

``GET /api/3/action/datastore_search?resource_id=<table>&filters=<json>&sort=<col dir>&limit=N``
runs what CKAN's action runs on its DataStore database — the page
(``SELECT _id, … WHERE "c" = %s AND … ORDER BY … LIMIT n OFFSET 0``) and the total
(``SELECT count(*) FROM (…)``) — and answers CKAN's envelope (``help``, ``success``,
``result`` with ``fields``, ``records``, ``total``, ``_links``) as JSON. Each server thread
keeps one connection (a pool of one per thread, never shared). The table's columns are read
once per process (CKAN reads them on every request). Configuration from the environment:
``PEER_PG_URL`` and ``PEER_TABLE``. Nothing here is Kanmin's; it exists to be measured.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import urllib.parse
from decimal import Decimal
from typing import Any

import psycopg

PG_URL = os.environ.get("PEER_PG_URL", "")
TABLE = os.environ.get("PEER_TABLE", "")
TYPES = {"int4": "int", "numeric": "numeric", "date": "date", "text": "text"}

_local = threading.local()
_columns: dict[str, str] = {}
_columns_lock = threading.Lock()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(PG_URL, autocommit=True)
        _local.conn = conn
    return conn


def _table_columns(conn: psycopg.Connection) -> dict[str, str]:
    with _columns_lock:
        if not _columns:
            rows = conn.execute(
                "SELECT column_name, udt_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name <> '_full_text' ORDER BY ordinal_position",
                [TABLE],
            ).fetchall()
            _columns.update(dict(rows))
        return _columns


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _search(params: dict[str, str]) -> dict[str, Any]:
    conn = _connection()
    columns = _table_columns(conn)
    if params.get("resource_id") != TABLE:
        raise LookupError(params.get("resource_id"))
    clauses, values = [], []
    for name, value in json.loads(params.get("filters") or "{}").items():
        if name not in columns:
            raise KeyError(name)
        clauses.append(f"{_quote(name)} = %s")
        values.append(value)
    where = " AND ".join(clauses) or "true"
    order = "_id"
    if params.get("sort"):
        name, _, direction = params["sort"].strip().partition(" ")
        if name not in columns or direction.lower() not in ("", "asc", "desc"):
            raise KeyError(name)
        order = f"{_quote(name)} {direction or 'asc'}"
    limit = int(params.get("limit") or 100)
    offset = int(params.get("offset") or 0)
    selected = ", ".join(_quote(c) for c in columns)
    page = conn.execute(
        f"SELECT {selected} FROM {_quote(TABLE)} WHERE {where} ORDER BY {order}"
        f" LIMIT {limit} OFFSET {offset}",
        values,
    ).fetchall()
    total = conn.execute(
        f"SELECT count(*) FROM (SELECT {selected} FROM {_quote(TABLE)} WHERE {where}) AS t",
        values,
    ).fetchone()
    names = list(columns)
    base = "/api/3/action/datastore_search?" + urllib.parse.urlencode(
        {k: v for k, v in params.items() if k not in ("offset", "limit")}
    )
    return {
        "include_total": True,
        "limit": limit,
        "records_format": "objects",
        "resource_id": TABLE,
        "fields": [{"id": n, "type": TYPES.get(columns[n], columns[n])} for n in names],
        "records": [{n: _json_value(v) for n, v in zip(names, row, strict=True)} for row in page],
        "total": int(total[0]) if total else 0,
        "total_was_estimated": False,
        "_links": {
            "start": f"{base}&limit={limit}",
            "next": f"{base}&limit={limit}&offset={offset + limit}",
        },
    }


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/api/3":
        body = b'{"version": 3}'
        status = "200 OK"
    elif path == "/api/3/action/datastore_search":
        params = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        envelope: dict[str, Any] = {
            "help": "http://127.0.0.1/api/3/action/help_show?name=datastore_search"
        }
        try:
            envelope.update({"success": True, "result": _search(params)})
            status = "200 OK"
        except (LookupError, ValueError) as exc:
            envelope.update(
                {"success": False, "error": {"__type": "Validation Error", "message": str(exc)}}
            )
            status = "409 Conflict"
        body = json.dumps(envelope).encode()
    else:
        body = b'"Not found"'
        status = "404 Not Found"
    start_response(
        status,
        [("Content-Type", "application/json;charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
