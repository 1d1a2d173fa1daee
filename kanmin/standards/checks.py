"""The checks: header, cells, rows; an exact path and a columnar fast path that agree.

Design. Every finding comes from one exact function, :meth:`Checker.check_record`, which
looks at one record. The fast path never reports anything itself: it only decides which
records are *certainly clean*, using per-column regular expressions that accept a subset of
what the exact rules accept (run over a whole column at once, in C), the distinct values of
low-cardinality columns (each checked once, exactly), and distinct pairs for cross-column
rules. Every other record goes through the exact path. So the fast path can only be slower,
never different.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import difflib
import io
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import compress
from typing import Any

from kanmin.core import jp_text
from kanmin.core.i18n import both, gettext_noop, translate
from kanmin.core.lg_code import PREFECTURES, LgCodeError, official_name, validate_lg_code
from kanmin.core.wareki import WarekiError, parse_date
from kanmin.standards.idset import hash_texts
from kanmin.standards.report import Issue, Severity
from kanmin.standards.schemas import Field, Schema, header_key

__all__ = [
    "JAPAN_LATITUDE",
    "JAPAN_LONGITUDE",
    "Checker",
    "ChunkResult",
    "Finding",
    "check_header",
    "corporate_number_check_digit",
    "in_japan",
]

# A point outside these is outside Japan (an error); inside, outside the municipality's own
# box is only a warning. Degrees, WGS 84 / JGD2011.
JAPAN_LATITUDE = (20.0, 46.0)
JAPAN_LONGITUDE = (122.0, 154.0)

# (record index within the chunk, column index, code, severity, value, params)
Finding = tuple[int, int, str, str, str, dict[str, Any]]
_CellFinding = tuple[str, str, dict[str, Any]]  # code, severity, params
CELL_CACHE = 100_000  # values remembered a column (Column.found)

# ------------------------------------------------------------------------------------------
# Character classes
# ------------------------------------------------------------------------------------------

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"


def _ranges(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)


_collected: list[tuple[int, int]] = []


def _collect(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    _collected.append((exc.start, exc.end))
    return ("?", exc.end)


@cache
def _non_jis_x0213_bmp() -> str:
    """Class body of BMP ideographs that are not in JIS X 0213 (髙 …), built once."""
    codecs.register_error("kanmin_collect_unencodable", _collect)
    parts: list[str] = []
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF)):
        block = "".join(map(chr, range(lo, hi + 1)))
        _collected.clear()
        block.encode("shift_jis_2004", errors="kanmin_collect_unencodable")
        for start, end in _collected:
            first, last = block[start], block[end - 1]
            parts.append(f"{first}-{last}" if end - start > 1 else first)
    _collected.clear()
    return "".join(parts)


@cache
def suspicious_class() -> str:
    """BMP characters that need the exact check (anything :func:`find_platform_dependent`
    can flag, control characters). Astral characters are found by :func:`has_suspicious`."""
    bmp_pua = ((0xE000, 0xF8FF),)
    return (
        _CONTROL
        + _ranges(bmp_pua)
        + _ranges(jp_text.PLATFORM_DEPENDENT_RANGES)
        + "".join(re.escape(c) for c in sorted(jp_text.PLATFORM_DEPENDENT_CHARS))
        + _ranges((jp_text.HALFWIDTH_KATAKANA_RANGE,))
        + _ranges(((0xF900, 0xFAFF), (0xFE00, 0xFE0F)))
        + "\u3099-\u309c"  # sound marks that may need composing
        + _non_jis_x0213_bmp()
    )


_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
_EMPTY_SIZE = sys.getsizeof("\u3042") - 2


def may_have_astral(text: str) -> bool:
    """False when ``text`` is stored with at most two bytes per character (so it holds no
    character above U+FFFF); cheap, from the object's size."""
    n = len(text)
    if n < 64:
        return True
    return sys.getsizeof(text) > _EMPTY_SIZE + 3 * (n + 1)


def has_suspicious(text: str) -> re.Match[str] | None:
    m = suspicious_re().search(text)
    if m is None and may_have_astral(text):
        m = _ASTRAL_RE.search(text)
    return m


_CONTROL_RE = re.compile(f"[{_CONTROL}]")


@cache
def suspicious_re() -> re.Pattern[str]:
    return re.compile(f"[{suspicious_class()}]")


_EXCEL_ERRORS = frozenset(
    {"#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_FORMULA_START = frozenset("=+-@")
_INT_RE = re.compile(r"-?[0-9]+")
_NUM_RE = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# The fast paths' clean dates and times (the same in Python's re and Arrow's RE2): a date of
# 1800-2099 that exists in every year (a 29 February is left to the exact check), hh:mm.
_CLEAN_DATE = (
    r"(?:1[89]|20)[0-9]{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
)
_CLEAN_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_TIME_RE = re.compile(_CLEAN_TIME)
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_URL_RE = re.compile(r"https?://[^\s\"<>]+")
_LOOSE_TIME_RE = re.compile(r"(?P<h>[0-9]{1,2})\s*(?:[:：時])\s*(?P<m>[0-9]{1,2})?\s*分?")

# ------------------------------------------------------------------------------------------
# Column semantics (facts: standard-datasets/README.md "Rules for values")
# ------------------------------------------------------------------------------------------

_LG_CODE_NAMES = frozenset({"市区町村コード", "都道府県コード又は市区町村コード"})


def _is_lg_code(name: str) -> bool:
    return (
        "全国地方公共団体コード" in name
        or name in _LG_CODE_NAMES
        or (name.startswith("情報の管理主体_全国地方公共"))
    )


def _is_phone(name: str) -> bool:
    return name.endswith(("電話番号", "FAX番号"))


def _is_lat(name: str) -> bool:
    return name == "緯度" or name.endswith("_緯度")


def _is_lon(name: str) -> bool:
    return name == "経度" or name.endswith("_経度")


def corporate_number_check_digit(base12: str) -> int:
    """Check digit of a 法人番号 (国税庁): 9 − (Σ Pn·Qn mod 9), Pn the n-th digit from the
    right of the 12-digit base, Qn = 1 for odd n and 2 for even n."""
    total = 0
    for n, ch in enumerate(reversed(base12), start=1):
        total += int(ch) * (1 if n % 2 else 2)
    return 9 - total % 9


def _number_hint(value: str, integer: bool) -> dict[str, Any]:
    try:
        plain = jp_text.normalize_number(value)
    except jp_text.NumberFormatError:
        return {}
    if integer and "." in plain:
        return {}
    return {"suggestion": plain, **_write_hint(plain)}


def _code_hint(value: str, regex: re.Pattern[str]) -> dict[str, Any]:
    """Suggestion for a code-like value when width/hyphen folding alone makes it conform."""
    folded = jp_text.normalize_code(value)
    folded = re.sub(r"^\((0[0-9]{1,4})\)\s*", r"\1-", folded)  # (054)626-1139 → 054-626-1139
    if folded != value and regex.fullmatch(folded):
        return {"suggestion": folded, **_write_hint(folded)}
    return {}


def _digits(count: int) -> dict[str, str]:
    """What a code must be, for the pattern message: its digits, in both languages."""
    ja, en = both(gettext_noop("{count} half-width digits"), count=count)
    return {"expected": ja, "expected_ja": ja, "expected_en": en}


def _write_hint(value: str) -> dict[str, str]:
    """The hint that says how to write a value, in both languages (kept with the finding)."""
    hint_ja, hint_en = both(gettext_noop("Write '{value}'."), value=value)
    return {"hint_ja": hint_ja, "hint_en": hint_en}


# ------------------------------------------------------------------------------------------
# Numeric ranges as regular expressions (fast path only)
# ------------------------------------------------------------------------------------------


def _split_regular(
    text: str, delimiter: str, ncols: int, newline: str = "\n"
) -> list[list[str]] | None:
    """Columns of an unquoted chunk in which every line has ``ncols`` cells, or None.

    Each line break becomes delimiter + U+001E, so after one flat split every cell that
    starts a line carries the marker; the lines are regular exactly when all markers sit in
    column 0 (and no line is a row of empty cells, which is a blank row)."""
    n = text.count(newline) + 1
    if text.count(delimiter) != n * (ncols - 1):
        return None
    cells = text.replace(newline, delimiter + "\x1e").split(delimiter)
    first = "".join(cells[0::ncols])
    if first.count("\x1e") != n - 1:
        return None
    columns = [first.split("\x1e")]
    columns.extend(cells[j::ncols] for j in range(1, ncols))
    if any(len(c) != n for c in columns):
        return None
    blank = delimiter * (ncols - 1)
    if blank in text and blank in text.split(newline):
        return None
    if "\r" in text and any("\r" in v for v in columns[-1]):
        return None
    return columns


def _int_range(lo: int, hi: int) -> str:
    """Alternation of the non-negative integers lo..hi, grouped by all but the last digit."""
    groups: dict[str, list[str]] = {}
    for i in range(lo, hi + 1):
        s = str(i)
        groups.setdefault(s[:-1], []).append(s[-1])
    parts = []
    for prefix, digits in groups.items():
        if len(digits) == 1:
            parts.append(prefix + digits[0])
        else:
            parts.append(f"{prefix}[{digits[0]}-{digits[-1]}]")
    return "|".join(parts)


def _range_regex(minimum: float | None, maximum: float | None, integer: bool) -> str | None:
    """A regex accepting only numbers inside [minimum, maximum], or None when not simple."""
    frac = "" if integer else r"(?:\.[0-9]+)?"
    zero_frac = "" if integer else r"(?:\.0+)?"
    if minimum is None and maximum is None:
        return r"-?[0-9]+" + frac
    if maximum is None and minimum is not None and minimum == 0:
        return r"[0-9]+" + frac
    if (
        minimum is not None
        and maximum is not None
        and float(minimum).is_integer()
        and float(maximum).is_integer()
        and 0 <= minimum < maximum
        and maximum - minimum <= 400
    ):
        lo, hi = int(minimum), int(maximum)
        below = _int_range(lo, hi - 1)
        return f"(?:(?:{below}){frac}|{hi}{zero_frac})"
    return None


def _strip_anchors(pattern: str) -> str | None:
    """The body of a ``^…$`` pattern if it is safe to embed between line breaks."""
    p = pattern
    if p.startswith("^"):
        p = p[1:]
    if p.endswith("$") and not p.endswith("\\$"):
        p = p[:-1]
    risky = ("[^", "\\s", "\\W", "\\D", "(?s", "\\n", "^", "$", "\\Z", "\\A", "(?m", "(?x")
    if any(r in p for r in risky):
        return None
    return p


# ------------------------------------------------------------------------------------------
# Column plans
# ------------------------------------------------------------------------------------------


@dataclass
class Column:
    """How one column of the file is checked."""

    index: int
    name: str
    field: Field | None
    kind: str = "text"  # text, integer, number, date, time, datetime, boolean
    required: bool = False
    pattern: re.Pattern[str] | None = None
    pattern_kind: str = "pattern"  # pattern, phone, postal_code, url, lg_code, corporate_number
    enum: frozenset[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    x_pattern: re.Pattern[str] | None = None
    lg_code: bool = False
    corporate_number: bool = False
    email: bool = False
    url: bool = False
    multi_valued: bool = False
    lat: bool = False
    lon: bool = False
    # The municipality's extent on this axis (south–north or west–east), when known.
    area: tuple[float, float] | None = None
    clean_body: str | None = None  # regex body: values it matches are certainly clean
    needs_exact: bool = False  # no regex: check distinct values exactly
    # The findings of values checked exactly (empty for a clean one), once a value, for up
    # to CELL_CACHE values: the same wrong value (8:30, あり) comes back row after row.
    found: dict[str, tuple[_CellFinding, ...]] = dataclasses.field(default_factory=dict)


def _plan_column(index: int, name: str, f: Field | None) -> Column:
    col = Column(index=index, name=name, field=f)
    if f is None:
        col.clean_body = None
        return col
    col.kind = (
        f.type if f.type in {"integer", "number", "date", "time", "datetime", "boolean"} else "text"
    )
    col.required = f.required
    col.enum = frozenset(f.enum) if f.enum is not None else None
    col.minimum, col.maximum = f.minimum, f.maximum
    col.multi_valued = f.multi_valued
    col.lat, col.lon = _is_lat(f.name), _is_lon(f.name)
    col.lg_code = _is_lg_code(f.name)
    col.corporate_number = "法人番号" in f.name
    col.email = f.format == "email"
    col.url = f.format == "uri"
    if f.pattern:
        try:
            col.pattern = re.compile(f.pattern)
        except re.error:
            col.pattern = None
    if f.x_pattern:
        try:
            col.x_pattern = re.compile(f.x_pattern)
        except re.error:
            col.x_pattern = None
    if col.pattern is not None:
        if _is_phone(f.name):
            col.pattern_kind = "phone"
        elif "郵便番号" in f.name:
            col.pattern_kind = "postal_code"
        elif col.url:
            col.pattern_kind = "url"
    return col


def _clean_text_body(extra_excluded: str = "") -> str:
    """Clean text apart from the character policy (checked separately by a scan for the
    suspicious characters): no edge spaces, no formula start."""
    s = extra_excluded
    return rf"(?![=+@\-])[^\s{s}](?:[^\n{s}]*[^\s{s}])?"


def _column_clean_body(col: Column) -> str | None:
    """Regex body for the fast path (a subset of clean values), or None."""
    f = col.field
    text = _clean_text_body(";；、，," if col.multi_valued else "")
    if f is None:
        return text
    if col.lg_code or col.corporate_number or ((col.lat or col.lon) and col.kind != "number"):
        return None
    body: str | None
    if col.enum is not None:
        body = "|".join(re.escape(v) for v in sorted(col.enum, key=len, reverse=True))
        body = body or None
    elif col.kind == "integer":
        body = _range_regex(col.minimum, col.maximum, integer=True)
    elif col.kind == "number":
        body = _range_regex(col.minimum, col.maximum, integer=False)
    elif col.kind == "date":
        body = _CLEAN_DATE
    elif col.kind == "time":
        body = _CLEAN_TIME
    elif col.kind in {"datetime", "boolean"}:
        body = None
    elif col.email:
        body = None
    else:
        body = text
    if body is not None and col.pattern is not None and col.kind == "text":
        inner = _strip_anchors(col.pattern.pattern)
        if inner is None:
            return None
        body = f"(?=(?:{inner})\\n)(?:{body})"
    if body is not None and col.x_pattern is not None:
        inner = _strip_anchors(col.x_pattern.pattern)
        if inner is None:
            return None
        body = f"(?=(?:{inner})\\n)(?:{body})"
    if body is None:
        return None
    return body if col.required else f"(?:{body})?"


# ------------------------------------------------------------------------------------------
# Header
# ------------------------------------------------------------------------------------------


def check_header(header: list[str], schema: Schema) -> tuple[list[Issue], dict[int, Field]]:
    """Header issues and the mapping file column index → schema field."""
    issues: list[Issue] = []
    provisional = schema.provisional
    sev_struct: Severity = "warning" if provisional else "error"
    fields_by_key = {header_key(f.name): f for f in schema.fields}
    mapping: dict[int, Field] = {}
    seen: dict[str, int] = {}
    unmatched: list[int] = []
    for i, name in enumerate(header):
        key = header_key(name)
        if not key:
            issues.append(Issue("blank_header", "error", 1, None, name, {"index": i + 1}))
            continue
        if key in seen:
            issues.append(Issue("duplicate_header", "error", 1, name, name))
            continue
        seen[key] = i
        f = fields_by_key.get(key)
        if f is not None:
            mapping[i] = f
        else:
            unmatched.append(i)
    used = {f.name for f in mapping.values()}
    remaining = [f for f in schema.fields if f.name not in used]
    for i in unmatched:
        name = header[i]
        candidates = {header_key(f.name): f for f in remaining}
        close = difflib.get_close_matches(header_key(name), list(candidates), n=1, cutoff=0.6)
        if close:
            f = candidates[close[0]]
            remaining.remove(f)
            mapping[i] = f
            issues.append(
                Issue(
                    "misspelled_column",
                    sev_struct,
                    1,
                    name,
                    name,
                    {"suggestion": f.name},
                )
            )
        else:
            issues.append(Issue("extra_column", "warning", 1, name, name))
    for f in remaining:
        issues.append(Issue("missing_column", sev_struct, 1, f.name, None))
    # Order: compare the matched schema fields in file order with the schema order.
    in_file = [mapping[i].name for i in sorted(mapping)]
    expected = [f.name for f in schema.fields if f.name in set(in_file)]
    if in_file != expected:
        sev_order: Severity = "error" if schema.order_verified and not provisional else "warning"
        for pos, (got, want) in enumerate(zip(in_file, expected, strict=True)):
            if got != want:
                index = sorted(mapping)[pos] + 1
                issues.append(
                    Issue(
                        "column_order",
                        sev_order,
                        1,
                        got,
                        None,
                        {"index": index, "expected": want},
                    )
                )
                break
    return issues, mapping


# ------------------------------------------------------------------------------------------
# The checker
# ------------------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    records: int
    findings: list[Finding]
    ids: list[str] | None = None
    id_rows: list[int] | None = None  # record indices of ``ids`` (None: 0..records-1)
    id_hashes: Any = None  # idset.text_hashes of the ids (numpy), computed where they were split
    # The IDs as one UTF-8 buffer and where each ends (numpy int32/int64 offsets, n + 1 of
    # them), as the Arrow path has them: bytes cross the process boundary much faster than a
    # list of strings, and an ID is decoded only when a duplicate is reported.
    id_bytes: bytes | None = None
    id_offsets: Any = None

    @property
    def has_ids(self) -> bool:
        return self.ids is not None or self.id_bytes is not None

    def id_at(self, i: int) -> str:
        if self.ids is not None or self.id_bytes is None:
            return self.id_list()[i]
        start, end = int(self.id_offsets[i]), int(self.id_offsets[i + 1])
        return self.id_bytes[start:end].decode("utf-8", "surrogatepass")

    def id_list(self) -> list[str]:
        if self.ids is None:
            self.ids = (
                [self.id_at(i) for i in range(len(self.id_offsets) - 1)]
                if self.id_bytes is not None
                else []
            )
        return self.ids


class Checker:
    """Checks records of one file against one schema (or generic checks without a schema)."""

    def __init__(
        self,
        header: list[str],
        mapping: dict[int, Field],
        schema: Schema | None,
        area: Area | None = None,
    ):
        self.header = header
        self.ncols = len(header)
        self.schema = schema
        self.columns: list[Column] = [
            _plan_column(i, name, mapping.get(i)) for i, name in enumerate(header)
        ]
        for col in self.columns:
            col.clean_body = _column_clean_body(col)
            col.needs_exact = col.clean_body is None
        self._clean_res: dict[int, re.Pattern[str]] = {}
        self.lat_index = next((c.index for c in self.columns if c.lat and c.field), None)
        self.lon_index = next((c.index for c in self.columns if c.lon and c.field), None)
        self.area = area
        if area is not None:
            for col in self.columns:
                if col.field is not None and col.lat:
                    col.area = (area.south, area.north)
                elif col.field is not None and col.lon:
                    col.area = (area.west, area.east)
        # The ID column: ID / NO, a unique constraint, or the primary key.
        pk = set(schema.primary_key) if schema else set()
        self.id_index = next(
            (
                c.index
                for c in self.columns
                if c.field is not None
                and (c.field.name in {"ID", "NO"} or c.field.unique or c.field.name in pk)
            ),
            None,
        )
        # Publisher code ↔ name pairs (current: 地方公共団体名, legacy: 都道府県名).
        self.pair: tuple[int, int, str] | None = None
        names = {c.field.name: c.index for c in self.columns if c.field is not None}
        for code_name, name_name, mode in (
            ("全国地方公共団体コード", "地方公共団体名", "prefix"),
            ("都道府県コード又は市区町村コード", "都道府県名", "equal"),
        ):
            if code_name in names and name_name in names:
                self.pair = (names[code_name], names[name_name], mode)
        self._pair_cache: dict[tuple[str, str], bool] = {}

    # -- exact -----------------------------------------------------------------------------
    def cell_findings(self, col: Column, value: str) -> tuple[_CellFinding, ...]:
        """:meth:`check_value`, remembered for the column (the findings are shared: do not
        change them)."""
        found = col.found.get(value)
        if found is None:
            found = tuple(self.check_value(col, value))
            if len(col.found) < CELL_CACHE:
                col.found[value] = found
        return found

    def check_value(self, col: Column, value: str) -> list[_CellFinding]:
        out: list[_CellFinding] = []
        if value == "" or (col.required and not value.strip(" \u3000\t")):
            if col.required:
                out.append(("required", "error", {}))
            return out
        _generic(value, col, out)
        if col.field is None:
            return out
        if col.kind != "text":
            _typed(value, col, out)
            return out
        if col.enum is not None:
            if col.multi_valued:
                parts = value.split(";")
                bad = [p for p in parts if p not in col.enum]
            else:
                bad = [value] if value not in col.enum else []
            if bad:
                out.append(("enum", "error", {"expected": "、".join(sorted(col.enum))}))
        if col.multi_valued:
            for sep in ("；", "、", "，", ","):
                if sep in value and ";" not in value:
                    out.append(
                        (
                            "multi_value_separator",
                            "warning",
                            {"found": sep, "suggestion": value.replace(sep, ";")},
                        )
                    )
                    break
        if col.lg_code:
            _lg_code(value, out)
            return out
        if col.corporate_number:
            _corporate(value, out)
            return out
        if col.pattern is not None and not col.pattern.fullmatch(value):
            _pattern_failure(value, col, out)
        elif col.email and not _EMAIL_RE.fullmatch(value):
            out.append(("email", "error", {}))
        elif col.url and col.pattern is None and not _URL_RE.fullmatch(value):
            out.append(("url", "error", {}))
        return out

    def check_record(
        self,
        rec: list[str],
        rel: int,
        findings: list[Finding],
        only: set[int] | None = None,
    ) -> None:
        """All findings of one record. ``only``: the columns that may hold findings (the
        others are known clean); None checks every column."""
        n = len(rec)
        latlon_swapped = False
        if (
            self.lat_index is not None
            and self.lon_index is not None
            and (only is None or (self.lat_index in only and self.lon_index in only))
        ):
            latlon_swapped = _swapped(rec[self.lat_index], rec[self.lon_index])
            if latlon_swapped:
                lat, lon = rec[self.lat_index], rec[self.lon_index]
                findings.append(
                    (rel, self.lat_index, "latlon_swapped", "error", lat, {"other": lon})
                )
                # Both cells are wrong: report the longitude too (as other validators do).
                findings.append(
                    (rel, self.lon_index, "latlon_swapped", "error", lat, {"other": lon})
                )
        columns = self.columns if only is None else [self.columns[i] for i in sorted(only)]
        for col in columns:
            if col.index >= n:
                break
            value = rec[col.index]
            if latlon_swapped and col.index in (self.lat_index, self.lon_index):
                continue
            for code, sev, params in self.cell_findings(col, value):
                findings.append((rel, col.index, code, sev, value, params))
        if self.pair is not None and (only is None or self.pair[1] in only):
            ci, ni, mode = self.pair
            code, name = rec[ci], rec[ni]
            problem = _pair_problem(code, name, mode)
            if problem is not None:
                findings.append((rel, ni, "lg_code_name_mismatch", "error", code, problem))

    # -- fast ------------------------------------------------------------------------------
    _compiled: dict[str, re.Pattern[str]] = {}

    def warm(self) -> None:
        """Compile every fast-path expression now (before worker processes fork)."""
        suspicious_re()
        for col in self.columns:
            if col.clean_body is not None:
                self._clean_re(col)

    def _clean_re(self, col: Column) -> re.Pattern[str]:
        body = col.clean_body or ""
        rx = Checker._compiled.get(body)
        if rx is None:
            rx = re.compile(rf"\n(?!(?:{body})\n)")
            Checker._compiled[body] = rx
        return rx

    def _dirty_in_column(self, col: Column, values: list[str], dirty: dict[int, set[int]]) -> None:
        n = len(values)
        ci = col.index
        distinct: set[str] | None = None
        if col.clean_body is None:
            distinct = set(values)
            if len(distinct) > n // 2:
                check = self.check_value
                for i, v in enumerate(values):
                    if check(col, v):
                        dirty.setdefault(i, set()).add(ci)
                return
        elif len(set(values[:256])) <= 16:
            distinct = set(values)
            if len(distinct) > 256:
                distinct = None
        if distinct is not None:
            bad = {v for v in distinct if self.cell_findings(col, v)}
            if bad:
                for i in compress(range(n), map(bad.__contains__, values)):
                    dirty.setdefault(i, set()).add(ci)
            return
        joined = "\n" + "\n".join(values) + "\n"
        if joined.count("\n") != n + 1:  # a value holds a line break: go value by value
            check = self.check_value
            for i, v in enumerate(values):
                if check(col, v):
                    dirty.setdefault(i, set()).add(ci)
            return
        starts = [m.start() for m in self._clean_re(col).finditer(joined)]
        strict = col.kind != "text" or col.pattern is not None or col.enum is not None
        if not (strict and joined.isascii()) and has_suspicious(joined):
            starts.extend(
                joined.rfind("\n", 0, m.start()) for m in suspicious_re().finditer(joined)
            )
            if may_have_astral(joined):
                starts.extend(joined.rfind("\n", 0, m.start()) for m in _ASTRAL_RE.finditer(joined))
            starts = sorted(set(starts))
        pos = 0
        line = 0
        for start in starts:
            line += joined.count("\n", pos, start)
            pos = start
            if line < n:
                dirty.setdefault(line, set()).add(ci)

    def check_columns(self, columns: list[list[str]], n: int) -> dict[int, set[int]]:
        """Records (0..n-1) that may have findings, with the columns to look at."""
        dirty: dict[int, set[int]] = {}
        for col in self.columns:
            self._dirty_in_column(col, columns[col.index], dirty)
            if col.area is not None:
                for i in outside_area(columns[col.index], col.area):
                    dirty.setdefault(i, set()).add(col.index)
        if self.pair is not None:
            ci, ni, mode = self.pair
            pairs = set(zip(columns[ci], columns[ni], strict=True))
            bad_pairs = set()
            for p in pairs:
                ok = self._pair_cache.get(p)
                if ok is None:
                    ok = _pair_problem(p[0], p[1], mode) is None
                    self._pair_cache[p] = ok
                if not ok:
                    bad_pairs.add(p)
            if bad_pairs:
                zipped = zip(columns[ci], columns[ni], strict=True)
                for i in compress(range(n), map(bad_pairs.__contains__, zipped)):
                    dirty.setdefault(i, set()).add(ni)
        return dirty

    def check_text(self, text: str, delimiter: str = ",") -> ChunkResult:
        """Check one decoded chunk of whole CSV records."""
        if text.endswith("\r\n") and "\x1e" not in text and '"' not in text:
            # CRLF file: one replace makes the split markers (see _split_regular).
            body = text[:-2]
            ncols = self.ncols
            if ncols > 1 and "\n" not in body.replace("\r\n", ""):
                columns = _split_regular(body, delimiter, ncols, "\r\n")
                if columns is not None:
                    return self._finish_columns(columns, len(columns[0]))
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        if text.endswith("\n"):
            text = text[:-1]
        if not text:
            return ChunkResult(0, [])
        ncols = self.ncols
        if '"' not in text and ncols > 1 and "\x1e" not in text:
            columns = _split_regular(text, delimiter, ncols)
            if columns is not None:
                return self._finish_columns(columns, len(columns[0]))
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        return self.check_records(records)

    def _finish_columns(
        self, columns: list[list[str]], n: int, index: list[int] | None = None
    ) -> ChunkResult:
        findings: list[Finding] = []
        dirty = self.check_columns(columns, n)
        for i in sorted(dirty):
            rec = [c[i] for c in columns]
            self.check_record(rec, index[i] if index is not None else i, findings, dirty[i])
        ids = None
        if self.id_index is not None:
            ids = columns[self.id_index]
        res = ChunkResult(records=n, findings=findings, ids=ids, id_rows=index)
        if ids is not None:
            res.id_hashes = hash_texts(ids)
        return res

    def check_records(self, records: list[list[str]]) -> ChunkResult:
        """Check parsed records (from csv or a workbook); ragged and blank rows reported."""
        findings: list[Finding] = []
        good: list[list[str]] = []
        index: list[int] = []
        ncols = self.ncols
        for rel, rec in enumerate(records):
            if len(rec) == ncols:
                if ncols > 1 and not any(rec):
                    findings.append((rel, -1, "blank_row", "error", "", {}))
                    continue
                good.append(rec)
                index.append(rel)
            elif not rec or (len(rec) == 1 and rec[0] == "") or not any(rec):
                findings.append((rel, -1, "blank_row", "error", "", {}))
            else:
                params = {"found": len(rec), "expected": ncols}
                findings.append((rel, -1, "ragged_row", "error", "", params))
        if good:
            columns = [list(c) for c in zip(*good, strict=True)]
            res = self._finish_columns(columns, len(good), index)
            findings.extend(res.findings)
            return ChunkResult(len(records), findings, res.ids, res.id_rows, res.id_hashes)
        return ChunkResult(len(records), findings, None, None)


# ------------------------------------------------------------------------------------------
# Exact helpers
# ------------------------------------------------------------------------------------------


def _halfwidth_runs(value: str, issues: list[jp_text.CharIssue]) -> str:
    """The half-width katakana of ``value`` as it is written: adjacent clusters joined into
    runs, runs listed once each in order, separated by 、."""
    runs: list[str] = []
    end = -1
    for issue in issues:
        if issue.kind != "halfwidth_katakana":
            continue
        if runs and issue.index == end:
            runs[-1] += issue.char
        else:
            runs.append(issue.char)
        end = issue.index + len(issue.char)
    return "、".join(dict.fromkeys(runs))


def _generic(value: str, col: Column, out: list[_CellFinding]) -> None:
    """Character policy, spaces, formula injection, Excel error literals."""
    if value[0] in " \u3000\t" or value[-1] in " \u3000\t":
        out.append(("whitespace", "warning", {}))
    if value.isascii():
        ctrl = _CONTROL_RE.search(value)
        if ctrl:
            out.append(("control_character", "error", {"char": f"U+{ord(ctrl.group()):04X}"}))
        issues = []
    elif has_suspicious(value):
        ctrl = _CONTROL_RE.search(value)
        if ctrl:
            out.append(("control_character", "error", {"char": f"U+{ord(ctrl.group()):04X}"}))
        issues = jp_text.find_platform_dependent(value)
    else:
        issues = []
    by_kind: dict[str, list[jp_text.CharIssue]] = {}
    for issue in issues:
        group = by_kind.setdefault(issue.kind, [])
        if all(g.char != issue.char for g in group):
            group.append(issue)
    for kind, group in by_kind.items():
        chars = "".join(g.char for g in group)
        params: dict[str, Any] = {"char": chars}
        if kind == "platform_dependent":
            fixes = [f"{g.char}→{g.replacement}" for g in group if g.replacement is not None]
            if fixes:
                replace = gettext_noop("Replace {fixes}.")  # a list: 、 in Japanese
                params["hint_ja"] = translate(replace, "ja").format(fixes="、".join(fixes))
                params["hint_en"] = replace.format(fixes=", ".join(fixes))
                params["repairable"] = True
            else:
                hint = both(gettext_noop("Rewrite it with standard characters."))
                params["hint_ja"], params["hint_en"] = hint
        elif kind == "halfwidth_katakana":
            # The half-width runs as written (not one of each character: ﾊﾟｰｸ keeps both ｰ),
            # and the whole value as the repair's kana step writes it.
            params["char"] = _halfwidth_runs(value, issues)
            params["suggestion"] = jp_text.normalize_kana_fullwidth(value)
        out.append((kind, group[0].severity, params))
    if value in _EXCEL_ERRORS:
        out.append(("excel_error_value", "error", {}))
    elif value[0] in _FORMULA_START and col.kind not in {"integer", "number"}:
        if not _NUM_RE.fullmatch(value) and not (value[0] == "-" and value[1:2].isdigit()):
            if value != "-":
                out.append(("formula_injection", "error", {"char": value[0]}))


def _typed(value: str, col: Column, out: list[_CellFinding]) -> None:
    kind = col.kind
    if kind in {"integer", "number"}:
        rx = _INT_RE if kind == "integer" else _NUM_RE
        if not rx.fullmatch(value):
            if col.lat or col.lon:
                pass
            out.append((f"type_{kind}", "error", _number_hint(value, kind == "integer")))
            return
        number = float(value)
        if col.lat and not JAPAN_LATITUDE[0] <= number <= JAPAN_LATITUDE[1]:
            out.append(("latitude_range", "error", {}))
            return
        if col.lon and not JAPAN_LONGITUDE[0] <= number <= JAPAN_LONGITUDE[1]:
            out.append(("longitude_range", "error", {}))
            return
        if col.area is not None and not col.area[0] <= number <= col.area[1]:
            low, high = col.area
            out.append(("outside_area", "warning", {"low": _fmt(low), "high": _fmt(high)}))
        if col.minimum is not None and number < col.minimum:
            out.append(("minimum", "error", {"expected": _fmt(col.minimum)}))
        elif col.maximum is not None and number > col.maximum:
            out.append(("maximum", "error", {"expected": _fmt(col.maximum)}))
        return
    if kind == "date":
        m = _DATE_RE.fullmatch(value)
        ok = False
        if m:
            import datetime as dt

            try:
                dt.date(int(m[1]), int(m[2]), int(m[3]))
                ok = True
            except ValueError:
                ok = False
        if ok and (col.x_pattern is None or col.x_pattern.fullmatch(value)):
            return
        try:
            parsed = parse_date(value)
        except WarekiError as exc:
            out.append(
                ("type_date", "error", {"reason_ja": exc.message_ja, "reason_en": exc.message_en})
            )
            return
        out.append(("date_format", "error", {"suggestion": parsed.value.isoformat()}))
        return
    if kind == "time":
        rx = col.x_pattern or _TIME_RE
        if rx.fullmatch(value):
            return
        suggestion = repair_time(value)
        if suggestion is not None and rx.fullmatch(suggestion):
            out.append(("time_format", "error", {"suggestion": suggestion}))
        else:
            out.append(("type_time", "error", {}))
        return
    if kind == "datetime":
        if not _DATETIME_RE.fullmatch(value):
            out.append(("type_datetime", "error", {}))
        return
    if kind == "boolean":
        f = col.field
        if f is None:
            return
        if value not in f.true_values and value not in f.false_values:
            expected = "、".join((*f.true_values, *f.false_values))
            out.append(("type_boolean", "error", {"expected": expected}))


def repair_time(value: str) -> str | None:
    """``9:30`` / ``９：３０`` / ``9時30分`` / ``9時`` → ``09:30``; None when not a time."""
    s = jp_text.normalize_digits_ascii(value).strip()
    m = _LOOSE_TIME_RE.fullmatch(s)
    if not m:
        return None
    h = int(m["h"])
    minute = int(m["m"]) if m["m"] else 0
    if m["m"] is None and "時" not in s:
        return None
    if h > 24 or minute > 59 or (h == 24 and minute):
        return None
    return f"{h:02d}:{minute:02d}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _lg_code(value: str, out: list[_CellFinding]) -> None:
    try:
        validate_lg_code(value)
    except LgCodeError as exc:
        out.append(("lg_code", "error", {"detail_ja": exc.message_ja, "detail_en": exc.message_en}))
        return
    if not (value.isascii() and value.isdigit()):
        out.append(
            (
                "pattern",
                "error",
                {
                    **_digits(6),
                    **_write_hint(jp_text.normalize_code(value)),
                },
            )
        )


def _corporate(value: str, out: list[_CellFinding]) -> None:
    if not (len(value) == 13 and value.isascii() and value.isdigit()):
        out.append(
            (
                "pattern",
                "error",
                {
                    **_digits(13),
                    **_code_hint(value, re.compile(r"[0-9]{13}")),
                },
            )
        )
        return
    expected = corporate_number_check_digit(value[1:])
    if int(value[0]) != expected:
        out.append(("corporate_number", "error", {"expected": expected}))


def _pattern_failure(value: str, col: Column, out: list[_CellFinding]) -> None:
    if col.pattern is None:
        return
    hint = _code_hint(value, col.pattern)
    if col.pattern_kind in {"phone", "postal_code", "url"}:
        out.append((col.pattern_kind, "error", hint))
        return
    if col.url:
        out.append(("url", "error", {}))
        return
    out.append(("pattern", "error", {"expected": col.pattern.pattern, **hint}))


def _as_float(value: str) -> float | None:
    if not _NUM_RE.fullmatch(value):
        return None
    return float(value)


@dataclass(frozen=True)
class Area:
    """A municipality's bounding box: a point outside it gets a warning, not an error (the
    box is larger than the municipality, and data may rightly lie just outside)."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        if not (self.south < self.north and self.west < self.east):
            raise ValueError(f"not a bounding box: {self}")


def outside_area(values: list[str], bounds: tuple[float, float]) -> list[int]:
    """Indexes of the numbers outside ``bounds`` (values that are not numbers are left to
    the type checks)."""
    low, high = bounds
    out = []
    for i, value in enumerate(values):
        number = _as_float(value)
        if number is not None and not low <= number <= high:
            out.append(i)
    return out


def in_japan(lat: float, lon: float) -> bool:
    return (
        JAPAN_LATITUDE[0] <= lat <= JAPAN_LATITUDE[1]
        and JAPAN_LONGITUDE[0] <= lon <= JAPAN_LONGITUDE[1]
    )


def _swapped(lat: str, lon: str) -> bool:
    """The latitude cell holds Japan's longitude and the longitude cell its latitude."""
    a, b = _as_float(lat), _as_float(lon)
    if a is None or b is None:
        return False
    return in_japan(b, a)


_PREF_BY_CODE = {p.code: p for p in PREFECTURES}


def _pair_problem(code: str, name: str, mode: str) -> dict[str, Any] | None:
    """Publisher code and name disagree: for 地方公共団体名 (``prefix``) the name must be the
    one the code list gives, prefecture first (宮崎県都城市); for a code the list does not
    hold, and for 都道府県名 (``equal``), only the prefecture is compared."""
    if not code or not name:
        return None
    try:
        normal = validate_lg_code(code)
    except LgCodeError:
        return None  # the code itself is reported by its own check
    pref = _PREF_BY_CODE.get(normal[:2])
    if pref is None:
        return None
    official = official_name(normal) if mode == "prefix" else None
    if official is not None:
        if name == official:
            return None
        what_ja, what_en = both(gettext_noop("the local government"))
        return {
            "what_ja": what_ja,
            "what_en": what_en,
            "expected_ja": official,
            "expected_en": official,
            "example": official,
            "other": name,
        }
    ok = name == pref.name_ja if mode == "equal" else name.startswith(pref.name_ja)
    if ok:
        return None
    what_ja, what_en = both(gettext_noop("the prefecture"))
    return {
        "what_ja": what_ja,
        "what_en": what_en,
        "expected_ja": pref.name_ja,
        "expected_en": pref.name_en,
        "example": pref.name_ja if mode == "equal" else pref.name_ja + "○○市",
        "other": name,
    }
