"""The disaster pages as an English-speaking operator and a phone user meet them: every staff
and public page in English carries no Japanese outside content marked ``lang="ja"``, fits a
360 px screen and passes axe; the dashboard's table stays readable on a phone (no heading or
level broken one character a line) and the decision form's 発令／解除 choice reads as a choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits, japanese_outside_marked

pytestmark = pytest.mark.browser

BASE = f"/m/{LG_CODE}/disaster"


@pytest.fixture
def city(municipality: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    """A river over its 避難判断水位, a wildlife trap counting in 回, a shelter open with a
    remark written only in Japanese, an order issued on it, and an operator."""
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
    series(river, now, ["3.2", "3.9", "4.1", "4.25"], step=30)
    trap = factories.station(
        municipality,
        code="trap-1",
        kind=StationKind.TRAP,
        unit="回",
        name_ja="山田 くくりわな1号",
        name_en="Yamada snare trap 1",
        latitude="31.80",
        longitude="131.02",
    )
    series(trap, now, ["0", "1"], step=60)
    services.levels_refresh(municipality=municipality)
    decision = services.decision_record(
        municipality=municipality,
        actor=operator,
        action="issue",
        level=3,
        kind="高齢者等避難",
        area="大淀川沿い（岳下地区）",
        decided_at=now,
        stations=[river],
    )
    gym = factories.shelter(municipality, code="gym-1", note="体育館の東側入口から入ってください。")
    services.shelter_open(
        municipality=municipality, actor=operator, shelter=gym, decision=decision, evacuees=12
    )
    return {"operator": operator, "decision": decision}


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


def test_every_disaster_page_reads_in_english_on_a_phone(
    city: dict[str, Any], new_page: Callable[..., Page], live_server: Any, axe: AxeCheck
) -> None:
    page = _signed_in(
        new_page, live_server, city["operator"], locale="en-US", width=360, height=740
    )
    pages = [
        "/staff/",
        "/staff/stations/",
        "/staff/stations/new/",
        "/staff/stations/takeshita/",
        "/staff/stations/trap-1/",
        "/staff/stations/takeshita/levels/",
        "/staff/devices/",
        "/staff/imports/",
        "/staff/official/",
        "/staff/decisions/new/",
        f"/staff/decisions/{city['decision'].pk}/",
        "/staff/rules/",
        "/staff/criteria/",
        "/staff/stations/takeshita/criteria/",
        "/staff/shelters/",
        "/staff/shelters/gym-1/",
        "/",
        "/?lang=en",
    ]
    for path in pages:
        page.goto(BASE + path)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert japanese_outside_marked(page) == [], path
        assert_fits(page)
        axe(page)


def test_dashboard_table_and_decision_form_are_readable_on_a_phone(
    city: dict[str, Any], new_page: Callable[..., Page], live_server: Any, axe: AxeCheck
) -> None:
    page = _signed_in(new_page, live_server, city["operator"], width=360, height=740)
    page.goto(BASE + "/staff/")
    # No heading or cell of the levels table squeezed below three characters' width (the
    # rule column's heading and 「最新の観測値なし」 broke one character a line): on a phone
    # the table scrolls sideways in its region instead.
    narrow = page.evaluate(
        """() => [...document.querySelectorAll(
              '[aria-labelledby="levels"] th, [aria-labelledby="levels"] td')]
            .filter(c => c.innerText.trim().length > 2)
            .filter(c => {
              const size = parseFloat(getComputedStyle(c).fontSize);
              return c.getBoundingClientRect().width < 3 * size;
            })
            .map(c => c.innerText.trim())"""
    )
    assert narrow == []
    badge = page.locator('[aria-labelledby="levels"] .level-badge').first
    line = float(badge.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert badge.bounding_box()["height"] < 1.5 * line  # one line
    assert_fits(page)
    axe(page)

    page.goto(BASE + "/staff/decisions/new/")
    group = page.get_by_role("group", name="発令・解除")
    issue = group.get_by_role("radio", name="発令")
    expect(issue).to_be_checked()
    # The choice sits on one line with its button, not stretched across the page.
    label = page.locator('label[for="id_action_0"]')
    assert label.bounding_box()["height"] < 2 * float(
        label.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    )
    group.get_by_text("解除", exact=True).click()
    expect(group.get_by_role("radio", name="解除")).to_be_checked()
    assert_fits(page)
    axe(page)
