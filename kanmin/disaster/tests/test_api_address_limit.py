"""HTTP intake: wrong device tokens from one address are limited per window; beyond the limit
they are answered 429 with Retry-After and counted, not logged row by row."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kanmin.disaster import services
from kanmin.disaster.models import IntakeAddressWindow, IntakeRefusal, IntakeTally, Observation
from kanmin.disaster.tests import factories

URL = "/api/v1/m/452025/disaster/observations"
ATTACKER = "203.0.113.7"


@pytest.fixture
def device(miyakonojo, river):
    return factories.device(miyakonojo, river, code="gauge-1")


@pytest.fixture
def limit_of_three(monkeypatch):
    monkeypatch.setenv("KANMIN_DISASTER_AUTH_FAILURES", "3")
    # One window for the whole test (it begins in 2000 and lasts about 31 years).
    monkeypatch.setenv("KANMIN_DISASTER_AUTH_WINDOW_SECONDS", str(10**9))


def post(token: str, *, address: str = ATTACKER, lang: str = "en"):
    reading = {"observed_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(), "value": 1}
    return Client().post(
        URL,
        data=json.dumps(reading),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE=lang,
        REMOTE_ADDR=address,
    )


def test_beyond_the_limit_wrong_tokens_get_429_and_are_counted_not_logged(device, limit_of_three):
    answers = [post(f"kanmin_dev_guess{i}") for i in range(6)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429, 429]
    limited = answers[3]
    assert limited.json()["code"] == "auth_limited"
    seconds = int(limited["Retry-After"])
    assert seconds > 0 and f"{seconds} seconds" in limited.json()["message"]
    assert "token" in limited.json()["message"]
    # Three rows for the three refused in full, one for the first beyond the limit.
    reasons = sorted(IntakeRefusal.objects.values_list("reason", flat=True))
    assert reasons == ["auth_limited", "wrong_token", "wrong_token", "wrong_token"]
    assert IntakeRefusal.objects.get(reason="auth_limited").where == f"address {ATTACKER}"
    # Every request is counted.
    tally = dict(IntakeTally.objects.values_list("outcome", "count"))
    assert tally == {"wrong_token": 3, "auth_limited": 3}
    assert IntakeAddressWindow.objects.get(address=ATTACKER).failures == 6


def test_the_message_is_in_the_requests_language(device, limit_of_three):
    for i in range(3):
        post(f"kanmin_dev_guess{i}")
    answer = post("kanmin_dev_guess", lang="ja")
    assert answer.status_code == 429
    message = answer.json()["message"]
    assert "秒" in message and "トークン" in message


def test_a_right_token_from_the_same_address_is_not_held_up(device, limit_of_three):
    for i in range(5):
        post(f"kanmin_dev_guess{i}")
    answer = post(device.issued_secret)
    assert answer.status_code == 200
    assert answer.json()["counts"]["stored"] == 1
    assert Observation.all_tenants.count() == 1


def test_each_address_has_its_own_allowance(device, limit_of_three):
    for i in range(4):
        post(f"kanmin_dev_guess{i}")
    assert post("kanmin_dev_guess", address="198.51.100.20").status_code == 401


def test_no_limit_when_set_to_zero(device, monkeypatch):
    monkeypatch.setenv("KANMIN_DISASTER_AUTH_FAILURES", "0")
    assert {post(f"kanmin_dev_guess{i}").status_code for i in range(25)} == {401}


def test_the_window_moves_on_and_old_windows_are_forgotten(db, monkeypatch):
    monkeypatch.setenv("KANMIN_DISASTER_AUTH_FAILURES", "2")
    monkeypatch.setenv("KANMIN_DISASTER_AUTH_WINDOW_SECONDS", "600")
    start = dt.datetime(2026, 6, 30, 10, 0, tzinfo=dt.UTC)
    counts = [
        services.device_auth_failed(address=ATTACKER, now=start + dt.timedelta(seconds=s))
        for s in (0, 100, 200, 599)
    ]
    assert [(w.failures, w.over) for w in counts] == [(1, False), (2, False), (3, True), (4, True)]
    assert [w.first_over for w in counts] == [False, False, True, False]
    assert counts[1].retry_after(start + dt.timedelta(seconds=100)) == 500
    # The next window starts afresh.
    assert services.device_auth_failed(address=ATTACKER, now=start.replace(minute=10)).failures == 1
    # A day later the old windows are deleted when a new one begins.
    services.device_auth_failed(address="192.0.2.1", now=start + dt.timedelta(days=1, hours=1))
    assert sorted(IntakeAddressWindow.objects.values_list("address", flat=True)) == ["192.0.2.1"]
