"""The form builder in a real browser: a procedures manager builds a two-page form with a
routing rule, previews it and publishes version 1, by keyboard-usable server-rendered forms.
axe finds nothing on the list, the editor (with and without problems), the question and page
forms, the preview and the publish confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck

pytestmark = pytest.mark.browser

FORMS = f"/m/{LG_CODE}/procedures/staff/forms/"


def _signed_in(new_page: Callable[..., Page], live_server: Any, user: Any) -> Page:
    client = Client()
    client.force_login(user)
    page = new_page()
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


def test_manager_builds_routes_and_publishes_a_form(
    municipality: Any,
    make_user: Callable[..., Any],
    new_page: Callable[..., Page],
    live_server: Any,
    axe: AxeCheck,
) -> None:
    from kanmin.procedures.models import Form
    from kanmin.procedures.tests import factories

    manager = make_user("tetsuzuki", "procedures_manager", municipality)
    factories.procedure(municipality, code="jidou-teate", name_ja="児童手当の認定請求")
    page = _signed_in(new_page, live_server, manager)

    page.goto(FORMS)
    axe(page)
    page.get_by_role("link", name="様式を新しく作る").click()
    page.get_by_label("手続").select_option(label="児童手当の認定請求 (jidou-teate)")
    page.get_by_label("アドレス名").fill("jidou")
    page.get_by_label("名称（日本語）").fill("児童手当 認定請求書")
    page.get_by_role("button", name="様式を作成する").click()

    # The empty form lists its one problem; axe on the editor as a clerk first sees it.
    expect(page.locator("#problems")).to_contain_text("ページがありません")
    axe(page)
    for title in ("はじめに", "お子さん"):
        page.get_by_label("見出し（日本語）").fill(title)
        page.get_by_role("button", name="ページを追加する").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()

    # A choice question on page 1.
    page.locator("#page-page-1").get_by_role("link", name="このページに質問を追加").click()
    page.get_by_label("選択式").check()
    page.get_by_role("button", name="次へ").click()
    axe(page)
    page.get_by_label("質問 ID").fill("children")
    page.get_by_label("質問文（日本語）").fill("お子さんはいますか")
    page.get_by_label("選択肢", exact=True).fill("yes|はい|Yes\nno|いいえ|No")
    page.get_by_role("button", name="質問を追加する").click()

    # A name on page 2.
    page.locator("#page-page-2").get_by_role("link", name="このページに質問を追加").click()
    page.get_by_label("氏名（フリガナ付き）").check()
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("質問文（日本語）").fill("お子さんの氏名")
    page.get_by_role("button", name="質問を追加する").click()

    # Routing: "いいえ" skips page 2.
    page.locator("#page-page-1").get_by_role("link", name="見出しと分岐を編集").click()
    axe(page)
    page.get_by_label("いいえ").check()
    page.get_by_label("進み先").select_option(label="回答の確認（最後）")
    page.get_by_role("button", name="ページを保存する").click()
    expect(page.locator("#page-page-1")).to_contain_text(
        "「お子さんはいますか」の回答が いいえ なら「回答の確認（最後）」へ進む"
    )
    expect(page.locator("#problems")).to_have_count(0)
    axe(page)

    page.get_by_role("link", name="下書きをプレビュー").click()
    expect(page.get_by_role("heading", name="お子さん")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="公開する", exact=True).first.click()
    expect(page.get_by_role("heading", name="第 1 版を公開する")).to_be_visible()
    expect(page.locator(".builder-changes")).to_contain_text("お子さんの氏名")
    axe(page)
    page.get_by_role("button", name="第 1 版を公開する").click()
    expect(page.get_by_role("table")).to_contain_text("1")
    axe(page)

    form = Form.objects.get(slug="jidou")
    assert form.status == "live" and form.live_version.number == 1
    assert form.live_version.definition["pages"][0]["routes"] == [
        {"question": "children", "in": ["no"], "goto": "check"}
    ]
