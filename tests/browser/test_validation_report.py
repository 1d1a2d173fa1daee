"""The report on a file's page, in a real browser, for a file shaped like the Yaizu AED list
(older column layout, Shift_JIS, every point outside the municipality, one phone number wrong
on every row): one line per rule with the layout and the encoding first, the full list behind a
disclosure, every finding as CSV, no command-line words, nothing too wide at 360 px."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kanmin.catalog.tests.helpers import run_queued_tasks

from .helpers import LG_CODE, AxeCheck, assert_fits, ja

pytestmark = pytest.mark.browser

DEVELOPER_WORDS = ("kanmin repair", "legacy/aed", "確度", "reconstructed", "cp932", "utf-8-sig")

# How many lines each column-name cell of the full list takes (a name that wraps one
# character a line takes as many lines as it has characters).
_COLUMN_LINES_JS = """() => [...document.querySelectorAll('.findings-all tbody tr')].map((tr) => {
  const cell = tr.children[2];
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  return [cell.textContent.trim(), tops.size];
})"""


@pytest.fixture
def yaizu_file(municipality: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kanmin.catalog import services
    from kanmin.standards.tests.factories import yaizu_aed_csv

    municipality.area_south, municipality.area_west = 31.5, 130.85
    municipality.area_north, municipality.area_east = 32.0, 131.9
    municipality.save()
    org = services.organization_create(
        municipality=municipality, actor=None, name="kikikanri", title_ja="危機管理課"
    )
    dataset = services.dataset_create(
        municipality=municipality,
        actor=None,
        organization=org,
        name="aed",
        title_ja="AED設置箇所一覧",
        standard_dataset="aed",
        state="published",
    )
    resource = services.resource_create(
        municipality=municipality,
        actor=None,
        dataset=dataset,
        name="AED一覧",
        upload=SimpleUploadedFile("aed_yaizu.csv", yaizu_aed_csv(), "text/csv"),
    )
    run_queued_tasks()
    return resource


def _url(resource: Any) -> str:
    return f"/m/{LG_CODE}/catalog/dataset/{resource.dataset.name}/resource/{resource.pk}/"


def _no_developer_words(page: Page) -> None:
    text = page.locator("body").inner_text().lower()
    for word in DEVELOPER_WORDS:
        assert word.lower() not in text, f"{word!r} on {page.url}"


def test_the_report_leads_with_what_matters_and_lists_everything_on_demand(
    page: Page, yaizu_file: Any, axe: AxeCheck, tmp_path: Path
) -> None:
    from kanmin.catalog import selectors

    validation = selectors.validation_latest(resource=yaizu_file)
    page.goto(_url(yaizu_file))
    groups = page.locator(".finding-group")
    expect(groups.nth(0)).to_contain_text("旧「推奨データセット」の列構成")
    expect(groups.nth(0)).to_contain_text("修正版を作成")
    expect(groups.nth(1)).to_contain_text("Shift_JIS")
    phone = groups.filter(has_text="054(626)1111")
    expect(phone).to_have_count(1)  # 82 identical errors: one line
    expect(phone).to_contain_text("82件")
    expect(phone).to_contain_text("2, 3, 4, 5, 6")
    expect(groups.filter(has_text="区域を囲む範囲")).to_contain_text("164件")
    expect(page.get_by_role("cell", name="Shift_JIS", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="AED設置箇所一覧", exact=True)).to_be_visible()
    _no_developer_words(page)
    axe(page)

    # The full list is closed until asked for; opened, it names every finding.
    table = page.locator(".findings-all table")
    expect(table).to_be_hidden()
    page.locator(".findings-all summary").click()
    expect(table).to_be_visible()
    total = validation.error_count + validation.warning_count
    expect(table.locator("tbody tr")).to_have_count(total)
    lines = page.evaluate(_COLUMN_LINES_JS)
    assert lines and all(n <= 1 for name, n in lines if name != "—"), [
        (name, n) for name, n in lines if n > 1
    ]
    axe(page)

    # Every finding as CSV that Excel opens (UTF-8 with BOM).
    with page.expect_download() as download:
        page.get_by_role("link", name=ja("Download all findings (CSV)")).click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 1 + total
    assert sum(1 for r in rows if "054(626)1111" in r[3]) == 82


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_report_fits_a_phone(
    new_page: Callable[..., Page], yaizu_file: Any, axe: AxeCheck, locale: str
) -> None:
    phone = new_page(locale=locale, width=360, height=740)
    phone.goto(_url(yaizu_file))
    expect(phone.locator(".finding-group").first).to_be_visible()
    _no_developer_words(phone)
    assert_fits(phone)
    axe(phone)
    phone.locator(".findings-all summary").click()
    expect(phone.locator(".findings-all table")).to_be_visible()
    lines = phone.evaluate(_COLUMN_LINES_JS)
    assert lines and all(n <= 1 for name, n in lines if name != "—"), [
        (name, n) for name, n in lines if n > 1
    ]
    assert_fits(phone)
    axe(phone)
