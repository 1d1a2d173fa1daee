"""Realistic test files, generated here (no one's data is copied): any schema, both layouts."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from kanmin.standards.checks import corporate_number_check_digit
from kanmin.standards.schemas import Field, Schema, get_schema

# Candidates tried in order for a field with a pattern; the first that matches is used.
_PATTERN_CANDIDATES = [
    "452025",
    "0986-23-2111",
    "885-8555",
    "0001001",
    "https://www.city.miyakonojo.example.lg.jp/page/1",
    "ミヤコノジョウシヤクショ",
    "Miyakonojo City Hall",
    "宮崎県",
    "月火水木金",
    "0101",
    "4570100001",
    "B145220000011",
    "123",
    "A0001",
]


def corporate_number(base12: str = "000020452025") -> str:
    return f"{corporate_number_check_digit(base12)}{base12}"


def valid_value(f: Field, i: int) -> str:
    """A value that conforms to ``f`` (row ``i`` keeps IDs unique)."""
    name = f.name
    if name in {"ID", "NO"}:
        return f"452025A{i:05d}"
    if "全国地方公共団体コード" in name or name in {
        "市区町村コード",
        "都道府県コード又は市区町村コード",
    }:
        return "452025"
    if name == "地方公共団体名":
        return "宮崎県都城市"
    if name == "市区町村名":  # legacy layouts: joined to 都道府県名 into 地方公共団体名
        return "都城市"
    if name in {"都道府県名", "所在地_都道府県"}:
        return "宮崎県"
    if "法人番号" in name:
        return corporate_number()
    if f.enum:
        return f.enum[0]
    if f.type == "date":
        return "2024-04-01"
    if f.type == "time":
        return "08:30"
    if f.type == "datetime":
        return "2024-04-01T09:00:00"
    if f.type == "boolean":
        return "true"
    if f.type in {"integer", "number"}:
        if name == "緯度" or name.endswith("_緯度"):
            return f"31.{7000 + i % 1000}"
        if name == "経度" or name.endswith("_経度"):
            return f"131.{600 + i % 300}"
        low = int(f.minimum) if f.minimum is not None else 0
        return str(max(low, 0) + 1)
    if f.format == "email":
        return "info@example.lg.jp"
    if f.pattern:
        rx = re.compile(f.pattern)
        for cand in _PATTERN_CANDIDATES:
            if rx.fullmatch(cand):
                return cand
        raise AssertionError(f"no candidate for {name}: {f.pattern}")
    if f.format == "uri":
        return "https://www.city.miyakonojo.example.lg.jp/"
    return f"都城市テスト{name[:4]}"


def rows_for(schema: Schema, n: int = 5) -> list[list[str]]:
    return [[valid_value(f, i) for f in schema.fields] for i in range(n)]


def csv_bytes(
    header: list[str], rows: list[list[str]], encoding: str = "utf-8", newline: str = "\r\n"
) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def write_csv(
    path: Path,
    schema: Schema | str,
    rows: list[list[str]] | None = None,
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> Path:
    s = get_schema(schema) if isinstance(schema, str) else schema
    path.write_bytes(
        csv_bytes(
            header or list(s.field_names), rows if rows is not None else rows_for(s), encoding
        )
    )
    return path


def aed_rows(n: int = 5) -> tuple[list[str], list[list[str]]]:
    s = get_schema("aed")
    return list(s.field_names), rows_for(s, n)


YAIZU_ROWS = 82


def yaizu_aed_csv(rows: int = YAIZU_ROWS) -> bytes:
    """An AED list the way a real city published one (made up here, shaped like Yaizu's): the
    older 推奨データセット column layout, saved as Shift_JIS, every point outside the box of
    the municipality the tests use (Miyakonojo), the same malformed phone number on every row
    and a name in half-width katakana."""
    legacy = get_schema("legacy/aed")
    header = list(legacy.field_names)
    table = rows_for(legacy, rows)
    for i, row in enumerate(table):
        row[header.index("緯度")] = f"34.{8600 + i}"
        row[header.index("経度")] = f"138.{3200 + i}"
        row[header.index("電話番号")] = "054(626)1111"
    table[0][header.index("名称")] = "ﾃﾞｨｽｶﾊﾞﾘｰﾊﾟｰｸ"
    return csv_bytes(header, table, "cp932")
