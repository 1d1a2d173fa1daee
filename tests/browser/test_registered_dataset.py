"""The page of a dataset an app keeps (``kanmin.core.datasets``): the note that the app keeps
it, the download links and the preview of the first rows; axe and 360 px in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from kanmin.core import datasets
from kanmin.core.datasets import Column, Provider

from .helpers import LG_CODE, AxeCheck, assert_fits, ja

pytestmark = pytest.mark.browser

ROWS = [
    [LG_CODE, f"2025-06-{day:02d}T0{day % 10}:00:00+09:00", "発令", 4, "避難指示", f"第{day}地区"]
    for day in range(1, 13)
]
ORDERS = Provider(
    name="tests.orders",
    slug="orders_for_the_page",
    title_ja="避難情報の発令履歴（テスト）",
    title_en="Evacuation orders (test)",
    description_ja="テスト用の表です。",
    description_en="A table for the test.",
    columns=(
        Column("lg_code", "全国地方公共団体コード", "Local government code"),
        Column("decided_at", "日時", "Decided at"),
        Column("action", "発令・解除", "Issued or lifted"),
        Column("level", "警戒レベル", "Alert level"),
        Column("kind", "種別", "Kind"),
        Column("area", "対象地域", "Area"),
    ),
    rows=lambda municipality: ROWS,
)


@pytest.fixture
def kept(municipality: Any) -> Iterator[str]:
    from kanmin.catalog import services

    datasets.register(ORDERS)
    report = services.registered_datasets_sync(
        municipality=municipality, actor=None, providers=[ORDERS]
    )
    yield f"/m/{LG_CODE}/catalog/dataset/{report.created[0]}/"
    datasets.unregister(ORDERS.name)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_page_of_an_app_table_on_a_phone(
    new_page: Any, kept: str, axe: AxeCheck, locale: str
) -> None:
    page = new_page(locale=locale, width=360, height=740)
    response = page.goto(kept)
    assert response is not None and response.status == 200
    english = locale.startswith("en")
    preview = page.get_by_role("region", name="Preview" if english else ja("Preview"))
    expect(preview).to_be_visible()
    expect(preview.locator("tbody tr")).to_have_count(10)
    header = "Alert level" if english else "警戒レベル"
    expect(preview.get_by_role("columnheader", name=header)).to_be_visible()
    download = page.locator(f'a[href="/m/{LG_CODE}/datasets/orders_for_the_page.csv"]')
    expect(download).to_contain_text(f"{LG_CODE}_orders_for_the_page.csv")
    assert_fits(page)
    axe(page)
