"""Shelters in a real browser: an operator opens a shelter from the staff home and records
how many people are there; a resident on a 360 px phone sees it open, with its crowding in
words, in Japanese, English and やさしい日本語. axe finds nothing on any page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits, ja, japanese_outside_marked

pytestmark = pytest.mark.browser


@pytest.fixture
def shelter_setup(municipality: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    from kanmin.disaster.tests import factories

    operator = make_user("bousai", "disaster_operator", municipality)
    gym = factories.shelter(municipality, code="gym-1")  # 300 people
    factories.shelter(
        municipality,
        code="hall-1",
        name_ja="都城市総合文化ホール",
        name_en="Miyakonojo Civic Hall",
        capacity=800,
        latitude="31.726",
        longitude="131.065",
    )
    return {"operator": operator, "gym": gym}


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


def test_operator_opens_a_shelter_and_a_resident_sees_it(
    shelter_setup: dict[str, Any],
    new_page: Callable[..., Page],
    live_server: Any,
    axe: AxeCheck,
) -> None:
    from kanmin.audit.models import AuditEvent
    from kanmin.disaster.models import ShelterCount, ShelterOpening

    # The operator, on a phone too: the staff pages must work at 360 px.
    page = _signed_in(new_page, live_server, shelter_setup["operator"], width=360, height=740)
    page.goto(f"/m/{LG_CODE}/staff/")
    page.get_by_role("link", name=ja("Shelters: open, count, close")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Shelters"))
    card = page.locator("#shelter-gym-1")
    expect(card).to_contain_text(ja("Closed"))
    assert_fits(page)
    axe(page)

    card.get_by_role("link", name=ja("Open this shelter")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("妻ケ丘小学校体育館")
    axe(page)
    page.locator("#id_evacuees").fill("20")
    page.get_by_role("button", name=ja("Open the shelter")).click()
    expect(page.get_by_role("status")).to_contain_text("妻ケ丘小学校体育館")
    expect(page.locator("#now ~ p .badge-open")).to_have_text(ja("Open"))
    assert_fits(page)
    axe(page)

    # The count from the list's quick form.
    page.get_by_role("link", name=ja("Shelters"), exact=True).first.click()
    card = page.locator("#shelter-gym-1")
    card.get_by_label(ja("Evacuees now")).fill("250")
    card.get_by_role("button", name=ja("Record the count")).click()
    expect(page.get_by_role("status")).to_contain_text("250")
    expect(page.locator("#shelter-gym-1 .occupancy")).to_contain_text("250")
    expect(page.locator("#shelter-gym-1 .occupancy")).to_contain_text("混雑")  # 83 %
    assert_fits(page)
    axe(page)

    opening = ShelterOpening.all_tenants.get()
    assert opening.opened_by == shelter_setup["operator"] and opening.closed_at is None
    assert list(ShelterCount.all_tenants.values_list("evacuees", flat=True)) == [20, 250]
    assert AuditEvent.objects.filter(action="disaster.shelter.count").count() == 1

    # A resident on a phone, in the three variants.
    for locale, query, crowded in (
        ("ja-JP", "", "混雑"),
        ("en-US", "", "Crowded"),
        ("ja-JP", "?lang=easy", "とても こんで います"),
    ):
        resident = new_page(locale=locale, width=360, height=740)
        resident.goto(f"/m/{LG_CODE}/disaster/{query}")
        listing = resident.locator(".shelter-list")
        expect(listing.locator("li")).to_have_count(1)  # the hall is designated, not open
        expect(listing).to_contain_text("250")
        expect(listing).to_contain_text(crowded)
        if locale.startswith("en"):
            expect(listing).to_contain_text("Tsumagaoka Elementary School Gym")
            assert japanese_outside_marked(resident) == []
        else:
            expect(listing).to_contain_text("妻ケ丘小学校体育館")
        expect(resident.locator("svg.station-map .shelter-point")).to_have_count(1)
        assert_fits(resident)
        axe(resident)
