"""The one way in: rules, deduplication and versions, refusals counted and logged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kanmin.core.errors import Invalid, PermissionDenied
from kanmin.disaster import selectors, services
from kanmin.disaster.intake import Incoming, RateLimiter
from kanmin.disaster.models import (
    IntakeRefusal,
    IntakeTally,
    Observation,
    Quality,
    Source,
    StationKind,
)
from kanmin.disaster.tests import factories

NOW = dt.datetime(2026, 6, 30, 1, 0, tzinfo=dt.UTC)


def ingest(readings, source=Source.HTTP, **kwargs):
    return services.observation_ingest(readings=readings, source=source, now=NOW, **kwargs)


def at(minutes: int) -> str:
    return (
        (NOW - dt.timedelta(minutes=minutes))
        .astimezone(dt.timezone(dt.timedelta(hours=9)))
        .isoformat()
    )


def test_stored_then_duplicate_then_correction_keeps_every_version(miyakonojo, river):
    [first] = ingest([Incoming(observed_at=at(10), value=2.31, station=river)])
    assert (first.outcome, first.version) == ("stored", 1)
    [again] = ingest([Incoming(observed_at=at(10), value="2.3100", station=river)])
    assert again.outcome == "duplicate"
    [fixed] = ingest([Incoming(observed_at=at(10), value=2.35, station=river)])
    assert (fixed.outcome, fixed.version) == ("corrected", 2)
    versions = list(
        selectors.observation_versions(station=river, observed_at=NOW - dt.timedelta(minutes=10))
    )
    assert [(v.version, v.value, v.is_current) for v in versions] == [
        (1, Decimal("2.3100"), False),
        (2, Decimal("2.3500"), True),
    ]
    series = list(selectors.observation_series(station=river))
    assert [o.value for o in series] == [Decimal("2.3500")]


def test_final_value_is_not_replaced_by_a_provisional_one(miyakonojo, river):
    ingest(
        [Incoming(observed_at=at(10), value=2.31, station=river, quality="final")],
        source=Source.FILE,
    )
    [late] = ingest([Incoming(observed_at=at(10), value=2.40, station=river)])
    assert (late.outcome, late.reason) == ("refused", "final_exists")
    [same] = ingest([Incoming(observed_at=at(10), value=2.31, station=river)])
    assert same.outcome == "duplicate"
    [promoted] = ingest([Incoming(observed_at=at(20), value=1, station=river)])
    [final] = ingest(
        [Incoming(observed_at=at(20), value=1, station=river, quality="final")], source=Source.FILE
    )
    assert (promoted.outcome, final.outcome, final.version) == ("stored", "corrected", 2)


def test_the_same_reading_twice_in_one_batch_is_stored_once(miyakonojo, river):
    results = ingest([Incoming(observed_at=at(5), value=1, station=river)] * 3)
    assert [r.outcome for r in results] == ["stored", "duplicate", "duplicate"]
    assert Observation.all_tenants.count() == 1


def test_out_of_order_readings_are_stored_in_time_order(miyakonojo, river):
    ingest([Incoming(observed_at=at(m), value=m, station=river) for m in (10, 30, 20)])
    assert [o.value for o in selectors.observation_series(station=river)] == [30, 20, 10]


@pytest.mark.parametrize(
    ("reading", "reason"),
    [
        ({"observed_at": "yesterday", "value": 1}, "bad_time"),
        ({"observed_at": "2026-06-30T09:00:00", "value": 1}, "bad_time"),
        ({"observed_at": None, "value": 1}, "bad_time"),
        ({"observed_at": (NOW + dt.timedelta(minutes=6)).isoformat(), "value": 1}, "future"),
        ({"observed_at": (NOW - dt.timedelta(days=31)).isoformat(), "value": 1}, "too_old"),
        ({"observed_at": NOW.isoformat(), "value": "abc"}, "not_numeric"),
        ({"observed_at": NOW.isoformat(), "value": True}, "not_numeric"),
        ({"observed_at": NOW.isoformat(), "value": float("nan")}, "not_numeric"),
        ({"observed_at": NOW.isoformat(), "value": None}, "not_numeric"),
        ({"observed_at": NOW.isoformat(), "value": {"v": 1}}, "not_numeric"),
        ({"observed_at": NOW.isoformat(), "value": 250}, "impossible"),
        ({"observed_at": NOW.isoformat(), "value": -31}, "impossible"),
        ({"observed_at": NOW.isoformat(), "value": 1e30}, "impossible"),
        ({"observed_at": NOW.isoformat(), "value": 1, "quality": "great"}, "bad_quality"),
    ],
)
def test_bad_readings_are_refused_counted_and_logged(miyakonojo, river, reading, reason):
    [result] = ingest([Incoming(station=river, raw=str(reading), where="test", **reading)])
    assert (result.outcome, result.reason) == ("refused", reason)
    assert result.message
    assert Observation.all_tenants.count() == 0
    refusal = IntakeRefusal.objects.get()
    assert (refusal.reason, refusal.municipality, refusal.station) == (reason, miyakonojo, river)
    assert IntakeTally.objects.get(outcome=reason).count == 1


def test_rain_cannot_be_negative_but_missing_is_kept_as_missing(miyakonojo):
    rain = factories.station(miyakonojo, kind=StationKind.RAIN)
    [negative] = ingest([Incoming(observed_at=at(0), value=-0.5, station=rain)])
    [missing] = ingest([Incoming(observed_at=at(10), value=None, quality="missing", station=rain)])
    assert negative.reason == "impossible"
    assert missing.outcome == "stored"
    assert Observation.all_tenants.get().quality == Quality.MISSING


def test_a_station_can_narrow_its_plausible_range(miyakonojo):
    station = factories.station(miyakonojo, plausible_min="0", plausible_max="8")
    [result] = ingest([Incoming(observed_at=at(0), value=9, station=station)])
    assert result.reason == "impossible"
    assert "0" in result.message and "8" in result.message


def test_files_may_bring_old_history_and_local_times(miyakonojo, river):
    [old] = ingest(
        [
            Incoming(
                observed_at="2019-10-12 21:00",
                value=5.2,
                station=river,
                naive_tz=dt.timezone(dt.timedelta(hours=9)),
            )
        ],
        source=Source.FILE,
    )
    assert old.outcome == "stored"
    assert old.observed_at == dt.datetime(2019, 10, 12, 12, 0, tzinfo=dt.UTC)


def test_unknown_municipality_and_station_by_code(miyakonojo, river):
    results = ingest(
        [
            Incoming(
                lg_code="999999",
                station_code="x",
                observed_at=at(0),
                value=1,
                where="kanmin/999999/stations/x/observations",
            ),
            Incoming(lg_code="452025", station_code="nothere", observed_at=at(0), value=1),
            Incoming(lg_code="452025", station_code="takeshita", observed_at=at(0), value=1),
        ],
        source=Source.MQTT,
    )
    assert [r.reason for r in results] == ["unknown_municipality", "unknown_station", None]
    unknown = IntakeRefusal.objects.get(reason="unknown_municipality")
    assert unknown.municipality is None and "999999" in unknown.where
    counts = selectors.intake_counts(
        municipality=miyakonojo, start=NOW.date(), end=NOW.date() + dt.timedelta(days=1)
    )
    assert counts == {("mqtt", "unknown_station"): 1, ("mqtt", "stored"): 1}
    assert selectors.intake_counts(
        municipality=None, start=NOW.date(), end=NOW.date() + dt.timedelta(days=1)
    ) == {("mqtt", "unknown_municipality"): 1}


def test_inactive_station_and_other_municipality(miyakonojo, miyazaki, river):
    services.station_update(municipality=miyakonojo, actor=None, station=river, active=False)
    [inactive] = ingest(
        [Incoming(station_code="takeshita", observed_at=at(0), value=1)], municipality=miyakonojo
    )
    [elsewhere] = ingest(
        [Incoming(lg_code="452025", station_code="takeshita", observed_at=at(0), value=1)],
        municipality=miyazaki,
    )
    assert inactive.reason == "inactive_station"
    assert elsewhere.reason == "unknown_municipality"


def test_a_device_sends_only_for_its_station(miyakonojo, river):
    other = factories.station(miyakonojo)
    device = factories.device(miyakonojo, river)
    [result] = ingest([Incoming(station=other, device=device, observed_at=at(0), value=1)])
    assert result.reason == "wrong_station"
    [ok] = ingest([Incoming(station=river, device=device, observed_at=at(0), value=1)])
    assert ok.outcome == "stored"
    device.refresh_from_db()
    assert device.last_seen_at == NOW


def test_rate_limiter_counts_per_sender_and_minute():
    clock = [0.0]
    limiter = RateLimiter(limit=3, clock=lambda: clock[0])
    assert [limiter.allow("a") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("b")
    clock[0] = 60.0
    assert limiter.allow("a")


def test_operator_correction_is_audited_and_needs_permission(
    miyakonojo, make_user, operator, river
):
    ingest([Incoming(observed_at=at(10), value=2.31, station=river)])
    when = NOW - dt.timedelta(minutes=10)
    with pytest.raises(Invalid):
        services.observation_correct(
            municipality=miyakonojo,
            actor=operator,
            station=river,
            observed_at=when,
            value=2.5,
            note="",
        )
    clerk = make_user("clerk", "department_staff", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.observation_correct(
            municipality=miyakonojo,
            actor=clerk,
            station=river,
            observed_at=when,
            value=2.5,
            note="x",
        )
    row = services.observation_correct(
        municipality=miyakonojo,
        actor=operator,
        station=river,
        observed_at=when,
        value=2.5,
        note="水位計の較正",
    )
    assert (row.version, row.value, row.source, row.entered_by) == (
        2,
        Decimal("2.5000"),
        "manual",
        operator,
    )
    from kanmin.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="disaster.observation.correct").count() == 1


def test_recent_observations_for_the_dashboard(miyakonojo, miyazaki, river):
    other = factories.station(miyakonojo)
    theirs = factories.station(miyazaki)
    now = timezone.now()
    for station in (river, other, theirs):
        services.observation_ingest(
            readings=[
                Incoming(station=station, observed_at=now - dt.timedelta(hours=h), value=h)
                for h in (1, 50, 80)
            ],
            source=Source.HTTP,
        )
    recent = selectors.observations_recent(municipality=miyakonojo, stations=[river, other, theirs])
    assert set(recent) == {river.pk, other.pk}
    assert [r.value for r in recent[river.pk]] == [50.0, 1.0]
    # The times are the readings' own, in UTC (PostgreSQL sends them as epoch seconds).
    expected = [now - dt.timedelta(hours=50), now - dt.timedelta(hours=1)]
    got = [r.observed_at for r in recent[river.pk]]
    assert all(
        abs(g - e) < dt.timedelta(milliseconds=1) for g, e in zip(got, expected, strict=True)
    )
    assert all(g.utcoffset() == dt.timedelta(0) for g in got)
    exact = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)
    services.observation_ingest(
        readings=[Incoming(station=other, observed_at=exact, value=7)], source=Source.HTTP
    )
    again = selectors.observations_recent(municipality=miyakonojo, stations=[other])
    assert exact in [r.observed_at for r in again[other.pk]]
    latest = selectors.latest_observations(municipality=miyakonojo)
    assert latest[river.pk].value == 1 and theirs.pk not in latest
