"""The register's vulnerabilities in a real browser: the list at 360 px, an overdue one said in
words, then one vulnerability, the record form and the scanner import, each with axe (issue 19)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, assert_fits, ja, japanese_outside_marked
from .test_staff_sign_in import LOGIN, sign_in

pytestmark = pytest.mark.browser

VULNERABILITIES = f"/m/{LG_CODE}/governance/vulnerabilities/"


@pytest.fixture
def findings(municipality: Any) -> None:
    from django.utils import timezone

    from kanmin.core import services as core_services
    from kanmin.governance import services

    shimin = core_services.department_create(
        municipality=municipality, actor=None, code="shimin", name_ja="市民課"
    )
    system = services.system_create(
        municipality=municipality,
        actor=None,
        code="SYS-001",
        name="住民記録システム（長い名前の住民基本台帳・印鑑登録システム）",
        department=shimin,
        network_segment="my_number",
        classification="3",
    )
    today = timezone.localdate()
    for identifier, severity, days_ago, fixed in (
        ("CVE-2024-3094", "critical", 20, None),
        ("CVE-2024-6387", "high", 3, None),
        ("SCANNER-PLUGIN-0000001234567", "low", 200, 10),
    ):
        services.vulnerability_record(
            municipality=municipality,
            actor=None,
            system=system,
            identifier=identifier,
            severity=severity,
            found_on=today - dt.timedelta(days=days_ago),
            title="長い名称の脆弱性：リモートから任意のコードが実行される可能性",
            fixed_on=today - dt.timedelta(days=fixed) if fixed else None,
        )


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_vulnerability_list_fits_a_phone(
    new_page: Callable[..., Page],
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    findings: None,
    locale: str,
) -> None:
    make_user("johoseisaku", "ict_governance", municipality)
    page = new_page(locale=locale, width=360, height=740)
    page.goto(LOGIN)
    english = locale.startswith("en")
    if english:
        page.get_by_label("User name").fill("johoseisaku")
        page.get_by_label("Password").fill(password_of("johoseisaku"))
        page.get_by_role("button", name="Sign in", exact=True).click()
    else:
        sign_in(page, "johoseisaku", password_of("johoseisaku"))
    page.goto(VULNERABILITIES)
    heading = "Vulnerabilities" if english else ja("Vulnerabilities")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    overdue = "⚠ Overdue by 13 days" if english else "⚠ 期限超過 13日"
    expect(page.get_by_text(overdue)).to_be_visible()
    # The one overdue row and only it is marked as such.
    expect(page.locator("tr.vuln-overdue")).to_have_count(1)
    assert_fits(page)
    axe(page)
    if english:
        assert japanese_outside_marked(page) == []
    # The pages it leads to: one vulnerability, recording one, the scanner import.
    page.get_by_role("link", name="CVE-2024-3094").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CVE-2024-3094")
    for path in ("", VULNERABILITIES + "new/", VULNERABILITIES + "import/"):
        if path:
            page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_fits(page)
        axe(page)
        if english:
            assert japanese_outside_marked(page) == [], page.url
