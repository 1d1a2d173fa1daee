"""The procedure catalog in a real browser: the residents' list on a 360 px phone in Japanese
and English (search, filters, a procedure's documents opened with the keyboard, its page),
and the staff's list and form; every page fits the screen and passes axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits, japanese_outside_marked

pytestmark = pytest.mark.browser

BASE = f"/m/{LG_CODE}/procedures"


@pytest.fixture
def city(municipality: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    from kanmin.core import services as core_services
    from kanmin.procedures import services

    shimin = core_services.department_create(
        municipality=municipality,
        actor=None,
        code="shimin",
        name_ja="市民課",
        name_en="Citizens Division",
    )
    kodomo = core_services.department_create(
        municipality=municipality, actor=None, code="kodomo", name_ja="こども課", sort_order=10
    )
    services.procedure_create(
        municipality=municipality,
        actor=None,
        code="juminhyo",
        name_ja="住民票の写し交付請求",
        name_en="Copy of the resident record",
        department=shimin,
        fee_yen=300,
        fee_note="1通につき",
        legal_basis="住民基本台帳法第12条",
        documents="本人確認書類（マイナンバーカード、運転免許証など）\n委任状（代理人が請求する場合）",
        channels=["counter", "post"],
    )
    services.procedure_create(
        municipality=municipality,
        actor=None,
        code="jido-teate",
        name_ja="児童手当 認定請求",
        department=kodomo,
        description_ja="高校生年代までの子どもを養育している人が児童手当を受けるための請求です。",
        legal_basis="児童手当法第7条",
        documents="請求者名義の振込先口座がわかるもの",
        channels=["online", "counter", "post"],
        is_online=True,
        online_url="https://example.jp/teate",
    )
    return {"manager": make_user("tetsuzuki", "procedures_manager", municipality)}


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


def test_public_list_on_a_phone(
    city: dict[str, Any], new_page: Callable[..., Page], axe: AxeCheck
) -> None:
    page = new_page(width=360, height=740)
    page.goto(BASE + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("手続一覧")
    assert_fits(page)
    axe(page)
    # The documents open from the keyboard, without JavaScript's help.
    summary = page.locator("#procedure-juminhyo summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#procedure-juminhyo details ul")).to_be_visible()
    axe(page)
    # Search by name.
    page.get_by_label("名前で探す").fill("住民票")
    page.get_by_role("button", name="検索").click()
    expect(page.locator(".procedure-card")).to_have_count(1)
    assert_fits(page)
    axe(page)
    # Only the ones that can be completed online, with their apply link.
    page.goto(BASE + "/?online=1")
    expect(page.locator(".procedure-card")).to_have_count(1)
    apply = page.locator(".procedure-card .apply a")
    expect(apply).to_have_count(1)
    expect(apply).to_have_attribute("href", "https://example.jp/teate")
    page.get_by_role("link", name="児童手当 認定請求", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("児童手当 認定請求")
    assert_fits(page)
    axe(page)


def test_public_pages_in_english(
    city: dict[str, Any], new_page: Callable[..., Page], axe: AxeCheck
) -> None:
    page = new_page(locale="en-US", width=360, height=740)
    page.goto(BASE + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Procedures")
    assert japanese_outside_marked(page) == []
    assert_fits(page)
    axe(page)
    page.get_by_label("Department").select_option("kodomo")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".procedure-card")).to_have_count(1)
    assert japanese_outside_marked(page) == []
    axe(page)
    page.goto(BASE + "/juminhyo/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Copy of the resident record")
    assert japanese_outside_marked(page) == []
    axe(page)


def test_staff_list_and_form(
    city: dict[str, Any], new_page: Callable[..., Page], live_server: Any, axe: AxeCheck
) -> None:
    page = _signed_in(new_page, live_server, city["manager"], width=360, height=740)
    page.goto(BASE + "/staff/catalog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("手続一覧の管理")
    assert_fits(page)
    axe(page)
    page.get_by_role("link", name="住民票の写し交付請求").click()
    page.get_by_label("手数料（円）").fill("-5")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_fits(page)
    axe(page)
