"""Issue 13, the steward's new pages at 360 px in Japanese and English: the staff home, the
drafts list, the publication choices and the corrected copy's choice fit and pass axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits

pytestmark = pytest.mark.browser


def _signed_in(new_page: Callable[..., Page], live_server: Any, user: Any, locale: str) -> Page:
    client = Client()
    client.force_login(user)
    page = new_page(locale=locale, width=360, height=740)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_stewards_pages_fit_a_phone(
    new_page: Callable[..., Page],
    live_server: Any,
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    locale: str,
) -> None:
    from kanmin.catalog import services
    from kanmin.standards.tests.factories import aed_rows, csv_bytes

    steward = make_user("suzuki", "data_steward", municipality)
    org = services.organization_create(
        municipality=municipality, actor=None, name="kikikanri", title_ja="危機管理課"
    )
    dataset = services.dataset_create(
        municipality=municipality,
        actor=None,
        organization=org,
        name=f"{LG_CODE}_aed",
        title_ja="AED設置箇所一覧",
        standard_dataset="aed",
        state="published",
    )
    header, rows = aed_rows(2)
    rows[0][header.index("緯度")] = "３１．７"
    original = services.resource_create(
        municipality=municipality,
        actor=None,
        dataset=dataset,
        upload=SimpleUploadedFile("aed.csv", csv_bytes(header, rows, encoding="cp932")),
    )
    copy = services.resource_repair(municipality=municipality, actor=steward, resource=original)
    services.dataset_create(
        municipality=municipality, actor=steward, organization=org, name="draft", title_ja="下書き"
    )

    page = _signed_in(new_page, live_server, steward, locale)
    base = f"/m/{LG_CODE}"
    for path in (
        f"{base}/staff/",
        f"{base}/catalog/unpublished/",
        f"{base}/catalog/dataset/{dataset.name}/edit/",
        f"{base}/catalog/dataset/{dataset.name}/resource/{copy.pk}/",
        f"{base}/catalog/",
        "/accounts/",
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert_fits(page)
        axe(page)
