"""Signing in with wrong passwords, in a real browser: a warning while attempts are left, and
when locked, for how long and until when — from django-axes's settings (issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import AxeCheck, assert_fits, ja
from .test_staff_sign_in import LOGIN, sign_in

pytestmark = pytest.mark.browser


def test_the_page_warns_before_locking_and_says_how_long(
    new_page: Callable[..., Page],
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
) -> None:
    make_user("tanaka", "data_steward", municipality)
    limit = settings.AXES_FAILURE_LIMIT
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    page = new_page(width=360, height=740)
    page.goto(LOGIN)

    for attempt in range(1, limit - 2):
        sign_in(page, "tanaka", f"wrong-{attempt}")
        expect(page.get_by_role("alert")).to_contain_text(
            ja("The user name or the password is wrong.")
        )
        expect(page.get_by_role("alert")).not_to_contain_text("あと")

    sign_in(page, "tanaka", "wrong-again")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"あと2回失敗すると、{minutes}分間ログインできなくなります。")
    assert_fits(page)
    axe(page)

    sign_in(page, "tanaka", "wrong-again")
    expect(page.get_by_role("alert")).to_contain_text("あと1回")

    sign_in(page, "tanaka", "wrong-last")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"{minutes}分間ログインできません")
    expect(alert).to_contain_text(f"{minutes}分後")
    expect(alert).to_contain_text("管理者に解除を依頼")
    expect(page.get_by_label(ja("User name"))).to_have_value("tanaka")
    assert_fits(page)
    axe(page)

    # Even the right password is refused now, with the same explanation.
    sign_in(page, "tanaka", password_of("tanaka"))
    expect(page.get_by_role("alert")).to_contain_text(f"{minutes}分間ログインできません")
    expect(page.get_by_role("link", name=ja("My account"))).to_have_count(0)


def test_in_english_the_wait_is_given_in_minutes(
    new_page: Callable[..., Page], municipality: Any, make_user: Callable[..., Any]
) -> None:
    make_user("smith", "data_steward", municipality)
    page = new_page(locale="en-US", width=360, height=740)
    page.goto(LOGIN)
    for attempt in range(3):
        sign_in_en(page, "smith", f"wrong-{attempt}")
    expect(page.get_by_role("alert")).to_contain_text("2 attempts left")
    for attempt in range(2):
        sign_in_en(page, "smith", f"wrong-more-{attempt}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("locked for 15 minutes")
    expect(alert).to_contain_text("Try again in 15 minutes")
    assert_fits(page)


def sign_in_en(page: Page, username: str, password: str) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
