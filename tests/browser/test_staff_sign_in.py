"""Staff sign-in and the staff page of a municipality, in a real browser, with axe on each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, ja

pytestmark = pytest.mark.browser

LOGIN = "/accounts/login/"


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_label(ja("User name")).fill(username)
    page.get_by_label(ja("Password")).fill(password)
    page.get_by_role("button", name=ja("Sign in"), exact=True).click()


def test_admin_signs_in_and_adds_a_department(
    page: Page,
    live_server: Any,
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
) -> None:
    make_user("sato", "municipality_admin", municipality)

    page.goto(LOGIN)
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Staff sign-in"))
    axe(page)

    sign_in(page, "sato", password_of("sato"))
    expect(page).to_have_url(f"{live_server.url}/accounts/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("My account"))
    expect(page.get_by_role("link", name="都城市")).to_be_visible()
    axe(page)

    page.goto(f"/m/{LG_CODE}/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("都城市")
    expect(page.get_by_text(ja("No departments yet."))).to_be_visible()
    axe(page)

    page.get_by_label(ja("Code")).fill("jouhou-seisaku")
    page.get_by_label(ja("Name (Japanese)")).fill("情報政策課")
    page.get_by_label(ja("Name (English)")).fill("Information Policy Division")
    page.get_by_role("button", name=ja("Add"), exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/m/{LG_CODE}/staff/")
    table = page.get_by_role("table", name=ja("Departments"))
    row = table.get_by_role("row").filter(has_text="jouhou-seisaku")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text("情報政策課")
    axe(page)


def test_bad_department_code_is_explained_next_to_the_field(
    page: Page, municipality: Any, make_user: Callable[..., Any], axe: AxeCheck
) -> None:
    make_user("suzuki", "municipality_admin", municipality)
    page.goto(LOGIN)
    sign_in(page, "suzuki", password_of("suzuki"))
    page.goto(f"/m/{LG_CODE}/staff/")

    code = page.get_by_label(ja("Code"))
    code.fill("情報 政策")
    page.get_by_role("button", name=ja("Add"), exact=True).click()

    code = page.get_by_label(ja("Code"))
    expect(code).to_have_attribute("aria-invalid", "true")
    described_by = code.get_attribute("aria-describedby") or ""
    errors = [page.locator(f"[id='{i}']") for i in described_by.split() if i.endswith("_error")]
    assert errors, f"the code field points at no error message: {described_by!r}"
    expect(errors[0]).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page).to_have_title(re.compile("^" + re.escape(ja("Error:"))))
    axe(page)

    # The summary at the top links to the field, and following the link focuses it.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(ja("Please check the following:"))
    summary.get_by_role("link", name=re.compile(re.escape(ja("Code")))).click()
    expect(code).to_be_focused()


def test_wrong_password_shows_an_error(
    page: Page, municipality: Any, make_user: Callable[..., Any], axe: AxeCheck
) -> None:
    make_user("takahashi", "municipality_admin", municipality)
    page.goto(LOGIN)
    sign_in(page, "takahashi", "not-the-password")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(ja("The user name or the password is wrong."))
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Staff sign-in"))
    expect(page.get_by_role("link", name=ja("My account"))).to_have_count(0)
    axe(page)
