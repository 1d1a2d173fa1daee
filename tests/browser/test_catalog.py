"""The open-data catalog in a real browser: Japanese search, a dataset page, a download."""

from __future__ import annotations

import re
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


def test_a_steward_publishes_from_the_staff_home_without_typing_an_address(
    page: Page,
    new_page: Callable[..., Page],
    live_server: Any,
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    tmp_path: Path,
) -> None:
    """Issue 13: sign in → staff home → new dataset from a standard data set (a free name, the
    steward's own department) → upload → corrected copy → replace the original → publish,
    following links and buttons only; axe on every page."""
    from kanmin.accounts import services as accounts_services
    from kanmin.catalog import services
    from kanmin.catalog.models import Resource
    from kanmin.core import services as core_services
    from kanmin.standards.tests.factories import aed_rows, csv_bytes

    first = services.organization_create(
        municipality=municipality, actor=None, name="johoseisaku", title_ja="情報政策課"
    )
    department = core_services.department_create(
        municipality=municipality, actor=None, code="kikikanri", name_ja="危機管理課"
    )
    own = services.organization_create(
        municipality=municipality,
        actor=None,
        name="kikikanri",
        title_ja="危機管理課",
        department=department,
    )
    # The demo's AED dataset already holds the name "aed".
    services.dataset_create(
        municipality=municipality, actor=None, organization=first, name="aed", title_ja="AED"
    )
    user = make_user("suzuki", None, municipality)
    accounts_services.membership_grant(
        municipality=municipality,
        actor=None,
        user=user,
        role="data_steward",
        department=department,
    )

    page.goto(f"/m/{LG_CODE}/")
    page.get_by_role("link", name=ja("Sign in"), exact=True).click()
    axe(page)
    sign_in(page, "suzuki", password_of("suzuki"))
    site_nav = page.get_by_role("navigation", name=ja("Site"))
    site_nav.get_by_role("link", name=ja("Staff pages")).click()
    expect(page.get_by_role("heading", level=2, name=ja("Open data"))).to_be_visible()
    axe(page)

    # The staff home → a new dataset, started from the AED standard data set.
    page.get_by_role("link", name=ja("Publish a new dataset")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("New dataset"))
    axe(page)
    page.locator("#start_standard").select_option("aed")
    page.get_by_role("button", name=ja("Fill in")).click()
    expect(page.get_by_label(ja("Title (Japanese)"))).to_have_value("AED設置箇所一覧")
    expect(page.get_by_label(ja("Name in the URL"))).to_have_value(f"{LG_CODE}_aed")
    expect(page.get_by_label(ja("Organization"))).to_have_value(str(own.pk))
    axe(page)
    page.get_by_role("button", name=ja("Save as draft")).click()

    # A CP932 file in the standard's layout with one bad latitude.
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Add a file"))
    axe(page)
    header, rows = aed_rows(3)
    rows[0][header.index("緯度")] = "３１．７"
    rows[1][header.index("緯度")] = "北緯三十一度"
    upload = tmp_path / "AED一覧.csv"
    upload.write_bytes(csv_bytes(header, rows, encoding="cp932"))
    page.get_by_label(ja("File"), exact=True).set_input_files(str(upload))
    page.get_by_role("button", name=ja("Add"), exact=True).click()
    expect(page.locator("progress")).to_be_visible()
    axe(page)
    run_queued_tasks()
    # One line for the rule, naming both rows; the full list shows each value.
    expect(page.locator(".finding-group", has_text="2, 3")).to_be_visible(timeout=10_000)
    page.locator(".findings-all summary").click()  # the full list, one row per finding
    expect(page.get_by_role("cell", name="北緯三十一度", exact=True)).to_be_visible()
    axe(page)

    # The corrected copy, then it replaces the original.
    page.get_by_role("button", name=ja("Make a corrected copy")).click()
    replace = page.get_by_role("button", name=ja("Replace the original with this copy"))
    expect(replace).to_be_visible()
    expect(page.get_by_role("link", name=ja("Change log (CSV)"))).to_be_visible()
    run_queued_tasks()
    page.reload()
    axe(page)
    replace.click()
    expect(
        page.get_by_role("heading", level=2, name=ja("Earlier files (staff only)"))
    ).to_be_visible()
    expect(page.get_by_role("link", name=ja("Change log (CSV)"))).to_be_visible()
    axe(page)
    assert Resource.all_tenants.count() == 1
    assert Resource.all_tenants.get().filename == f"{LG_CODE}_aed.csv"

    # Publish: each choice says what it does.
    page.get_by_role("navigation", name=ja("Breadcrumb")).get_by_role(
        "link", name="AED設置箇所一覧"
    ).click()
    page.get_by_role("link", name=ja("Edit or publish")).click()
    publish = page.get_by_role("button", name=ja("Publish"), exact=True)
    expect(publish).to_have_accessible_description(re.compile("API"))
    axe(page)
    publish.click()
    expect(page.locator(".activity li").first).to_contain_text(ja("Published"))
    axe(page)
    assert page.url == f"{live_server.url}/m/{LG_CODE}/catalog/dataset/{LG_CODE}_aed/"

    visitor = new_page()  # not signed in, Japanese
    visitor.goto(f"/m/{LG_CODE}/catalog/?q=設置箇所")
    expect(visitor.locator("main").get_by_role("link", name="AED設置箇所一覧")).to_have_count(1)
    axe(visitor)


def test_the_browser_refuses_a_file_over_the_limit_before_sending_it(
    page: Page,
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    tmp_path: Path,
    settings: Any,
) -> None:
    from kanmin.catalog import services
    from kanmin.catalog.models import Resource

    org = services.organization_create(
        municipality=municipality, actor=None, name="kikikanri", title_ja="危機管理課"
    )
    services.dataset_create(
        municipality=municipality, actor=None, organization=org, name="shelters", title_ja="避難所"
    )
    settings.FILE_UPLOAD_MAX_BYTES = 1024
    make_user("suzuki", "data_steward", municipality)
    page.goto(f"{LOGIN}?next=/m/{LG_CODE}/catalog/dataset/shelters/resource/new/")
    sign_in(page, "suzuki", password_of("suzuki"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Add a file"))
    # The size check is the page's script: pick the file only once it has run, as a person would.
    page.wait_for_load_state("load")
    big = tmp_path / "shelters.csv"
    big.write_bytes(b"name,lat\n" + b"x,31.7\n" * 2000)  # 14 KB
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.get_by_label(ja("File"), exact=True).set_input_files(str(big))
    message = page.locator("#upload-size-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("shelters.csv")
    expect(message).to_contain_text("13.7")  # the file's size, in KB
    expect(message).to_contain_text("1.0")  # the limit, in KB
    page.get_by_role("button", name=ja("Add"), exact=True).click()
    expect(page.get_by_label(ja("File"), exact=True)).to_be_focused()
    axe(page)
    assert posts == []
    assert not Resource.all_tenants.exists()


def test_the_catalog_works_on_a_phone(new_page: Any, datasets: Any, axe: AxeCheck) -> None:
    phone = new_page(width=360, height=740)
    phone.goto(f"/m/{LG_CODE}/catalog/?q=ほんまち")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px wide)"
    axe(phone)
