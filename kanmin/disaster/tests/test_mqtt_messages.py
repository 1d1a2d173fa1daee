"""What the listener makes of each MQTT message before storing (no broker needed here; the
real broker is in tests/operations/test_disaster_listener.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kanmin.disaster import services
from kanmin.disaster.intake import RateLimiter
from kanmin.disaster.models import IntakeRefusal, Observation, Source
from kanmin.disaster.mqtt import Broker, reading_from_message, subscription, topic_pattern

PATTERN = topic_pattern("kanmin")
TOPIC = "kanmin/452025/stations/takeshita/observations"


def message(payload: bytes, topic: str = TOPIC, limiter: RateLimiter | None = None):
    return reading_from_message(topic, payload, PATTERN, limiter or RateLimiter(limit=600))


def test_broker_urls():
    assert Broker.parse("mqtt://u:p%40ss@broker.example:8883") == Broker(
        "broker.example", 8883, "u", "p@ss"
    )
    assert Broker.parse("localhost") == Broker("localhost", 1883)
    with pytest.raises(ValueError):
        Broker.parse("http://x")


def test_subscriptions():
    assert subscription("kanmin", None, None) == "kanmin/+/stations/+/observations"
    assert subscription("kanmin", "452025", "bousai") == (
        "$share/bousai/kanmin/452025/stations/+/observations"
    )


def test_a_good_message_names_its_station_by_the_topic():
    payload = json.dumps({"observed_at": "2026-06-30T10:10:00+09:00", "value": 3.21}).encode()
    reading = message(payload)
    assert (reading.lg_code, reading.station_code, reading.value) == ("452025", "takeshita", 3.21)
    assert reading.refusal is None


@pytest.mark.parametrize(
    ("payload", "topic", "reason"),
    [
        (b'{"observed_at": ', TOPIC, "malformed"),
        (b"\xff\xfe", TOPIC, "malformed"),
        (b"[1, 2]", TOPIC, "malformed"),
        (b"{}", "kanmin/452025/stations/takeshita/other", "unknown_station"),
    ],
)
def test_unreadable_messages_are_refused(payload, topic, reason):
    assert message(payload, topic).refusal.reason == reason


def test_a_flooding_topic_is_limited_and_logged_once(miyakonojo, river):
    limiter = RateLimiter(limit=3, clock=lambda: 0.0)
    now = dt.datetime.now(dt.UTC)
    readings = [
        message(
            json.dumps(
                {"observed_at": (now - dt.timedelta(seconds=i)).isoformat(), "value": 1}
            ).encode(),
            limiter=limiter,
        )
        for i in range(10)
    ]
    results = services.observation_ingest(readings=readings, source=Source.MQTT)
    assert [r.outcome for r in results].count("stored") == 3
    assert [r.reason for r in results].count("rate_limited") == 7
    assert Observation.all_tenants.count() == 3
    assert IntakeRefusal.objects.filter(reason="rate_limited").count() == 1
