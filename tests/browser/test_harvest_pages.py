"""The harvest staff pages (issue 18) at 360 px, in Japanese and English: the list of sources,
adding a source with the form (and its refusal of a private address), a dry run's results and
a run's page fit a phone and pass axe. The source is a DCAT catalog served over real HTTP on
127.0.0.1 (private addresses allowed for the test, except where the refusal is shown)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits

pytestmark = pytest.mark.browser

CATALOG = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .

<https://pref.example.jp/dataset/hinanjo-ichiran-miyazaki-ken-zenshichoson> a dcat:Dataset ;
    dct:title "宮崎県内の全市町村の指定緊急避難場所及び指定避難所の一覧（令和七年度版）"@ja ;
    dcat:distribution [ a dcat:Distribution ;
        dcat:downloadURL <https://pref.example.jp/files/hinanjo-ichiran-miyazaki-ken.csv> ] .

<https://pref.example.jp/dataset/broken> a dcat:Dataset ;
    dct:title "壊れたデータ"@ja ;
    dcat:contactPoint [ a <http://www.w3.org/2006/vcard/ns#Kind> ;
        <http://www.w3.org/2006/vcard/ns#hasEmail> <mailto:not-an-email> ] .
"""


@pytest.fixture
def dcat_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = CATALOG.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/catalog/kenmin-opendata-catalog.ttl"
    httpd.shutdown()
    httpd.server_close()


def _signed_in(new_page: Callable[..., Page], live_server: Any, user: Any, locale: str) -> Page:
    client = Client()
    client.force_login(user)
    page = new_page(locale=locale, width=360, height=740)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def _check(page: Page, axe: AxeCheck) -> None:
    expect(page.locator("h1")).to_be_visible()
    assert_fits(page)
    axe(page)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_harvest_pages_fit_a_phone_and_pass_axe(
    new_page: Callable[..., Page],
    live_server: Any,
    municipality: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    settings: Any,
    dcat_server: str,
    locale: str,
) -> None:
    from kanmin.catalog import services
    from kanmin.catalog.harvest import services as harvest
    from kanmin.catalog.models import HarvestSource

    settings.KANMIN_HARVEST_ALLOW_PRIVATE = True  # the source is served on 127.0.0.1
    steward = make_user("suzuki", "data_steward", municipality)
    services.organization_create(
        municipality=municipality, actor=None, name="kikikanri", title_ja="危機管理課"
    )
    page = _signed_in(new_page, live_server, steward, locale)
    base = f"/m/{LG_CODE}/catalog/harvest/"

    page.goto(base)
    _check(page, axe)  # no source yet

    page.goto(base + "new/")
    _check(page, axe)
    page.locator("form button[type=submit]").last.click()  # empty: the errors
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    _check(page, axe)
    page.fill("#id_title", "宮崎県オープンデータカタログ（県内全市町村の防災関連データ）")
    page.select_option("#id_kind", "dcat")
    page.fill("#id_url", dcat_server)
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = False  # a production site: refused, and why
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("#id_url")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("127.0.0.1", exact=False).first).to_be_visible()
    _check(page, axe)
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = True
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("宮崎県オープンデータカタログ")
    source = HarvestSource.all_tenants.get(municipality=municipality)
    _check(page, axe)

    page.locator("input[name=action][value=dry_run] + button").click()
    expect(page.locator("#dry-run-heading")).to_be_visible()
    _check(page, axe)

    run = harvest.harvest_run(municipality=municipality, actor=None, source=source)
    assert run.created_count == 1 and run.failed_count == 1
    page.goto(f"{base}{source.pk}/")
    _check(page, axe)  # with its runs
    page.goto(f"{base}{source.pk}/run/{run.pk}/")
    _check(page, axe)
    page.goto(base)
    _check(page, axe)  # with the source
