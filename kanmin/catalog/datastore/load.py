"""A resource's file (CSV, TSV, a sheet of an .xlsx) → a typed Parquet file.

Reading goes through the standards engine's reader (kind from the bytes, the BOM → UTF-8 →
CP932 cascade, never cp1252; the .xlsx safety checks). Column types come from the national
schema when the file follows one, and are inferred otherwise; a value that does not fit the
schema's type makes that column text rather than losing the value. Every row gets ``_id``
(1, 2, …) and ``_full_text``: the row's cells folded as the catalog's search folds text
(:func:`kanmin.core.jp_text.search_key`), so that a ``q`` is a plain substring test and finds
Japanese words of any length.

The file is written under a temporary name in the table's folder, flushed to disk and only
then renamed to its version's name (:func:`publish`); the database pointer is moved by the
caller in one transaction. A crash leaves at most a temporary file, which the next load
removes.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import json
import os
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kanmin.core.jp_text import SEARCH_KEY_FIXED, search_key

# Between the folded cells of ``_full_text``: not whitespace (search_key removes that), left
# alone by NFKC, and not something people type, so a q never matches across two cells.
CELL_SEPARATOR = "\u241f"
ID = "_id"
FULL_TEXT = "_full_text"
RESERVED = frozenset({ID, FULL_TEXT})
BATCH_ROWS = 50_000
ROW_GROUP_ROWS = 128 * 1024
# The clustered copy's row groups are smaller: its point is to read little around a value.
# 16k rows read less but made 611 groups at 10M rows, whose statistics and page indexes cost
# each query more than the rows they spared (benchmarks/README.md).
CLUSTERED_ROW_GROUP_ROWS = 64 * 1024
# Clustering (see _cluster): at most this many key columns, each of at most this many values.
CLUSTER_KEYS = 3
CLUSTER_MAX_VALUES = 10_000
# A column empty in more than this share of rows (remarks, 備考) is not a key: its few
# values would come before the categories people filter on.
CLUSTER_MAX_EMPTY = 0.05
CLUSTER_KEYS_META = b"kanmin.cluster_keys"
CLUSTERED_SUFFIX = ".clustered.parquet"
TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 6 * 3600

# Arrow type of each CKAN type name the DataStore answers with.
ARROW_TYPES: dict[str, pa.DataType] = {
    "int": pa.int64(),
    "numeric": pa.float64(),
    "text": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "time": pa.time32("s"),
    "bool": pa.bool_(),
}
# Frictionless Table Schema type → CKAN type name.
SCHEMA_TYPES = {
    "integer": "int",
    "number": "numeric",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "boolean": "bool",
}

_INT = r"^-?(0|[1-9][0-9]{0,17})$"  # no leading zeros: codes (0986…, 01) stay text
_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATE_SLASH = r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}$"
_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
_TIME = r"^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$"


class LoadError(Exception):
    """The file cannot be loaded; ``code`` and ``params`` say why (a reader's ReadError code,
    or ``no_columns``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


@dataclass
class Built:
    """A table written to a temporary file, not yet published."""

    temp_path: Path
    rows: int
    fields: list[dict[str, str]]
    encoding: str
    schema: str = ""
    notes: list[str] = field(default_factory=list)
    # The same rows stored clustered (see _cluster), or None for a small table.
    clustered_temp: Path | None = None

    def discard(self) -> None:
        """Remove the temporary files (a load that is not published)."""
        self.temp_path.unlink(missing_ok=True)
        if self.clustered_temp is not None:
            self.clustered_temp.unlink(missing_ok=True)


def column_names(header: list[str]) -> list[str]:
    """The header as unique, non-empty column names (``_id``/``_full_text`` are ours)."""
    names: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(header, start=1):
        name = (raw or "").strip().lstrip("\ufeff") or f"column_{index}"
        if name in RESERVED:
            name = f"{name}_{index}"
        base, n = name, 2
        while name in seen:
            name = f"{base}_{n}"
            n += 1
        seen.add(name)
        names.append(name)
    return names


def _text_table(records: list[list[str]], names: list[str]) -> pa.Table:
    """Records (lists of cells) as a table of text columns: short records padded, long ones
    cut to the header's width, empty cells null, blank records left out."""
    width = len(names)
    cells: list[list[str | None]] = [[] for _ in names]
    for record in records:
        if not any(record):
            continue  # a blank line, or a row of empty cells
        if len(record) < width:
            record = record + [""] * (width - len(record))
        for i in range(width):
            value = record[i]
            cells[i].append(value if value != "" else None)
    return pa.table([pa.array(c, pa.string()) for c in cells], names=names)


def _parsed(data: bytes, names: list[str], delimiter: str) -> pa.Table | None:
    """A chunk of whole UTF-8 records parsed by Arrow's CSV reader (in C++, about 30 times
    faster than the csv module and a Python loop per cell); None when a record does not
    have the header's width, which only the csv module's path pads or cuts."""
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names),
            # Without a quote no value can hold a line break: the reader can split the
            # chunk into blocks freely (faster).
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=b'"' in data),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.num_rows == 0:
        return table
    # Rows of empty cells only (",,,") are left out, as the csv module's path does.
    empty = functools.reduce(pc.and_, [pc.is_null(c) for c in table.columns])
    kept = pc.invert(empty)
    return table if pc.all(kept).as_py() else table.filter(kept)


def _batches(source: Any, names: list[str]) -> Iterator[pa.Table]:
    """The file's records as tables of text columns, a chunk at a time."""
    if source.kind == "xlsx":
        for records in source.records(BATCH_ROWS):
            yield _text_table(records, names)
        return
    row = source.header_rows + 1
    for chunk in source.chunks():
        encoding = source.decide_encoding(chunk, row)
        row += chunk.count(b"\n")
        data = chunk if encoding == "utf-8" else chunk.decode(encoding).encode("utf-8")
        table = _parsed(data, names, source.delimiter)
        if table is None:
            text = chunk.decode(encoding)
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter))
            table = _text_table(records, names)
        yield table


def _schema_types(schema: Any, names: list[str]) -> dict[str, str]:
    if schema is None:
        return {}
    by_name: dict[str, str] = {}
    for f in schema.fields:
        # A string of the schema stays text even when every value is digits (codes).
        by_name[unicodedata.normalize("NFKC", f.name.strip())] = SCHEMA_TYPES.get(f.type, "text")
    found: dict[str, str] = {}
    for name in names:
        kind = by_name.get(unicodedata.normalize("NFKC", name))
        if kind:
            found[name] = kind
    return found


def _all_match(column: pa.ChunkedArray, pattern: str) -> bool:
    valid = column.drop_null()
    if len(valid) == 0:
        return False
    if not re.match(pattern, valid[0].as_py()):  # most columns fail on their first value
        return False
    return bool(pc.all(pc.match_substring_regex(valid, pattern)).as_py())


def _cast(column: pa.ChunkedArray, kind: str) -> pa.ChunkedArray | None:
    """The text column as ``kind``, or None when a value does not fit."""
    valid = column.drop_null()
    try:
        if kind == "int":
            if len(valid) and not _all_match(column, _INT):
                return None
            return pc.cast(column, pa.int64())
        if kind == "numeric":
            trimmed = pc.utf8_trim_whitespace(column)
            return pc.cast(trimmed, pa.float64())
        if kind == "date":
            if len(valid) and _all_match(column, _DATE_SLASH):
                stamps = pc.strptime(column, format="%Y/%m/%d", unit="s")
                return pc.cast(stamps, pa.date32())
            if len(valid) and not _all_match(column, _DATE):
                return None
            return pc.cast(pc.cast(column, pa.timestamp("s")), pa.date32())
        if kind == "timestamp":
            return pc.cast(pc.replace_substring(column, "T", " "), pa.timestamp("s"))
        if kind == "time":
            if len(valid) and not _all_match(column, _TIME):
                return None
            values: list[dt.time | None] = []
            for value in column.to_pylist():
                if value is None:
                    values.append(None)
                    continue
                parts = [int(p) for p in value.split(":")]
                if parts[0] > 23 or parts[1] > 59 or (len(parts) > 2 and parts[2] > 59):
                    return None
                values.append(dt.time(parts[0], parts[1], parts[2] if len(parts) > 2 else 0))
            return pa.chunked_array([pa.array(values, pa.time32("s"))])
        if kind == "bool":
            lowered = pc.utf8_lower(column)
            truthy = pc.is_in(lowered, value_set=pa.array(["true", "1", "yes", "有", "はい"]))
            falsy = pc.is_in(lowered, value_set=pa.array(["false", "0", "no", "無", "いいえ"]))
            if not pc.all(pc.or_(pc.or_(truthy, falsy), pc.is_null(column))).as_py():
                return None
            return pc.if_else(pc.is_null(column), None, truthy)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return column


def _infer(column: pa.ChunkedArray) -> str:
    if len(column.drop_null()) == 0:
        return "text"
    if _all_match(column, _INT):
        return "int"
    if _all_match(column, _NUMBER):
        return "numeric"
    if _all_match(column, _DATE) or _all_match(column, _DATE_SLASH):
        return "date"
    if _all_match(column, _TIMESTAMP):
        return "timestamp"
    return "text"


def build(
    source_path: str | Path,
    folder: Path,
    *,
    schema: Any = None,
    progress: Callable[[int], None] | None = None,
) -> Built:
    """Read the file and write its table to a temporary file in ``folder``.

    ``schema``: a :class:`kanmin.standards.Schema` whose field types apply to the columns of
    the same name. Raises :class:`LoadError` (or the standards' ``ReadError``)."""
    from kanmin.standards import open_table

    source = open_table(str(source_path))
    try:
        names = column_names(list(source.header))
        if not names:
            raise LoadError("no_columns")
        batches: list[pa.Table] = []
        rows = 0
        for batch in _batches(source, names):
            batches.append(batch)
            rows += batch.num_rows
            if progress is not None:
                progress(rows)
        encoding = source.encoding_label
    finally:
        source.close()

    text_table = (
        pa.concat_tables(batches)
        if batches
        else pa.table([pa.array([], pa.string()) for _ in names], names=names)
    )
    del batches
    declared = _schema_types(schema, names)
    arrays: list[pa.ChunkedArray | pa.Array] = [pa.array(np.arange(1, rows + 1, dtype=np.int64))]
    fields = [{"id": ID, "type": "int"}]
    folded: list[pa.Array] = []
    notes: list[str] = []
    distinct: dict[str, int] = {}
    # Columns of mostly different values are written without a dictionary, which would only
    # be built to be given up (Parquet falls back to plain values past its page size).
    plain = {ID, FULL_TEXT}
    for name in names:
        # Each distinct value is typed and folded once, then spread to its rows: a column of
        # ten million cells holds a few hundred or thousand values more often than not.
        text = text_table.column(name).combine_chunks()
        encoded = text.dictionary_encode()
        values = pa.chunked_array([encoded.dictionary], pa.string())
        kind = declared.get(name) or _infer(values)
        typed = _cast(values, kind) if kind != "text" else values
        if typed is None:
            if name in declared:
                notes.append(f"{name}: not all values are {kind}; kept as text")
            kind, typed = "text", values
        # A text column is the parsed one; a column whose values fold to themselves (kanji,
        # digits, dates) is its own folded form: only the others are spread anew.
        arrays.append(text if kind == "text" else pc.take(typed, encoded.indices))
        fields.append({"id": name, "type": kind})
        if kind == "text" and text.null_count <= len(text) * CLUSTER_MAX_EMPTY:
            distinct[name] = len(encoded.dictionary)
        if len(encoded.dictionary) > rows // 2:
            plain.add(name)
        keys = _search_keys(encoded.dictionary)
        folded.append(text if keys is None else pc.take(keys, encoded.indices))
    del text_table
    # The row's folded cells, as search_key folds the whole row (folding stops at the
    # separator: search_key of the joined cells is the join of each cell's search_key).
    arrays.append(
        pc.binary_join_element_wise(
            *folded, CELL_SEPARATOR, null_handling="replace", null_replacement=""
        )
        if folded
        else pa.array([], pa.string())
    )
    table = pa.table(arrays, names=[ID, *names, FULL_TEXT])
    temp, clustered_temp = _write_both(table, distinct, folder, plain)
    return Built(
        clustered_temp=clustered_temp,
        temp_path=temp,
        rows=rows,
        fields=fields,
        encoding=encoding,
        schema=getattr(schema, "slug", "") or "",
        notes=notes,
    )


def _search_keys(values: pa.Array) -> pa.Array | None:
    """:func:`search_key` of each of ``values`` (a column's distinct values), or None when
    each is its own key. Only the values with a character outside ``SEARCH_KEY_FIXED`` go
    through Python: codes, numbers, dates and most kanji names are matched in Arrow."""
    moving = pc.invert(pc.match_substring_regex(values, SEARCH_KEY_FIXED))
    if not pc.any(moving).as_py():
        return None
    changed = pa.array([search_key(v) for v in values.filter(moving).to_pylist()], pa.string())
    keys = pc.replace_with_mask(values, moving, changed)
    return None if keys.equals(values) else keys


def _write_both(
    table: pa.Table, distinct: dict[str, int], folder: Path, plain: set[str]
) -> tuple[Path, Path | None]:
    """The table's temporary file, and its clustered copy's when it has one: the copy is
    ordered and written in a second thread while the table is written (Arrow encodes and
    compresses without the GIL, so the two take about the time of one on two cores). On
    failure neither file is left."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(
            lambda: (
                None
                if (clustered := _cluster(table, distinct)) is None
                else write_temp(clustered, folder, CLUSTERED_ROW_GROUP_ROWS, plain)
            )
        )
        try:
            temp = write_temp(table, folder, plain=plain)
        except BaseException:
            with contextlib.suppress(BaseException):
                made = other.result()
                if made is not None:
                    made.unlink(missing_ok=True)
            raise
        try:
            clustered_temp = other.result()
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    return temp, clustered_temp


def _cluster(table: pa.Table, distinct: dict[str, int]) -> pa.Table | None:
    """The rows ordered by the text columns with the fewest values (at most ``CLUSTER_KEYS``
    of 2 to ``CLUSTER_MAX_VALUES`` values, fewest first, hardly ever empty), then ``_id``;
    None for a table of one clustered row group or without such a column.

    Stored beside the table (``<version>.clustered.parquet``): each value of those columns
    lies in a few row groups and pages, so DuckDB skips the rest by their statistics, and a
    search filtering on one of them (区分, 町名 of ten million rows) reads a few hundred
    thousand. The table itself stays in the file's order, where the default page (sorted by
    ``_id``) and a ``q`` page are found in the first row groups. The key columns are written
    in the file's metadata (``CLUSTER_KEYS_META``)."""
    if table.num_rows <= CLUSTERED_ROW_GROUP_ROWS:
        return None
    keys = sorted(
        (n for n, count in distinct.items() if 2 <= count <= CLUSTER_MAX_VALUES),
        key=lambda n: distinct[n],
    )[:CLUSTER_KEYS]
    if not keys:
        return None
    clustered = table.take(_cluster_order(table, keys))
    meta = {CLUSTER_KEYS_META: json.dumps(keys, ensure_ascii=False).encode()}
    return clustered.replace_schema_metadata({**(clustered.schema.metadata or {}), **meta})


def _cluster_order(table: pa.Table, keys: list[str]) -> pa.Array:
    """The row order of ``pc.sort_indices`` by ``keys`` ascending (empty cells last), then
    ``_id``, in about a third of its time: each key's values are ranked once (a few thousand
    at most), the ranks make one integer per row, and a stable sort of those keeps the rows'
    own order, which is ``_id``'s, among equal keys."""
    composite = np.zeros(table.num_rows, dtype=np.int64)
    for name in keys:
        encoded = table.column(name).combine_chunks().dictionary_encode()
        count = len(encoded.dictionary)
        rank = np.empty(count + 1, dtype=np.int64)
        rank[pc.sort_indices(encoded.dictionary).to_numpy()] = np.arange(count, dtype=np.int64)
        rank[count] = count  # an empty cell: after every value
        indices = encoded.indices.fill_null(count).to_numpy(zero_copy_only=False)
        composite = composite * (count + 1) + rank[indices]
    return pa.array(np.argsort(composite, kind="stable"))


def write_temp(
    table: pa.Table, folder: Path, row_group_rows: int = 0, plain: set[str] | None = None
) -> Path:
    """Write ``table`` to a temporary file in ``folder``, flushed to disk; the columns of
    ``plain`` (by default ``_id`` and ``_full_text``) without a dictionary."""
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{uuid.uuid4().hex}{TEMP_SUFFIX}"
    try:
        # Row groups of 128k rows: DuckDB reads them in parallel and skips those whose
        # statistics rule a filter out; the page index lets it skip pages inside them, and
        # read only the pages of a page's rows. ``_full_text`` is nearly unique per row: no
        # dictionary, and LZ4, which a substring scan decompresses about twice as fast as
        # zstd (benchmarks/README.md).
        compression = dict.fromkeys(table.column_names, "zstd")
        if FULL_TEXT in compression:
            compression[FULL_TEXT] = "lz4"
        pq.write_table(
            table,
            temp,
            compression=compression,
            row_group_size=row_group_rows or ROW_GROUP_ROWS,
            use_dictionary=[n for n in table.column_names if n not in (plain or {ID, FULL_TEXT})],
            write_page_index=True,
        )
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def version_name(version: int) -> str:
    return f"{version}.parquet"


_VERSION_FILE = re.compile(r"^([0-9]+)(\.clustered)?\.parquet$")


def clustered_path(path: Path) -> Path:
    """Where a table file's clustered copy is, if it has one."""
    return path.with_name(path.name.removesuffix(".parquet") + CLUSTERED_SUFFIX)


def publish(built: Built, folder: Path, version: int) -> Path:
    """Give the temporary file its version's name (an atomic rename in the same folder); the
    clustered copy first, so that a reader of the new version finds it."""
    final = folder / version_name(version)
    if built.clustered_temp is not None:
        os.replace(built.clustered_temp, clustered_path(final))
    else:
        clustered_path(final).unlink(missing_ok=True)
    os.replace(built.temp_path, final)
    _fsync_dir(folder)
    return final


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def prune(folder: Path, keep: set[int]) -> None:
    """Remove the versions not in ``keep`` and temporary files left by crashed loads. The
    version before the current one is kept: a reader that read the pointer just before it
    moved still finds its file."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        match = _VERSION_FILE.match(entry.name)
        if match and int(match.group(1)) not in keep:
            entry.unlink(missing_ok=True)
        elif entry.name.endswith(TEMP_SUFFIX) and entry.name.startswith("."):
            try:
                stale = time.time() - entry.stat().st_mtime > STALE_TEMP_SECONDS
            except OSError:
                continue
            if stale:  # a load still writing its file is left alone
                entry.unlink(missing_ok=True)
