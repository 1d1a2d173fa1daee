"""The auditor's audit log page in a real browser: the municipality's sign-ins and failed
sign-ins, a filter by kind, the CSV download; axe and 360 px in both languages (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, assert_fits, ja
from .test_staff_sign_in import LOGIN, sign_in

pytestmark = pytest.mark.browser

AUDIT = f"/m/{LG_CODE}/staff/audit/"


def test_the_auditor_reviews_and_downloads_the_log(
    new_page: Callable[..., Page],
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
) -> None:
    make_user("steward", "data_steward", municipality)
    make_user("kansa", "auditor", municipality)
    page = new_page(width=360, height=740)
    page.goto(LOGIN)
    sign_in(page, "steward", "not-the-password")
    sign_in(page, "kansa", password_of("kansa"))

    page.goto(AUDIT)
    expect(page.get_by_role("heading", level=1)).to_contain_text("監査ログ")
    table = page.get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="ログインを拒否しました")).to_have_count(1)
    expect(table.get_by_role("row").filter(has_text="ログインしました")).to_have_count(1)
    assert_fits(page)
    axe(page)

    page.get_by_label(ja("Kind")).select_option(label="ログイン失敗")
    page.get_by_role("button", name="表示", exact=True).click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # the header and the failed sign-in
    expect(rows.nth(1)).to_contain_text("入力されたユーザー名：steward")
    expect(rows.nth(1)).to_contain_text("ユーザー名またはパスワードの誤り")
    axe(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="表示中の記録をCSVでダウンロード").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"{LG_CODE}_audit_log_")
    body = open(download.path(), encoding="utf-8-sig").read()
    assert "accounts.sign_in.failed" in body and "accounts.sign_in," not in body

    # The download itself is the newest entry.
    page.goto(AUDIT)
    first_row = page.get_by_role("table").get_by_role("row").nth(1)
    expect(first_row).to_contain_text("監査ログをCSVで書き出しました")


def test_the_page_fits_a_phone_in_english(
    new_page: Callable[..., Page],
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
) -> None:
    make_user("auditor", "auditor", municipality)
    page = new_page(locale="en-US", width=360, height=740)
    page.goto(LOGIN)
    page.get_by_label("User name").fill("auditor")
    page.get_by_label("Password").fill(password_of("auditor"))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(AUDIT)
    expect(page.get_by_role("heading", level=1)).to_contain_text("audit log")
    expect(page.get_by_role("table")).to_contain_text("Signed in")
    assert_fits(page)
    axe(page)


def test_a_steward_is_refused(page: Page, municipality: Any, make_user: Callable[..., Any]) -> None:
    make_user("steward", "data_steward", municipality)
    page.goto(LOGIN)
    sign_in(page, "steward", password_of("steward"))
    response = page.goto(AUDIT)
    assert response is not None and response.status == 403
