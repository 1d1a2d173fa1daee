"""The plan in a real browser: the public pages, and one annual review from opening to the
published figures, with axe on every page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, ja
from .test_staff_sign_in import LOGIN, sign_in

pytestmark = pytest.mark.browser

SEED = Path(__file__).resolve().parents[2] / "kanmin" / "plan" / "data" / "miyakonojo_plan.json"


@pytest.fixture
def plan(municipality: Any) -> Any:
    from kanmin.plan import services

    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["first_fiscal_year"] = 2020
    plan = services.plan_load(municipality=municipality, actor=None, data=data)
    kpi = plan.measures.get(number="Ⅰ-1").kpis.get(name_ja="電子申請可能な手続数")
    for year, target, actual in ((2023, 150, 162), (2024, 200, 188)):
        services.kpi_value_record(
            municipality=municipality,
            actor=None,
            kpi=kpi,
            kind="target",
            fiscal_year=year,
            value=target,
        )
        services.kpi_value_record(
            municipality=municipality,
            actor=None,
            kpi=kpi,
            kind="actual",
            fiscal_year=year,
            value=actual,
        )
    return plan


def test_a_visitor_reads_the_plan_and_a_glossary_definition(
    page: Page, plan: Any, axe: AxeCheck
) -> None:
    page.goto(f"/m/{LG_CODE}/")
    page.get_by_role("link", name=ja("Data utilization plan")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("都城市官民データ活用推進計画")
    expect(page.locator(".measure-list > li")).to_have_count(33)
    axe(page)

    page.get_by_role("link", name="Ⅱ-1", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ⅱ-1")
    term = page.locator(".measure-content a.term").first
    expect(term).to_contain_text("オープンデータ")
    axe(page)
    term.click()
    entry = page.locator("#term-12")
    expect(entry).to_have_text("オープンデータ")
    expect(entry).to_be_in_viewport()
    axe(page)

    page.goto(f"/m/{LG_CODE}/plan/measures/Ⅰ-1/")
    chart = page.get_by_role("img", name="電子申請可能な手続数", exact=False)
    expect(chart).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", chart.element_handle()) > 0
    table = page.get_by_role("table").first
    expect(table).to_contain_text("188")
    axe(page)


def test_a_plan_manager_runs_the_annual_review(
    page: Page, plan: Any, municipality: Any, make_user: Callable[..., Any], axe: AxeCheck
) -> None:
    make_user("tanaka", "plan_manager", municipality)
    page.goto(LOGIN)
    sign_in(page, "tanaka", password_of("tanaka"))

    page.goto(f"/m/{LG_CODE}/plan/staff/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
    page.get_by_label(ja("Fiscal year")).fill("令和6年度")
    page.get_by_role("button", name=ja("Open a review")).click()
    expect(page).to_have_url(f"{page.url.split('/m/')[0]}/m/{LG_CODE}/plan/staff/reviews/2024/")
    axe(page)

    save = ja("Save %(number)s") % {"number": "Ⅰ-1"}
    section = page.locator("section.review-row").filter(has_text="Ⅰ-1")
    section.get_by_label(ja("Progress")).select_option("delayed")
    section.get_by_role("button", name=save).click()
    section = page.locator("section.review-row").filter(has_text="Ⅰ-1")
    expect(section.locator(".error")).to_contain_text(
        ja("Say why the measure is delayed or changed.")
    )
    axe(page)

    section.get_by_label(ja("Progress")).select_option("delayed")
    section.get_by_label(ja("Comment"), exact=True).fill("基幹システムの改修を待っている")
    section.get_by_role("button", name=save).click()
    section = page.locator("section.review-row").filter(has_text="Ⅰ-1")
    expect(section).to_contain_text("基幹システムの改修を待っている")

    # The year's actual of a KPI is entered right here, where the manager is.
    kpi = plan.measures.get(number="Ⅰ-1").kpis.get(name_ja="電子化した通知の件数")
    row = page.locator(f"#kpi-{kpi.pk}")
    expect(row).to_contain_text(ja("No actual yet."))
    row.get_by_label(
        ja("Actual for %(year)s") % {"year": "2024年度（令和6年度）"}, exact=False
    ).fill("４２")
    row.get_by_role("button", name=ja("Save the actual")).click()
    expect(page.locator(".messages")).to_contain_text("保存しました")
    row = page.locator(f"#kpi-{kpi.pk}")
    expect(row).to_contain_text("42")
    axe(page)
    row.get_by_role("button", name=ja("Save the actual")).click()
    expect(page.locator(".messages")).to_contain_text("変更はありません")
    assert kpi.values.count() == 1

    # Closing shows what is still missing and needs a confirmation.
    page.get_by_role("link", name=ja("Close the review…")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ja("Close the review of %(year)s") % {"year": "2024年度（令和6年度）"}
    )
    unreported = page.get_by_role(
        "list", name=ja("Measures without a progress report (%(n)s)") % {"n": 32}
    )
    expect(unreported.get_by_role("listitem")).to_have_count(32)
    expect(unreported).to_contain_text("Ⅱ-1")
    expect(unreported).not_to_contain_text("Ⅰ-1")
    missing = page.locator(".gap-list").nth(1)
    expect(missing.get_by_role("listitem")).to_have_count(51)
    expect(missing).not_to_contain_text("電子化した通知の件数")
    axe(page)
    assert not plan.reviews.get().is_closed
    page.get_by_role("button", name=ja("Close the review without them")).click()
    expect(page).to_have_url(f"{page.url.split('/m/')[0]}/m/{LG_CODE}/plan/staff/reviews/2024/")
    expect(page.locator(".messages")).to_contain_text("確定しました")
    expect(page.get_by_role("link", name=ja("Close the review…"))).to_have_count(0)
    assert plan.reviews.get().is_closed
    axe(page)

    page.get_by_role("link", name=ja("web page")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2024")
    expect(page.locator("figure.report-chart img")).to_have_count(2)
    axe(page)

    page.goto(f"/m/{LG_CODE}/plan/")
    link = page.get_by_role("link", name="CSV", exact=False)
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "電子申請可能な手続数" in text and ",actual,2024,188" in text
