"""The ICT governance register in a real browser: the list, a system, the forms, the dashboard
and the specifications' lists at 360 px, in Japanese and English, with axe (issue 19)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, assert_fits, japanese_outside_marked
from .test_staff_sign_in import LOGIN, sign_in

pytestmark = pytest.mark.browser

SYSTEMS = f"/m/{LG_CODE}/governance/systems/"


@pytest.fixture
def register_rows(municipality: Any) -> None:
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
        vendor="株式会社サンプル情報システムズ",
        businesses=["resident_register", "seal_registration", "family_register_annex"],
        hosting="government_cloud",
        network_segment="my_number",
        classification="3",
        standard_compliant=True,
        applic_compliant=True,
    )


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_register_fits_a_phone(
    new_page: Callable[..., Page],
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    register_rows: None,
    locale: str,
) -> None:
    make_user("johoseisaku", "ict_governance", municipality)
    page = new_page(locale=locale, width=360, height=740)
    page.goto(LOGIN)
    if locale.startswith("en"):
        page.get_by_label("User name").fill("johoseisaku")
        page.get_by_label("Password").fill(password_of("johoseisaku"))
        page.get_by_role("button", name="Sign in", exact=True).click()
    else:
        sign_in(page, "johoseisaku", password_of("johoseisaku"))
    governance = f"/m/{LG_CODE}/governance/"
    for path in (
        SYSTEMS,
        SYSTEMS + "SYS-001/",
        SYSTEMS + "SYS-001/edit/",
        SYSTEMS + "import/",
        governance + "dashboard/",
        governance + "spec-lists/",
        governance + "spec-lists/new/",
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_fits(page)
        axe(page)
        if locale.startswith("en"):
            # Names people gave (the system's, the vendor's) are data, marked lang="ja".
            found = japanese_outside_marked(page)
            assert found == [], (page.url, found)
