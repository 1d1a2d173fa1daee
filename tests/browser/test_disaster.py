"""The disaster pages in a real browser: the operator walks the live dashboard and records an
evacuation decision; residents read the public page on a 360 px phone in Japanese, English
and やさしい日本語. axe finds nothing on any of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits, ja, japanese_outside_marked

pytestmark = pytest.mark.browser


@pytest.fixture
def flood(municipality: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    """A river station over its 氾濫危険水位, a rain gauge, the alert it raised and an operator."""
    from kanmin.disaster import services
    from kanmin.disaster.models import StationKind
    from kanmin.disaster.tests import factories
    from kanmin.disaster.tests.readings import series

    operator = make_user("bousai", "disaster_operator", municipality)
    now = timezone.now().replace(microsecond=0)
    river = factories.station(municipality, code="takeshita")
    services.reference_levels_set(
        municipality=municipality,
        actor=None,
        station=river,
        standby="2.0",
        caution="3.0",
        evacuation="4.0",
        danger="4.5",
        valid_from=now - dt.timedelta(days=30),
    )
    series(river, now, ["2.1", "2.6", "3.2", "3.9", "4.3", "4.7"], step=30)
    gauge = factories.station(
        municipality,
        code="shonai-rain",
        kind=StationKind.RAIN,
        name_ja="庄内雨量観測所",
        name_en="Shonai rain gauge",
        latitude="31.78",
        longitude="131.00",
    )
    series(gauge, now, [12, 18, 25], step=10)
    services.levels_refresh(municipality=municipality)
    return {"operator": operator, "river": river}


def _signed_in(new_page: Callable[..., Page], live_server: Any, user: Any, **size: Any) -> Page:
    client = Client()
    client.force_login(user)
    page = new_page(**size)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def test_operator_walks_the_dashboard_and_records_a_decision(
    flood: dict[str, Any], new_page: Callable[..., Page], live_server: Any, axe: AxeCheck
) -> None:
    from kanmin.audit.models import AuditEvent
    from kanmin.disaster.models import Decision

    page = _signed_in(new_page, live_server, flood["operator"])
    page.goto(f"/m/{LG_CODE}/staff/")
    page.get_by_role("link", name=ja("Disaster headquarters: live levels")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ja("Disaster headquarters: live levels")
    )
    # The alert, the level in words and on the map, and the chart with its reference levels.
    expect(page.locator("#alerts + .alert-list")).to_contain_text("岳下橋")
    expect(page.locator("table")).to_contain_text("警戒レベル4")
    expect(page.locator("svg.station-map circle")).to_have_count(2)
    chart = page.locator("#chart-takeshita img")
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#chart-takeshita figcaption")).to_contain_text("氾濫危険水位 4.5")
    axe(page)

    page.get_by_role("link", name=ja("Record a decision")).first.click()
    expect(page.locator("#evidence-heading")).to_be_visible()
    expect(page.locator(".evidence")).to_contain_text("4.7")
    axe(page)
    page.locator("#id_area").fill("大淀川沿い（岳下地区）")
    page.locator("#id_reason").fill("氾濫危険水位を超え、なお上昇中")
    expect(page.locator("#id_kind")).to_have_value("避難指示")
    page.get_by_role("button", name=ja("Record the decision")).click()
    expect(page.get_by_role("status")).to_contain_text(
        ja("The decision is recorded with its evidence.")
    )
    expect(page.locator("h1")).to_contain_text("避難指示")
    expect(page.locator(".evidence")).to_contain_text("4.7")
    axe(page)
    page.locator("#id_text").fill("消防団から越水の報告あり")
    page.get_by_role("button", name=ja("Add the note")).click()
    expect(page.locator("#notes + ul")).to_contain_text("消防団から越水の報告あり")
    axe(page)

    decision = Decision.all_tenants.get()
    assert decision.level == 4 and decision.kind == "避難指示"
    assert decision.evidence["stations"][0]["readings"][-1][1] == "4.7"
    assert AuditEvent.objects.filter(action="disaster.decision.record").count() == 1
    assert AuditEvent.objects.filter(action="disaster.decision.annotate").count() == 1


@pytest.mark.parametrize(
    ("locale", "query"),
    [("ja-JP", ""), ("en-US", ""), ("ja-JP", "?lang=easy")],
)
def test_public_page_on_a_phone(
    flood: dict[str, Any],
    new_page: Callable[..., Page],
    axe: AxeCheck,
    locale: str,
    query: str,
) -> None:
    from kanmin.disaster import services

    services.decision_record(
        municipality=flood["river"].municipality,
        actor=None,
        action="issue",
        level=4,
        kind="避難指示",
        area="大淀川沿い（岳下地区）",
        decided_at=timezone.now(),
        stations=[flood["river"]],
    )
    page = new_page(locale=locale, width=360, height=740)
    page.goto(f"/m/{LG_CODE}/disaster/{query}")
    # The text version alone tells everything: every station, its level, the order.
    listing = page.locator(".level-list")
    expect(listing.locator("li")).to_have_count(2)
    expect(page.locator(".order-list")).to_contain_text("大淀川沿い（岳下地区）")
    if query:
        expect(listing).to_contain_text("けいかい レベル4")
    elif locale.startswith("en"):
        expect(listing).to_contain_text("Alert level 4")
        expect(listing).to_contain_text("Shonai rain gauge")
        assert japanese_outside_marked(page) == []
    else:
        expect(listing).to_contain_text("警戒レベル4")
    assert_fits(page)
    axe(page)
