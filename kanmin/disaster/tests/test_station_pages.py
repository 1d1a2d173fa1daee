"""The operator's pages for stations, reference levels, devices and file imports: who may see
and use them, the forms (errors by the field, values kept), the token shown once, the import
followed to its result."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from kanmin.audit.models import AuditEvent
from kanmin.disaster import services
from kanmin.disaster.models import (
    Device,
    ImportJob,
    Observation,
    ReferenceLevels,
    Refusal,
    Station,
    StationKind,
)
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.test_files import run_queued_tasks

BASE = "/m/452025/disaster/staff"


def _client(user=None, language="ja"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def device(miyakonojo, river):
    return factories.device(miyakonojo, river, code="gauge-1")


@pytest.fixture
def job(miyakonojo, operator, river):
    return services.import_job_create(
        municipality=miyakonojo,
        actor=operator,
        upload=SimpleUploadedFile("water.csv", b"station,observed_at,value\ntakeshita,x,1\n"),
    )


PAGES = [
    "/stations/",
    "/stations/new/",
    "/stations/takeshita/",
    "/stations/takeshita/edit/",
    "/stations/takeshita/levels/",
    "/devices/",
    "/devices/gauge-1/",
    "/imports/",
    "/imports/{job}/",
    "/imports/{job}/status.json",
]


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_for_this_municipalitys_operators_only(
    page, miyakonojo, miyazaki, operator, river, device, job, make_user
):
    url = BASE + page.format(job=job.pk)
    assert _client(operator).get(url).status_code == 200
    anonymous = _client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    # Another municipality's operator cannot even tell that the station, device or import exists.
    other = make_user("miyazaki-bousai", "disaster_operator", miyazaki)
    assert _client(other).get(url).status_code == 404
    # A resident of the municipality, or staff of another department, are refused.
    resident = make_user("resident", "citizen", miyakonojo)
    assert _client(resident).get(url).status_code == 403
    steward = make_user("steward", "data_steward", miyakonojo)
    assert _client(steward).get(url).status_code == 403


def test_unknown_codes_answer_404(operator, river):
    client = _client(operator)
    assert client.get(BASE + "/stations/nowhere/").status_code == 404
    assert client.get(BASE + "/devices/nothing/").status_code == 404
    assert client.get(BASE + "/imports/99999/").status_code == 404


@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("/stations/new/", {"code": "x1", "name_ja": "侵入", "kind": "rain", "unit": "mm"}),
        ("/stations/takeshita/edit/", {"name_ja": "改ざん", "kind": "river_level", "unit": "m"}),
        (
            "/stations/takeshita/levels/",
            {"danger": "9", "valid_from": "2025-01-01T00:00", "reason": "x"},
        ),
        ("/devices/", {"station": "takeshita", "code": "intruder", "name": ""}),
        ("/devices/gauge-1/", {"action": "rotate"}),
        ("/devices/gauge-1/", {"action": "revoke"}),
    ],
)
def test_writes_are_refused_to_others_and_nothing_changes(
    page, data, miyakonojo, miyazaki, river, device, make_user
):
    digest = device.token_digest
    audited = AuditEvent.objects.filter(action__startswith="disaster.").count()
    other = make_user("miyazaki-bousai", "disaster_operator", miyazaki)
    assert _client(other).post(BASE + page, data).status_code == 404
    resident = make_user("resident", "citizen", miyakonojo)
    assert _client(resident).post(BASE + page, data).status_code == 403
    river.refresh_from_db()
    device.refresh_from_db()
    assert river.name_ja == "岳下橋"
    assert Station.all_tenants.count() == 1 and Device.all_tenants.count() == 1
    assert not ReferenceLevels.all_tenants.exists()
    assert device.token_digest == digest and device.active
    assert AuditEvent.objects.filter(action__startswith="disaster.").count() == audited


def test_upload_is_refused_to_others(miyakonojo, miyazaki, river, make_user):
    other = make_user("miyazaki-bousai", "disaster_operator", miyazaki)
    upload = SimpleUploadedFile("a.csv", b"station,observed_at,value\n")
    assert _client(other).post(BASE + "/imports/", {"file": upload}).status_code == 404
    assert not ImportJob.all_tenants.exists()


def test_staff_home_and_dashboard_link_the_pages(operator, make_user, miyakonojo):
    client = _client(operator)
    home = client.get("/m/452025/staff/").content.decode()
    dashboard = client.get(BASE + "/").content.decode()
    for address in (f"{BASE}/stations/", f"{BASE}/devices/", f"{BASE}/imports/"):
        assert f'href="{address}"' in home
        assert f'href="{address}"' in dashboard
    clerk = make_user("clerk", "department_staff", miyakonojo)
    assert f'href="{BASE}/stations/"' not in _client(clerk).get("/m/452025/staff/").content.decode()


# ------------------------------------------------------------------------------------------
# Stations
# ------------------------------------------------------------------------------------------


def _station_data(**fields):
    data = {
        "code": "hiwatashi",
        "name_ja": "樋渡",
        "name_en": "Hiwatashi",
        "kind": StationKind.RIVER,
        "unit": "m",
        "latitude": "31.7196",
        "longitude": "131.0617",
        "river_name": "大淀川",
        "plausible_min": "",
        "plausible_max": "",
        "active": "on",
    }
    data.update(fields)
    return data


def test_register_a_river_station_then_its_levels(miyakonojo, operator):
    client = _client(operator)
    response = client.post(BASE + "/stations/new/", _station_data())
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/stations/hiwatashi/levels/"
    station = Station.all_tenants.get(code="hiwatashi")
    assert (station.name_en, station.latitude, station.river_name) == (
        "Hiwatashi",
        Decimal("31.719600"),
        "大淀川",
    )
    assert AuditEvent.objects.filter(action="disaster.station.create").count() == 1
    listing = client.get(BASE + "/stations/").content.decode()
    assert "樋渡" in listing and "hiwatashi" in listing
    detail = client.get(BASE + "/stations/hiwatashi/").content.decode()
    assert '<svg class="station-map position-map"' in detail
    assert "31.7196" in detail


def test_station_form_errors_by_the_field_and_keeps_the_values(miyakonojo, operator):
    client = _client(operator)
    response = client.post(
        BASE + "/stations/new/",
        _station_data(code="a b", latitude="131.06", longitude="31.72", unit=""),
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"unit"}  # the shape first: a required field
    page = response.content.decode()
    assert 'value="a b"' in page and 'value="131.06"' in page
    response = client.post(
        BASE + "/stations/new/", _station_data(code="a b", latitude="131.06", longitude="31.72")
    )
    assert response.status_code == 422
    assert "code" in response.context["form"].errors  # the service's check, on its field
    response = client.post(
        BASE + "/stations/new/", _station_data(latitude="131.06", longitude="31.72")
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "latitude" in errors and "longitude" in errors
    assert 'id="id_latitude_error"' in response.content.decode()
    assert not Station.all_tenants.exists()


def test_reserved_code_is_refused(miyakonojo, operator):
    response = _client(operator).post(BASE + "/stations/new/", _station_data(code="new"))
    assert response.status_code == 422 and "code" in response.context["form"].errors


def test_position_preview_saves_nothing_and_warns_outside_the_area(miyakonojo, operator, river):
    miyakonojo.area_south, miyakonojo.area_west = 31.6, 130.9
    miyakonojo.area_north, miyakonojo.area_east = 31.9, 131.2
    miyakonojo.save()
    client = _client(operator)
    inside = client.post(BASE + "/stations/new/", _station_data(preview="1"))
    assert inside.status_code == 200
    page = inside.content.decode()
    assert '<svg class="station-map position-map"' in page
    assert 'class="area"' in page and "position-warning" not in page
    assert page.count("<circle") == 2  # the other station and this one
    outside = client.post(
        BASE + "/stations/new/", _station_data(preview="1", latitude="33.5", longitude="131.0")
    )
    assert "position-warning" in outside.content.decode()
    assert Station.all_tenants.count() == 1


def test_edit_a_station(miyakonojo, operator, river):
    client = _client(operator)
    form = client.get(BASE + "/stations/takeshita/edit/")
    assert form.context["form"].initial["name_ja"] == "岳下橋"
    assert "code" not in form.context["form"].fields
    data = _station_data(name_en="Takeshita Br.", plausible_min="-1", plausible_max="12")
    data.pop("code")
    response = client.post(BASE + "/stations/takeshita/edit/", data)
    assert response.status_code == 302
    river.refresh_from_db()
    assert (river.name_ja, river.name_en, river.plausible_max) == (
        "樋渡",
        "Takeshita Br.",
        Decimal("12.0000"),
    )
    event = AuditEvent.objects.get(action="disaster.station.update")
    assert event.changes["before"]["name_ja"] == "岳下橋"
    data["plausible_max"] = "-5"
    response = client.post(BASE + "/stations/takeshita/edit/", data)
    assert response.status_code == 422
    assert "plausible_max" in response.context["form"].errors


def test_station_list_shows_latest_reading_and_level(miyakonojo, operator, river):
    now = timezone.now().replace(microsecond=0)
    services.reference_levels_set(
        municipality=miyakonojo,
        actor=None,
        station=river,
        caution="3",
        evacuation="4",
        danger="4.5",
        valid_from=now - dt.timedelta(days=1),
    )
    from kanmin.disaster.tests.readings import series

    series(river, now, ["4.1", "4.62"])
    factories.station(miyakonojo, code="rain-off", kind=StationKind.RAIN, active=False)
    page = _client(operator).get(BASE + "/stations/").content.decode()
    assert "4.62 m" in page  # to the centimetre, as river offices write it
    assert "警戒レベル4" in page
    assert "rain-off" in page  # stations not active are listed too


# ------------------------------------------------------------------------------------------
# Reference levels
# ------------------------------------------------------------------------------------------


def _levels(**fields):
    data = {
        "standby": "2.5",
        "caution": "3.5",
        "evacuation": "4.3",
        "danger": "4.8",
        "overflow": "",
        "valid_from": "2025-04-01T00:00",
        "reason": "河川事務所の通知（令和7年3月）",
    }
    data.update(fields)
    return data


def test_levels_are_added_to_the_history_with_who_and_why(miyakonojo, operator, river):
    client = _client(operator)
    response = client.post(BASE + "/stations/takeshita/levels/", _levels())
    assert response.status_code == 302
    response = client.post(
        BASE + "/stations/takeshita/levels/",
        _levels(evacuation="4.1", valid_from="2025-06-01T09:00", reason="上昇速度の見直し"),
    )
    assert response.status_code == 302
    rows = list(ReferenceLevels.all_tenants.filter(station=river).order_by("valid_from"))
    assert [r.evacuation for r in rows] == [Decimal("4.300"), Decimal("4.100")]
    assert rows[1].set_by == operator and rows[1].reason == "上昇速度の見直し"
    assert rows[1].valid_from == dt.datetime(
        2025, 6, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))
    )
    assert AuditEvent.objects.filter(action="disaster.reference_levels.set").count() == 2
    page = client.get(BASE + "/stations/takeshita/levels/")
    text = page.content.decode()
    assert "上昇速度の見直し" in text and "bousai" in text
    assert text.index("2025-06-01 09:00") < text.index("2025-04-01 00:00")  # newest first
    # The form starts from the levels in force.
    assert page.context["form"].initial["evacuation"] == "4.1"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", "避難判断水位は氾濫注意水位（3.5 m）より高くしてください"),
        ("en", "The evacuation decision level must be higher than the flood caution level (3.5 m)"),
    ],
)
def test_levels_out_of_order_are_named_and_the_values_kept(
    miyakonojo, operator, river, language, expected
):
    response = _client(operator, language).post(
        BASE + "/stations/takeshita/levels/", _levels(evacuation="3.20", danger="3.4")
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"evacuation", "danger"}
    assert expected in errors["evacuation"][0]
    page = response.content.decode()
    assert 'value="3.20"' in page and "河川事務所の通知" in page
    assert 'id="id_evacuation_error"' in page
    assert not ReferenceLevels.all_tenants.exists()


def test_levels_need_a_reason_and_only_rivers_have_them(miyakonojo, operator, river):
    client = _client(operator)
    response = client.post(BASE + "/stations/takeshita/levels/", _levels(reason=""))
    assert response.status_code == 422 and "reason" in response.context["form"].errors
    rain = factories.station(miyakonojo, code="rain1", kind=StationKind.RAIN)
    page = client.get(f"{BASE}/stations/{rain.code}/levels/")
    assert page.status_code == 200 and 'id="id_standby"' not in page.content.decode()
    refused = client.post(f"{BASE}/stations/{rain.code}/levels/", _levels())
    assert refused.status_code == 422
    assert not ReferenceLevels.all_tenants.exists()


# ------------------------------------------------------------------------------------------
# Devices
# ------------------------------------------------------------------------------------------


def _send(device_code, secret, body):
    return Client().post(
        "/api/v1/m/452025/disaster/observations",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{device_code}:{secret}".encode()).decode(),
    )


def test_register_a_device_shows_its_token_once(miyakonojo, operator, river):
    client = _client(operator)
    response = client.post(
        BASE + "/devices/", {"station": "takeshita", "code": "gauge-9", "name": "水位計"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("kanmin_dev_") and secret in response.content.decode()
    device = Device.all_tenants.get(code="gauge-9")
    assert secret not in str(Device.all_tenants.filter(pk=device.pk).values().get())
    assert AuditEvent.objects.filter(action="disaster.device.register").count() == 1
    # Shown once: no page shows it again.
    for page in ("/devices/", "/devices/gauge-9/", "/stations/takeshita/"):
        assert secret not in client.get(BASE + page).content.decode()
    # It works at once.
    now = timezone.now().replace(microsecond=0)
    sent = _send("gauge-9", secret, {"observed_at": now.isoformat(), "value": 2.5})
    assert sent.status_code == 200 and sent.json()["counts"]["stored"] == 1


def test_device_form_errors(miyakonojo, operator, river, device):
    response = _client(operator).post(
        BASE + "/devices/", {"station": "takeshita", "code": "gauge-1", "name": ""}
    )
    assert response.status_code == 422 and "code" in response.context["form"].errors
    response = _client(operator).post(BASE + "/devices/", {"station": "", "code": "x"})
    assert response.status_code == 422 and "station" in response.context["form"].errors
    assert Device.all_tenants.count() == 1


def test_device_list_shows_last_seen_and_refusals(miyakonojo, operator, river, device):
    now = timezone.now().replace(microsecond=0)
    _send("gauge-1", device.issued_secret, {"observed_at": now.isoformat(), "value": 2.5})
    _send("gauge-1", "wrong", {"observed_at": now.isoformat(), "value": 2.5})
    _send("gauge-1", device.issued_secret, {"observed_at": "yesterday", "value": 2.5})
    response = _client(operator).get(BASE + "/devices/")
    [(listed, refused)] = response.context["devices"]
    assert listed.last_seen_at is not None and refused == 2
    detail = _client(operator).get(BASE + "/devices/gauge-1/").content.decode()
    assert "yesterday" in detail


def test_rotate_and_revoke_a_device(miyakonojo, operator, river, device):
    client = _client(operator)
    old = device.issued_secret
    response = client.post(BASE + "/devices/gauge-1/", {"action": "rotate"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    new = response.context["secret"]
    assert new != old
    now = timezone.now().replace(microsecond=0)
    reading = {"observed_at": now.isoformat(), "value": 2.5}
    assert _send("gauge-1", old, reading).status_code == 401
    assert _send("gauge-1", new, reading).status_code == 200
    assert client.post(BASE + "/devices/gauge-1/", {"action": "revoke"}).status_code == 302
    assert _send("gauge-1", new, reading).status_code == 401
    assert client.post(BASE + "/devices/gauge-1/", {"action": "restore"}).status_code == 302
    assert _send("gauge-1", new, reading).status_code == 200
    actions = list(
        AuditEvent.objects.filter(action__startswith="disaster.device.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "disaster.device.register",
        "disaster.device.rotate_token",
        "disaster.device.set_active",
        "disaster.device.set_active",
    ]


# ------------------------------------------------------------------------------------------
# File imports
# ------------------------------------------------------------------------------------------


def test_upload_runs_the_import_and_the_page_follows_it(miyakonojo, operator, river):
    client = _client(operator)
    csv = (
        "観測所コード,観測日時,観測値\n"
        "takeshita,2019-10-12 21:00,5.20\n"
        "takeshita,2019-10-12 22:00,abc\n"
        "nowhere,2019-10-12 22:00,1\n"
    ).encode("cp932")
    response = client.post(BASE + "/imports/", {"file": SimpleUploadedFile("水位.csv", csv)})
    assert response.status_code == 302
    job = ImportJob.all_tenants.get()
    assert response["Location"] == f"{BASE}/imports/{job.pk}/"
    assert AuditEvent.objects.filter(action="disaster.import.create").count() == 1
    waiting = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in waiting  # inside <noscript>
    assert "<noscript><meta" in waiting and "import_progress.js" in waiting
    assert "?refresh=0" in waiting
    stopped = client.get(response["Location"] + "?refresh=0").content.decode()
    assert 'http-equiv="refresh"' not in stopped
    status = client.get(f"{BASE}/imports/{job.pk}/status.json").json()
    assert status["finished"] is False and status["status"] == "queued"
    run_queued_tasks()
    status = client.get(f"{BASE}/imports/{job.pk}/status.json").json()
    assert (status["finished"], status["stored"], status["refused"], status["percent"]) == (
        True,
        1,
        2,
        100,
    )
    done = client.get(response["Location"])
    page = done.content.decode()
    assert 'http-equiv="refresh"' not in page and "import_progress.js" not in page
    assert 'id="count-stored">1<' in page and 'id="count-refused">2<' in page
    assert "takeshita,2019-10-12 22:00,abc" in page and "nowhere,2019-10-12 22:00,1" in page
    with translation.override("ja"):
        labels = {str(Refusal.NOT_NUMERIC.label), str(Refusal.UNKNOWN_STATION.label)}
    assert {label for label, count in done.context["reasons"]} == labels
    assert all(label in page for label in labels)
    assert Observation.all_tenants.filter(station=river).count() == 1


def test_a_dat_file_for_a_chosen_station(miyakonojo, operator, river):
    from kanmin.disaster.tests.test_files import dat_file

    client = _client(operator)
    response = client.post(
        BASE + "/imports/",
        {"file": SimpleUploadedFile("takeshita.dat", dat_file()), "station": "takeshita"},
    )
    assert response.status_code == 302
    run_queued_tasks()
    job = ImportJob.all_tenants.get()
    assert (job.status, job.format, job.station) == ("done", "wis_dat", river)
    assert job.stored == 47


def test_upload_errors_by_the_field(miyakonojo, operator, river, settings):
    client = _client(operator)
    response = client.post(BASE + "/imports/", {"format": "csv"})
    assert response.status_code == 422 and "file" in response.context["form"].errors
    settings.FILE_UPLOAD_MAX_BYTES = 10
    response = client.post(BASE + "/imports/", {"file": SimpleUploadedFile("big.csv", b"x" * 100)})
    assert response.status_code == 422
    assert "10" in response.context["form"].errors["file"][0]
    assert not ImportJob.all_tenants.exists()


def test_a_failed_import_says_why(miyakonojo, operator, river):
    client = _client(operator)
    client.post(BASE + "/imports/", {"file": SimpleUploadedFile("a.csv", b"foo,bar\n1,2\n")})
    run_queued_tasks()
    job = ImportJob.all_tenants.get()
    assert job.status == "failed"
    page = client.get(f"{BASE}/imports/{job.pk}/").content.decode()
    assert job.message in page and "message-error" in page
