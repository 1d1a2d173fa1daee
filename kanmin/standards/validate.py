"""``validate(path_or_stream, schema) -> Report``: streaming, parallel, no database.

CSV files are cut into chunks of whole records (reader.py) and checked by a pool of worker
processes (one per core, bounded queue, so memory stays flat). A file given by path is
memory-mapped by the parent, which only finds where chunks end; each worker reads its own
chunk with ``pread``, so no chunk crosses a pipe. Results are merged in file order, and IDs
are checked for duplicates across chunks in the parent with a table of 64-bit hashes, in
bounded memory: past a budget of IDs, the others go to a temporary directory and are
compared at the end (idset.py). The ID strings cross back as one string a chunk, split only
when a duplicate is reported.
A chunk that pyarrow can read line for line (no quotes, no blank or ragged rows) is parsed
and pre-screened by arrow_path.py; any other goes through checks.py alone.
Workbooks are read with calamine and checked in-process in batches.
"""

from __future__ import annotations

import gc
import mmap
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from kanmin.core.i18n import both, gettext_noop
from kanmin.standards import arrow_path
from kanmin.standards.checks import Area, Checker, ChunkResult, check_header
from kanmin.standards.idset import NEW, SPILLED, DuplicateIds, hash_texts, utf8_with_offsets
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

__all__ = ["Area", "Progress", "prepare", "validate"]

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
    header: list[str],
    schema_spec: str | Schema | None,
    report: Report,
    file_name: str = "",
    area: Area | None = None,
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
    return Checker(header, mapping, schema, area)


# ------------------------------------------------------------------------------------------
# Worker side
# ------------------------------------------------------------------------------------------

_WORKER: Checker | None = None
_WORKER_FD: int | None = None


def _init_worker(checker: Checker, path: str | None = None) -> None:
    global _WORKER, _WORKER_FD
    _WORKER = checker
    if path is not None:
        _WORKER_FD = os.open(path, os.O_RDONLY)


def _work_span(start: int, end: int, encoding: str, delimiter: str) -> tuple[str, Any, int]:
    """Read bytes ``start:end`` of the file and check them: the parent only finds where
    chunks end (in its memory map of the file), so no chunk is sent through a pipe."""
    fd = _WORKER_FD
    if fd is None:
        raise RuntimeError("worker has no file")
    parts = []
    pos = start
    while pos < end:
        part = os.pread(fd, end - pos, pos)
        if not part:
            break
        parts.append(part)
        pos += len(part)
    chunk = parts[0] if len(parts) == 1 else b"".join(parts)
    newlines = arrow_path.count_newlines(chunk) if arrow_path.available() else chunk.count(b"\n")
    status, payload = _work(chunk, encoding, delimiter, newlines)
    return status, payload, newlines


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
    """Adds chunk results to the report in file order and finds duplicate IDs across chunks
    (``id_budget``: distinct IDs kept in memory, the rest go to disk; see idset.py). Call
    :meth:`finish` after the last chunk and :meth:`close` in any case."""

    def __init__(self, report: Report, checker: Checker, id_budget: int | None = None) -> None:
        self.report = report
        self.checker = checker
        self.records = 0
        self.ids = DuplicateIds(id_budget)
        self.id_column = checker.header[checker.id_index] if checker.id_index is not None else None

    def add(self, res: ChunkResult) -> None:
        base = self.records + 2  # header = row 1
        header = self.checker.header
        report = self.report
        report.add_all(
            [
                Issue(
                    code,
                    "error" if sev == "error" else "warning",
                    base + rel,
                    header[ci] if ci >= 0 else None,
                    value if ci >= 0 else None,
                    params,
                )
                for rel, ci, code, sev, value, params in res.findings
            ]
        )
        if res.has_ids:
            self._duplicates(res, base)
        self.records += res.records

    def finish(self) -> None:
        """Report the duplicates among the IDs that did not fit in memory."""
        for row, first, value in self.ids.finish():
            self._duplicate(row, first, value)

    def close(self) -> None:
        self.ids.close()

    def _duplicate(self, row: int, first: int, value: str) -> None:
        # The row of the first occurrence, wherever it was: the message does not depend on
        # where chunks end or on what fitted in memory.
        first_ja, first_en = both(gettext_noop("on row {row}"), row=first)
        params = {"first": first_ja, "first_en": first_en}
        self.report.add(Issue("duplicate_id", "error", row, self.id_column, value, params))

    def _duplicates(self, res: ChunkResult, base: int) -> None:
        """IDs seen before (in this chunk or an earlier one). Hashes come from the worker
        (:func:`idset.text_hashes`, the same in every process); the ID strings are only
        looked at for the rows reported, for cells whose hash is that of the empty string,
        and for IDs that do not fit in memory (written to disk)."""
        hashes = res.id_hashes if res.id_hashes is not None else hash_texts(res.id_list())
        every = np.asarray(hashes, dtype=np.int64)
        if not len(every):
            return
        nonempty = every != _EMPTY_HASH
        if not nonempty.all():
            for i in np.flatnonzero(~nonempty).tolist():
                nonempty[i] = res.id_at(i) != ""
        pos = np.flatnonzero(nonempty) if not nonempty.all() else None
        mine = every if pos is None else every[pos]
        rel = (
            np.asarray(res.id_rows, dtype=np.int64)
            if res.id_rows is not None
            else np.arange(len(every), dtype=np.int64)
        )
        rows = base + (rel if pos is None else rel[pos])
        uniq, first_at, inverse = np.unique(mine, return_index=True, return_inverse=True)
        earlier = self.ids.add(uniq, rows[first_at])[inverse]
        first = np.where(earlier >= 0, earlier, rows[first_at][inverse])
        repeated = first_at[inverse] != np.arange(len(mine))
        flagged = np.flatnonzero((earlier >= 0) | ((earlier == NEW) & repeated))
        for k in flagged.tolist():
            i = k if pos is None else int(pos[k])
            self._duplicate(int(rows[k]), int(first[k]), res.id_at(i))
        spilled = np.flatnonzero(earlier == SPILLED)
        if len(spilled):
            text, starts, lengths = _id_bytes(res)
            at = spilled if pos is None else pos[spilled]
            self.ids.spill(mine[spilled], rows[spilled], text, starts[at], lengths[at])


def _id_bytes(
    res: ChunkResult,
) -> tuple[bytes, np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    """The chunk's IDs as UTF-8, with where each starts and its length in bytes."""
    if res.id_bytes is not None:
        data, offsets = res.id_bytes, np.asarray(res.id_offsets, dtype=np.int64)
    else:
        data, offsets = utf8_with_offsets(res.id_list())
    return data, offsets[:-1], np.diff(offsets)


_EMPTY_HASH = int(hash_texts([""])[0])


def _make_pool(checker: Checker, n_workers: int, path: str | None = None) -> ProcessPoolExecutor:
    if arrow_path.available():
        arrow_path.warm(checker)  # the Python screen's expressions compile if ever needed
    else:
        checker.warm()
    ctx: Any
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        ctx = multiprocessing.get_context()
    # Objects made so far (modules, pyarrow, the checker) are never collected: a frozen
    # heap is not written to by the workers' collector, so its pages stay shared with them
    # (less memory).
    gc.freeze()
    return ProcessPoolExecutor(
        max_workers=n_workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(checker, path),
    )


def _run_csv_mapped(
    src: CsvSource,
    path: str,
    mm: mmap.mmap,
    merger: _Merger,
    total: int,
    n_workers: int,
    progress: Progress | None,
) -> None:
    """The pool reading the file itself: the parent maps the file, cuts it into chunks of
    whole records (no copy unless the chunk has quotes or the encoding is not known yet),
    and merges the results in file order; workers read and count their own chunks."""
    first_row = 2  # of the next chunk whose result is merged
    undecided_rows = 2  # of the next chunk cut, counted only while the encoding is open
    done_bytes = 0
    pending: deque[tuple[Future[tuple[str, Any, int]], int, int]] = deque()
    pool = _make_pool(merger.checker, n_workers, path)

    def merge_one() -> None:
        nonlocal first_row, done_bytes
        fut, start, end = pending.popleft()
        status, payload, newlines = fut.result()
        if status == "ok":
            merger.add(payload)
        elif status == "nul":
            chunk = mm[start:end]
            raise ReadError("nul_bytes", row=first_row + chunk.count(b"\n", 0, payload))
        else:
            raise src.explain_decode_failure(mm[start:end], payload, first_row)
        first_row += newlines
        done_bytes += end - start
        if progress:
            progress(merger.records, done_bytes, total)

    try:
        for start, end in src.spans(mm):
            if src.encoding is None:
                chunk = mm[start:end]
                encoding = src.decide_encoding(chunk, undecided_rows)
                undecided_rows += chunk.count(b"\n")
            else:
                encoding = src.encoding
            pending.append(
                (pool.submit(_work_span, start, end, encoding, src.delimiter), start, end)
            )
            while len(pending) > n_workers + 1:
                merge_one()
        while pending:
            merge_one()
    finally:
        for f, _, _ in pending:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _run_csv(
    src: CsvSource,
    checker: Checker,
    report: Report,
    total: int,
    workers: int | None,
    progress: Progress | None,
) -> None:
    merger = _Merger(report, checker)
    try:
        _feed_csv(src, merger, total, workers, progress)
        merger.finish()
    finally:
        merger.close()
    report.rows = merger.records


def _feed_csv(
    src: CsvSource,
    merger: _Merger,
    total: int,
    workers: int | None,
    progress: Progress | None,
) -> None:
    checker = merger.checker
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    use_pool = n_workers > 1 and (total == 0 or total >= PARALLEL_MIN_BYTES or workers is not None)
    if use_pool and src.path is not None:
        with src.mapped() as mm:
            if mm is not None:
                _run_csv_mapped(src, src.path, mm, merger, total, n_workers, progress)
                return
    chunks = src.chunks()
    first_row = 2
    done_bytes = 0
    pool: ProcessPoolExecutor | None = None
    pending: deque[tuple[Future[tuple[str, Any]], bytes, int]] = deque()

    def handle(status: str, payload: Any, chunk: bytes, row0: int) -> None:
        nonlocal done_bytes
        if status == "nul":
            row = row0 + chunk.count(b"\n", 0, payload)
            raise ReadError("nul_bytes", row=row)
        if status != "ok":
            raise src.explain_decode_failure(chunk, payload, row0)
        merger.add(payload)
        done_bytes += len(chunk)
        if progress:
            progress(merger.records, done_bytes, total)

    def handle_oldest() -> None:
        future, chunk, row0 = pending.popleft()
        handle(*future.result(), chunk, row0)

    try:
        for chunk in chunks:
            encoding = src.decide_encoding(chunk, first_row)
            newlines = chunk.count(b"\n")
            if use_pool and pool is None and total == 0 and len(chunk) < src.chunk_size:
                use_pool = False
            if use_pool:
                if pool is None:
                    pool = _make_pool(checker, n_workers)
                fut = pool.submit(_work, chunk, encoding, src.delimiter, newlines)
                pending.append((fut, chunk, first_row))
                while len(pending) > n_workers + 1:
                    handle_oldest()
            else:
                status, payload = _check_chunk(
                    checker, chunk, encoding, src.delimiter, newlines=newlines
                )
                handle(status, payload, chunk, first_row)
            first_row += newlines
        while pending:
            handle_oldest()
    finally:
        if pool is not None:
            for f, _, _ in pending:
                f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()


def _run_xlsx(src: XlsxSource, checker: Checker, report: Report, progress: Progress | None) -> None:
    merger = _Merger(report, checker)
    ncols = checker.ncols
    try:
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
        merger.finish()
    finally:
        merger.close()
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
    area: Area | None = None,
) -> Report:
    """Validate a CSV/TSV/.xlsx file (path or binary stream) against a schema.

    ``schema`` is a slug (``aed``, ``legacy/aed``), ``"auto"`` (recognise the dataset from the
    header), a path to a Table Schema / Data Package JSON file, or a :class:`Schema`.
    ``area``: the publishing municipality's bounding box; coordinates outside it are warned.
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
            checker = prepare(src.header, schema, report, src.name, area)
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
