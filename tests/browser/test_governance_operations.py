"""Audits, incidents and trainings of the register in a real browser, on a phone (360 px): the
information policy division records an audit with a finding, an incident with two steps of its
timeline, and a training session; every page it passes through fits, has no axe-core (WCAG
A/AA) violation and, in English, no Japanese left unmarked (issue 19)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, assert_fits, ja, japanese_outside_marked
from .test_staff_sign_in import LOGIN, sign_in

pytestmark = pytest.mark.browser

GOVERNANCE = f"/m/{LG_CODE}/governance/"


@pytest.fixture
def register(municipality: Any) -> None:
    from kanmin.core import services as core_services
    from kanmin.governance import services

    shimin = core_services.department_create(
        municipality=municipality, actor=None, code="shimin", name_ja="市民課"
    )
    services.system_create(
        municipality=municipality,
        actor=None,
        code="SYS-001",
        name="住民記録システム（長い名前の住民基本台帳・印鑑登録システム）",
        department=shimin,
        network_segment="my_number",
        classification="3",
    )


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_division_records_an_audit_an_incident_and_a_training(
    new_page: Callable[..., Page],
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    register: None,
    locale: str,
) -> None:
    make_user("johoseisaku", "ict_governance", municipality)
    english = locale.startswith("en")

    def t(msgid: str) -> str:
        return msgid if english else ja(msgid)

    page = new_page(locale=locale, width=360, height=740)
    page.goto(LOGIN)
    if english:
        page.get_by_label("User name").fill("johoseisaku")
        page.get_by_label("Password").fill(password_of("johoseisaku"))
        page.get_by_role("button", name="Sign in", exact=True).click()
    else:
        sign_in(page, "johoseisaku", password_of("johoseisaku"))

    def check(heading: str | None = None) -> None:
        if heading is not None:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        else:
            expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_fits(page)
        axe(page)
        if english:
            assert japanese_outside_marked(page) == [], page.url

    # From the register, to the audits.
    page.goto(GOVERNANCE + "systems/")
    page.get_by_role("link", name=t("Audits and self-checks")).first.click()
    check(t("Audits and self-checks"))
    page.get_by_role("link", name=t("Record an audit or self-check")).click()
    check(t("Record an audit or self-check"))
    page.locator("#id_kind").select_option("audit")
    page.locator("#id_title").fill("令和7年度 情報セキュリティ外部監査")
    page.locator("#id_planned_on").fill("2025-10-01")
    page.locator("#id_conducted_on").fill("2025-10-15")
    page.locator("#id_auditor").fill("架空監査法人")
    page.get_by_label("SYS-001").check()
    page.get_by_role("button", name=t("Record"), exact=True).click()
    check("令和7年度 情報セキュリティ外部監査")
    page.locator("#id_system").select_option("SYS-001")
    page.locator("#id_text").fill("管理者アカウントの棚卸しが年1回実施されていない")
    page.locator("#id_severity").select_option("high")
    page.locator("#id_follow_up").fill("棚卸し手順を定める")
    page.locator("#id_due_on").fill("2025-12-31")
    page.get_by_role("button", name=t("Add the finding")).click()
    finding = page.locator("article.finding")
    expect(finding).to_have_count(1)
    # Past its due date and still open: said in words, and marked.
    expect(finding).to_have_class("finding finding-overdue")
    expect(finding.get_by_text("⚠")).to_be_visible()
    check()
    page.goto(GOVERNANCE + "audits/")
    expect(page.get_by_text("⚠")).to_be_visible()
    check()

    # An incident with two steps of its timeline.
    page.goto(GOVERNANCE + "systems/")
    page.get_by_role("link", name=t("Incidents")).first.click()
    check(t("Incidents"))
    page.get_by_role("link", name=t("Record an incident")).click()
    check(t("Record an incident"))
    page.locator("#id_title").fill("不審メールの開封")
    page.locator("#id_severity").select_option("medium")
    page.locator("#id_opened_at").fill("2025-06-01T08:30")
    page.locator("#id_summary").fill("職員が添付ファイルを開いた")
    page.get_by_label("SYS-001").check()
    page.get_by_role("button", name=t("Record"), exact=True).click()
    check("不審メールの開封")
    for time, what in (("2025-06-01T09:00", "端末を隔離"), ("2025-06-01T11:15", "ログを保全")):
        page.locator("#id_occurred_at").fill(time)
        page.locator("#id_what").fill(what)
        page.get_by_role("button", name=t("Add to the timeline")).click()
        expect(page.locator("ol.timeline")).to_contain_text(what)
    # The opening and the two steps, in time order.
    expect(page.locator("ol.timeline > li")).to_have_count(3)
    expect(page.locator("ol.timeline > li").last).to_contain_text("ログを保全")
    check()

    # A training session.
    page.goto(GOVERNANCE + "systems/")
    page.get_by_role("link", name=t("Trainings and exercises")).first.click()
    check(t("Trainings and exercises"))
    page.get_by_role("link", name=t("Record a training or exercise")).click()
    check(t("Record a training or exercise"))
    page.locator("#id_title").fill("全職員 情報セキュリティ研修（e-ラーニング）")
    page.locator("#id_kind").select_option("training")
    page.locator("#id_audience").select_option("staff")
    page.locator("#id_topic").select_option("security")
    page.locator("#id_held_on").fill("2025-07-01")
    page.locator("#id_attendees_count").fill("1480")
    page.locator("#id_required_count").fill("1725")
    page.get_by_role("button", name=t("Record"), exact=True).click()
    check("全職員 情報セキュリティ研修（e-ラーニング）")
    expect(page.get_by_text("85.8%")).to_be_visible()
    page.goto(GOVERNANCE + "trainings/?fiscal_year=2025")
    expect(
        page.get_by_role("link", name="全職員 情報セキュリティ研修（e-ラーニング）")
    ).to_be_visible()
    check()
