"""Official information for one area, in a real browser on a 360 px phone: the operator ticks
the area on the official-information page, and the dashboard shows the station of that area
at the information's level while the other station keeps the level of its readings. Japanese
and English; axe finds nothing."""

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
def areas(municipality: Any, make_user: Callable[..., Any]) -> Any:
    """Rules naming 山田地区 (the rain gauge) and 五十市地区 (the river station, dry)."""
    from kanmin.disaster import rules, services
    from kanmin.disaster.models import StationKind
    from kanmin.disaster.tests import factories
    from kanmin.disaster.tests.readings import series

    now = timezone.now().replace(microsecond=0)
    river = factories.station(municipality, code="isoichi", name_ja="五十市", name_en="Isoichi")
    gauge = factories.station(
        municipality,
        code="rain-yamada",
        kind=StationKind.RAIN,
        name_ja="山田雨量観測所",
        name_en="Yamada rain gauge",
        latitude="31.80",
        longitude="130.99",
    )
    series(river, now, ["0.8", "0.9"])
    series(gauge, now, [0, 1])
    services.ruleset_save(
        municipality=municipality,
        actor=None,
        definition={
            **rules.default_data(),
            "areas": [
                {
                    "code": "05",
                    "name_ja": "五十市地区",
                    "name_en": "Isoichi",
                    "stations": ["isoichi"],
                },
                {
                    "code": "14",
                    "name_ja": "山田地区",
                    "name_en": "Yamada",
                    "stations": ["rain-yamada"],
                },
            ],
        },
        reason="地区を追加",
        valid_from=now - dt.timedelta(days=1),
    )
    return make_user("bousai", "disaster_operator", municipality)


def _signed_in(new_page: Callable[..., Page], live_server: Any, user: Any, locale: str) -> Page:
    client = Client()
    client.force_login(user)
    page = new_page(locale=locale, width=360, height=740)
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


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_information_for_one_area_on_a_phone(
    areas: Any, new_page: Callable[..., Page], live_server: Any, axe: AxeCheck, locale: str
) -> None:
    english = locale == "en-US"

    def text(msgid: str) -> str:
        return msgid if english else ja(msgid)

    page = _signed_in(new_page, live_server, areas, locale)
    page.goto(f"/m/{LG_CODE}/disaster/staff/official/")
    assert_fits(page)
    if english:
        assert japanese_outside_marked(page) == []
    axe(page)
    page.locator("#id_kind").select_option("土砂災害警戒情報")
    page.get_by_label("Yamada (14)" if english else "山田地区 (14)").check()
    page.get_by_role("button", name=text("Record")).click()
    expect(page.get_by_role("status")).to_contain_text(
        text("Recorded: the levels are judged again.")
    )
    expect(page.locator("main")).to_contain_text("山田地区")
    axe(page)

    page.goto(f"/m/{LG_CODE}/disaster/staff/")
    rows = page.locator("table tbody tr")
    yamada = rows.filter(has_text="rain-yamada")
    isoichi = rows.filter(has_text="isoichi")
    expect(yamada).to_contain_text("Alert level 4" if english else "警戒レベル4")
    expect(isoichi).not_to_contain_text("Alert level 4" if english else "警戒レベル4")
    assert_fits(page)
    axe(page)
