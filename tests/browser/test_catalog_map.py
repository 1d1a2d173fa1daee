"""The map preview of a resource (issue 17) in a real browser, offline: the demo's AED file on
a phone (360 px) shows clustered markers even though every tile request fails, a place opens
from the keyboard, the list is there with and without script, and axe finds nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from kanmin.catalog.tests.helpers import run_queued_tasks

from .helpers import LG_CODE, AxeCheck, assert_fits, ja, japanese_outside_marked

pytestmark = pytest.mark.browser


@pytest.fixture
def aed(municipality: Any) -> Any:
    from kanmin.catalog import services
    from kanmin.demo import catalog_rows

    org = services.organization_create(
        municipality=municipality, actor=None, name="kenko", title_ja="健康づくり課"
    )
    dataset = services.dataset_create(
        municipality=municipality,
        actor=None,
        organization=org,
        name="aed",
        title_ja="AED設置箇所一覧",
        standard_dataset="aed",
        state="published",
    )
    resource = services.resource_create(
        municipality=municipality,
        actor=None,
        dataset=dataset,
        name="AED設置箇所一覧",
        upload=SimpleUploadedFile(
            "452025_aed.csv", catalog_rows.standard_csv("aed", catalog_rows.aed_rows())
        ),
    )
    run_queued_tasks()  # the check
    run_queued_tasks()  # the DataStore load it queues
    return resource


def _url(resource: Any) -> str:
    return f"/m/{LG_CODE}/catalog/dataset/aed/resource/{resource.pk}/"


@pytest.fixture
def offline(live_server: Any) -> Iterator[Callable[[Page], list[str]]]:
    """offline(page): every request that is not to the live server (the map's tiles) fails;
    returns the list the page's script errors and unexpected console errors go to."""

    def apply(page: Page) -> list[str]:
        problems: list[str] = []
        tiles: list[str] = []

        def route(route: Route) -> None:
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                tiles.append(route.request.url)
                route.abort()

        def console(message: ConsoleMessage) -> None:
            if message.type != "error":
                return
            # The browser's own line for a request that failed: only the blocked tiles may.
            source = (message.location or {}).get("url", "")
            if "Failed to load resource" in message.text and source in tiles:
                return
            problems.append(f"console: {message.text} ({source})")

        page.context.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(f"script: {error}"))
        return problems

    yield apply


def test_the_aed_map_on_a_phone_works_offline_from_the_keyboard(
    new_page: Callable[..., Page], aed: Any, axe: AxeCheck, offline: Any
) -> None:
    page = new_page(width=360, height=740)
    problems = offline(page)
    page.goto(_url(aed))

    region = page.get_by_role("region", name=ja("Map of the places"))
    expect(region).to_be_visible()
    clusters = page.locator("#map-preview .marker-cluster")
    expect(clusters.first).to_be_visible()
    # The tiles failed (offline): the page says so, the markers stay.
    expect(page.locator("#map-status")).to_have_text(
        ja("The background map could not be loaded; the places are still shown, and listed below.")
    )
    # The tile server's attribution is shown on the map.
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("地理院タイル")
    # The list is there too, one click away: 82 places, each with its coordinates and a
    # 地理院地図 link.
    rows = page.locator(".map-table tbody tr")
    expect(rows.first).to_be_hidden()
    page.locator("#map-list summary").click()
    expect(rows).to_have_count(82)
    expect(rows.first).to_be_visible()
    first_link = rows.first.get_by_role("link", name=ja("GSI Maps"))
    assert (first_link.get_attribute("href") or "").startswith("https://maps.gsi.go.jp/#17/")
    axe(page)
    assert_fits(page)

    # Keyboard: the map takes focus; a group of places opens with Enter (the map zooms in).
    region.focus()
    expect(region).to_be_focused()
    before = clusters.count() + page.locator("#map-preview img.leaflet-marker-icon").count()
    cluster = clusters.first
    count = cluster.inner_text().strip()
    assert int(count) > 1
    assert cluster.get_attribute("aria-label") == ja("%(count)s places: zoom in") % {"count": count}
    assert cluster.get_attribute("role") == "button"
    zoom_in = page.locator("#map-preview .leaflet-control-zoom-in")
    expect(zoom_in).to_have_attribute("title", ja("Zoom in"))
    markers = page.locator("#map-preview img.leaflet-marker-icon")
    for _attempt in range(10):  # Enter on a group until single places show
        if markers.count():
            break
        clusters.first.focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(700)  # the zoom animation
        expect(region).to_be_focused()
    expect(markers.first).to_be_visible()
    assert clusters.count() + markers.count() != before

    # A place opens from the keyboard; its popup's link takes the focus; Escape closes it
    # and gives the focus back to the marker.
    marker = markers.first
    name = marker.get_attribute("alt") or ""
    assert name
    marker.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text(name)
    link = popup.get_by_role("link", name=ja("Open in GSI Maps"))
    expect(link).to_be_focused()
    assert (link.get_attribute("href") or "").startswith("https://maps.gsi.go.jp/#17/")
    # (axe reads the colours once Leaflet's fade-in is over)
    expect(popup).to_have_css("opacity", "1")
    axe(page)
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    expect(page.locator("#map-preview img.leaflet-marker-icon:focus")).to_have_count(1)

    assert problems == [], problems


def test_without_script_the_places_are_a_list(
    browser: Browser, live_server: Any, aed: Any, axe: AxeCheck
) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
    )
    try:
        page = context.new_page()
        page.goto(_url(aed))
        expect(page.locator("#map-preview")).to_be_hidden()
        table = page.get_by_role("region", name=ja("The places as a list"))
        expect(table).to_be_visible()
        expect(table.locator("tbody tr")).to_have_count(82)
        expect(table.get_by_role("columnheader", name=ja("Place"))).to_be_visible()
        expect(table.get_by_role("cell", name="31.717536, 131.059980")).to_be_visible()
        assert_fits(page)
    finally:
        context.close()


def test_in_english_the_japanese_data_is_marked_as_japanese(
    new_page: Callable[..., Page], aed: Any, axe: AxeCheck, offline: Any
) -> None:
    page = new_page(locale="en-US")
    problems = offline(page)
    page.goto(_url(aed))
    expect(page.get_by_role("region", name="Map of the places")).to_be_visible()
    expect(page.locator("#map-preview .marker-cluster").first).to_be_visible()
    expect(page.locator("#map-preview .leaflet-control-zoom-in")).to_have_attribute(
        "title", "Zoom in"
    )
    assert japanese_outside_marked(page) == []
    axe(page)
    assert problems == [], problems
