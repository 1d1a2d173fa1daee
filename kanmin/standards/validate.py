"""``validate(path_or_stream, schema) -> Report``: streaming, parallel, no database.

CSV files are cut into chunks of whole records (reader.py) and checked by a pool of worker
processes (one per core, bounded queue, so memory stays flat); results are merged in file
order, and IDs are checked for duplicates across chunks in the parent with sorted arrays of
64-bit hashes. A chunk that pyarrow can read line for line (no quotes, no blank or ragged
rows) is parsed and pre-screened by arrow_path.py; any other goes through checks.py alone.
Workbooks are read with calamine and checked in-process in batches.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
from array import array
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from kanmin.standards import arrow_path
from kanmin.standards.checks import Checker, ChunkResult, check_header
from kanmin.standards.reader import CsvSource, ReadError, Source, XlsxSource, open_source
from kanmin.standards.report import Issue, Report
from kanmin.standards.schemas import (
    LEGACY_PREFIX,
    Field,
    Schema,
    SchemaError,
    all_schemas,
    detect_schema,
    header_key,
    resolve_schema,
)

__all__ = ["Progress", "prepare", "validate"]

Progress = Callable[[int, int, int], None]  # (records done, bytes done, total bytes or 0)

PARALLEL_MIN_BYTES = 8 * 1024 * 1024


def _file_size(source: Source) -> int:
    if isinstance(source, str | Path):
        try:
            return os.path.getsize(source)
        except OSError:
            return 0
    return 0


def _legacy_counterpart(schema: Schema, header: list[str]) -> Schema | None:
    """If ``schema`` is current but the header is the legacy layout of the same dataset."""
    if schema.legacy:
        return None
    legacy = all_schemas().get(LEGACY_PREFIX + schema.slug)
    if legacy is None:
        return None
    hk = {header_key(h) for h in header}
    cur = len(hk & {header_key(n) for n in schema.field_names})
    old = len(hk & {header_key(n) for n in legacy.field_names})
    return legacy if old > cur else None


def prepare(
    header: list[str], schema_spec: str | Schema | None, report: Report, file_name: str = ""
) -> Checker:
    """Resolve the schema, check the header, and build the checker (issues go to ``report``)."""
    schema = resolve_schema(schema_spec, header)
    mapping: dict[int, Field] = {}
    if schema is None:
        best, score = detect_schema(header)
        report.add(
            Issue(
                "schema_not_detected",
                "error",
                None,
                params={"best": best.slug if best else f"- ({score:.2f})"},
            )
        )
        return Checker(header, mapping, None)
    report.schema = schema.slug
    report.provisional = schema.provisional
    if schema.provisional:
        report.add(
            Issue(
                "provisional_schema",
                "warning",
                None,
                params={"schema": schema.slug, "confidence": schema.confidence},
            )
        )
    if schema.legacy:
        report.add(Issue("legacy_layout", "warning", None, params={"legacy": schema.slug}))
    else:
        legacy = _legacy_counterpart(schema, header)
        if legacy is not None:
            report.add(Issue("legacy_layout", "warning", None, params={"legacy": legacy.slug}))
    issues, mapping = check_header(header, schema)
    for issue in issues:
        report.add(issue)
    if schema.file_name and file_name:
        expected = re.escape(schema.file_name).replace(re.escape("{6-digit code}"), "[0-9]{6}")
        expected = expected.replace(r"\.csv", r"\.(?:csv|tsv|xlsx)")
        if not re.fullmatch(expected, file_name):
            report.add(
                Issue(
                    "file_name",
                    "warning",
                    None,
                    params={"name": file_name, "expected": schema.file_name},
                )
            )
    return Checker(header, mapping, schema)


# ------------------------------------------------------------------------------------------
# Worker side
# ------------------------------------------------------------------------------------------

_WORKER: Checker | None = None


def _init_worker(checker: Checker) -> None:
    global _WORKER
    _WORKER = checker


def _work(chunk: bytes, encoding: str, delimiter: str, newlines: int) -> tuple[str, Any]:
    checker = _WORKER
    if checker is None:
        raise RuntimeError("worker not initialised")
    # One worker per core already: Arrow's own threads would only compete.
    return _check_chunk(checker, chunk, encoding, delimiter, threads=False, newlines=newlines)


def _check_chunk(
    checker: Checker,
    chunk: bytes,
    encoding: str,
    delimiter: str,
    threads: bool = True,
    newlines: int | None = None,
) -> tuple[str, Any]:
    if arrow_path.available():
        res = arrow_path.check_chunk_arrow(
            checker, chunk, encoding, delimiter, threads=threads, newlines=newlines
        )
        if res is not None:
            return ("ok", res)
    nul = chunk.find(b"\x00")
    if nul != -1:
        return ("nul", nul)
    try:
        text = chunk.decode(encoding)
    except UnicodeDecodeError as exc:
        return ("decode", exc.start)
    return ("ok", checker.check_text(text, delimiter))


# ------------------------------------------------------------------------------------------
# Parent side
# ------------------------------------------------------------------------------------------


class _Merger:
    def __init__(self, report: Report, checker: Checker) -> None:
        self.report = report
        self.checker = checker
        self.records = 0
        self.seen = _HashSet()
        # hash() from a worker agrees with ours when it ran here or in a forked child.
        self.trust_hashes = True
        self.id_column = checker.header[checker.id_index] if checker.id_index is not None else None

    def add(self, res: ChunkResult) -> None:
        base = self.records + 2  # header = row 1
        header = self.checker.header
        report = self.report
        for rel, ci, code, sev, value, params in res.findings:
            report.add(
                Issue(
                    code,
                    "error" if sev == "error" else "warning",
                    base + rel,
                    header[ci] if ci >= 0 else None,
                    value if ci >= 0 else None,
                    params,
                )
            )
        if res.ids is not None:
            self._duplicates(res, base)
        self.records += res.records

    def _duplicates(self, res: ChunkResult, base: int) -> None:
        """IDs seen before (in this chunk or an earlier one). Hashes come from the worker
        (forked, so ``hash`` agrees); only a chunk with a repeated hash is walked."""
        ids = res.ids or []
        rows = res.id_rows
        hashes = res.id_hashes if res.id_hashes is not None and self.trust_hashes else None
        if hashes is None:
            hashes = array("q", map(hash, ids))
        every = np.frombuffer(hashes, dtype=np.int64) if len(hashes) else _NO_HASHES
        new = np.unique(every)
        empty = hash("")
        at = int(np.searchsorted(new, empty))
        has_empty = at < len(new) and int(new[at]) == empty
        if has_empty:
            new = np.delete(new, at)
        expected = len(ids) - (ids.count("") if has_empty else 0)
        if len(new) == expected and not self.seen.any_of(new):
            self.seen.add(new)
            return
        # Only the IDs whose hash was seen before (earlier chunk, or earlier in this one)
        # are walked in Python: ``pos`` holds the non-empty IDs' positions.
        nonempty = every != empty
        for i in np.flatnonzero(~nonempty).tolist():
            nonempty[i] = ids[i] != ""
        pos = np.flatnonzero(nonempty)
        mine = every[pos]
        _, first_at, inverse = np.unique(mine, return_index=True, return_inverse=True)
        first_pos = pos[first_at[inverse]]
        earlier = self.seen.contains(mine)
        for k in np.flatnonzero(earlier | (first_pos != pos)).tolist():
            i = int(pos[k])
            row = base + (rows[i] if rows is not None else i)
            if earlier[k]:
                params = {"first": "前の行", "first_en": "on an earlier row"}
            else:
                j = int(first_pos[k])
                first = base + (rows[j] if rows is not None else j)
                params = {"first": f"{first}行目", "first_en": f"on row {first}"}
            self.report.add(Issue("duplicate_id", "error", row, self.id_column, ids[i], params))
        self.seen.add(new)


_NO_HASHES = np.zeros(0, dtype=np.int64)


class _HashSet:
    """A set of 64-bit hashes kept as a few sorted arrays (8 bytes an ID, where a Python set
    of ints takes about 70), merged like a log-structured tree so adding stays cheap."""

    def __init__(self) -> None:
        self.runs: list[np.ndarray[Any, np.dtype[np.int64]]] = []

    def contains(self, values: np.ndarray[Any, np.dtype[np.int64]]) -> np.ndarray[Any, Any]:
        found = np.zeros(len(values), dtype=bool)
        for run in self.runs:
            at = np.searchsorted(run, values)
            at[at == len(run)] = 0
            found |= run[at] == values
        return found

    def any_of(self, values: np.ndarray[Any, np.dtype[np.int64]]) -> bool:
        return bool(len(values)) and bool(self.contains(values).any())

    def add(self, unique_sorted: np.ndarray[Any, np.dtype[np.int64]]) -> None:
        """Add sorted values (a value may repeat: membership is all that is asked)."""
        if not len(unique_sorted):
            return
        self.runs.append(unique_sorted)
        while len(self.runs) > 1 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            last = self.runs.pop()
            self.runs[-1] = np.sort(np.concatenate((self.runs[-1], last)))


def _run_csv(
    src: CsvSource,
    checker: Checker,
    report: Report,
    total: int,
    workers: int | None,
    progress: Progress | None,
) -> None:
    merger = _Merger(report, checker)
    chunks = src.chunks()
    first_row = 2
    done_bytes = 0
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    use_pool = n_workers > 1 and (total == 0 or total >= PARALLEL_MIN_BYTES or workers is not None)
    pool: ProcessPoolExecutor | None = None
    pending: deque[tuple[Future[tuple[str, Any]], bytes, int]] = deque()

    def handle(status: str, payload: Any, chunk: bytes, row0: int) -> None:
        if status == "ok":
            merger.add(payload)
            return
        if status == "nul":
            row = row0 + chunk.count(b"\n", 0, payload)
            raise ReadError("nul_bytes", row=row)
        raise src.explain_decode_failure(chunk, payload, row0)

    try:
        for chunk in chunks:
            encoding = src.decide_encoding(chunk, first_row)
            newlines = chunk.count(b"\n")
            if use_pool and pool is None and total == 0 and len(chunk) < src.chunk_size:
                use_pool = False
            if use_pool:
                if pool is None:
                    checker.warm()
                    if arrow_path.available():
                        arrow_path.warm(checker)
                    ctx: Any
                    try:
                        ctx = multiprocessing.get_context("fork")
                    except ValueError:
                        ctx = multiprocessing.get_context()
                        merger.trust_hashes = False
                    # Objects made so far (modules, pyarrow, the checker) are never
                    # collected: a frozen heap is not written to by the workers' collector,
                    # so its pages stay shared with them (less memory).
                    gc.freeze()
                    pool = ProcessPoolExecutor(
                        max_workers=n_workers,
                        mp_context=ctx,
                        initializer=_init_worker,
                        initargs=(checker,),
                    )
                fut = pool.submit(_work, chunk, encoding, src.delimiter, newlines)
                pending.append((fut, chunk, first_row))
                while len(pending) > n_workers + 1:
                    f, c, r = pending.popleft()
                    status, payload = f.result()
                    handle(status, payload, c, r)
                    done_bytes += len(c)
                    if progress:
                        progress(merger.records, done_bytes, total)
            else:
                status, payload = _check_chunk(
                    checker, chunk, encoding, src.delimiter, newlines=newlines
                )
                handle(status, payload, chunk, first_row)
                done_bytes += len(chunk)
                if progress:
                    progress(merger.records, done_bytes, total)
            first_row += newlines
        while pending:
            f, c, r = pending.popleft()
            status, payload = f.result()
            handle(status, payload, c, r)
            done_bytes += len(c)
            if progress:
                progress(merger.records, done_bytes, total)
    finally:
        if pool is not None:
            for f, _, _ in pending:
                f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()
    report.rows = merger.records


def _run_xlsx(src: XlsxSource, checker: Checker, report: Report, progress: Progress | None) -> None:
    merger = _Merger(report, checker)
    ncols = checker.ncols
    for batch in src.records():
        # A workbook row is as wide as the used range: trim/pad to the header.
        fixed = []
        for rec in batch:
            if len(rec) > ncols and not any(rec[ncols:]):
                rec = rec[:ncols]
            elif len(rec) < ncols:
                rec = rec + [""] * (ncols - len(rec))
            fixed.append(rec)
        merger.add(checker.check_records(fixed))
        if progress:
            progress(merger.records, 0, 0)
    report.rows = merger.records


def validate(
    source: Source,
    schema: str | Schema | None = "auto",
    *,
    max_errors: int | None = None,
    workers: int | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    chunk_size: int | None = None,
) -> Report:
    """Validate a CSV/TSV/.xlsx file (path or binary stream) against a schema.

    ``schema`` is a slug (``aed``, ``legacy/aed``), ``"auto"`` (recognise the dataset from the
    header), a path to a Table Schema / Data Package JSON file, or a :class:`Schema`.
    Never raises for bad input: an unreadable file gives a report with ``fatal`` set.
    """
    report = Report(max_errors=max_errors)
    try:
        src = open_source(source, sheet=sheet)
    except ReadError as exc:
        report.fatal = Issue(exc.code, "error", exc.params.get("row"), params=exc.params)
        return report
    try:
        report.encoding = src.encoding_label
        report.file_format = src.kind
        report.header = list(src.header)
        try:
            checker = prepare(src.header, schema, report, src.name)
        except SchemaError as exc:
            report.fatal = Issue(exc.code, "error", None, params=exc.params)
            return report
        if isinstance(src, XlsxSource):
            _run_xlsx(src, checker, report, progress)
        else:
            if chunk_size is not None:
                src.chunk_size = chunk_size
            _run_csv(src, checker, report, _file_size(source), workers, progress)
            report.encoding = src.encoding_label
            if src.encoding == "cp932":
                report.add(Issue("encoding_cp932", "warning", None))
            elif src.transcoded_from == "utf-16":
                report.add(Issue("utf16", "warning", None))
        if report.rows == 0:
            report.add(Issue("no_data_rows", "warning", None))
    except ReadError as exc:
        report.fatal = Issue(exc.code, "error", exc.params.get("row"), params=exc.params)
    finally:
        src.close()
    report.sort()
    return report
