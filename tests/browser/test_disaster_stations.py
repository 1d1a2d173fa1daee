"""The disaster operator's first task without a developer, on a 360 px phone: register a river
station and its reference levels, register a device and take its token, send one reading with
it to the HTTP API, and import a small CSV, following the import until it is finished. Every
page fits the screen and axe finds nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from kanmin.catalog.tests.helpers import run_queued_tasks

from .helpers import LG_CODE, AxeCheck, assert_fits, ja

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def _signed_in(new_page: Callable[..., Page], live_server: Any, user: Any) -> Page:
    client = Client()
    client.force_login(user)
    page = new_page(**PHONE)
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


def _check(page: Page, axe: AxeCheck) -> None:
    assert_fits(page)
    axe(page)


def test_operator_registers_a_station_a_device_and_imports_readings(
    municipality: Any,
    make_user: Callable[..., Any],
    new_page: Callable[..., Page],
    live_server: Any,
    axe: AxeCheck,
    tmp_path: Path,
) -> None:
    from kanmin.audit.models import AuditEvent
    from kanmin.disaster.models import Device, ImportJob, Observation, ReferenceLevels, Station

    operator = make_user("bousai", "disaster_operator", municipality)
    page = _signed_in(new_page, live_server, operator)

    # From the staff home to an empty list of stations.
    page.goto(f"/m/{LG_CODE}/staff/")
    page.get_by_role("link", name=ja("Observation stations and reference levels")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Observation stations"))
    expect(page.locator("main")).to_contain_text(ja("No station is registered yet."))
    _check(page, axe)

    # Register a river station; look at its position first.
    page.get_by_role("link", name=ja("Register a station")).click()
    page.get_by_label(ja("Code")).fill("hiwatashi")
    page.get_by_label(ja("Name (Japanese)")).fill("樋渡")
    page.get_by_label(ja("Name (English)")).fill("Hiwatashi")
    page.get_by_label(ja("Kind")).select_option("river_level")
    page.get_by_label(ja("Unit")).fill("m")
    page.get_by_label(ja("Latitude")).fill("31.7196")
    page.get_by_label(ja("Longitude")).fill("131.0617")
    page.get_by_label(ja("River")).fill("大淀川")
    _check(page, axe)
    page.get_by_role("button", name=ja("Show the position")).click()
    expect(page.locator("svg.position-map circle")).to_have_count(1)
    expect(page.get_by_label(ja("Name (Japanese)"))).to_have_value("樋渡")
    _check(page, axe)
    page.get_by_role("button", name=ja("Register the station")).click()

    # Its reference levels: out of order first, told where, nothing typed is lost.
    expect(page.get_by_role("status")).to_contain_text(
        ja("The station is registered. Set its reference levels below.")
    )
    page.get_by_label("水防団待機水位 (m)").fill("2.5")
    page.get_by_label("氾濫注意水位 (m)").fill("3.5")
    page.get_by_label("避難判断水位 (m)").fill("3.2")
    page.get_by_label("氾濫危険水位 (m)").fill("4.8")
    page.get_by_label(ja("Why the levels are set or changed")).fill("河川事務所の通知（令和7年）")
    page.get_by_role("button", name=ja("Save as a new entry")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_evacuation_error")).to_contain_text(
        "避難判断水位は氾濫注意水位（3.5 m）より高くしてください"
    )
    expect(page.get_by_label("避難判断水位 (m)")).to_have_value("3.2")
    expect(page.get_by_label(ja("Why the levels are set or changed"))).to_have_value(
        "河川事務所の通知（令和7年）"
    )
    _check(page, axe)
    page.get_by_label("避難判断水位 (m)").fill("4.3")
    page.get_by_role("button", name=ja("Save as a new entry")).click()
    expect(page.get_by_role("status")).to_contain_text(
        ja("The reference levels are saved in the history.")
    )
    history = page.locator(".level-history > li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("河川事務所の通知（令和7年）")
    expect(history.first).to_contain_text("bousai")
    _check(page, axe)

    # A device for the station: its token shown once.
    page.get_by_role("navigation", name=ja("Breadcrumb")).get_by_role("link", name="樋渡").click()
    _check(page, axe)
    page.get_by_role("link", name=ja("Register a device")).click()
    expect(page.get_by_label(ja("Station it sends for"))).to_have_value("hiwatashi")
    page.get_by_label(ja("Device code")).fill("gauge-1")
    page.get_by_label(ja("Name or note")).fill("電波式水位計（橋の下流側）")
    _check(page, axe)
    page.get_by_role("button", name=ja("Register and issue a token")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("gauge-1")
    secret = page.locator("#device-token").inner_text().strip()
    assert secret.startswith("kanmin_dev_")
    _check(page, axe)

    # The device sends one reading to the HTTP API with it (a context without the session).
    device_side = new_page().context.request
    now = timezone.localtime().replace(microsecond=0)
    answer = device_side.post(
        f"/api/v1/m/{LG_CODE}/disaster/observations",
        data=json.dumps({"observed_at": now.isoformat(), "value": 4.5}),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"gauge-1:{secret}".encode()).decode(),
        },
    )
    assert answer.status == 200, answer.text()
    assert answer.json()["counts"]["stored"] == 1

    page.get_by_role("link", name=ja("All devices")).click()
    row = page.locator("tbody tr", has_text="gauge-1")
    expect(row).to_contain_text(now.strftime("%Y-%m-%d %H:%M"))
    expect(page.locator("main")).not_to_contain_text(secret)
    _check(page, axe)
    page.get_by_role("navigation", name=ja("Breadcrumb")).get_by_role(
        "link", name=ja("Observation stations")
    ).click()
    station_row = page.locator("tbody tr", has_text="樋渡")
    expect(station_row).to_contain_text("4.50 m")
    expect(station_row).to_contain_text("警戒レベル3")
    _check(page, axe)

    # A small CSV, imported in the background; the page follows it to the result.
    upload = tmp_path / "樋渡_水位.csv"
    upload.write_bytes(
        (
            "観測所コード,観測日時,観測値\n"
            "hiwatashi,2025-06-30 10:00,2.31\n"
            "hiwatashi,2025-06-30 10:10,2.35\n"
            "hiwatashi,2025-06-30 10:20,abc\n"
        ).encode("cp932")
    )
    page.get_by_role("link", name=ja("Import readings from a file")).click()
    page.get_by_label(ja("File of readings")).set_input_files(str(upload))
    _check(page, axe)
    page.get_by_role("button", name=ja("Upload and import")).click()
    expect(page.locator("#import-state")).to_be_visible()
    _check(page, axe)
    run_queued_tasks()
    expect(page.locator("#count-stored")).to_have_text("2", timeout=15_000)
    expect(page.locator("#count-refused")).to_have_text("1")
    expect(page.locator(".refused-lines")).to_contain_text("hiwatashi,2025-06-30 10:20,abc")
    _check(page, axe)

    station = Station.all_tenants.get(code="hiwatashi")
    assert ReferenceLevels.all_tenants.get(station=station).evacuation == Decimal("4.3")
    assert Device.all_tenants.get(code="gauge-1").last_seen_at is not None
    assert Observation.all_tenants.filter(station=station).count() == 3
    assert ImportJob.all_tenants.get().status == "done"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "disaster.station.create",
        "disaster.reference_levels.set",
        "disaster.device.register",
        "disaster.import.create",
    } <= actions
