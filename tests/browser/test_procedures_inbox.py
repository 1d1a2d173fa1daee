"""The resident's inbox on a 360 px phone (issue 16): sign in with the e-mail address, see the
unread notice in bold with the count, open it (it is then read), answer in a consultation;
every page fits, passes axe, and reads in English with Japanese content marked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, assert_fits, ja, japanese_outside_marked

pytestmark = pytest.mark.browser

MY = f"/m/{LG_CODE}/my/"
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def inbox(municipality: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    from kanmin.accounts import services as accounts_services
    from kanmin.core import services as core_services
    from kanmin.procedures import notice_services

    shimin = core_services.department_create(
        municipality=municipality,
        actor=None,
        code="shimin",
        name_ja="市民課",
        name_en="Citizens Division",
    )
    clerk = make_user("clerk")
    accounts_services.membership_grant(
        municipality=municipality,
        actor=None,
        user=clerk,
        role="department_staff",
        department=shimin,
    )
    resident = make_user("hanako@example.jp")
    resident.email = "hanako@example.jp"
    resident.save()
    accounts_services.membership_grant(
        municipality=municipality, actor=None, user=resident, role="citizen"
    )
    read = notice_services.notice_send(
        municipality=municipality,
        actor=clerk,
        recipient=resident,
        department=shimin,
        subject="申請を受け付けました",
        body="受付番号をお控えください。",
    )
    notice_services.notice_read(municipality=municipality, actor=resident, notice=read)
    unread = notice_services.notice_send(
        municipality=municipality,
        actor=clerk,
        recipient=resident,
        department=shimin,
        subject="交付の準備ができました",
        body="市民課窓口へお越しください。",
    )
    consultation = notice_services.consultation_open(
        municipality=municipality,
        actor=resident,
        department=shimin,
        subject="転入届の書類",
        body="必要な書類を教えてください。",
    )
    notice_services.consultation_reply(
        municipality=municipality, actor=clerk, consultation=consultation, body="転出証明書です。"
    )
    return {"resident": resident, "unread": unread, "consultation": consultation, "clerk": clerk}


def _sign_in(page: Page, username: str) -> None:
    page.goto(MY)
    page.get_by_role("link", name=ja("Sign in")).first.click()
    page.get_by_label(ja("User name")).fill(username)
    page.get_by_label(ja("Password")).fill(password_of(username))
    page.get_by_label(ja("Password")).press("Enter")
    page.wait_for_url(f"**{MY}")


def test_resident_reads_a_notice_and_replies_on_a_phone(
    inbox: dict[str, Any], new_page: Callable[..., Page], axe: AxeCheck
) -> None:
    from kanmin.procedures.models import ConsultationMessage, Notice

    page = new_page(**PHONE)
    page.goto(MY)
    axe(page)
    assert_fits(page)
    _sign_in(page, "hanako@example.jp")
    unread = page.locator(".inbox strong", has_text="交付の準備ができました")
    expect(unread).to_be_visible()
    expect(page.locator("#notices .badge")).to_contain_text("1")
    axe(page)
    assert_fits(page)

    # Keyboard only: tab to the unread notice and open it.
    link = page.get_by_role("link", name="交付の準備ができました")
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the notice cannot be reached with the Tab key")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("交付の準備ができました")
    expect(page.get_by_text("市民課窓口へお越しください。")).to_be_visible()
    axe(page)
    assert_fits(page)
    assert Notice.all_tenants.get(pk=inbox["unread"].pk).read_at is not None

    page.goto(MY)
    expect(page.locator("#notices .badge")).to_have_count(0)
    page.get_by_role("link", name="転入届の書類").click()
    expect(page.get_by_text("転出証明書です。")).to_be_visible()
    axe(page)
    assert_fits(page)
    page.get_by_label(ja("Your message")).fill("ありがとうございました。")
    page.get_by_role("button", name=ja("Send"), exact=True).click()
    expect(page.get_by_text("ありがとうございました。")).to_be_visible()
    axe(page)
    assert_fits(page)
    assert ConsultationMessage.all_tenants.filter(by_staff=False).count() == 2

    page.goto(f"{MY}consultations/new/")
    axe(page)
    assert_fits(page)


def test_the_pages_in_english_mark_japanese_content(
    inbox: dict[str, Any], new_page: Callable[..., Page], axe: AxeCheck, live_server: Any
) -> None:
    from django.conf import settings
    from django.test import Client

    for user, pages in (
        (
            inbox["resident"],
            [
                MY,
                f"{MY}notices/{inbox['unread'].pk}/",
                f"{MY}consultations/{inbox['consultation'].pk}/",
                f"{MY}consultations/new/",
            ],
        ),
        (
            inbox["clerk"],
            [
                f"/m/{LG_CODE}/procedures/staff/notices/",
                f"/m/{LG_CODE}/procedures/staff/notices/new/",
                f"/m/{LG_CODE}/procedures/staff/consultations/",
                f"/m/{LG_CODE}/procedures/staff/consultations/{inbox['consultation'].pk}/",
            ],
        ),
    ):
        client = Client()
        client.force_login(user)
        page = new_page(locale="en-US", **PHONE)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        for url in pages:
            page.goto(url)
            axe(page)
            assert_fits(page)
            assert japanese_outside_marked(page) == [], url


def test_a_resident_registers_on_a_phone(
    municipality: Any, new_page: Callable[..., Page], axe: AxeCheck
) -> None:
    import re

    from django.core import mail

    page = new_page(**PHONE)
    page.goto(MY)
    page.get_by_role("main").get_by_role("link", name=ja("Register as a resident")).click()
    expect(page.get_by_label(ja("Municipality"))).to_have_value(str(municipality.pk))
    axe(page)
    assert_fits(page)
    page.get_by_label(ja("E-mail address")).fill("jiro@example.jp")
    page.get_by_role("button", name=ja("Send me the link")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Check your e-mail"))
    axe(page)
    link = re.search(r"https?://[^/\s]+(/accounts/register/\S+/)", mail.outbox[-1].body)
    assert link is not None
    page.goto(link.group(1))
    axe(page)
    assert_fits(page)
    page.locator("#id_password1").fill("short")
    page.get_by_label(ja("Password again")).fill("short")
    page.get_by_role("button", name=ja("Create my account")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe(page)
    page.locator("#id_password1").fill("miyakonojo-Sakura-2026")
    page.get_by_label(ja("Password again")).fill("miyakonojo-Sakura-2026")
    page.get_by_role("button", name=ja("Create my account")).click()
    page.wait_for_url(f"**{MY}")
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("My page"))
    axe(page)
