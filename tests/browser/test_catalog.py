"""The open-data catalog in a real browser: Japanese search, a dataset page, a download."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from conftest import password_of
from kanmin.catalog.tests.helpers import run_queued_tasks

from .helpers import LG_CODE, AxeCheck, ja
from .test_staff_sign_in import LOGIN, sign_in

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
    download_name = ja("Download %(name)s") % {"name": "452025_evacuation_space.csv"}
    with page.expect_download() as download:
        page.get_by_role("link", name=download_name).click()
    assert Path(download.value.path()).read_bytes() == CSV


def test_a_steward_publishes_a_standard_data_set_and_a_visitor_finds_it(
    page: Page,
    new_page: Callable[..., Page],
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    tmp_path: Path,
) -> None:
    from kanmin.catalog import services
    from kanmin.standards.tests.factories import aed_rows, csv_bytes

    services.organization_create(
        municipality=municipality, actor=None, name="kikikanri", title_ja="危機管理課"
    )
    make_user("suzuki", "data_steward", municipality)
    page.goto(f"{LOGIN}?next=/m/{LG_CODE}/catalog/new/")
    sign_in(page, "suzuki", password_of("suzuki"))

    # Start from the AED standard data set: the form is filled in.
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("New dataset"))
    axe(page)
    page.locator("#start_standard").select_option("aed")
    page.get_by_role("button", name=ja("Fill in")).click()
    expect(page.get_by_label(ja("Title (Japanese)"))).to_have_value("AED設置箇所一覧")
    expect(page.get_by_text("452025_aed.csv").first).to_be_visible()
    axe(page)
    page.get_by_role("button", name=ja("Save as draft")).click()

    # Add a CP932 file with one bad latitude: it is checked and the report names the cell.
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Add a file"))
    axe(page)
    header, rows = aed_rows(3)
    rows[1][header.index("緯度")] = "北緯三十一度"
    upload = tmp_path / "AED一覧.csv"
    upload.write_bytes(csv_bytes(header, rows, encoding="cp932"))
    page.get_by_label(ja("File"), exact=True).set_input_files(str(upload))
    page.get_by_role("button", name=ja("Add"), exact=True).click()
    expect(page.locator("progress")).to_be_visible()
    axe(page)
    run_queued_tasks()
    expect(page.locator(".finding-group", has_text="北緯三十一度")).to_be_visible(timeout=10_000)
    page.locator(".findings-all summary").click()  # the full list, one row per finding
    expect(page.get_by_role("cell", name="北緯三十一度", exact=True)).to_be_visible()
    axe(page)

    # One click makes a corrected copy; the original stays.
    page.get_by_role("button", name=ja("Make a corrected copy")).click()
    expect(page.get_by_role("link", name=ja("Change log (CSV)"))).to_be_visible()
    run_queued_tasks()
    page.reload()
    axe(page)

    # Publish, then a visitor finds it by a katakana-free Japanese substring.
    page.get_by_role("link", name="AED設置箇所一覧").first.click()
    page.get_by_role("link", name=ja("Edit or publish")).click()
    axe(page)
    page.get_by_role("button", name=ja("Publish"), exact=True).click()
    expect(page.locator(".activity li")).to_have_count(6)
    axe(page)

    visitor = new_page()  # not signed in, Japanese
    visitor.goto(f"/m/{LG_CODE}/catalog/?q=設置箇所")
    expect(visitor.locator("main").get_by_role("link", name="AED設置箇所一覧")).to_have_count(1)
    axe(visitor)


def test_the_catalog_works_on_a_phone(new_page: Any, datasets: Any, axe: AxeCheck) -> None:
    phone = new_page(width=360, height=740)
    phone.goto(f"/m/{LG_CODE}/catalog/?q=ほんまち")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px wide)"
    axe(phone)
