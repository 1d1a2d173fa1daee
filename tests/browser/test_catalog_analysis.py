# ruff: noqa: S608  (the statements under test are built with resource ids on purpose)
"""Issue 17, cross-dataset analysis for staff (EBPM), in a real browser at 360 px: a steward
signs in, runs a query over two tables (one of them private), builds one with the keyboard,
saves it as a view and publishes it as a derived dataset whose page shows its provenance;
axe finds nothing on any of these pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, assert_fits, ja

pytestmark = pytest.mark.browser

TOWNS = "町名,人口\r\n山之口町,1200\r\n本町一丁目,980\r\n高崎町,3000\r\n"
FACILITIES = (
    "施設名,町名\r\n山之口体育館,山之口町\r\n山之口図書館,山之口町\r\n高崎公民館,高崎町\r\n"
)


def _run_tasks() -> None:
    """The checks, then the loads (and refreshes) they queue, as the worker would."""
    from django_tasks_db.models import DBTaskResult

    from kanmin.catalog.tests.helpers import run_queued_tasks

    for _round in range(6):
        if not DBTaskResult.objects.ready().exists():
            return
        run_queued_tasks()


def _tables(municipality: Any) -> tuple[Any, Any, Any]:
    from kanmin.catalog import services

    org = services.organization_create(
        municipality=municipality, actor=None, name="johoseisaku", title_ja="情報政策課"
    )
    made = []
    for name, title, text, state in (
        ("towns", "町丁目別人口", TOWNS, "published"),
        ("facilities", "公共施設一覧", FACILITIES, "private"),
    ):
        dataset = services.dataset_create(
            municipality=municipality,
            actor=None,
            organization=org,
            name=name,
            title_ja=title,
            state=state,
        )
        made.append(
            services.resource_create(
                municipality=municipality,
                actor=None,
                dataset=dataset,
                upload=SimpleUploadedFile(f"{name}.csv", text.encode("cp932")),
            )
        )
    _run_tasks()
    return org, made[0], made[1]


def test_staff_query_two_tables_save_a_view_and_publish_it(
    new_page: Callable[..., Page],
    live_server: Any,
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
) -> None:
    from kanmin.catalog.models import SavedView

    make_user("suzuki", "data_steward", municipality)
    org, towns, facilities = _tables(municipality)

    page = new_page(width=360, height=740)
    page.goto("/accounts/login/")
    page.get_by_label(ja("User name")).fill("suzuki")
    page.get_by_label(ja("Password")).fill(password_of("suzuki"))
    page.get_by_role("button", name=ja("Sign in"), exact=True).click()
    expect(page.locator("h1")).to_be_visible()

    page.goto(f"/m/{LG_CODE}/catalog/analysis/")
    expect(page.locator("h1")).to_have_text(ja("Cross-dataset analysis"))
    tables = page.locator(".analysis-tables")
    expect(tables).to_contain_text(f'"{towns.pk}"')
    expect(tables).to_contain_text(f'"{facilities.pk}"')  # private: its staff analyse it
    assert_fits(page)
    axe(page)

    # A query over two tables, charted.
    sql = (
        f'SELECT t."町名", count(f."施設名") AS "施設数" FROM "{towns.pk}" t '
        f'LEFT JOIN "{facilities.pk}" f ON f."町名" = t."町名" GROUP BY t."町名" ORDER BY t."町名"'
    )
    page.get_by_label(ja("Query (SQL)")).fill(sql)
    page.get_by_label(ja("Chart"), exact=True).select_option("bar")
    page.get_by_label(ja("Labels (x axis)")).fill("町名")
    page.get_by_label(ja("Values (y axis)")).fill("施設数")
    page.get_by_role("button", name=ja("Run the query")).click()
    result = page.locator(".analysis-result .result-table")
    expect(result.locator("tbody tr")).to_have_count(3)
    expect(result).to_contain_text("山之口町")
    expect(page.locator(".analysis-chart img")).to_be_visible()
    # The catalog's one chart: its words and its figures as a table.
    expect(page.locator(".analysis-chart figcaption")).to_contain_text("施設数")
    expect(page.locator(".analysis-chart .chart-figures tbody tr")).to_have_count(3)
    assert_fits(page)
    axe(page)

    # A refused query says why and keeps the text typed.
    page.get_by_label(ja("Query (SQL)")).fill("SELECT * FROM read_csv('/etc/passwd')")
    page.get_by_role("button", name=ja("Run the query")).click()
    expect(page.locator(".error-summary")).to_contain_text("read_csv")
    expect(page.get_by_label(ja("Query (SQL)"))).to_have_value(
        "SELECT * FROM read_csv('/etc/passwd')"
    )
    axe(page)

    # The builder, with the keyboard only: open it, choose, submit.
    summary = page.locator(".analysis-builder summary")
    summary.focus()
    page.keyboard.press("Enter")
    table_select = page.get_by_role(
        "combobox", name=re.compile("^" + re.escape(ja("Table")) + r"\W")
    )
    expect(table_select).to_be_visible()
    table_select.focus()
    table_select.select_option(str(towns.pk))
    page.get_by_role("button", name=ja("Write and run the query")).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".analysis-result .result-table tbody tr")).to_have_count(3)
    expect(page.get_by_label(ja("Query (SQL)"))).to_have_value(
        f'SELECT a.* EXCLUDE ("_id") FROM "{towns.pk}" AS a LIMIT 1000'
    )
    axe(page)

    # Save the two-table query as a named view.
    page.get_by_label(ja("Query (SQL)")).fill(sql)
    page.get_by_label(ja("Name (Japanese)")).fill("町別の施設数")
    page.get_by_role("button", name=ja("Save the view")).click()
    expect(page.locator(".messages")).to_contain_text(ja("The view was saved."))
    expect(page.locator("h1")).to_have_text("町別の施設数")
    expect(page.locator(".analysis-result .result-table tbody tr")).to_have_count(3)
    assert_fits(page)
    axe(page)

    # Publish it as a derived dataset.
    page.get_by_label(ja("Organization")).select_option(str(org.pk))
    page.get_by_label(ja("Name (URL)")).fill("facilities-by-town")
    page.get_by_label(ja("Visibility")).select_option("published")
    page.get_by_role("button", name=ja("Publish"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        ja("The view's result is published as a dataset. Its table is being loaded.")
    )
    view = SavedView.objects.get()
    assert view.derived_resource is not None
    _run_tasks()  # the check and the load of the derived table
    page.get_by_role("link", name=ja("Open the dataset")).click()
    provenance = page.locator(".provenance")
    expect(provenance.get_by_role("heading", name=ja("Provenance"))).to_be_visible()
    # Both sources are linked for staff (the private one too), and the view.
    expect(provenance.get_by_role("link")).to_have_count(3)
    expect(provenance).to_contain_text("町丁目別人口")
    expect(provenance).to_contain_text("公共施設一覧")
    expect(provenance.locator("pre")).to_contain_text("LEFT JOIN")
    assert_fits(page)
    axe(page)
