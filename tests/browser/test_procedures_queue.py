"""The queue of applications in a real browser: a member of 市民課 opens the queue, opens an
application and asks for a correction; the applicant, on a 360 px phone, sees the request on
the status page and replies. axe finds nothing on the resident's page (nor on the staff's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits, ja

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


@pytest.fixture
def queue_setup(municipality: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    from kanmin.accounts import services
    from kanmin.procedures.tests import factories

    shimin = factories.queue_department(municipality, "shimin", "市民課")
    staff = make_user("shimin1")
    services.membership_grant(
        municipality=municipality,
        actor=None,
        user=staff,
        role="department_staff",
        department=shimin,
    )
    applicant = make_user("hanako", "citizen", municipality)
    version = factories.queue_version(municipality, shimin)
    submission = factories.queue_submission(version, applicant=applicant)
    return {"staff": staff, "applicant": applicant, "submission": submission}


def test_staff_asks_for_a_correction_and_the_resident_sees_it(
    queue_setup: dict[str, Any],
    new_page: Callable[..., Page],
    live_server: Any,
    axe: AxeCheck,
) -> None:
    from kanmin.audit.models import AuditEvent

    reference = queue_setup["submission"].reference
    staff = _signed_in(new_page, live_server, queue_setup["staff"])
    staff.goto(f"/m/{LG_CODE}/procedures/staff/queue/")
    expect(staff.get_by_role("heading", level=1)).to_have_text(ja("Applications to process"))
    axe(staff)
    staff.get_by_role("link", name=reference).click()
    expect(staff.get_by_text("都城 花子（ミヤコノジョウ ハナコ）")).to_be_visible()
    axe(staff)
    assert AuditEvent.objects.filter(action="procedures.submission.read").count() == 1
    # Keyboard only: focus the correction message, type, and send with the button.
    staff.get_by_role("button", name=ja("Ask for the correction")).click()
    expect(staff.locator(".error-summary").first).to_be_visible()  # a message is required
    message = staff.locator("#id_correction-message")
    message.focus()
    staff.keyboard.type("住民票の写しを添付してください。")
    staff.get_by_role("button", name=ja("Ask for the correction")).focus()
    staff.keyboard.press("Enter")
    expect(staff.get_by_role("status")).to_contain_text(
        ja("Correction requested: the applicant has been told.")
    )

    resident = _signed_in(new_page, live_server, queue_setup["applicant"], width=360, height=740)
    resident.goto(f"/m/{LG_CODE}/apply/status/{reference}/")
    expect(resident.get_by_text("住民票の写しを添付してください。")).to_be_visible()
    current = resident.locator('[aria-current="step"]')
    expect(current).to_contain_text("補正依頼")
    assert_fits(resident)
    axe(resident)
    resident.get_by_role("textbox", name=ja("Your reply")).fill("添付しました。")
    resident.get_by_label(ja("I have made the correction asked for")).check()
    resident.get_by_role("button", name=ja("Send")).click()
    expect(resident.locator('[aria-current="step"]')).to_contain_text("審査中")
    expect(resident.get_by_text("添付しました。")).to_be_visible()
    assert_fits(resident)
    axe(resident)
    # The withdraw confirmation page, by keyboard.
    resident.get_by_role("link", name=ja("Withdraw…")).click()
    assert_fits(resident)
    axe(resident)


def test_a_browser_without_access_sees_how_to_get_a_link(
    queue_setup: dict[str, Any], axe: AxeCheck, new_page: Callable[..., Page]
) -> None:
    reference = queue_setup["submission"].reference
    phone = new_page(width=360, height=740)
    phone.goto(f"/m/{LG_CODE}/apply/status/{reference}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(ja("Follow your application"))
    assert reference not in phone.content().split("<main", 1)[1]
    assert_fits(phone)
    axe(phone)
