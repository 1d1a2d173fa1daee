"""The DataStore previews in a real browser (issue 17): an English visitor on a 360 px phone
sorts, searches, filters and pages the table with the keyboard, builds a chart, opens its embed
page, and another site frames the embed page (and cannot frame the resource page); axe on every
page."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from kanmin.catalog.tests.helpers import run_queued_tasks

from .helpers import LG_CODE, AxeCheck, assert_fits, ja, japanese_outside_marked

pytestmark = pytest.mark.browser

DISTRICTS = ("山之口", "高城", "山田", "高崎", "都城")


@contextmanager
def other_site(html: str) -> Iterator[str]:
    """Another site (another origin: 127.0.0.1 and its own port) serving one page."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def town_rows() -> list[tuple[str, str, int, int, str]]:
    return [
        (
            f"{DISTRICTS[i % 5]}町{i}番",
            DISTRICTS[i % 5],
            (i * 37) % 1000 + i,
            i * 3,
            "市の中心部から離れた地区で、高齢者の割合が高い",
        )
        for i in range(1, 61)
    ]


@pytest.fixture
def towns(municipality: Any) -> str:
    """A published CP932 CSV of 60 towns, checked and loaded into the DataStore; its page's
    path."""
    from kanmin.catalog import services
    from kanmin.catalog.models import DatastoreStatus, DatastoreTable

    org = services.organization_create(
        municipality=municipality, actor=None, name="johoseisaku", title_ja="情報政策課"
    )
    dataset = services.dataset_create(
        municipality=municipality,
        actor=None,
        organization=org,
        name="towns",
        title_ja="町別人口",
        state="published",
    )
    lines = ["町名,地区,人口,世帯数,備考"] + [",".join(map(str, r)) for r in town_rows()]
    resource = services.resource_create(
        municipality=municipality,
        actor=None,
        dataset=dataset,
        name="町別人口",
        upload=SimpleUploadedFile("towns.csv", ("\r\n".join(lines) + "\r\n").encode("cp932")),
    )
    run_queued_tasks()  # the check
    run_queued_tasks()  # the DataStore load it queues
    assert DatastoreTable.all_tenants.get(resource=resource).status == DatastoreStatus.DONE
    return f"/m/{LG_CODE}/catalog/dataset/towns/resource/{resource.pk}/"


def check_page(page: Page, axe: AxeCheck) -> None:
    """What every page here must pass: axe, 360 px, and no unmarked Japanese in English."""
    axe(page)
    assert_fits(page)
    assert japanese_outside_marked(page) == []


def expect_count(page: Page, start: str) -> None:
    """Waits for the page (reloaded by a link or a form) to show this count."""
    expect(page.locator("#preview-count")).to_have_text(re.compile("^" + re.escape(start)))


def column(page: Page, index: int) -> list[str]:
    return page.locator(f".preview-table tbody tr td:nth-child({index})").all_inner_texts()


def test_an_english_visitor_on_a_phone_uses_the_table_with_the_keyboard(
    new_page: Callable[..., Page], towns: str, axe: AxeCheck
) -> None:
    page = new_page(locale="en-US", width=360, height=740)
    page.goto(towns)
    expect(page.get_by_role("heading", level=2, name="Preview of the table")).to_be_visible()
    expect_count(page, "Rows 1–25 of 60")
    assert column(page, 1)[0] == "高城町1番"
    check_page(page, axe)

    # The wide table scrolls inside its own region, which the keyboard reaches and scrolls.
    region = page.get_by_role("region", name=re.compile("町別人口"))
    region.focus()
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())  # smooth

    # Sort by population with the keyboard: ascending, then descending.
    populations = sorted(r[2] for r in town_rows())
    sort_link = page.get_by_role("link", name="人口 (sort ascending)")
    sort_link.focus()
    page.keyboard.press("Enter")
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("人口")
    assert [int(v) for v in column(page, 3)] == populations[:25]
    page.get_by_role("link", name="人口 (sort descending)").focus()
    page.keyboard.press("Enter")
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("人口")
    assert [int(v) for v in column(page, 3)] == populations[::-1][:25]
    check_page(page, axe)

    # Page on, keeping the sort.
    page.get_by_role("link", name="Next page →").click()
    expect_count(page, "Rows 26–50 of 60")
    assert [int(v) for v in column(page, 3)] == populations[::-1][25:50]
    expect(page.get_by_text("Page 2 of 3", exact=True)).to_be_visible()
    page.get_by_role("link", name="Next page →").click()
    expect_count(page, "Rows 51–60 of 60")
    page.get_by_role("link", name="← Previous page").click()
    expect_count(page, "Rows 26–50 of 60")

    # Search for a Japanese substring, typed and submitted with Enter.
    search = page.get_by_label("Search the rows")
    search.focus()
    page.keyboard.type("山之口")
    page.keyboard.press("Enter")
    expect_count(page, "Rows 1–12 of 12")
    assert set(column(page, 2)) == {"山之口"}
    check_page(page, axe)

    # One column's value, with 50 rows a page.
    page.get_by_label("Search the rows").fill("")
    page.get_by_label("Column", exact=True).select_option("地区")
    page.get_by_label("Value", exact=True).fill("高城")
    page.get_by_label("Rows per page").select_option("50")
    page.get_by_role("button", name="Show the rows").click()
    expect_count(page, "Rows 1–12 of 12")
    assert set(column(page, 2)) == {"高城"}
    # A second value for the same column: rows holding either; then a filter on another
    # column narrows them; each can be removed alone.
    page.get_by_label("Column of another filter").select_option("地区")
    page.get_by_label("Value", exact=True).fill("山田")
    page.get_by_role("button", name="Show the rows").click()
    expect_count(page, "Rows 1–24 of 24")
    assert set(column(page, 2)) == {"高城", "山田"}
    expect(page.get_by_label("Value of filter 2")).to_have_value("山田")
    check_page(page, axe)
    download = page.get_by_role("link", name="Download the 24 matching rows (CSV)")
    lines = page.request.get(download.get_attribute("href") or "").text().splitlines()
    assert len(lines) == 25 and lines[0].lstrip("\ufeff").split(",")[1] == "地区"
    page.get_by_role("link", name="Remove filter 1").click()
    expect_count(page, "Rows 1–12 of 12")
    assert set(column(page, 2)) == {"山田"}
    # A range on a number column: at least 500 people.
    page.get_by_label("Column of another filter").select_option("人口")
    page.get_by_label("Condition", exact=True).select_option("gte")
    page.get_by_label("Value", exact=True).fill("500")
    page.get_by_role("button", name="Show the rows").click()
    expect(page.get_by_label("Condition of filter 2")).to_have_value("gte")
    populations = [int(v) for v in column(page, 3)]
    assert populations and min(populations) >= 500
    check_page(page, axe)
    page.get_by_role("link", name="Show all rows").click()
    expect_count(page, "Rows 1–25 of 60")
    # Part of one column's value: 町名 holding 町1 (町1番, 町10番 … 町19番).
    page.get_by_label("Column", exact=True).select_option("町名")
    page.get_by_label("Condition", exact=True).select_option("contains")
    page.get_by_label("Value", exact=True).fill("町1")
    page.get_by_role("button", name="Show the rows").click()
    expect_count(page, "Rows 1–11 of 11")
    assert all("町1" in name for name in column(page, 1))
    expect(page.get_by_label("Condition of filter 1")).to_have_value("contains")
    check_page(page, axe)
    page.get_by_role("link", name="Show all rows").click()
    expect_count(page, "Rows 1–25 of 60")

    # A bad value says what is wrong; the table still shows.
    page.goto(towns + "?column=人口&value=many")
    expect(page.get_by_role("alert")).to_contain_text("is not of its type (int)")
    expect_count(page, "Rows 1–25 of 60")
    check_page(page, axe)

    # The same rows through the API.
    api = page.get_by_role("link", name="API call (JSON)").get_attribute("href") or ""
    answer = page.request.get(api).json()
    assert answer["success"] and answer["result"]["total"] == 60


def test_an_english_visitor_on_a_phone_builds_a_chart_and_embeds_it(
    new_page: Callable[..., Page], towns: str, axe: AxeCheck, live_server: Any
) -> None:
    page = new_page(locale="en-US", width=360, height=740)
    page.goto(towns)
    chart = page.get_by_role("region", name="Chart")
    chart.get_by_label("Chart type").select_option("bar")
    chart.get_by_label("X axis (categories)").select_option("地区")
    chart.get_by_label("Y axis (a number column)").select_option("人口")
    chart.get_by_label("Combine the rows of each category").select_option("sum")
    chart.get_by_role("button", name="Draw the chart").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Chart of 町別人口")
    image = page.get_by_role("img", name="Bar chart")
    expect(image).to_have_accessible_description(re.compile(r"^Bar chart of sum of 人口 by 地区"))
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    sums: dict[str, int] = {}
    for _name, district, population, _households, _note in town_rows():
        sums[district] = sums.get(district, 0) + population
    expected = [f"{v:,}" for v in sorted(sums.values(), reverse=True)]
    figures = page.get_by_role("region", name="The chart's figures")
    assert figures.locator("tbody td").all_inner_texts() == expected
    check_page(page, axe)

    # Everything is in the address: a line of means is one change of the form away.
    page.get_by_label("Chart type").select_option("line")
    page.get_by_label("Combine the rows of each category").select_option("mean")
    page.get_by_role("button", name="Draw the chart").click()
    assert "kind=line" in page.url and "agg=mean" in page.url
    expect(page.get_by_role("img", name="Line chart")).to_be_visible()
    assert figures.locator("tbody th").all_inner_texts() == sorted(DISTRICTS)

    # A form that cannot be drawn says why.
    page.get_by_label("Y axis (a number column)").select_option("")
    page.get_by_label("Combine the rows of each category").select_option("sum")
    page.get_by_role("button", name="Draw the chart").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a number column for the y axis")
    check_page(page, axe)
    page.get_by_label("Combine the rows of each category").select_option("count")
    page.get_by_role("button", name="Draw the chart").click()
    expect(page.get_by_role("img", name="Line chart")).to_be_visible()

    # The embed code and the embed page.
    code = page.get_by_label("Code to embed this chart in another site").input_value()
    embed_url = re.search(r'<iframe src="([^"]+)"', code).group(1)  # type: ignore[union-attr]
    assert embed_url.startswith(live_server.url) and "/chart/embed/?" in embed_url
    page.get_by_role("link", name="The chart on its own, as other sites embed it").click()
    expect(page.get_by_role("img", name="Line chart")).to_be_visible()
    assert page.get_by_role("link", name=re.compile("町別人口")).count() == 1
    check_page(page, axe)

    # Another site frames the embed page; the resource page refuses to be framed.
    html = (
        f'<!DOCTYPE html><html lang="en"><title>Other site</title><body>'
        f'<iframe id="embed" title="chart" src="{embed_url.replace("&", "&amp;")}"></iframe>'
        f'<iframe id="page" title="page" src="{live_server.url}{towns}"></iframe></body></html>'
    )
    other = new_page(locale="en-US")
    with other_site(html) as url:
        other.goto(url)
        embedded = other.frame_locator("#embed")
        expect(embedded.get_by_role("img", name="Line chart")).to_be_visible()
        refused = other.frame_locator("#page")
        expect(refused.get_by_role("heading", name="Preview of the table")).to_have_count(0)
        frames = [f.url for f in other.frames]
        assert sum(url.startswith("chrome-error://") for url in frames) == 1, frames


def test_a_japanese_visitor_sees_the_previews_in_japanese(
    new_page: Callable[..., Page], towns: str, axe: AxeCheck
) -> None:
    page = new_page(locale="ja-JP")
    page.goto(towns)
    expect(page.get_by_role("heading", level=2, name=ja("Preview of the table"))).to_be_visible()
    expect_count(page, "60 行中 1～25 行目")
    page.get_by_role("link", name=ja("Next page →")).click()
    expect_count(page, "60 行中 26～50 行目")
    axe(page)
    page.get_by_role("button", name=ja("Draw the chart")).click()
    expect(page.get_by_role("img", name=ja("Bar chart"))).to_be_visible()
    axe(page)
