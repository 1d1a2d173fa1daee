from __future__ import annotations

from ninja import Schema


class MunicipalityOut(Schema):
    lg_code: str
    prefecture_code: str
    name_ja: str
    name_kana: str
    name_en: str


class DepartmentOut(Schema):
    code: str
    name_ja: str
    name_en: str
    sort_order: int


class DepartmentIn(Schema):
    code: str
    name_ja: str
    name_en: str = ""
    sort_order: int = 0


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]
