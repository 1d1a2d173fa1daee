"""A locked-down DuckDB connection, and ``datastore_search_sql``: one read-only SELECT over
the tables of resources, named by resource id in double quotes as in CKAN.

The connection is in memory. The allowed tables are registered as views *before* it is
locked; then file access is off (``enable_external_access=false``, with only the tables' own
files in ``allowed_paths``), extensions can be neither installed nor loaded, and the
configuration is locked (``lock_configuration=true``), so that ``SET``/``PRAGMA`` cannot undo
any of it. Memory and threads are capped; a timer interrupts a query that runs too long; at
most ``rows_max`` rows are read. The statement is checked first (one statement, a SELECT,
no file, catalog or configuration function), so that each refusal says what is not allowed.
"""

from __future__ import annotations

import heapq
import json
import math
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils.translation import gettext as _

from kanmin.catalog.datastore.load import CLUSTER_KEYS_META, FULL_TEXT, clustered_path
from kanmin.catalog.datastore.names import SQL_MAX_CHARS, quote
from kanmin.core.errors import Invalid


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def timeout_seconds() -> float:
    return float(_setting("KANMIN_DATASTORE_SQL_TIMEOUT", 10.0))


def rows_max() -> int:
    return int(_setting("KANMIN_DATASTORE_ROWS_MAX", 32000))


def memory_limit() -> str:
    return str(_setting("KANMIN_DATASTORE_MEMORY", "512MB"))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(tables: Mapping[str, Path], *, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection where each of ``tables`` (view name → Parquet file) is a
    view, and nothing else can be read, written, installed, loaded or reconfigured."""
    con = duckdb.connect(
        ":memory:",
        config={
            "threads": threads,
            "memory_limit": memory_limit(),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
        },
    )
    try:
        con.execute("SET parquet_metadata_cache = true")  # kept: see sandbox_connections
        for name, path in tables.items():
            con.execute(
                f"CREATE VIEW {quote(name)} AS SELECT * EXCLUDE ({quote(FULL_TEXT)})"  # noqa: S608
                f" FROM read_parquet({_literal(str(path))})"
            )
        _lock(con, list(tables.values()))
    except BaseException:
        con.close()
        raise
    return con


def memory_table_bytes() -> int:
    """A table file up to this size is copied into the search connection's memory; larger
    ones are read from the file (see :func:`connect_search`)."""
    return int(_setting("KANMIN_DATASTORE_MEMORY_TABLE_MB", 16)) * 1024 * 1024


def memory_cache_bytes() -> int:
    """The most table bytes (by file size) one process keeps in memory at a time."""
    return int(_setting("KANMIN_DATASTORE_MEMORY_CACHE_MB", 128)) * 1024 * 1024


def _search_database(memory: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        ":memory:",
        config={
            "threads": 2,
            "memory_limit": memory_limit(),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "late_materialization_max_rows": LATE_ROWS,
        },
    )
    try:
        if not memory:
            con.execute("SET parquet_metadata_cache = true")  # (an extension's, not connect's)
    except BaseException:
        con.close()
        raise
    return con


def _lock(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    if paths:
        allowed = ", ".join(_literal(str(p)) for p in paths)
        con.execute(f"SET allowed_paths = [{allowed}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


@dataclass(frozen=True)
class Clustering:
    """What a search connection knows of the table's order: the clustered copy's key columns
    (empty without one) and, for a table copied into memory from that copy, the span of row
    ids of each run of key values (by each prefix of the keys)."""

    keys: list[str]
    spans: dict[tuple[Any, ...], tuple[int, int]] | None = None

    def span(self, equal: Mapping[str, Any]) -> tuple[int, int] | None:
        """The row ids (first, last) that can hold the rows whose key columns equal the
        text values in ``equal``, taken along the keys from the first; None when the first
        key is not among them (or the table is not in memory). A value the table does not
        hold spans nothing: (0, -1)."""
        if self.spans is None:
            return None
        prefix: list[str] = []
        for key in self.keys:
            value = equal.get(key)
            if not isinstance(value, str):
                break
            prefix.append(value)
        if not prefix:
            return None
        return self.spans.get(tuple(prefix), (0, -1))


def _spans(
    con: duckdb.DuckDBPyConnection, keys: list[str]
) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Each prefix of the key values → the first and last row id holding it."""
    columns = ", ".join(quote(k) for k in keys)
    spans: dict[tuple[Any, ...], tuple[int, int]] = {}
    rows = con.execute(
        f"SELECT {columns}, min(rowid), max(rowid) FROM t GROUP BY ALL"  # noqa: S608
    ).fetchall()
    for row in rows:
        values, first, last = row[: len(keys)], int(row[-2]), int(row[-1])
        for n in range(1, len(keys) + 1):
            known = spans.get(values[:n])
            spans[values[:n]] = (
                (first, last) if known is None else (min(known[0], first), max(known[1], last))
            )
    return spans


def connect_search(
    path: Path, *, memory: bool = False
) -> tuple[duckdb.DuckDBPyConnection, Clustering]:
    """The connection ``datastore_search`` uses: the table as ``t`` (with ``_full_text``)
    and, when the load stored a clustered copy (``load._cluster``), that copy as ``c``; and
    what it knows of the copy's order (:class:`Clustering`).

    With ``memory``, ``t`` is a copy of the table in the connection's memory (and ``c`` the
    same table: in memory a scan of the whole table costs less than reading a few row groups
    of a file), in the clustered copy's order where there is one, with the row ids of each
    run of key values (a filter on them scans that run only); else views of the files:
    Parquet metadata is cached in the connection (a query does not read the footer again),
    and a page of up to ``LATE_ROWS`` rows is materialized late: the filters and the sort
    read only their columns, and the other columns are read for the page's rows only."""
    clustered = clustered_path(path)
    keys: list[str] = []
    try:
        meta = pq.read_schema(clustered).metadata or {}
        keys = [str(k) for k in json.loads(meta.get(CLUSTER_KEYS_META, b"[]"))]
    except (OSError, ValueError, pa.ArrowException):
        keys = []
    con = _search_database(memory)
    try:
        source = f"read_parquet({_literal(str(clustered if keys else path))})"
        if memory:
            con.execute(f"CREATE TABLE t AS SELECT * FROM {source}")  # noqa: S608
            con.execute("CREATE VIEW c AS SELECT * FROM t")
            # A column of the table named rowid would hide DuckDB's row id.
            columns = {str(row[0]).lower() for row in con.execute("DESCRIBE t").fetchall()}
            spans = _spans(con, keys) if keys and "rowid" not in columns else None
            _lock(con, [])
            return con, Clustering(keys, spans)
        con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet({_literal(str(path))})")  # noqa: S608
        paths = [path]
        if keys:
            con.execute(f"CREATE VIEW c AS SELECT * FROM {source}")  # noqa: S608
            paths.append(clustered)
        _lock(con, paths)
    except BaseException:
        con.close()
        raise
    return con, Clustering(keys)


# Pages up to this many rows are read late (DuckDB's default, 50, is below CKAN's default page
# of 100).
LATE_ROWS = 1000
# Connections kept per process, one per table file (the least recently used is closed).
SEARCH_CONNECTIONS = 16


def _identity(path: Path) -> tuple[str, int, int, int]:
    """A file as a connection cache keys it: a file is never changed in place (a new version
    is a new file), and its inode, size and time tell a file written again under the same
    name (a table deleted and created anew) from the one a connection was opened on."""
    stat = os.stat(path)
    return (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)


class _Connections:
    """This process's open DuckDB connections, by the files they read; the least recently
    used is closed beyond ``size``. Opening one (a database, views, the locks, the files'
    metadata, for a small table its rows) costs more than a query on a small table. A caller
    gets a cursor of its own (close it after use); a forked child opens its own."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.pid = 0
        self.open: OrderedDict[tuple[Any, ...], tuple[duckdb.DuckDBPyConnection, Any, int]] = (
            OrderedDict()
        )

    def get(
        self,
        key: tuple[Any, ...],
        make: Callable[[bool], tuple[duckdb.DuckDBPyConnection, Any]],
        memory_bytes: int = 0,
    ) -> tuple[duckdb.DuckDBPyConnection, Any, bool]:
        """A cursor of the connection kept under ``key``, else of a new one from ``make``;
        ``make(True)`` when the connection may hold ``memory_bytes`` of table in memory (the
        process's budget allows), ``make(False)`` otherwise; what ``make`` gave beside the
        connection; and whether it holds the table in memory."""
        with self.lock:
            if self.pid != os.getpid():  # a forked child: the parent's connections are not ours
                self.open = OrderedDict()
                self.pid = os.getpid()
            found = self.open.get(key)
            if found is not None:
                self.open.move_to_end(key)
                return found[0].cursor(), found[1], found[2] > 0
            held = sum(kept[2] for kept in self.open.values())
        memory = 0 < memory_bytes <= memory_table_bytes() and held + memory_bytes <= (
            memory_cache_bytes()
        )
        con, extra = make(memory)
        made = (con, extra, memory_bytes if memory else 0)
        with self.lock:
            kept = self.open.setdefault(key, made)
            self.open.move_to_end(key)
            while len(self.open) > self.size:
                self.open.popitem(last=False)[1][0].close()
        if kept is not made:
            con.close()
        return kept[0].cursor(), kept[1], kept[2] > 0

    def cursor(self, path: Path) -> tuple[duckdb.DuckDBPyConnection, Clustering, bool]:
        """For ``datastore_search``: a cursor of the file's connection (see
        :func:`connect_search`), what it knows of the clustered copy, and whether the table
        is in memory."""
        try:
            key = _identity(path)
        except OSError:
            return (*connect_search(path), False)  # raises duckdb.IOException as for no file
        return self.get(key, lambda memory: connect_search(path, memory=memory), key[2])

    def clear(self) -> None:
        with self.lock:
            for con, _extra, _bytes in self.open.values():
                con.close()
            self.open.clear()


search_connections = _Connections(SEARCH_CONNECTIONS)
# The locked connections of datastore_search_sql, by the set of tables a statement names.
sandbox_connections = _Connections(SEARCH_CONNECTIONS)


class _Watchdog:
    """One thread per process that interrupts connections whose deadline has passed (a
    thread started for each query cost about as much as a page query on a small table)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.deadlines: list[tuple[float, int, Interrupter]] = []
        self.count = 0
        self.pid = 0

    def add(self, interrupter: Interrupter, seconds: float) -> None:
        with self.cond:
            if self.pid != os.getpid():  # a forked child has no thread: start its own
                self.pid = os.getpid()
                self.deadlines = []
                threading.Thread(target=self._run, name="duckdb-watchdog", daemon=True).start()
            self.count += 1
            heapq.heappush(self.deadlines, (time.monotonic() + seconds, self.count, interrupter))
            self.cond.notify()

    def _run(self) -> None:
        with self.cond:
            while True:
                now = time.monotonic()
                while self.deadlines and (self.deadlines[0][2].done or self.deadlines[0][0] <= now):
                    _deadline, _n, interrupter = heapq.heappop(self.deadlines)
                    if not interrupter.done:
                        interrupter.fire()
                wait = self.deadlines[0][0] - now if self.deadlines else None
                self.cond.wait(wait)


_watchdog = _Watchdog()


class Interrupter:
    """Interrupt the connection's query after ``seconds``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, seconds: float) -> None:
        self.fired = False
        self.done = False
        self.con = con
        self.seconds = seconds

    def fire(self) -> None:
        self.fired = True
        self.con.interrupt()

    def __enter__(self) -> Interrupter:
        _watchdog.add(self, self.seconds)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.done = True  # the watchdog drops it when its deadline comes up


# --------------------------------------------------------------------------------------------
# The statement check
# --------------------------------------------------------------------------------------------

# Functions and relations a query may not name: files, the catalog of the connection (it
# would show the tables' paths), settings, and SQL run from a string.
_FORBIDDEN_PREFIXES = ("read_", "parquet_", "iceberg_", "delta_")
_CATALOG_PREFIXES = ("duckdb_", "pragma_", "sqlite_", "pg_")
_FORBIDDEN_NAMES = frozenset(
    {
        "glob",
        "csv_scan",
        "parquet_scan",
        "json_scan",
        "sniff_csv",
        "query",
        "query_table",
        "current_setting",
        "getvariable",
        "setvariable",
        "getenv",
        "information_schema",
        "pg_catalog",
        "system",
        "temp",
        "main",
        "json_execute_serialized_sql",
        "test_all_types",
        "which_secret",
        "load_aws_credentials",
        "httpfs",
    }
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


def refuse(message: str) -> Invalid:
    return Invalid(fields={"sql": [message]}, code="datastore_sql")


@dataclass
class Checked:
    sql: str
    table_ids: list[str]


def check(sql: str) -> Checked:
    """Refuse what is not one read-only SELECT over quoted resource ids; return the ids."""
    if not sql or not sql.strip():
        raise refuse(_("Missing value: give one SELECT statement."))
    if len(sql) > SQL_MAX_CHARS:
        raise refuse(
            _("The statement is too long (at most %(n)s characters).") % {"n": SQL_MAX_CHARS}
        )
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise refuse(
            _("The statement cannot be read: %(error)s") % {"error": _first_line(exc)}
        ) from None
    if len(statements) != 1:
        raise refuse(
            _("Only one statement is allowed; this text holds %(n)s.") % {"n": len(statements)}
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        name = str(kind).rsplit(".", 1)[-1]
        raise refuse(
            _(
                "Only a SELECT statement is allowed, not %(kind)s (no COPY, ATTACH, INSTALL, "
                "LOAD, SET, PRAGMA or change of data)."
            )
            % {"kind": name}
        )
    tokens = duckdb.tokenize(sql)
    raw = sql.encode()  # the tokenizer's positions are offsets in the UTF-8 bytes
    ids: list[str] = []
    for index, (start, token_type) in enumerate(tokens):
        end = tokens[index + 1][0] if index + 1 < len(tokens) else len(raw)
        text = raw[start:end].decode(errors="replace").strip()
        if str(token_type).endswith("identifier") or str(token_type).endswith("keyword"):
            quoted = text.startswith('"')
            name = text.strip('"').replace('""', '"') if quoted else text.lower()
            if quoted and _UUID.match(name):
                ids.append(name)
                continue
            lowered = name.lower()
            follows = raw[end:].decode(errors="replace").lstrip()[:1] if not quoted else ""
            # A file function is one called (a column may be named read_count); the
            # connection's catalog is refused however it is named.
            if (
                lowered in _FORBIDDEN_NAMES
                or lowered.startswith(_CATALOG_PREFIXES)
                or (lowered.startswith(_FORBIDDEN_PREFIXES) and follows == "(")
            ):
                raise refuse(
                    _(
                        "“%(name)s” is not allowed: a query reads only the tables of resources, "
                        "named by their id in double quotes."
                    )
                    % {"name": name}
                )
    if not ids:
        raise refuse(
            _(
                "Name the tables by their resource id in double quotes: "
                'SELECT * FROM "<resource id>".'
            )
        )
    return Checked(sql=statements[0].query, table_ids=list(dict.fromkeys(ids)))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --------------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A DuckDB value as JSON: dates and times in ISO 8601, NaN/inf as null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def ckan_type(duck_type: str) -> str:
    """CKAN's type name for a DuckDB result column type."""
    t = duck_type.upper()
    if t in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return "int"
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
        return "numeric"
    if t == "BOOLEAN":
        return "bool"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t.startswith("TIME"):
        return "time"
    return "text"


def run(
    sql: str,
    resolve: Callable[[list[str]], dict[str, Path]],
    *,
    limit: int | None = None,
) -> dict[str, Any]:
    """Check ``sql``, register the tables ``resolve`` gives for its ids (it raises for one
    the caller may not read), run it in the locked connection and return CKAN's answer."""
    checked = check(sql)
    tables = resolve(checked.table_ids)
    cap = min(limit or rows_max(), rows_max())
    try:
        key = tuple(sorted((name, *_identity(path)) for name, path in tables.items()))
    except OSError:
        con = connect(tables)  # raises duckdb.IOException as a missing file does
    else:
        con, _nothing, _memory = sandbox_connections.get(
            key, lambda _memory: (connect(tables), None)
        )
    try:
        with Interrupter(con, timeout_seconds()) as timer:
            try:
                cursor = con.execute(checked.sql)
                rows = cursor.fetchmany(cap + 1)
            except duckdb.PermissionException:
                raise refuse(
                    _(
                        "Files, extensions and settings cannot be used: a query reads only the "
                        "tables of resources."
                    )
                ) from None
            except duckdb.InterruptException:
                raise refuse(
                    _(
                        "The query took longer than %(s)s seconds and was stopped. Filter or "
                        "aggregate more, or use datastore_search."
                    )
                    % {"s": timeout_seconds()}
                ) from None
            except duckdb.OutOfMemoryException:
                raise refuse(_("The query needs more memory than a query may use.")) from None
            except duckdb.Error as exc:
                if timer.fired:
                    raise refuse(
                        _("The query took longer than %(s)s seconds and was stopped.")
                        % {"s": timeout_seconds()}
                    ) from None
                raise refuse(_first_line(exc)) from None
        description = cursor.description or []
    finally:
        con.close()
    names = [d[0] for d in description]
    fields = [{"id": d[0], "type": ckan_type(str(d[1]))} for d in description]
    truncated = len(rows) > cap
    records = [
        {name: json_value(v) for name, v in zip(names, row, strict=True)} for row in rows[:cap]
    ]
    answer: dict[str, Any] = {"sql": sql, "records": records, "fields": fields}
    if truncated:
        answer["records_truncated"] = True
    return answer
