"""HTTP intake: a device's token, one reading or a list, an answer per reading."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kanmin.disaster import services
from kanmin.disaster.models import Device, IntakeRefusal, IntakeTally, Observation
from kanmin.disaster.tests import factories

URL = "/api/v1/m/452025/disaster/observations"


@pytest.fixture
def device(miyakonojo, river):
    return factories.device(miyakonojo, river, code="gauge-1")


def basic(code: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{code}:{secret}".encode()).decode()


def post(body, auth, *, lang="en", url=URL, raw=None):
    return Client().post(
        url,
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
        HTTP_ACCEPT_LANGUAGE=lang,
    )


def when(minutes: int = 0) -> str:
    return (timezone.now() - dt.timedelta(minutes=minutes)).isoformat()


def test_one_reading_with_a_bearer_token(device):
    response = post({"observed_at": when(1), "value": 2.5}, f"Bearer {device.issued_secret}")
    assert response.status_code == 200
    data = response.json()
    assert data["counts"] == {"stored": 1, "duplicate": 0, "corrected": 0, "refused": 0}
    assert data["results"][0]["status"] == "stored"
    assert Observation.all_tenants.get().device == device


def test_a_list_answers_per_reading(device):
    t = when(10)
    body = [
        {"observed_at": t, "value": 2.5},
        {"observed_at": t, "value": 2.5},
        {"observed_at": t, "value": 2.7},
        {"observed_at": when(-10), "value": 1},
        {"observed_at": when(1), "value": "high"},
        "not an object",
        {"observed_at": when(2), "value": 1, "station": "elsewhere"},
    ]
    response = post(body, basic("gauge-1", device.issued_secret))
    assert response.status_code == 200
    statuses = [(r["status"], r["reason"]) for r in response.json()["results"]]
    assert statuses == [
        ("stored", None),
        ("duplicate", None),
        ("corrected", None),
        ("refused", "future"),
        ("refused", "not_numeric"),
        ("refused", "malformed"),
        ("refused", "wrong_station"),
    ]
    assert response.json()["results"][2]["version"] == 2
    assert IntakeRefusal.objects.filter(device=device).count() == 4


def test_messages_follow_the_request_language(device):
    body = {"observed_at": "2025-06-30T10:00:00", "value": 1}
    ja = post(body, f"Bearer {device.issued_secret}", lang="ja").json()["results"][0]["message"]
    en = post(body, f"Bearer {device.issued_secret}", lang="en").json()["results"][0]["message"]
    assert "ISO 8601" in en and en != ja
    assert "時" in ja or "形式" in ja


@pytest.mark.parametrize(
    ("make_auth", "reason"),
    [
        (lambda d: basic("nobody", d.issued_secret), "unknown_device"),
        (lambda d: basic("gauge-1", "kanmin_dev_wrong"), "wrong_token"),
        (lambda d: "Bearer kanmin_dev_wrong", "wrong_token"),
        (lambda d: "", "unknown_device"),
    ],
)
def test_unknown_device_and_wrong_token_are_refused_and_counted(device, make_auth, reason):
    response = post({"observed_at": when(1), "value": 1}, make_auth(device))
    assert response.status_code == 401
    assert response.json()["code"] == reason
    assert Observation.all_tenants.count() == 0
    assert IntakeTally.objects.get(outcome=reason).count == 1
    assert IntakeRefusal.objects.get().reason == reason


def test_a_token_works_only_in_its_municipality(device, miyazaki):
    response = post(
        {"observed_at": when(1), "value": 1},
        f"Bearer {device.issued_secret}",
        url="/api/v1/m/452017/disaster/observations",
    )
    assert response.status_code == 401
    assert Observation.all_tenants.count() == 0


def test_an_inactive_device_is_refused(miyakonojo, device):
    services.device_set_active(municipality=miyakonojo, actor=None, device=device, active=False)
    response = post({"observed_at": when(1), "value": 1}, f"Bearer {device.issued_secret}")
    assert response.status_code == 401


def test_malformed_json_is_refused_and_counted(device):
    response = post(None, f"Bearer {device.issued_secret}", raw='{"observed_at": ')
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert IntakeRefusal.objects.get().device == device


def test_a_nul_in_the_body_or_the_device_code_is_refused_and_logged(device):
    # PostgreSQL stores no NUL character: the refusal's excerpt and place must still be kept.
    response = post(None, f"Bearer {device.issued_secret}", raw="\x00")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert IntakeRefusal.objects.get().excerpt == "\ufffd"
    reading = post([{"observed_at": when(1), "value": "1\x00"}], f"Bearer {device.issued_secret}")
    assert reading.json()["results"][0]["reason"] == "not_numeric"
    assert "\x00" not in IntakeRefusal.objects.latest("id").excerpt
    unknown = post({"observed_at": when(1), "value": 1}, basic("gauge-1\x00", "x"))
    assert unknown.status_code == 401
    assert IntakeRefusal.objects.count() == 3


def test_a_flood_from_one_device_is_rate_limited(device, monkeypatch):
    monkeypatch.setenv("KANMIN_DISASTER_MAX_READINGS_PER_MINUTE", "5")
    body = [{"observed_at": when(m), "value": 1} for m in range(1, 9)]
    first = post(body, f"Bearer {device.issued_secret}")
    assert first.status_code == 200
    assert first.json()["counts"]["stored"] + first.json()["counts"]["refused"] == 8
    refused = [r for r in first.json()["results"] if r["reason"] == "rate_limited"]
    second = post([{"observed_at": when(20), "value": 1}], f"Bearer {device.issued_secret}")
    # Both requests fall in the same minute unless the test crosses a minute boundary.
    if timezone.now().second > 1:
        assert len(refused) == 3
        assert second.status_code == 429 and int(second["Retry-After"]) <= 60
        assert IntakeTally.objects.get(outcome="rate_limited").count == 4
        # The flood is logged once, counted in full.
        assert IntakeRefusal.objects.filter(reason="rate_limited").count() == 1
    assert Observation.all_tenants.count() == 8 - len(refused)


def test_last_seen_is_set_by_a_stored_reading(device):
    post({"observed_at": when(1), "value": 1}, f"Bearer {device.issued_secret}")
    assert Device.all_tenants.get(pk=device.pk).last_seen_at is not None
