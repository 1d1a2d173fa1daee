"""Validation: every dataset and layout, every check with a failing case, bad input."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from kanmin.standards.schemas import (
    all_schemas,
    detect_schema,
    get_schema,
    load_descriptor,
    schema_from_descriptor,
)
from kanmin.standards.tests.factories import (
    aed_rows,
    corporate_number,
    csv_bytes,
    rows_for,
    write_csv,
)
from kanmin.standards.validate import validate

WITH_FIELDS = [slug for slug, s in all_schemas().items() if s.fields]


def codes(report):
    return {(e.row, e.column, e.code) for e in report.errors}


def aed_with(column: str, value: str, row: int = 0, n: int = 3) -> bytes:
    header, rows = aed_rows(n)
    rows[row][header.index(column)] = value
    return csv_bytes(header, rows)


# -- schemas -----------------------------------------------------------------------------


def test_registry_holds_book_a_and_legacy():
    current = [s for s in all_schemas().values() if not s.legacy]
    legacy = [s for s in all_schemas().values() if s.legacy]
    assert len([s for s in current if s.fields]) == 16
    assert get_schema("school_lunch").fields == ()
    assert len(legacy) == 15
    aed = get_schema("aed")
    assert aed.provisional and aed.descriptor["x-sources"]
    assert not get_schema("public_toilet").provisional


@pytest.mark.parametrize("slug", WITH_FIELDS)
def test_generated_file_of_every_dataset_is_valid_and_recognised(slug):
    s = get_schema(slug)
    data = csv_bytes(list(s.field_names), rows_for(s, 4))
    report = validate(io.BytesIO(data), slug)
    assert report.error_count == 0, report.to_text("en")
    assert validate(io.BytesIO(data), "auto").schema == slug


def test_descriptor_roundtrip_and_frictionless_reads_ours(tmp_path):
    from frictionless import Schema as FrictionlessSchema

    aed = get_schema("aed")
    desc = aed.to_descriptor()
    again = schema_from_descriptor(desc, slug="aed")
    assert again.field_names == aed.field_names
    fl = FrictionlessSchema.from_descriptor(desc)
    assert fl.field_names == list(aed.field_names)
    # A Data Package descriptor given by path is used exactly as written.
    pkg = {"resources": [{"name": "x", "schema": {"fields": [{"name": "a", "type": "integer"}]}}]}
    p = tmp_path / "datapackage.json"
    p.write_text(json.dumps(pkg), encoding="utf-8")
    assert load_descriptor(p).field_names == ("a",)
    csvp = tmp_path / "x.csv"
    csvp.write_text("a\n1\nx\n", encoding="utf-8")
    report = validate(csvp, str(p))
    assert [(e.row, e.code) for e in report.errors] == [(3, "type_integer")]


def test_auto_detects_legacy_layout_and_says_so():
    legacy = get_schema("legacy/aed")
    data = csv_bytes(list(legacy.field_names), rows_for(legacy, 3))
    assert detect_schema(list(legacy.field_names))[0] is legacy
    report = validate(io.BytesIO(data), "auto")
    assert report.schema == "legacy/aed" and report.valid
    assert "legacy_layout" in {w.code for w in report.warnings}
    # Named as the current dataset, the legacy file is invalid but pointed to repair.
    named = validate(io.BytesIO(data), "aed")
    assert "legacy_layout" in {w.code for w in named.warnings}


# -- encodings and formats ---------------------------------------------------------------


def test_cp932_and_utf8_bom_are_read(tmp_path):
    header, rows = aed_rows(3)
    rows[0][header.index("名称")] = "髙橋医院㈱"
    p = tmp_path / "452025_aed.csv"
    p.write_bytes(csv_bytes(header, rows, "cp932"))
    r = validate(p, "aed")
    assert r.encoding == "cp932"
    assert "encoding_cp932" in {w.code for w in r.warnings}
    assert ("platform_dependent", "名称") in {(e.code, e.column) for e in r.errors}
    assert "outside_jis_x0213" in {w.code for w in r.warnings}
    p.write_bytes(csv_bytes(header, rows, "utf-8-sig"))
    r = validate(p, "aed")
    assert r.encoding == "utf-8-sig" and "file_name" not in {w.code for w in r.warnings}


def test_tsv_and_xlsx(tmp_path):
    header, rows = aed_rows(3)
    tsv = "\t".join(header) + "\n" + "\n".join("\t".join(r) for r in rows) + "\n"
    r = validate(io.BytesIO(tsv.encode()), "aed")
    assert r.rows == 3 and r.valid
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    ws.cell(row=3, column=header.index("開始時間") + 1, value="9:00")
    p = tmp_path / "452025_aed.xlsx"
    wb.save(p)
    r = validate(p, "auto")
    assert r.schema == "aed" and r.rows == 3
    assert codes(r) == {(3, "開始時間", "time_format")}


def test_quoted_cells_keep_spreadsheet_row_numbers():
    header, rows = aed_rows(4)
    rows[1][header.index("備考")] = "1行目\n2行目, カンマ"
    rows[2][header.index("開始時間")] = "9:30"
    r = validate(io.BytesIO(csv_bytes(header, rows)), "aed")
    assert codes(r) == {(4, "開始時間", "time_format")}


def test_parallel_chunks_agree_with_single_process():
    header, rows = aed_rows(400)
    i = header.index
    rows[10][i("緯度")] = "3.5"
    rows[150][i("ID")] = rows[20][i("ID")]  # duplicate across chunks
    rows[399][i("郵便番号")] = "8858555"
    data = csv_bytes(header, rows)
    single = validate(io.BytesIO(data), "aed", workers=1, chunk_size=4096)
    multi = validate(io.BytesIO(data), "aed", workers=2, chunk_size=4096)
    assert (
        codes(single)
        == codes(multi)
        == {
            (12, "緯度", "latitude_range"),
            (152, "ID", "duplicate_id"),
            (401, "郵便番号", "postal_code"),
        }
    )
    assert single.rows == multi.rows == 400


# -- each check --------------------------------------------------------------------------

CELL_CASES = [
    ("名称", "", "required"),
    ("名称", "　", "required"),
    ("高度の値", "B1", "type_number"),
    ("高度の値", "１２", "type_number"),
    ("開始時間", "8:30", "time_format"),
    ("開始時間", "朝", "type_time"),
    ("小児対応設備の有無", "あり", "enum"),
    ("町字ID", "12-34", "pattern"),
    ("緯度", "3.5", "latitude_range"),
    ("経度", "200", "longitude_range"),
    ("全国地方公共団体コード", "452026", "lg_code"),
    ("全国地方公共団体コード", "45202", "lg_code"),
    ("地方公共団体名", "東京都千代田区", "lg_code_name_mismatch"),
    ("地方公共団体名", "宮崎県宮崎市", "lg_code_name_mismatch"),  # same prefecture, other city
    ("地方公共団体名", "都城市", "lg_code_name_mismatch"),  # without the prefecture
    ("法人番号", "1000020452025", "corporate_number"),
    ("電話番号", "(0986)23-2111", "phone"),
    ("郵便番号", "8858555", "postal_code"),
    ("URL", "www.example.jp", "url"),
    ("連絡先メールアドレス", "info.example.jp", "email"),
    ("名称", "会議室①", "platform_dependent"),
    ("名称", "外字\ue000", "private_use"),
    ("名称_カナ", "ﾐﾔｺﾉｼﾞｮｳ", "halfwidth_katakana"),
    ("名称", '=HYPERLINK("x")', "formula_injection"),
    ("備考", "@SUM(A1)", "formula_injection"),
    ("備考", "#REF!", "excel_error_value"),
    ("備考", "a\x07b", "control_character"),
]


def test_the_name_of_the_code_is_named_in_both_languages():
    r = validate(io.BytesIO(aed_with("地方公共団体名", "宮崎県宮崎市", row=1)), "aed")
    (issue,) = [e for e in r.errors if e.code == "lg_code_name_mismatch"]
    assert "宮崎県都城市" in issue.message("ja") and "団体" in issue.message("ja")
    assert "宮崎県都城市" in issue.message("en") and "local government" in issue.message("en")
    assert validate(io.BytesIO(aed_with("地方公共団体名", "宮崎県都城市", row=1)), "aed").valid


@pytest.mark.parametrize(("column", "value", "code"), CELL_CASES)
def test_each_cell_check_fails(column, value, code):
    r = validate(io.BytesIO(aed_with(column, value, row=1)), "aed")
    found = {(e.row, e.column, e.code) for e in r.errors}
    assert (3, column, code) in found, r.to_text("en")
    assert not r.valid
    for e in r.errors:
        assert e.message("ja") and e.message("en")


def test_warnings_do_not_invalidate():
    header, rows = aed_rows(2)
    rows[0][header.index("備考")] = " 前に空白"
    rows[1][header.index("名称")] = "\ufa19社"  # U+FA19, a compatibility ideograph
    r = validate(io.BytesIO(csv_bytes(header, rows)), "aed")
    assert r.valid
    assert {w.code for w in r.warnings} >= {"whitespace", "compatibility_ideograph"}


def test_swapped_coordinates_and_duplicate_ids():
    header, rows = aed_rows(3)
    i = header.index
    rows[0][i("緯度")], rows[0][i("経度")] = "131.061", "31.719"
    rows[2][i("ID")] = rows[1][i("ID")]
    r = validate(io.BytesIO(csv_bytes(header, rows)), "aed")
    assert codes(r) == {
        (2, "緯度", "latlon_swapped"),
        (2, "経度", "latlon_swapped"),
        (4, "ID", "duplicate_id"),
    }
    dup = next(e for e in r.errors if e.code == "duplicate_id")
    assert "3行目" in dup.message("ja")


def test_wareki_date_says_iso_form():
    s = get_schema("event")
    header = list(s.field_names)
    rows = rows_for(s, 2)
    col = next(f.name for f in s.fields if f.type == "date")
    rows[0][header.index(col)] = "令和6年4月1日"
    rows[1][header.index(col)] = "R6.2.30"
    r = validate(io.BytesIO(csv_bytes(header, rows)), "event")
    first = next(e for e in r.errors if e.row == 2)
    assert first.code == "date_format" and "2024-04-01" in first.message("ja")
    assert next(e for e in r.errors if e.row == 3).code == "type_date"


def test_multi_valued_separator():
    s = get_schema("hospital")
    header = list(s.field_names)
    rows = rows_for(s, 1)
    rows[0][header.index("診療科目")] = "内科、外科"
    r = validate(io.BytesIO(csv_bytes(header, rows)), "hospital")
    w = next(w for w in r.warnings if w.code == "multi_value_separator")
    assert "内科;外科" in w.message("ja")


# -- header ------------------------------------------------------------------------------


def test_header_errors_on_a_high_confidence_schema():
    s = get_schema("public_toilet")
    header = list(s.field_names)
    rows = rows_for(s, 1)
    header[3] = header[3] + "X"  # misspelled
    header[4], header[5] = header[5], header[4]  # reordered
    header.append("独自の列")
    rows[0].append("x")
    dropped = header.pop(10)
    for r in rows:
        r.pop(10)
    report = validate(io.BytesIO(csv_bytes(header, rows)), "public_toilet")
    errs = {(e.code, e.column) for e in report.errors}
    assert ("misspelled_column", header[3]) in errs
    assert ("missing_column", dropped) in errs
    assert any(c == "column_order" for c, _ in errs)
    assert ("extra_column", "独自の列") in {(w.code, w.column) for w in report.warnings}
    miss = next(e for e in report.errors if e.code == "misspelled_column")
    assert s.fields[3].name in miss.message("ja") and "Did you mean" in miss.message("en")


def test_low_confidence_header_differences_are_warnings():
    header, rows = aed_rows(2)
    header = header[:-1]
    rows = [r[:-1] for r in rows]
    r = validate(io.BytesIO(csv_bytes(header, rows)), "aed")
    assert r.valid
    assert {"provisional_schema", "missing_column"} <= {w.code for w in r.warnings}


def test_bracket_width_variants_are_the_same_column():
    header, rows = aed_rows(1)
    header[header.index("建物名等(方書)")] = "建物名等（方書）"
    r = validate(io.BytesIO(csv_bytes(header, rows)), "aed")
    assert not [w for w in r.warnings if w.code in {"missing_column", "extra_column"}]


# -- bad input (exit status 2) -----------------------------------------------------------


def _fatal(data: bytes, name: str = "x.csv", tmp: Path | None = None) -> str:
    r = validate(io.BytesIO(data), "aed")
    assert r.exit_status == 2 and not r.readable
    assert r.fatal is not None and r.fatal.message("ja") and r.fatal.message("en")
    return r.fatal.code


def test_unreadable_inputs():
    assert _fatal(b"") == "empty_file"
    assert _fatal(b"\r\n  \n") == "blank_file"
    assert _fatal(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4) == "binary_file"
    assert _fatal(b"%PDF-1.7\n...") == "binary_file"
    header, rows = aed_rows(3)
    nul = csv_bytes(header, rows).replace(b"452025A00001", b"452025A\x0000001")
    assert _fatal(nul) == "nul_bytes"
    mixed = csv_bytes(header, rows[:2]) + csv_bytes(header[:0], [["都城市"] * len(header)], "cp932")
    assert _fatal(mixed) == "mixed_encoding"
    assert _fatal(b'a,b\n1,"open\n2,3\n') == "unclosed_quote"
    assert _fatal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == "xls_legacy"
    assert validate(Path("/nonexistent/x.csv"), "aed").fatal.code == "file_not_found"


def test_header_only_and_ragged_rows():
    header, rows = aed_rows(3)
    r = validate(io.BytesIO(csv_bytes(header, [])), "aed")
    assert r.valid and r.rows == 0 and "no_data_rows" in {w.code for w in r.warnings}
    rows[1] = rows[1][:-2]
    rows[2] = rows[2] + ["extra"]
    data = csv_bytes(header, rows) + b",,,\r\n"
    r = validate(io.BytesIO(data), "aed")
    found = [(e.row, e.code) for e in r.errors]
    assert (3, "ragged_row") in found and (4, "ragged_row") in found
    assert (5, "ragged_row") in found or (5, "blank_row") in found
    assert r.exit_status == 1


def _xlsx_with(part: str, content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, content)
    return buf.getvalue()


def test_zip_bomb_and_entity_bomb_xlsx_are_refused(monkeypatch):
    from kanmin.standards import reader

    monkeypatch.setattr(reader, "XLSX_MAX_UNCOMPRESSED", 4 * 1024 * 1024)
    bomb = _xlsx_with("xl/worksheets/sheet1.xml", b"<a>" + b"0" * (8 * 1024 * 1024) + b"</a>")
    assert len(bomb) < 100_000
    assert reader.check_xlsx_safety.__defaults__ == (256 * 1024 * 1024,)
    with pytest.raises(reader.ReadError) as exc:
        reader.check_xlsx_safety(bomb, limit=4 * 1024 * 1024)
    assert exc.value.code == "xlsx_too_large"
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><a>&lol2;</a>'
    )
    assert _fatal(_xlsx_with("xl/workbook.xml", lol)) == "xlsx_entity"
    assert _fatal(b"PK\x03\x04garbage") == "xlsx_invalid"


# -- report shape ------------------------------------------------------------------------


def test_json_shape_is_stable(tmp_path):
    p = write_csv(tmp_path / "452025_aed.csv", "aed")
    data = validate(p, "aed", max_errors=5).to_dict()
    assert list(data) == [
        "valid",
        "schema",
        "encoding",
        "rows",
        "error_count",
        "errors",
        "warnings",
    ]
    bad = validate(io.BytesIO(aed_with("郵便番号", "x")), "aed").to_dict("en")
    assert list(bad["errors"][0]) == ["row", "column", "value", "code", "message"]
    assert bad["errors"][0]["row"] == 2


def test_max_errors_keeps_count(tmp_path):
    header, rows = aed_rows(20)
    for r in rows:
        r[header.index("郵便番号")] = "bad"
    rep = validate(io.BytesIO(csv_bytes(header, rows)), "aed", max_errors=3)
    d = rep.to_dict()
    assert len(d["errors"]) == 3 and d["error_count"] == 20
    assert "errors_truncated" in {w["code"] for w in d["warnings"]}


def test_corporate_number_helper():
    assert corporate_number("000012050002") == "7000012050002"  # 国税庁's own number


@pytest.mark.parametrize("max_errors", [None, 3])
def test_adding_issues_at_once_keeps_what_adding_them_one_by_one_keeps(max_errors):
    from kanmin.standards.report import Issue, Report

    issues = [
        Issue("enum", "error" if k % 3 else "warning", 10 - k % 7, "名称", str(k))
        for k in range(20)
    ]
    one, many = Report(max_errors=max_errors), Report(max_errors=max_errors)
    for issue in issues:
        one.add(issue)
    many.add_all(issues)
    one.sort()
    many.sort()
    assert (one.errors, one.warnings, one.error_count, one.warning_count) == (
        many.errors,
        many.warnings,
        many.error_count,
        many.warning_count,
    )
    assert many.error_count == 13 and many.warning_count == 7
