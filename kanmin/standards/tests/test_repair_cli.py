"""Repair (fixes, change log, idempotence, property tests), the fast path's agreement with
the exact path, and the CLI's exit statuses and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kanmin.standards.repair import repair
from kanmin.standards.report import Report
from kanmin.standards.schemas import get_schema
from kanmin.standards.tests.factories import aed_rows, csv_bytes, rows_for
from kanmin.standards.validate import prepare, validate


def _repair_bytes(data: bytes, schema: str = "aed") -> tuple[bytes, list]:
    out = io.BytesIO()
    result = repair(io.BytesIO(data), schema, out)
    return out.getvalue(), result.changes


def test_repair_fixes_what_is_certain_and_logs_it():
    header, rows = aed_rows(3)
    i = header.index
    rows[0][i("開始時間")] = "９時３０分"
    rows[0][i("名称")] = " ㈱都城①会館 "
    rows[0][i("名称_カナ")] = "ﾐﾔｺﾉｼﾞｮｳ"
    rows[1][i("電話番号")] = "(0986)２３－２１１１"
    rows[1][i("高度の値")] = "１,２"
    rows[1][i("緯度")], rows[1][i("経度")] = "131.061", "31.719"
    rows[2][i("小児対応設備の有無")] = "あり"  # not certain: stays
    data = csv_bytes(header, rows, "cp932")
    fixed, changes = _repair_bytes(data)
    assert fixed.startswith(b"\xef\xbb\xbf")
    got = {(c.row, c.column, c.after, c.rule) for c in changes}
    assert (None, None, "utf-8-sig", "encoding") in got
    assert (2, "開始時間", "09:30", "time_hhmm") in got
    assert (2, "名称_カナ", "ミヤコノジョウ", "halfwidth_katakana") in got
    assert (3, "電話番号", "0986-23-2111", "code_width") in got
    assert (3, "高度の値", "12", "number_width") in got
    assert (3, "緯度", "31.719", "latlon_swapped") in got
    names = [c.after for c in changes if c.row == 2 and c.column == "名称"]
    assert names[-1] == "(株)都城(1)会館"
    report = validate(io.BytesIO(fixed), "aed")
    assert {(e.row, e.code) for e in report.errors} == {(4, "enum")}
    again, changes2 = _repair_bytes(fixed)
    assert again == fixed and changes2 == []


def test_repair_renames_legacy_columns_and_dates():
    legacy = get_schema("legacy/aed")
    rows = rows_for(legacy, 2)
    data = csv_bytes(list(legacy.field_names), rows, "utf-8")
    fixed, changes = _repair_bytes(data, "aed")
    header = next(csv.reader(io.StringIO(fixed.decode("utf-8-sig"))))
    assert header == list(get_schema("aed").field_names)
    rules = {c.rule for c in changes if c.row == 1}
    assert {"legacy_column", "legacy_merge", "add_missing_column"} <= rules
    body = list(csv.DictReader(io.StringIO(fixed.decode("utf-8-sig"))))
    assert body[0]["地方公共団体名"] == "宮崎県" + rows[0][3]
    assert body[0]["全国地方公共団体コード"] == "452025"
    rep = validate(io.BytesIO(fixed), "aed")
    assert rep.error_count == 0, rep.to_text("en")
    event = get_schema("event")
    erows = rows_for(event, 1)
    col = next(j for j, f in enumerate(event.fields) if f.type == "date")
    erows[0][col] = "平成31年4月30日"
    fixed, changes = _repair_bytes(csv_bytes(list(event.field_names), erows), "event")
    assert ("2019-04-30", "date_iso") in {(c.after, c.rule) for c in changes}


_CELLS = st.sampled_from(
    [
        "",
        " ",
        "　都城　",
        "ﾐﾔｺﾉｼﾞｮｳ",
        "みやこのじょう",
        "①②",
        "㈱テスト",
        "９：３０",
        "9:30",
        "令和6年4月1日",
        "R6.2.30",
        "１２３",
        "1,234",
        "▲5",
        "(0986)23-2111",
        "０９８６－２３－２１１１",
        "885-8555",
        "=1+1",
        "-",
        "131.061",
        "31.719",
        "ＡＢＣ",
        "髙橋",
        "内科；外科",
        "有",
        "あり",
        "452025",
        "４５２０２５",
    ]
)


@st.composite
def aed_files(draw):
    header, rows = aed_rows(3)
    cols = draw(st.lists(st.integers(0, len(header) - 1), min_size=1, max_size=8))
    for c in cols:
        r = draw(st.integers(0, 2))
        rows[r][c] = draw(_CELLS)
    return csv_bytes(header, rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(aed_files())
def test_repair_is_idempotent_and_never_makes_things_worse(data):
    fixed, _ = _repair_bytes(data)
    again, changes = _repair_bytes(fixed)
    assert again == fixed and changes == []
    before = validate(io.BytesIO(data), "aed")
    after = validate(io.BytesIO(fixed), "aed")
    assert after.error_count <= before.error_count


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(aed_files())
def test_fast_path_agrees_with_exact_path(data):
    text = data.decode("utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    header, records = lines[0], lines[1:]
    checker = prepare(header, "aed", Report())
    fast = sorted(checker.check_text(text.split("\r\n", 1)[1]).findings, key=repr)
    exact: list = []
    for rel, rec in enumerate(records):
        checker.check_record(rec, rel, exact)
    assert fast == sorted(exact, key=repr)


# -- CLI ---------------------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(*args, stdout=out, stderr=io.StringIO())
    return int(exc.value.code or 0), out.getvalue()


def test_cli_exit_statuses_and_json(tmp_path):
    header, rows = aed_rows(3)
    good = tmp_path / "452025_aed.csv"
    good.write_bytes(csv_bytes(header, rows))
    status, out = _run("standards_validate", str(good), "--no-progress")
    assert status == 0 and "適合しています" in out
    rows[1][header.index("郵便番号")] = "8858555"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(header, rows))
    status, out = _run("standards_validate", str(bad), "--format", "json", "--no-progress")
    data = json.loads(out)
    assert status == 1 and data["valid"] is False and data["error_count"] == 1
    assert data["errors"][0]["row"] == 3 and data["errors"][0]["column"] == "郵便番号"
    status, out = _run("standards_validate", str(bad), "--lang", "en", "--no-progress")
    assert status == 1 and "row 3" in out and "Postal code" in out
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    status, out = _run("standards_validate", str(empty), "--format", "json", "--no-progress")
    assert status == 2 and json.loads(out)["errors"][0]["code"] == "empty_file"
    status, _ = _run("standards_validate", str(good), "--schema", "nope", "--no-progress")
    assert status == 2


def test_cli_area_warns_of_points_outside_the_municipality(tmp_path):
    header, rows = aed_rows(3)
    rows[2][header.index("緯度")] = "35.681"  # Tokyo, in a file of 都城市
    path = tmp_path / "452025_aed.csv"
    path.write_bytes(csv_bytes(header, rows))
    area = "--area=31.5,130.8,32.0,131.9"
    status, out = _run("standards_validate", str(path), area, "--format", "json", "--no-progress")
    data = json.loads(out)
    assert status == 0 and data["valid"] is True  # a warning, not an error
    (warning,) = [w for w in data["warnings"] if w["code"] == "outside_area"]
    assert (warning["row"], warning["column"], warning["value"]) == (4, "緯度", "35.681")
    assert "31.5〜32" in warning["message"]
    status, out = _run("standards_validate", str(path), "--format", "json", "--no-progress")
    assert not [w for w in json.loads(out)["warnings"] if w["code"] == "outside_area"]
    with pytest.raises(CommandError):
        call_command("standards_validate", str(path), "--area=32,130,31,131")


def test_cli_repair_writes_output_and_log(tmp_path):
    header, rows = aed_rows(2)
    rows[0][header.index("開始時間")] = "9:00"
    src = tmp_path / "in.csv"
    src.write_bytes(csv_bytes(header, rows, "cp932"))
    out = tmp_path / "out.csv"
    out_text = io.StringIO()
    call_command("standards_repair", str(src), "--schema", "aed", "-o", str(out), stdout=out_text)
    log = (tmp_path / "out.csv.changes.csv").read_text(encoding="utf-8-sig")
    assert "row,column,before,after,rule" in log and "time_hhmm" in log
    assert validate(out, "aed").valid
