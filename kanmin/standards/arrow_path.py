"""The Arrow path: a chunk parsed by pyarrow's CSV reader and pre-screened column by column
with Arrow compute kernels (C++, RE2), so that Python only looks at suspicious records.

Like the pure-Python fast path in checks.py it never reports anything itself: it marks the
records (and columns) that *may* hold findings, and :meth:`Checker.check_record` decides.
Every screen here is a superset of the exact rules:

* a column whose cells are all empty: the empty value is checked once;
* low-cardinality columns: every distinct value is checked exactly (``check_value``,
  cached for the file);
* other columns: a value is clean only when it fully matches RE2 translations of the
  column's "certainly clean" expressions (RE2's ``\\d``/``\\w`` are ASCII-only, so they
  accept less than Python's; patterns with constructs whose meaning differs are refused) and
  holds no character of :func:`suspicious_class` and no astral character (searched with
  Python's expression over the column's values decoded as one string, then mapped back to
  rows). Columns with many repeated values run the expressions over their distinct values
  only; the values they do not clear are checked exactly;
* columns with no such expression fall back to the Python screen on their values.

The path is taken only for chunks where Arrow's records are the physical lines: no quote
character, no lone CR, no blank row, every line as wide as the header, valid UTF-8 (CP932 is
decoded in Python first). Any other chunk returns None and goes through the existing path,
so row numbers stay those a spreadsheet shows.
"""

from __future__ import annotations

import importlib
import io
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from kanmin.standards.checks import (
    _ASTRAL_RE,
    _CLEAN_DATE,
    _CLEAN_TIME,
    _CONTROL,
    JAPAN_LATITUDE,
    JAPAN_LONGITUDE,
    Checker,
    ChunkResult,
    Column,
    Finding,
    _range_regex,
    _strip_anchors,
    may_have_astral,
    suspicious_re,
)
from kanmin.standards.idset import text_hashes

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["available", "check_chunk_arrow", "warm"]

DISTINCT_MAX = 4096  # a column without expressions: at most this many distinct values …
DISTINCT_SAMPLE_ROWS = 1000  # a chunk this long in which most values are new: stop counting
DISTINCT_EXACT = 64  # up to this many distinct values are checked one by one (cached) …
# … more are screened by the column's expressions first (values rarely repeat across chunks)
KNOWN_MAX = 4096  # a column with at most this many clean values: looked up in them …
KNOWN_OTHERS = 8  # … while fewer than one cell in this many holds another value


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


_TEXT_SEPARATORS = ";；、，,"


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
        edge_lo, edge_hi = JAPAN_LATITUDE if col.lat else JAPAN_LONGITUDE
        lo = edge_lo if lo is None else max(lo, edge_lo)
        hi = edge_hi if hi is None else min(hi, edge_hi)
        if lo >= hi:
            return None
    if col.kind == "integer":
        body = _range_regex(lo, hi, integer=True)
    elif col.kind == "number":
        body = _range_regex(lo, hi, integer=False)
    elif col.kind == "date":
        body = _CLEAN_DATE
    elif col.kind == "time":
        body = _CLEAN_TIME
    elif col.kind == "text":
        body = _text_body(_TEXT_SEPARATORS if col.multi_valued else "")
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
        screens: dict[int, _AsciiText] = {}
        probe = pa.array(["x"])
        for col in checker.columns:
            pats = _clean_patterns(col)
            if pats is not None:
                try:
                    for p in pats:
                        pc.match_substring_regex(probe, p)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    pats = None
            if pats is not None and col.kind == "text":
                excluded = _TEXT_SEPARATORS if col.multi_valued else ""
                # The column's own pattern, when it only says which characters a value is
                # made of, goes in the same byte table (it is pats[1] then).
                allowed = _ascii_class(col.pattern) if col.pattern is not None else None
                screens[col.index] = _AsciiText(excluded, col.required, allowed)
            plans.append(pats)
        checker._arrow_plans = plans  # type: ignore[attr-defined]
        checker._arrow_text_screens = screens  # type: ignore[attr-defined]
    return plans


def _ascii_class(pattern: re.Pattern[str]) -> frozenset[int] | None:
    """The ASCII characters of a pattern that only says which characters a value is made of
    (``[0-9A-Za-z_\\-]+``, ``^[0-9-]*$``: one character class or literal repeated, at least
    0 or 1 times, with no upper bound), or None for any other pattern. For an ASCII value such
    a pattern matches exactly when every character is one of these (an empty value is never
    checked against the pattern)."""
    # The standard library's own parser of expressions (no public name for it).
    _parser: Any = importlib.import_module("re._parser")
    c: Any = importlib.import_module("re._constants")

    if pattern.flags & ~re.UNICODE:
        return None
    try:
        items = list(_parser.parse(pattern.pattern, pattern.flags))
    except re.error:
        return None
    if items and items[0][0] is c.AT and items[0][1] in (c.AT_BEGINNING, c.AT_BEGINNING_STRING):
        items = items[1:]
    if items and items[-1][0] is c.AT and items[-1][1] in (c.AT_END, c.AT_END_STRING):
        items = items[:-1]
    while len(items) == 1 and items[0][0] is c.SUBPATTERN and not any(items[0][1][1:3]):
        items = list(items[0][1][3])
    if len(items) != 1 or items[0][0] is not c.MAX_REPEAT:
        return None
    low, high, body = items[0][1]
    if low > 1 or high is not c.MAXREPEAT or len(body) != 1:
        return None
    if body[0][0] not in (c.IN, c.LITERAL, c.NOT_LITERAL, c.ANY):
        return None
    # One character per repetition: which ASCII characters it takes, asked of the pattern.
    return frozenset(b for b in range(0x80) if pattern.fullmatch(chr(b)))


class _AsciiText:
    """``_text_body`` for values that are all ASCII, as three byte tables: what may come
    first, anywhere, and last. Checked with numpy on the column's bytes, several times
    faster than the expression, which then only runs where a value is not ASCII."""

    def __init__(
        self, excluded: str, required: bool, allowed: frozenset[int] | None = None
    ) -> None:
        import numpy as np

        self.required = required
        # How many of the column's expressions this replaces: _text_body, and the column's
        # pattern when it is a class of characters (``allowed``).
        self.covers = 1 if allowed is None else 2
        banned = {ord(c) for c in excluded if ord(c) < 0x80}
        control = {c for c in range(0x80) if re.fullmatch(f"[{_CONTROL}]", chr(c))}
        space = {c for c in range(0x80) if chr(c).isspace()}
        anywhere = np.ones(256, dtype=bool)
        anywhere[[*control, 10, *banned, *range(0x80, 0x100)]] = False
        edge = anywhere.copy()
        edge[sorted(space)] = False
        first = edge.copy()
        first[[ord(c) for c in "=+@-#"]] = False
        self.first, self.anywhere, self.last = first, anywhere, edge
        self.banned = sorted(banned)
        self.only: Any = None  # every byte must be one of these (``allowed``)
        if allowed is not None:
            self.only = np.zeros(256, dtype=bool)
            self.only[sorted(allowed)] = True
            self.only &= anywhere

    def failing(self, arr: Any) -> Any:
        """Indices (numpy) of the values ``_text_body`` would not match (ASCII ``arr``)."""
        import numpy as np

        offsets, lo, hi = _value_bytes(arr)
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if hi > lo else None
        starts, ends = offsets[:-1], offsets[1:]
        lengths = ends - starts
        bad = lengths == 0 if self.required else np.zeros(len(lengths), dtype=bool)
        if data is None:
            return np.flatnonzero(bad)
        filled = np.flatnonzero(lengths > 0)
        bad[filled] |= ~self.first[data[starts[filled]]]
        longer = np.flatnonzero(lengths > 1)
        bad[longer] |= ~self.last[data[ends[longer] - 1]]
        span = data[lo:hi]
        if self.only is not None:
            inside = np.flatnonzero(~np.take(self.only, span))
        else:
            odd = (span < 32) | (span == 127)  # comparisons: cheaper than a table look-up
            for byte in self.banned:
                odd |= span == byte
            inside = np.flatnonzero(odd & ~self.anywhere[span] if odd.any() else False)
        if len(inside):
            bad[np.searchsorted(ends, inside + lo, side="right")] = True
        return np.flatnonzero(bad)


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
    _suspicious_py()
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
                column_names=names,
                use_threads=threads,
                # One block for the whole chunk: Arrow parses a single block fastest.
                block_size=max(1 << 22, min(len(data) + 1, 1 << 30)),
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
                check_utf8=False,  # the caller gives UTF-8 (see _valid_utf8)
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _valid_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, checked once for the whole chunk with Arrow's validator:
    delimiters and line breaks are ASCII, never part of a multi-byte character, so the
    chunk is valid exactly when every cell is. Half the parse's time went to checking
    each cell on its own (``check_utf8``)."""
    import numpy as np
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32))
    whole = pa.StringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def count_newlines(chunk: bytes) -> int:
    """``chunk.count(b"\\n")``, a few times faster (a line break is a common byte)."""
    import numpy as np

    return int(np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == 10))


def _has_blank_row(table: pa.Table) -> bool:
    """Whether a row has every cell empty. The chunk holds no run of delimiters that long
    (checked before parsing), so such a row is an empty line or a lone CR, which the exact
    path reports: cheaper to find here, column by column on the few rows left, than by
    scanning the bytes for line breaks."""
    import numpy as np

    rows: Any = None
    for i in range(table.num_columns):
        offsets, _lo, _hi = _value_bytes(table.column(i).chunk(0))
        empty = np.flatnonzero(offsets[1:] == offsets[:-1])
        rows = empty if rows is None else np.intersect1d(rows, empty, assume_unique=True)
        if not len(rows):
            return False
    return True


def _mark(dirty: dict[int, set[int]], rows: Any, ci: int) -> None:
    for i in rows:
        s = dirty.get(i)
        if s is None:
            dirty[i] = {ci}
        else:
            s.add(ci)


def _value_bytes(arr: Any) -> tuple[Any, int, int]:
    """(offsets as numpy, first byte, end byte) of a string array's values."""
    import numpy as np

    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    return offsets, int(offsets[0]), int(offsets[-1])


def _exact_bad(checker: Checker, col: Column, values: list[str]) -> list[str]:
    """The values with a finding (each checked once per file, then remembered)."""
    findings = checker.cell_findings
    return [v for v in values if findings(col, v)]


def _mark_values(arr: Any, bad: list[str], ci: int, dirty: dict[int, set[int]]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if bad:
        mask = pc.is_in(arr, value_set=pa.array(bad, pa.string()))
        _mark(dirty, pc.indices_nonzero(mask).to_pylist(), ci)


def _failing(arr: Any, pats: list[str], text: _AsciiText | None = None) -> Any:
    """Indices (numpy) of the values of ``arr`` that fail one of the expressions or hold a
    suspicious character. ``text``: the first expression is ``_text_body``, checked
    without it when every value is ASCII."""
    import numpy as np
    import pyarrow.compute as pc

    _, lo, hi = _value_bytes(arr)
    # Every value ASCII exactly when no byte of them is 0x80 or above (one pass in numpy).
    ascii_only = hi == lo or int(np.frombuffer(arr.buffers()[2], np.uint8)[lo:hi].max()) < 0x80
    rows = np.zeros(0, dtype=np.int64)
    if text is not None and ascii_only:
        rows = text.failing(arr)
        pats = pats[text.covers :]
    if pats:
        ok = pc.match_substring_regex(arr, pats[0])
        for p in pats[1:]:
            ok = pc.and_(ok, pc.match_substring_regex(arr, p))
        rows = np.union1d(rows, np.flatnonzero(~ok.to_numpy(zero_copy_only=False)))
    if not ascii_only:
        susp = _suspicious_rows(arr)
        if len(susp):
            rows = np.union1d(rows, susp)
    return rows


def _screen_column(
    checker: Checker,
    col: Column,
    arr: Any,
    pats: list[str] | None,
    dirty: dict[int, set[int]],
) -> None:
    """Mark the records whose cell in ``col`` may hold a finding."""
    n = len(arr)
    ci = col.index
    text = checker.__dict__.get("_arrow_text_screens", {}).get(ci)
    _, lo, hi = _value_bytes(arr)
    if lo == hi:  # every cell empty (an unused optional column, most often)
        if _exact_bad(checker, col, [""]):
            _mark(dirty, range(n), ci)
        return
    # A column with expressions whose values hardly repeat (IDs, coordinates) is not
    # counted again: it was not worth it in the last chunk either.
    many: set[int] = checker.__dict__.setdefault("_arrow_many", set())
    if pats is not None and ci in many:
        _mark(dirty, _failing(arr, pats, text).tolist(), ci)
        return
    if _screen_known(checker, col, arr, dirty):
        return
    import pyarrow.compute as pc

    distinct = pc.unique(arr)
    nd = len(distinct)
    if pats is None:
        if nd <= DISTINCT_MAX:
            bad = _exact_bad(checker, col, distinct.to_pylist())
            _mark_values(arr, bad, ci, dirty)
            _remember_clean(checker, col, distinct, bad)
        else:
            check = checker.check_value
            values = arr.to_pylist()
            _mark(dirty, (i for i in range(n) if check(col, values[i])), ci)
        return
    if n >= DISTINCT_SAMPLE_ROWS and nd * 2 > n:
        many.add(ci)
    if nd * 2 > n:
        _mark(dirty, _failing(arr, pats, text).tolist(), ci)
        return
    if nd <= DISTINCT_EXACT:
        bad = _exact_bad(checker, col, distinct.to_pylist())
    else:
        # The expressions over the distinct values; those they do not clear, exactly.
        suspects = distinct.take(_failing(distinct, pats, text)).to_pylist()
        bad = _exact_bad(checker, col, suspects)
    _mark_values(arr, bad, ci, dirty)
    _remember_clean(checker, col, distinct, bad)


def _remember_clean(checker: Checker, col: Column, distinct: Any, bad: list[str]) -> None:
    """Keep a column's clean values when they are few, for :func:`_screen_known`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(distinct) - len(bad) > KNOWN_MAX or col.index in checker.__dict__.get(
        "_arrow_unsettled", ()
    ):
        return
    if bad:
        distinct = distinct.filter(pc.invert(pc.is_in(distinct, value_set=pa.array(bad))))
    checker.__dict__.setdefault("_arrow_known", {})[col.index] = distinct


def _screen_known(checker: Checker, col: Column, arr: Any, dirty: dict[int, set[int]]) -> bool:
    """Screen a column of few values by those found clean in earlier chunks: one look-up a
    value, where counting the distinct values and finding the bad ones again took two.
    Only the cells holding other values are checked (exactly, once a value). False when the
    column has no such values yet, or when this chunk has too many others (one cell in
    KNOWN_OTHERS, or more than DISTINCT_EXACT different ones): then never again."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    known: dict[int, Any] = checker.__dict__.setdefault("_arrow_known", {})
    clean = known.get(col.index)
    if clean is None:
        return False
    inside = pc.is_in(arr, value_set=clean).to_numpy(zero_copy_only=False)
    others = np.flatnonzero(~inside)
    if not len(others):
        return True
    values: list[str] = []
    if len(others) * KNOWN_OTHERS <= len(arr):
        values = arr.take(pa.array(others)).to_pylist()
    distinct = list(dict.fromkeys(values))
    if not values or len(distinct) > DISTINCT_EXACT:
        # New values keep coming (or the column changed): count its values again, as
        # before, from now on; they go through its expressions before the exact check.
        del known[col.index]
        checker.__dict__.setdefault("_arrow_unsettled", set()).add(col.index)
        return False
    bad = set(_exact_bad(checker, col, distinct))
    if bad:
        _mark(
            dirty, [i for i, v in zip(others.tolist(), values, strict=True) if v in bad], col.index
        )
    new = [v for v in distinct if v not in bad]
    if new and len(clean) + len(new) <= KNOWN_MAX:
        known[col.index] = pa.concat_arrays([clean, pa.array(new, pa.string())])
    return True


def _suspicious_py() -> re.Pattern[str]:
    """The Python expression of the suspicious characters (BMP; astral ones are searched
    apart, with a small expression, only in text that may hold them)."""
    return suspicious_re()


def _suspicious_rows(arr: Any) -> Any:
    """Indices (numpy) of the values holding a suspicious character: the values are decoded
    as one string, searched, and the matches mapped back to values by the cumulative length
    (in characters) of the values."""
    import numpy as np
    import pyarrow.compute as pc

    _, lo, hi = _value_bytes(arr)
    text = str(memoryview(arr.buffers()[2])[lo:hi], "utf-8")
    found = [m.start() for m in _suspicious_py().finditer(text)]
    if may_have_astral(text):
        found.extend(m.start() for m in _ASTRAL_RE.finditer(text))
    if not found:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(pc.utf8_length(arr).to_numpy(zero_copy_only=False))
    return np.unique(np.searchsorted(ends, np.array(found), side="right"))


def _screen_pair(checker: Checker, table: Any, dirty: dict[int, set[int]]) -> None:
    """Distinct (code, name) pairs, each checked once per file: the two columns are
    dictionary-encoded and each pair becomes one integer."""
    import numpy as np
    import pyarrow.compute as pc

    from kanmin.standards.checks import _pair_problem

    if checker.pair is None:
        return
    ci, ni, mode = checker.pair
    codes = pc.dictionary_encode(table.column(ci).chunk(0))
    names = pc.dictionary_encode(table.column(ni).chunk(0))
    width = len(names.dictionary)
    keys = codes.indices.to_numpy().astype(np.int64) * width + names.indices.to_numpy()
    distinct = np.unique(keys)
    code_values = codes.dictionary.to_pylist()
    name_values = names.dictionary.to_pylist()
    cache = checker._pair_cache
    bad = []
    for key in distinct.tolist():
        pair = (code_values[key // width], name_values[key % width])
        ok = cache.get(pair)
        if ok is None:
            ok = _pair_problem(pair[0], pair[1], mode) is None
            cache[pair] = ok
        if not ok:
            bad.append(key)
    if bad:
        _mark(dirty, np.flatnonzero(np.isin(keys, bad)).tolist(), ni)


def _screen_area(checker: Checker, table: Any, dirty: dict[int, set[int]]) -> None:
    """Coordinates outside the municipality's box (when one is given) need the exact
    check, which warns; the clean-value expressions only bound them to Japan."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from kanmin.standards.checks import outside_area

    for col in checker.columns:
        if col.area is None:
            continue
        values = table.column(col.index).chunk(0)
        try:
            present = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
            numbers = pc.cast(present, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            _mark(dirty, outside_area(values.to_pylist(), col.area), col.index)
            continue
        low, high = col.area
        with np.errstate(invalid="ignore"):
            outside = (numbers < low) | (numbers > high)
        _mark(dirty, np.flatnonzero(outside).tolist(), col.index)


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
    if newlines is None:
        newlines = count_newlines(chunk)
    lines = newlines + (0 if chunk.endswith(b"\n") else 1)
    data = chunk
    if encoding != "utf-8":
        try:
            data = chunk.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            return None
    elif not _valid_utf8(data):
        return None
    table = _parse(checker, data, delimiter, threads)
    # Arrow also ends a record at a lone CR: then it finds more records than there are lines.
    if table is None or table.num_rows != lines or table.num_columns != ncols:
        return None
    table = table.combine_chunks(memory_pool=_pool())
    if _has_blank_row(table):
        return None  # an empty line: Arrow makes it a row of empty cells
    n = table.num_rows
    plans = _plans(checker)
    dirty: dict[int, set[int]] = {}
    for col in checker.columns:
        arr = table.column(col.index).chunk(0)
        _screen_column(checker, col, arr, plans[col.index], dirty)
    _screen_pair(checker, table, dirty)
    _screen_area(checker, table, dirty)
    findings: list[Finding] = []
    if dirty:
        import pyarrow as pa

        order = sorted(dirty)
        take = pa.array(order, pa.int64())
        # Only the columns check_record reads: the dirty ones, and those of the rules
        # across columns; the others stay empty.
        wanted = set().union(*dirty.values())
        wanted.update(i for i in (checker.lat_index, checker.lon_index) if i is not None)
        if checker.pair is not None:
            wanted.update(checker.pair[:2])
        empty = [""] * len(order)
        cols = [
            table.column(i).take(take).to_pylist() if i in wanted else empty for i in range(ncols)
        ]
        for k, i in enumerate(order):
            checker.check_record([c[k] for c in cols], i, findings, dirty[i])
    res = ChunkResult(records=n, findings=findings)
    if checker.id_index is not None:
        column = table.column(checker.id_index).chunk(0)
        offsets, lo, hi = _value_bytes(column)
        res.id_bytes = bytes(memoryview(column.buffers()[2])[lo:hi]) if hi > lo else b""
        res.id_offsets = offsets - lo
        res.id_hashes = text_hashes(res.id_bytes, res.id_offsets)
    return res
