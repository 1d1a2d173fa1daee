"""The Arrow path: a chunk parsed by pyarrow's CSV reader and pre-screened column by column
with Arrow compute kernels (C++, RE2), so that Python only looks at suspicious records.

Like the pure-Python fast path in checks.py it never reports anything itself: it marks the
records (and columns) that *may* hold findings, and :meth:`Checker.check_record` decides.
Every screen here is a superset of the exact rules:

* low-cardinality columns: every distinct value is checked exactly (``check_value``);
* other columns: a record is clean only when its value fully matches RE2 translations of
  the column's "certainly clean" expressions (RE2's ``\\d``/``\\w`` are ASCII-only, so they
  accept less than Python's; patterns with constructs whose meaning differs are refused) and
  holds no character of :func:`suspicious_class` and no astral character;
* columns with no such expression fall back to the Python screen on their values.

The path is taken only for chunks where Arrow's records are the physical lines: no quote
character, no lone CR, no blank row, every line as wide as the header, valid UTF-8 (CP932 is
decoded in Python first). Any other chunk returns None and goes through the existing path,
so row numbers stay those a spreadsheet shows.
"""

from __future__ import annotations

import io
import re
from array import array
from functools import cache
from typing import TYPE_CHECKING, Any

from kanmin.standards.checks import (
    _CONTROL,
    Checker,
    ChunkResult,
    Column,
    Finding,
    _range_regex,
    _strip_anchors,
    suspicious_re,
)

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["available", "check_chunk_arrow", "warm"]

DISTINCT_MAX = 4096  # at most this many distinct values are checked one by one …
DISTINCT_SHARE = 8  # … and, in a column with expressions, only if each recurs 8 times
DISTINCT_SAMPLE_ROWS = 1000  # a chunk this long in which most values are new: stop counting


@cache
def available() -> bool:
    try:
        import pyarrow.compute
        import pyarrow.csv
    except ImportError:
        return False
    return bool(pyarrow.compute and pyarrow.csv)


def _re2_ranges(codepoints: list[int]) -> str:
    parts = []
    i = 0
    while i < len(codepoints):
        j = i
        while j + 1 < len(codepoints) and codepoints[j + 1] == codepoints[j] + 1:
            j += 1
        lo, hi = codepoints[i], codepoints[j]
        parts.append(f"\\x{{{lo:x}}}" if lo == hi else f"\\x{{{lo:x}}}-\\x{{{hi:x}}}")
        i = j + 1
    return "".join(parts)


@cache
def _bmp() -> str:
    return "".join(map(chr, range(0x10000)))


@cache
def _space_class() -> str:
    """Body of an RE2 class holding exactly what Python's ``\\s`` matches in a str pattern
    (every Unicode space character is in the BMP)."""
    return _re2_ranges([m.start() for m in re.finditer(r"\s", _bmp())])


@cache
def suspicious_re2() -> str:
    """RE2 expression for a cell holding any character :func:`has_suspicious` can find
    (the BMP part taken from the Python class itself), or any astral character."""
    found = [m.start() for m in suspicious_re().finditer(_bmp())]
    found = [c for c in found if not 0xD800 <= c <= 0xDFFF]
    return f"[{_re2_ranges(found)}\\x{{10000}}-\\x{{10ffff}}]"


_CONTROL_RE2 = _re2_ranges([c for c in range(0x80) if re.fullmatch(f"[{_CONTROL}]", chr(c))])
# Constructs RE2 reads differently from Python (or with a wider meaning): word boundaries,
# Unicode escapes, flags and groups with options, POSIX classes, ``{,n}``, possessive
# quantifiers, and the negated shorthands (RE2's ``\\D``, ``\\W``, ``\\S`` are the complements
# of ASCII-only sets, so they accept more than Python's). ``\\d``/``\\w`` are narrower: safe.
_RISKY_RE2 = re.compile(r"\\[bBpPNuUxXAZzGDWs0-9]|\(\?|\[\[:|\{,|[*+?}]\+")


def _re2_inner(pattern: re.Pattern[str]) -> str | None:
    """RE2 body accepting at most what ``pattern`` fully matches, or None."""
    inner = _strip_anchors(pattern.pattern)
    if inner is None or pattern.flags & ~re.UNICODE or _RISKY_RE2.search(inner):
        return None
    if "\\S" in inner:
        if "[" in inner or "\\\\" in inner:
            return None
        inner = inner.replace("\\S", f"[^{_space_class()}\\n]")
    return inner


def _text_body(excluded: str) -> str:
    """RE2 form of ``_clean_text_body`` (no edge spaces, no formula start, no line break),
    narrowed further: no control character anywhere and no ``#`` first (Excel's error
    literals such as ``#REF!``), which always need the exact check."""
    s = _space_class()
    ex = "".join(f"\\x{{{ord(c):x}}}" for c in excluded) + _CONTROL_RE2
    return f"[^{s}=+@\\-#{ex}](?:[^\\n{ex}]*[^{s}{ex}])?"


def _clean_patterns(col: Column) -> list[str] | None:
    """Full-match RE2 expressions a clean value satisfies (all of them), or None."""
    if col.clean_body is None or col.enum is not None:
        return None
    bodies: list[str] = []
    lo, hi = col.minimum, col.maximum
    if col.lat or col.lon:  # the exact rule also bounds coordinates to Japan
        edge_lo, edge_hi = (20, 46) if col.lat else (122, 154)
        lo = edge_lo if lo is None else max(lo, edge_lo)
        hi = edge_hi if hi is None else min(hi, edge_hi)
        if lo >= hi:
            return None
    if col.kind == "integer":
        body = _range_regex(lo, hi, integer=True)
    elif col.kind == "number":
        body = _range_regex(lo, hi, integer=False)
    elif col.kind == "date":
        body = (
            r"(?:1[89]|20)[0-9]{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
            r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
        )
    elif col.kind == "time":
        body = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
    elif col.kind == "text":
        body = _text_body(";；、，," if col.multi_valued else "")
    else:
        return None
    if body is None:
        return None
    bodies.append(body)
    if col.pattern is not None and col.kind == "text":
        inner = _re2_inner(col.pattern)
        if inner is None:
            return None
        bodies.append(inner)
    elif col.url and col.kind == "text":  # _URL_RE
        bodies.append(f'https?://[^{_space_class()}"<>]+')
    if col.x_pattern is not None:
        inner = _re2_inner(col.x_pattern)
        if inner is None:
            return None
        bodies.append(inner)
    if col.required:
        return [f"^(?:{b})$" for b in bodies]
    return [f"^(?:(?:{b})|)$" for b in bodies]


def _plans(checker: Checker) -> list[list[str] | None]:
    plans: list[list[str] | None] | None = getattr(checker, "_arrow_plans", None)
    if plans is None:
        import pyarrow as pa
        import pyarrow.compute as pc

        plans = []
        probe = pa.array(["x"])
        for col in checker.columns:
            pats = _clean_patterns(col)
            if pats is not None:
                try:
                    for p in pats:
                        pc.match_substring_regex(probe, p)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    pats = None
            plans.append(pats)
        checker._arrow_plans = plans  # type: ignore[attr-defined]
    return plans


@cache
def _pool() -> Any:
    """The system allocator, for every Arrow allocation of this process (Kanmin has no other
    Arrow user): chunks are small and short-lived, and unlike Arrow's default allocator
    (jemalloc/mimalloc, which keeps freed memory for reuse) it hands memory back, so the
    memory of the parent and each worker stays flat and low."""
    import pyarrow as pa

    pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    return pool


def warm(checker: Checker) -> None:
    """Build every expression now (before worker processes fork)."""
    suspicious_re2()
    _plans(checker)
    _pool()


def _parse(checker: Checker, data: bytes, delimiter: str, threads: bool) -> pa.Table | None:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = [f"c{i}" for i in range(checker.ncols)]
    try:
        return pcsv.read_csv(
            io.BytesIO(data),
            memory_pool=_pool(),
            read_options=pcsv.ReadOptions(
                column_names=names, use_threads=threads, block_size=1 << 22
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _mark(dirty: dict[int, set[int]], rows: Any, ci: int) -> None:
    for i in rows:
        s = dirty.get(i)
        if s is None:
            dirty[i] = {ci}
        else:
            s.add(ci)


def _screen_column(
    checker: Checker,
    col: Column,
    arr: Any,
    pats: list[str] | None,
    dirty: dict[int, set[int]],
    scan: list[tuple[int, Any]],
) -> None:
    """Mark the records whose cell in ``col`` may hold a finding. A column screened by
    regular expressions with non-ASCII values is appended to ``scan``: its cells still need
    the scan for suspicious characters."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    ci = col.index
    # A column with expressions whose values hardly repeat (IDs, coordinates) is not
    # counted again: it was not worth it in the last chunk either.
    many: set[int] = checker.__dict__.setdefault("_arrow_many", set())
    if pats is not None and ci in many:
        distinct, nd = None, n
    else:
        distinct = pc.unique(arr)
        nd = len(distinct)
    if distinct is not None and nd <= DISTINCT_MAX and (pats is None or nd * DISTINCT_SHARE <= n):
        cache = col.cache
        bad = []
        for v in distinct.to_pylist():
            ok = cache.get(v)
            if ok is None:
                ok = not checker.check_value(col, v)
                if len(cache) < 100_000:
                    cache[v] = ok
            if not ok:
                bad.append(v)
        if bad:
            mask = pc.is_in(arr, value_set=pa.array(bad, pa.string()))
            _mark(dirty, pc.indices_nonzero(mask).to_pylist(), ci)
        return
    if pats is None:
        check = checker.check_value
        values = arr.to_pylist()
        _mark(dirty, (i for i in range(n) if check(col, values[i])), ci)
        return
    if n >= DISTINCT_SAMPLE_ROWS and nd * 2 > n:
        many.add(ci)
    bad_mask = None
    for p in pats:
        m = pc.invert(pc.match_substring_regex(arr, p))
        bad_mask = m if bad_mask is None else pc.or_(bad_mask, m)
    _mark(dirty, pc.indices_nonzero(bad_mask).to_pylist(), ci)
    if not pc.all(pc.string_is_ascii(arr)).as_py():
        scan.append((ci, arr))


def _scan_suspicious(scan: list[tuple[int, Any]], dirty: dict[int, set[int]]) -> None:
    """One pass of the suspicious-character expression over the cells of ``scan``."""
    import pyarrow.compute as pc

    if not scan:
        return
    arrays = [a for _, a in scan]
    joined = arrays[0] if len(arrays) == 1 else pc.binary_join_element_wise(*arrays, "\n")
    rows = pc.indices_nonzero(pc.match_substring_regex(joined, suspicious_re2())).to_pylist()
    for ci, _ in scan:
        _mark(dirty, rows, ci)


def _screen_pair(checker: Checker, table: Any, dirty: dict[int, set[int]]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from kanmin.standards.checks import _pair_problem

    if checker.pair is None:
        return
    ci, ni, mode = checker.pair
    codes, names = table.column(ci), table.column(ni)
    pairs = pa.table({"a": codes, "b": names}).group_by(["a", "b"]).aggregate([])
    bad = []
    cache = checker._pair_cache
    for a, b in zip(pairs.column("a").to_pylist(), pairs.column("b").to_pylist(), strict=True):
        ok = cache.get((a, b))
        if ok is None:
            ok = _pair_problem(a, b, mode) is None
            cache[(a, b)] = ok
        if not ok:
            bad.append((a, b))
    if not bad:
        return
    mask = None
    for a, b in bad:
        m = pc.and_(pc.equal(codes, a), pc.equal(names, b))
        mask = m if mask is None else pc.or_(mask, m)
    _mark(dirty, pc.indices_nonzero(mask).to_pylist(), ni)


def check_chunk_arrow(
    checker: Checker,
    chunk: bytes,
    encoding: str,
    delimiter: str,
    threads: bool = True,
    newlines: int | None = None,
) -> ChunkResult | None:
    """Check a raw chunk of whole records through Arrow, or None when the chunk does not
    qualify (the caller then uses the existing path, which also explains decode errors)."""
    ncols = checker.ncols
    if ncols < 2 or not chunk or b'"' in chunk or b"\x00" in chunk:
        return None
    if chunk.endswith(b"\r"):
        return None
    sep = delimiter.encode("ascii")
    if sep * (ncols - 1) in chunk:  # perhaps a blank row (every cell empty)
        return None
    if chunk.startswith((b"\n", b"\r\n")) or b"\n\n" in chunk or b"\n\r\n" in chunk:
        return None  # an empty line (Arrow would make it a row of empty cells)
    if newlines is None:
        newlines = chunk.count(b"\n")
    lines = newlines + (0 if chunk.endswith(b"\n") else 1)
    data = chunk
    if encoding != "utf-8":
        try:
            data = chunk.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            return None
    table = _parse(checker, data, delimiter, threads)
    # Arrow also ends a record at a lone CR: then it finds more records than there are lines.
    if table is None or table.num_rows != lines or table.num_columns != ncols:
        return None
    table = table.combine_chunks(memory_pool=_pool())
    n = table.num_rows
    plans = _plans(checker)
    dirty: dict[int, set[int]] = {}
    scan: list[tuple[int, Any]] = []
    for col in checker.columns:
        arr = table.column(col.index).chunk(0)
        _screen_column(checker, col, arr, plans[col.index], dirty, scan)
    _scan_suspicious(scan, dirty)
    _screen_pair(checker, table, dirty)
    findings: list[Finding] = []
    if dirty:
        import pyarrow as pa

        order = sorted(dirty)
        sub = table.take(pa.array(order, pa.int64()))
        cols = [c.to_pylist() for c in sub.columns]
        for k, i in enumerate(order):
            checker.check_record([c[k] for c in cols], i, findings, dirty[i])
    ids = None
    hashes = None
    if checker.id_index is not None:
        ids = table.column(checker.id_index).to_pylist()
        hashes = array("q", map(hash, ids))
    return ChunkResult(records=n, findings=findings, ids=ids, id_rows=None, id_hashes=hashes)
