"""The demo's disaster information: stations built through the services, a generated history
that matches what the module says of it, and past decisions that the post-event review finds
early, one late and one missing."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest

from kanmin.core.models import Municipality
from kanmin.demo import disaster
from kanmin.disaster import backtest, criteria, selectors
from kanmin.disaster.models import Observation, StationKind

pytestmark = pytest.mark.django_db


def _decisions() -> list[criteria.PastDecision]:
    return backtest.decisions_from_rows(SimpleNamespace(**d) for d in disaster.PAST_DECISIONS)


def test_the_demo_stations_history_and_past_decisions(miyakonojo: Municipality) -> None:
    added = disaster.disaster_build(municipality=miyakonojo)
    stations = {s.code: s for s in selectors.station_list(municipality=miyakonojo)}
    kinds = Counter(s.kind for s in stations.values())
    assert kinds == {
        StationKind.RIVER: 4,
        StationKind.RAIN: 3,
        StationKind.FARM: 3,
        StationKind.TRAP: 2,
    }
    assert {s.river_name for s in stations.values() if s.kind == StationKind.RIVER} == {
        "大淀川",
        "庄内川",
        "沖水川",
        "横市川",
    }
    for station in stations.values():
        assert 31.5 < float(station.latitude) < 32.0 and 130.85 < float(station.longitude) < 131.3
        levels = selectors.reference_levels_at(station=station)
        if station.kind == StationKind.RIVER:
            assert levels is not None
            values = [levels.standby, levels.caution, levels.evacuation, levels.danger]
            assert None not in values and values == sorted(values)
        else:
            assert levels is None
        assert added[station.code] == Observation.all_tenants.filter(station=station).count() > 0
    # Running it again adds nothing.
    assert set(disaster.disaster_build(municipality=miyakonojo).values()) == {0}

    main = stations[disaster.MAIN_STATION]
    analysis = backtest.analyse(municipality=miyakonojo, station=main, decisions=_decisions())
    # Eight events, a 梅雨前線 and a 台風 a year, peaking where the module says (±2 cm of
    # noise) within an hour of the time it gives (the top is flat: noise moves the highest
    # reading).
    assert len(analysis.events) == len(disaster.FLOOD_EVENTS) == 8
    for event, planned in zip(analysis.events, disaster.FLOOD_EVENTS, strict=True):
        assert event.peak == pytest.approx(0.80 + planned.rise, abs=0.02)
        assert abs(event.peak_at - planned.peak_at) <= dt.timedelta(hours=1)
    # Readings every 10 minutes where the levels are crossed, every hour around, every day
    # otherwise.
    # (The whole history: the analysis reads only the readings around the events.)
    history = backtest.station_series(station=main).readings
    steps = Counter(b.at - a.at for a, b in itertools.pairwise(history))
    assert steps[dt.timedelta(minutes=10)] > steps[dt.timedelta(hours=1)] > 0
    assert steps[dt.timedelta(days=1)] > 1000
    # Four events reached the 氾濫危険水位 4.10 m; the 避難判断水位 3.40 m warned in each of
    # them and fired in vain in two (3.60 and 3.55 m).
    current = analysis.scores[0]
    assert (current.rule, current.hits, current.misses, current.false_alarms) == (
        "level>=3.40",
        4,
        0,
        2,
    )
    # Every decision belongs to an event; one was late (the 避難指示 of July 2023, 50 min),
    # one is missing (no 避難指示 in September 2025); every other 発令 came before its level.
    assert analysis.outside == []
    checks = [c for r in analysis.reviews for c in r.checks if c.decision.action == "issue"]
    late = [
        (c.decision.decided_at.date(), c.decision.level, c.minutes)
        for c in checks
        if c.verdict == criteria.LATE
    ]
    assert late == [(dt.date(2023, 7, 1), 4, 50)]
    assert {c.verdict for c in checks} == {criteria.EARLY, criteria.LATE}
    missing = [(r.event.start.date(), m.level) for r in analysis.reviews for m in r.missing]
    assert missing == [(dt.date(2025, 9, 4), 4)]
    assert analysis.scores[-1].rule == "decisions:level>=3"

    # The decision service receives the stations as rows of this municipality.
    recorded: list[dict[str, Any]] = []
    count = disaster.record_past_decisions(
        municipality=miyakonojo, actor=None, record=lambda **kw: recorded.append(kw)
    )
    assert count == len(recorded) == len(disaster.PAST_DECISIONS)
    assert {s.pk for r in recorded for s in r["stations"]} == {main.pk}
    assert set(recorded[0]) == {
        "municipality",
        "actor",
        "decided_at",
        "action",
        "level",
        "kind",
        "area",
        "stations",
        "note",
    }


def test_the_generated_history_is_the_same_on_every_build() -> None:
    for spec in disaster.STATIONS:
        generate = disaster.HISTORIES[spec.kind]
        first = generate(spec)
        assert first == generate(spec)
        assert all(a[0] < b[0] for a, b in itertools.pairwise(first))  # one reading a time
    rain = next(s for s in disaster.STATIONS if s.code == "rain-miyakonojo")
    total = sum(v for _t, v in disaster.rain_history(rain))
    # The events' rain at 都城 (2,530 mm), varied by ±30 % per reading and rounded to 0.5 mm.
    assert total == pytest.approx(sum(e.rain_mm for e in disaster.FLOOD_EVENTS), rel=0.05)
