"""check-excel (the 15 総務省 items with sheet and cell), convert, and the quality score."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command

from kanmin.standards.excel import ITEMS, check_excel, convert
from kanmin.standards.quality import score
from kanmin.standards.tests.factories import aed_rows, csv_bytes
from kanmin.standards.validate import validate


def _clean_book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人口"
    ws.append(["地域コード", "地域", "人口（人）"])
    ws.append(["452025", "宮崎県都城市", 160000])
    ws.append(["452017", "宮崎県宮崎市", 400000])
    wb.save(path)
    return path


def test_fifteen_items_are_numbered_as_in_the_rules():
    assert list(ITEMS) == [f"1-{i}" for i in range(1, 14)] + ["2-1", "2-2"]


def test_clean_workbook_converts(tmp_path):
    p = _clean_book(tmp_path / "pop.xlsx")
    assert check_excel(p).machine_readable
    out = tmp_path / "pop.csv"
    report = convert(p, out)
    assert report.machine_readable
    assert out.read_text(encoding="utf-8-sig").splitlines()[1] == "452025,宮崎県都城市,160000"


def test_violations_name_item_sheet_and_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "都城市の人口"  # title row above the table (2-2)
    ws.append(["地域", "人口", "調査日", ""])
    ws.append(["本　町", "1,234人", "令和5年4月1日", None])  # 1-3, 1-11
    ws.append(["〃", "=B3*2", "R5.4.1", None])  # 1-6, 1-7, 1-11
    ws.append([None, None, None, None])  # blank row inside (2-1)
    ws.append(["北区 ", 12, "2023-04-01", None])  # 1-5
    ws.append(["㈱テスト", 3, "2023-04-01", None])  # 1-10
    ws.append(["※ 注記", None, None, None])  # note below (2-2)
    ws.merge_cells("C6:D6")  # 1-4
    p = tmp_path / "bad.xlsx"
    wb.save(p)
    report = check_excel(p)
    got = {(f.item, f.cell) for f in report.findings}
    for expected in [
        ("2-2", "A1"),
        ("1-3", "B3"),
        ("1-11", "C3"),
        ("1-6", "A4"),
        ("1-7", "B4"),
        ("2-1", "A5"),
        ("1-5", "A6"),
        ("1-10", "A7"),
        ("1-4", "C6:D6"),
        ("2-2", "A8"),
    ]:
        assert expected in got, (expected, sorted(got))
    assert all(f.sheet == "表" for f in report.findings)
    out = tmp_path / "bad.csv"
    refused = convert(p, out)
    assert not out.exists() and not refused.machine_readable
    d = refused.to_dict("en")
    assert {"item", "rule", "severity", "sheet", "cell", "message"} == set(d["findings"][0])


def test_objects_and_cli(tmp_path):
    p = _clean_book(tmp_path / "obj.xlsx")
    with zipfile.ZipFile(p, "a") as z:
        z.writestr("xl/media/image1.png", b"\x89PNG")
    report = check_excel(p)
    assert ("1-8", "error") in {(f.item, f.severity) for f in report.findings}
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("standards_check_excel", str(p), stdout=out)
    assert exc.value.code == 1 and "1-8" in out.getvalue()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "standards_convert",
            str(_clean_book(tmp_path / "ok.xlsx")),
            "-o",
            str(tmp_path / "ok.csv"),
            stdout=io.StringIO(),
        )
    assert exc.value.code == 0


def test_quality_score_and_stars():
    header, rows = aed_rows(10)
    good = score(validate(io.BytesIO(csv_bytes(header, rows)), "aed"))
    assert good.score == 100 and good.stars == 3
    for r in rows:
        r[header.index("郵便番号")] = "bad"
    rows[0][header.index("名称")] = "①"
    bad = score(validate(io.BytesIO(csv_bytes(header, rows, "cp932")), "aed"))
    assert bad.score < good.score and bad.breakdown["format"] == 8
    assert score(validate(io.BytesIO(b""), "aed")).score == 0
