"""The counter in a real browser: reception issues a ticket on a tablet, a desk calls it, and
the public display (already open) shows the number by itself and announces it (aria-live);
axe finds nothing on the display at 360 px and 1920 px, nor on the staff pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, ja

pytestmark = pytest.mark.browser


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


def test_reception_issues_a_desk_calls_and_the_display_shows_it(
    municipality: Any,
    make_user: Callable[..., Any],
    new_page: Callable[..., Page],
    live_server: Any,
    axe: AxeCheck,
) -> None:
    from kanmin.procedures.tests import counter_factories

    counter_factories.procedures(municipality)
    clerk = make_user("madoguchi", "counter_clerk", municipality)

    display = new_page(width=1920, height=1080)
    display.goto(f"/m/{LG_CODE}/counter/display/")
    expect(display.get_by_role("heading", name=ja("Numbers called"))).to_be_visible()
    axe(display)

    reception = _signed_in(new_page, live_server, clerk, width=800, height=1280)
    reception.goto(f"/m/{LG_CODE}/counter/reception/")
    axe(reception)
    reception.get_by_role("button", name=ja("Issue a ticket")).click()
    expect(reception.get_by_role("alert")).to_contain_text(ja("Choose at least one procedure."))
    reception.get_by_label("住民票の写しの交付").check()
    reception.get_by_label("転入届").check()
    reception.get_by_role("button", name=ja("Issue a ticket")).click()
    expect(reception.locator(".ticket-number")).to_have_text("1")
    axe(reception)

    desk = _signed_in(new_page, live_server, clerk)
    desk.goto(f"/m/{LG_CODE}/counter/desk/")
    desk.locator("#id_desk").fill("3")
    desk.get_by_role("button", name=ja("Call the next resident")).click()
    expect(desk.locator(".current-number")).to_contain_text("1")
    axe(desk)

    # The display, open all along, finds the call by itself and announces it.
    expect(display.locator("#display-called .display-number").first).to_have_text(
        "1", timeout=15_000
    )
    expect(display.locator("#display-called .display-desk").first).to_have_text("3")
    expect(display.locator("#display-announce")).to_contain_text("1")
    expect(display.locator("body")).not_to_contain_text("住民票")  # numbers, never names
    axe(display)

    phone = new_page(width=360, height=740)
    phone.goto(f"/m/{LG_CODE}/counter/display/")
    expect(phone.locator("#display-called .display-number").first).to_have_text("1")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    axe(phone)

    desk.get_by_role("button", name=ja("Start serving")).click()
    desk.get_by_role("button", name=ja("Complete")).click()
    expect(desk.locator("body")).to_contain_text(ja("No resident at this desk. Call the next one."))


def test_manager_dashboard_and_bottlenecks_pass_axe(
    municipality: Any,
    make_user: Callable[..., Any],
    new_page: Callable[..., Page],
    live_server: Any,
    axe: AxeCheck,
) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kanmin.procedures import counter_services
    from kanmin.procedures.tests import counter_factories

    procedures = counter_factories.procedures(municipality)
    manager = make_user("tetsuzuki", "procedures_manager", municipality)
    jst = ZoneInfo("Asia/Tokyo")
    for day in range(2, 28):
        if dt.date(2026, 3, day).weekday() >= 5:
            continue
        for i in range(2):
            counter_factories.visit_at(
                municipality,
                number=i + 1,
                issued_at=dt.datetime(2026, 3, day, 9 + i, 0, tzinfo=jst),
                procedures=[procedures["juminhyo-copy"], procedures["tennyu"]][: i + 1],
                steps=[("waiting", 5 + i), ("called", 1), ("serving", 10 if day < 16 else 6)],
            )
    change = counter_services.bpr_change_record(
        municipality=municipality,
        actor=manager,
        effective_on=dt.date(2026, 3, 16),
        description="書かない窓口",
    )
    page = _signed_in(new_page, live_server, manager)
    page.goto(f"/m/{LG_CODE}/counter/staff/?change={change.pk}")
    expect(page.get_by_role("heading", name=ja("Before and after the change"))).to_be_visible()
    for image in page.locator("figure.chart img").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    axe(page)
    page.get_by_role("link", name=ja("Bottlenecks per procedure")).click()
    expect(page.locator("tr.slowest").first).to_be_visible()
    axe(page)
    phone = _signed_in(new_page, live_server, manager, width=360, height=740)
    phone.goto(f"/m/{LG_CODE}/counter/staff/?change={change.pk}")
    axe(phone)


def test_the_desk_follows_the_queue_without_losing_what_the_clerk_typed(
    municipality: Any,
    make_user: Callable[..., Any],
    new_page: Callable[..., Page],
    live_server: Any,
    axe: AxeCheck,
) -> None:
    """A ticket issued at reception appears on an open desk page by itself; the page is not
    reloaded (the desk name typed in the form stays); at 360 px it passes axe."""
    from kanmin.procedures import counter_services
    from kanmin.procedures.tests import counter_factories

    procedures = counter_factories.procedures(municipality)
    clerk = make_user("madoguchi", "counter_clerk", municipality)
    desk = _signed_in(new_page, live_server, clerk, width=360, height=740)
    desk.goto(f"/m/{LG_CODE}/counter/desk/?desk=2")
    expect(desk.get_by_role("link", name=ja("Stop updating by itself"))).to_be_visible()
    axe(desk)
    desk.locator("#id_desk").fill("2b")
    counter_services.visit_issue(
        municipality=municipality,
        actor=clerk,
        procedures=[procedures["tennyu"]],
        channel="counter",
    )
    expect(desk.locator("#desk-queue table th[scope=row]").first).to_have_text("1", timeout=25_000)
    expect(desk.locator("#id_desk")).to_have_value("2b")  # no reload
    axe(desk)
    desk.get_by_role("link", name=ja("Stop updating by itself")).click()
    expect(desk.get_by_role("link", name=ja("Stop updating by itself"))).to_have_count(0)
