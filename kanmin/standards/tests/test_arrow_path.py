"""The Arrow path (pyarrow CSV reader + compute pre-screen) agrees with the exact path, falls
back on chunks it cannot number like a spreadsheet, and validate() gives the same report
with it and without it."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kanmin.standards import arrow_path
from kanmin.standards.checks import Checker, suspicious_re
from kanmin.standards.report import Report
from kanmin.standards.schemas import all_schemas, get_schema
from kanmin.standards.tests.factories import aed_rows, csv_bytes, rows_for
from kanmin.standards.tests.helpers import finding_keys
from kanmin.standards.validate import prepare, validate

pytestmark = pytest.mark.skipif(not arrow_path.available(), reason="pyarrow not installed")

# Cells with neither delimiter, quote nor line break (so the Arrow path takes the chunk).
_TRICKY = [
    "",
    " ",
    "\u3000",
    "08:30",
    "8:30",
    "24:00",
    "2024-02-29",
    "2023-02-29",
    "R6.2.30",
    "１２３",
    "▲5",
    "(0986)23-2111",
    "０９８６－２３－２１１１",
    "0986-23-2111",
    "885-8555",
    "8858555",
    "=1+1",
    "-",
    "-5",
    "131.061",
    "31.719",
    "3.5",
    "46.0",
    "46.5",
    "ＡＢＣ",
    "髙橋",
    "内科；外科",
    "内科;外科",
    "有",
    "あり",
    "452025",
    "452026",
    "４５２０２５",
    "1000020452025",
    "#REF!",
    "#N/A",
    "https://example.jp/a",
    "https://example.jp/\u3000a",
    "www.example.jp",
    "a@example.jp",
    "①",
    "ｱｲｳ",
    "𠮷野家",
    "a\x01b",
    "a\x7f",
    "\tx",
    "x\u2028",
    "\u00a0x",
    "が",
    "か\u3099",
    "B1",
    "０",
    "0",
    "宮崎県",
    "東京都千代田区",
]
_ALPHABET = [*"aZ09-:.#=+@/;、；，_", " ", "\u3000", "\t", "\x01", "①", "ｱ", "髙", "𠮷", "あ"]
_CELL = st.one_of(st.sampled_from(_TRICKY), st.text(st.sampled_from(_ALPHABET), max_size=6))


def _exact(checker: Checker, records: list[list[str]]) -> list:
    out: list = []
    for rel, rec in enumerate(records):
        checker.check_record(rec, rel, out)
    return sorted(out, key=repr)


def _arrow(checker: Checker, records: list[list[str]], newline: str = "\r\n") -> list | None:
    body = "".join(",".join(r) + newline for r in records).encode("utf-8")
    res = arrow_path.check_chunk_arrow(checker, body, "utf-8", ",")
    return None if res is None else sorted(res.findings, key=repr)


@st.composite
def _aed_records(draw):
    n = draw(st.sampled_from([3, 3, 40]))  # 40 rows: repeated values take the distinct screen
    header, rows = aed_rows(n)
    for _ in range(draw(st.integers(1, 10))):
        r = draw(st.integers(0, n - 1))
        c = draw(st.integers(0, len(header) - 1))
        rows[r][c] = draw(_CELL)
    return header, rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_aed_records())
def test_arrow_path_agrees_with_exact_path(data):
    header, rows = data
    checker = prepare(header, "aed", Report())
    got = _arrow(checker, rows)
    if got is None:  # only a blank row (every cell empty) makes it step aside here
        assert any(not any(r) for r in rows)
        return
    assert got == _exact(checker, rows)


@pytest.mark.parametrize("value", _TRICKY)
def test_every_tricky_value_in_every_column(value):
    header, rows = aed_rows(3)
    checker = prepare(header, "aed", Report())
    for c in range(len(header)):
        trial = [list(r) for r in rows]
        trial[1][c] = value
        got = _arrow(checker, trial, "\n")
        assert got is not None
        assert got == _exact(checker, trial), header[c]


def test_many_rows_use_regular_expressions_and_distinct_values():
    s = get_schema("aed")
    header = list(s.field_names)
    rows = rows_for(s, 300)
    i = header.index
    for r, row in enumerate(rows):
        row[i("ID")] = f"ID{r:05d}"
        row[i("緯度")] = f"{31 + r / 1000:.4f}"
    rows[7][i("緯度")] = "3.5"
    rows[8][i("名称")] = "会館①"
    rows[9][i("ID")] = "ID 9"
    rows[10][i("小児対応設備の有無")] = "あり"
    rows[11][i("緯度")], rows[11][i("経度")] = rows[11][i("経度")], rows[11][i("緯度")]
    checker = prepare(header, "aed", Report())
    got = _arrow(checker, rows)
    assert got is not None and got == _exact(checker, rows)
    assert {f[0] for f in got} >= {7, 8, 9, 10, 11}


@pytest.mark.parametrize("slug", sorted(all_schemas()))
def test_every_schema_agrees_with_exact_path(slug):
    """Each tricky value in every column of one row, for every dataset's rules."""
    s = get_schema(slug)
    header = list(s.field_names)
    checker = prepare(header, slug, Report())
    for value in _TRICKY:
        rows = rows_for(s, 3)
        rows[1] = [value] * len(header)
        rows[2] = [value if c % 2 else v for c, v in enumerate(rows[2])]
        if not any(rows[1]):
            continue  # a blank row: not for this path
        got = _arrow(checker, rows, "\n")
        assert got is not None, value
        assert got == _exact(checker, rows), value


_GOOD = "本町".encode() + b",x" * 36 + b"\r\n"


@pytest.mark.parametrize(
    "body",
    [
        b'a,"b"\r\n',  # quotes: a cell may span lines
        b"a,b\rc\r\n",  # lone CR: Arrow would end a record there
        b"x" + b",x" * 36 + b"\r",
        b"x" + b",x" * 35 + b"\r\n",  # ragged
        b"," * 36 + b"\r\n",  # blank row
        b"\r\n",  # empty line
        b"a\x00" + b",x" * 36 + b"\r\n",  # NUL
        "髙".encode("cp932") + b",x" * 36 + b"\r\n",  # not UTF-8
        b"\xed\xa0\x80" + b",x" * 36 + b"\r\n",  # an encoded surrogate is not UTF-8 either
        b"\xc0\xaf" + b",x" * 36 + b"\r\n",  # nor an overlong form
        b"\xf4\x90\x80\x80" + b",x" * 36 + b"\r\n",  # nor a code point above U+10FFFF
        # Between good records: an empty line, a lone CR line, a trailing empty line, and a
        # bad byte deep inside the chunk.
        _GOOD + b"\n" + _GOOD,
        _GOOD + b"\r\n" + _GOOD,
        _GOOD * 3 + b"\n",
        _GOOD * 50 + "本町".encode()[:-1] + b",x" * 36 + b"\r\n" + _GOOD,
    ],
)
def test_chunks_it_cannot_number_go_the_old_way(body):
    header, _ = aed_rows(1)
    checker = prepare(header, "aed", Report())
    assert arrow_path.check_chunk_arrow(checker, body, "utf-8", ",") is None


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_validate_reports_the_same_with_and_without_arrow(monkeypatch, encoding):
    header, rows = aed_rows(400)
    i = header.index
    rows[5][i("名称")] = "市民\n会館"  # quoted multi-line cell: the chunk goes the old way
    rows[50][i("開始時間")] = "8:30"
    rows[300][i("ID")] = rows[299][i("ID")]
    rows[350][i("名称_カナ")] = "ｼﾔｸｼｮ"
    rows[399][i("緯度")] = "3.5"
    data = csv_bytes(header, rows, encoding)
    kwargs = {"workers": 1, "chunk_size": 4096}
    taken = []
    real = arrow_path.check_chunk_arrow

    def spy(*args, **kw):
        res = real(*args, **kw)
        taken.append(res is not None)
        return res

    monkeypatch.setattr(arrow_path, "check_chunk_arrow", spy)
    with_arrow = validate(io.BytesIO(data), "aed", **kwargs)
    assert True in taken and False in taken  # both paths ran
    monkeypatch.setattr(arrow_path, "available", lambda: False)
    without = validate(io.BytesIO(data), "aed", **kwargs)
    assert finding_keys(with_arrow) == finding_keys(without)
    found = {(e.row, e.code) for e in with_arrow.errors}
    # A spreadsheet counts records: the two-line cell is one row.
    assert {(52, "time_format"), (302, "duplicate_id"), (352, "halfwidth_katakana")} <= found


def test_suspicious_expression_covers_the_python_class():
    import pyarrow as pa
    import pyarrow.compute as pc

    bmp = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    arrow = pc.match_substring_regex(pa.array(bmp), arrow_path.suspicious_re2()).to_pylist()
    python = [suspicious_re().search(ch) is not None for ch in bmp]
    assert arrow == python


def test_coordinates_outside_the_area_are_warned_by_both_paths():
    from kanmin.standards.checks import Area

    header, rows = aed_rows(40)
    lat, lon = header.index("緯度"), header.index("経度")
    rows[3][lat] = "33.5"  # in Japan, north of the box
    rows[7][lon] = "130.2"  # west of the box
    rows[9][lat] = ""  # empty: the type checks' business, not the box's
    area = Area(31.5, 130.8, 32.0, 131.9)
    checker = prepare(header, "aed", Report(), area=area)
    exact = _exact(checker, rows)
    assert _arrow(checker, rows) == exact
    warned = sorted((rel, ci) for rel, ci, code, *_ in exact if code == "outside_area")
    assert warned == [(3, lat), (7, lon)]
    plain = prepare(header, "aed", Report())
    assert not [f for f in _exact(plain, rows) if f[2] == "outside_area"]


def test_good_records_around_those_chunks_go_the_fast_way():
    header, _ = aed_rows(1)
    checker = prepare(header, "aed", Report())
    got = arrow_path.check_chunk_arrow(checker, _GOOD * 3, "utf-8", ",")
    assert got is not None and got.records == 3


@pytest.mark.parametrize("excluded", ["", arrow_path._TEXT_SEPARATORS])
@pytest.mark.parametrize("required", [True, False])
def test_the_ascii_text_screen_agrees_with_the_expression(excluded, required):
    """Every ASCII value of one to three characters from a set that holds each class the
    expression treats apart (edges, formula starts, controls, separators, line breaks)."""
    import itertools

    import pyarrow as pa
    import pyarrow.compute as pc

    alphabet = "a0 \t\r\n\x01\x1f\x7f=+@-#;,.\x0b"
    values = ["offset", ""] + [
        "".join(p) for n in (1, 2, 3) for p in itertools.product(alphabet, repeat=n)
    ]
    arr = pa.array(values, pa.string()).slice(1)  # an offset into the buffers, as in chunks
    body = arrow_path._text_body(excluded)
    pattern = f"^(?:{body})$" if required else f"^(?:(?:{body})|)$"
    expected = (~pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)).nonzero()
    screen = arrow_path._AsciiText(excluded, required)
    assert screen.failing(arr).tolist() == expected[0].tolist()
    assert len(expected[0]) and len(expected[0]) < len(arr)


@pytest.mark.parametrize(
    ("pattern", "letters"),
    [
        (r"[0-9A-Za-z_\-]+", "0-9A-Za-z_-"),
        (r"^[0-9\-]*$", "0-9-"),
        (r"\d+", "0-9"),
        (r"(?:[a-c])+", "a-c"),
        (r"[^,]+", None),  # every ASCII character but the comma
        (r"[0-9]{3}-[0-9]{4}", None),
        (r"[a-c]{2,}", None),
        (r"(?i)[a-c]+", None),
        (r"[a-c]+?", None),
        (r"ab+", None),
    ],
)
def test_a_pattern_of_one_character_class_becomes_a_byte_table(pattern, letters):
    import re

    found = arrow_path._ascii_class(re.compile(pattern))
    if pattern == r"[^,]+":
        assert found == frozenset(range(0x80)) - {ord(",")}
        return
    if letters is None:
        assert found is None
        return
    expected = {b for b in range(0x80) if re.fullmatch(f"[{letters}]", chr(b))}
    assert found == frozenset(expected)


@pytest.mark.parametrize("required", [True, False])
def test_the_ascii_screen_with_a_class_agrees_with_both_expressions(required):
    """The AED ID pattern folded into the byte table: the values it fails are those the text
    expression or the pattern's expression fails."""
    import itertools
    import re

    import pyarrow as pa
    import pyarrow.compute as pc

    alphabet = "aZ0_- \t\x01=#.:;"
    values = ["offset", ""] + [
        "".join(p) for n in (1, 2, 3) for p in itertools.product(alphabet, repeat=n)
    ]
    arr = pa.array(values, pa.string()).slice(1)
    body = arrow_path._text_body("")
    wrap = (lambda b: f"^(?:{b})$") if required else (lambda b: f"^(?:(?:{b})|)$")
    ok = pc.and_(
        pc.match_substring_regex(arr, wrap(body)),
        pc.match_substring_regex(arr, wrap(r"[0-9A-Za-z_\-]+")),
    )
    expected = (~ok.to_numpy(zero_copy_only=False)).nonzero()[0].tolist()
    allowed = arrow_path._ascii_class(re.compile(r"[0-9A-Za-z_\-]+"))
    screen = arrow_path._AsciiText("", required, allowed)
    assert screen.covers == 2
    assert screen.failing(arr).tolist() == expected
    assert expected and len(expected) < len(arr)


def test_later_chunks_look_values_up_in_those_found_clean():
    """A column of few values is screened by the clean values of earlier chunks; a bad value,
    a new clean one, and a chunk where the column changes all get the exact path's findings."""
    s = get_schema("aed")
    header = list(s.field_names)
    i = header.index
    checker = prepare(header, "aed", Report())
    chunks = []
    for k in range(5):
        rows = rows_for(s, 200)
        for r, row in enumerate(rows):
            row[i("ID")] = f"ID{k}-{r:04d}"
            row[i("小児対応設備の有無")] = "有" if r % 2 else "無"
            row[i("設置位置")] = f"{r % 3 + 1}階ロビー"
        chunks.append(rows)
    chunks[1][5][i("小児対応設備の有無")] = "あり"  # bad, where 有/無 are known
    chunks[1][6][i("設置位置")] = "正面玄関"  # a new clean value
    chunks[2][7][i("設置位置")] = "正面玄関 "  # bad (an edge space) after it was seen clean
    chunks[2][8][i("小児対応設備の有無")] = "=1"
    for r, row in enumerate(chunks[3]):  # the column changes: most values new
        row[i("設置位置")] = f"{r}番の柱"
    chunks[4][9][i("設置位置")] = "1階ロビー\t"
    for rows in chunks:
        got = _arrow(checker, rows)
        assert got is not None and got == _exact(checker, rows)
    known = checker.__dict__["_arrow_known"]
    assert i("小児対応設備の有無") in known
    # The column that changed is counted again from then on, not looked up.
    assert i("設置位置") not in known and i("設置位置") in checker.__dict__["_arrow_unsettled"]
    column = i("小児対応設備の有無")
    assert any(f[0] == 5 and f[1] == column for f in _arrow(checker, chunks[1]) or [])


def test_a_value_checked_again_gives_the_same_findings_on_every_row():
    """Findings are remembered a value: asked again they are those of check_value, and a
    wrong value repeated on many rows is reported on each of them."""
    s = get_schema("aed")
    header = list(s.field_names)
    checker = prepare(header, "aed", Report())
    for value in _TRICKY:
        for col in checker.columns:
            first = checker.cell_findings(col, value)
            assert first == tuple(checker.check_value(col, value))
            assert checker.cell_findings(col, value) is first
    rows = rows_for(s, 120)
    i = header.index
    for row in rows:
        row[i("小児対応設備の有無")] = "あり"
        row[i("開始時間")] = "8:30"
    report = validate(io.BytesIO(csv_bytes(header, rows)), "aed")
    by_column = {}
    for issue in report.errors + report.warnings:
        by_column.setdefault(issue.column, set()).add(issue.row)
    assert by_column["小児対応設備の有無"] == set(range(2, 122))
    assert by_column["開始時間"] == set(range(2, 122))
