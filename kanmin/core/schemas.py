from __future__ import annotations

from ninja import Field, Schema
from pydantic import StrictInt


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
    """What ``Department`` accepts, said in the schema (a slug code, a Japanese name)."""

    code: str = Field(
        pattern=r"^[-a-zA-Z0-9_]{1,50}$", description="A slug, unique in the municipality."
    )
    name_ja: str = Field(min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    sort_order: StrictInt = Field(0, ge=0, le=2147483647)  # not true/false as 1/0


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]
