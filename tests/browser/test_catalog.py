"""The open-data catalog in a real browser: Japanese search, a dataset page, a download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, ja

pytestmark = pytest.mark.browser

CSV = "名称,緯度,経度\n都城市役所,31.7196,131.0616\n".encode()


@pytest.fixture
def datasets(municipality: Any) -> Any:
    from kanmin.catalog import services

    org = services.organization_create(
        municipality=municipality, actor=None, name="kikikanri", title_ja="危機管理課"
    )
    shelters = services.dataset_create(
        municipality=municipality,
        actor=None,
        organization=org,
        name="evacuation-space",
        title_ja="指定緊急避難場所一覧（本町一丁目ほか）",
        notes_ja="市内の指定緊急避難場所の一覧です。",
        state="published",
    )
    services.resource_create(
        municipality=municipality,
        actor=None,
        dataset=shelters,
        name="避難場所一覧",
        upload=SimpleUploadedFile("452025_evacuation_space.csv", CSV, "text/csv"),
    )
    services.dataset_create(
        municipality=municipality,
        actor=None,
        organization=org,
        name="draft-only",
        title_ja="本町の下書きデータ",
        state="draft",
    )
    return shelters


def test_a_visitor_finds_a_dataset_by_a_japanese_substring_and_downloads_it(
    page: Page, datasets: Any, axe: AxeCheck
) -> None:
    page.goto(f"/m/{LG_CODE}/")
    page.get_by_role("link", name=ja("Open data")).click()
    axe(page)
    page.get_by_role("searchbox").fill("本町")
    page.get_by_role("button", name=ja("Search"), exact=True).click()
    results = page.locator("main").get_by_role("link", name="指定緊急避難場所一覧", exact=False)
    expect(results).to_have_count(1)
    expect(page.get_by_text("本町の下書きデータ")).to_have_count(0)  # drafts stay hidden
    axe(page)

    results.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("指定緊急避難場所一覧")
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="避難場所一覧", exact=False).first.click()
    assert Path(download.value.path()).read_bytes() == CSV


def test_the_catalog_works_on_a_phone(new_page: Any, datasets: Any, axe: AxeCheck) -> None:
    phone = new_page(width=360, height=740)
    phone.goto(f"/m/{LG_CODE}/catalog/?q=ほんまち")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px wide)"
    axe(phone)
