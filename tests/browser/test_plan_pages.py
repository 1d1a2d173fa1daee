"""Every plan page on a 360 px phone, in English and in Japanese: nothing sticks out of the
screen, an English page has no Japanese outside content marked ``lang="ja"`` (content that
exists only in Japanese), and axe finds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits, japanese_outside_marked
from .test_plan_review import plan  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewed(plan: Any, municipality: Any, make_user: Callable[..., Any]) -> dict[str, Any]:  # noqa: F811
    """An open review of FY2024 with a report in Japanese and an actual with a comment, and a
    plan manager of 情報政策課 (a department with no English name)."""
    from kanmin.core import services as core_services
    from kanmin.plan import services

    manager = make_user("tanaka", "plan_manager", municipality)
    department = core_services.department_create(
        municipality=municipality, actor=None, code="jouhou", name_ja="情報政策課"
    )
    measure = plan.measures.get(number="Ⅰ-1")
    services.measure_update(
        municipality=municipality, actor=None, measure=measure, departments=[department]
    )
    review = services.review_open(
        municipality=municipality, actor=manager, plan=plan, fiscal_year=2024
    )
    services.measure_review_set(
        municipality=municipality,
        actor=manager,
        review=review,
        measure=measure,
        progress="delayed",
        comment="基幹システムの改修を待っている",
    )
    kpi = measure.kpis.get(name_ja="電子申請可能な手続数")
    services.kpi_value_record(
        municipality=municipality,
        actor=manager,
        kpi=kpi,
        kind="actual",
        fiscal_year=2024,
        value=190,
        comment="集計漏れを訂正",
    )
    return {"manager": manager, "kpi": kpi, "measure": measure}


def _signed_in(new_page: Callable[..., Page], live_server: Any, user: Any, locale: str) -> Page:
    """A 360 px page whose browser asks for ``locale``, signed in as ``user``."""
    client = Client()
    client.force_login(user)
    page = new_page(locale=locale, width=360, height=740)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return page


def _plan_pages(kpi: Any) -> list[str]:
    base = f"/m/{LG_CODE}/plan"
    return [
        f"{base}/",
        f"{base}/measures/Ⅰ-1/",
        f"{base}/measures/Ⅰ-2/",
        f"{base}/glossary/",
        f"{base}/staff/",
        f"{base}/staff/figures/",
        f"{base}/staff/measures/Ⅰ-1/",
        f"{base}/staff/kpis/{kpi.pk}/edit/",
        f"{base}/staff/kpis/{kpi.pk}/",
        f"{base}/staff/reviews/2024/",
        f"{base}/staff/reviews/2024/close/",
        f"{base}/staff/reviews/2024/report.html",
    ]


def test_every_plan_page_is_english_and_fits_a_phone(
    new_page: Callable[..., Page], live_server: Any, reviewed: dict[str, Any], axe: AxeCheck
) -> None:
    page = _signed_in(new_page, live_server, reviewed["manager"], "en-US")
    problems: dict[str, Any] = {}
    for url in _plan_pages(reviewed["kpi"]):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert_fits(page)
        mixed = japanese_outside_marked(page)
        if mixed:
            problems[url] = mixed
        axe(page)
    assert problems == {}
    # Content that exists only in Japanese is marked, and the page says so once.
    page.goto(f"/m/{LG_CODE}/plan/measures/Ⅰ-2/")
    expect(page.locator(".notice-japanese-only")).to_have_count(1)
    expect(page.locator('.measure-content[lang="ja"]')).to_be_visible()
    page.goto(f"/m/{LG_CODE}/plan/")
    expect(page.locator(".notice-japanese-only")).to_have_count(0)
    page.goto(f"/m/{LG_CODE}/plan/measures/Ⅰ-1/")
    expect(page.locator("section.kpi").first).to_contain_text("Unit: items")
    expect(page.locator("figure, section.kpi").first.locator("caption")).to_have_text(
        "Number of procedures available online by fiscal year"
    )


def test_starting_a_plan_is_english_and_fits_a_phone(
    new_page: Callable[..., Page],
    live_server: Any,
    plan: Any,  # noqa: F811 - the fixture imported above: the plan to start from
    make_user: Callable[..., Any],
    axe: AxeCheck,
) -> None:
    from kanmin.core import services as core_services

    other = core_services.municipality_create(
        actor=None, lg_code="452017", name_ja="宮崎市", name_en="Miyazaki City"
    )
    manager = make_user("kuroki", "plan_manager", other)
    for locale, language in (("en-US", "en"), ("ja-JP", "ja")):
        page = _signed_in(new_page, live_server, manager, locale)
        page.goto("/m/452017/plan/")
        expect(page).to_have_url(f"{live_server.url}/m/452017/plan/staff/start/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_fits(page)
        if language == "en":
            assert japanese_outside_marked(page) == []
            expect(page.locator("main option").first).to_have_text(
                "Miyakonojo City: Miyakonojo City Public-Private Data Utilization Promotion Plan"
            )
        axe(page)


def test_every_plan_page_fits_a_phone_in_japanese(
    new_page: Callable[..., Page], live_server: Any, reviewed: dict[str, Any], axe: AxeCheck
) -> None:
    page = _signed_in(new_page, live_server, reviewed["manager"], "ja-JP")
    for url in _plan_pages(reviewed["kpi"]):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        assert_fits(page)
        axe(page)
    expect(page.locator(".notice-japanese-only")).to_have_count(0)


def test_a_glossary_term_in_a_measure_links_to_its_entry(
    new_page: Callable[..., Page],
    plan: Any,  # noqa: F811 - the fixture imported above
    axe: AxeCheck,
) -> None:
    for locale in ("ja-JP", "en-US"):
        page = new_page(locale=locale, width=360, height=740)
        page.goto(f"/m/{LG_CODE}/plan/measures/Ⅰ-2/")
        link = page.locator(".measure-content a.term").first
        expect(link).to_contain_text("ぴったりサービス")
        link.click()
        expect(page).to_have_url(f"{page.url.split('#')[0]}#term-28")
        entry = page.locator("#term-28")
        expect(entry).to_be_in_viewport()
        if locale == "en-US":
            expect(entry).to_contain_text("Pittari Service")
            expect(page.locator("#term-1")).to_have_text(
                "ICT (information and communications technology)"
            )
        axe(page)
