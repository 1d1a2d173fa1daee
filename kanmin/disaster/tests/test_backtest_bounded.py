"""The analysis reads only the readings around the events (``backtest.river_series``,
``rain_series``): every figure, and the chart, must be what the whole history gives."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import matplotlib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kanmin.disaster import backtest, criteria, services, views
from kanmin.disaster.forms import CriteriaForm, RainCriteriaForm
from kanmin.disaster.models import Quality, StationKind
from kanmin.disaster.tests import factories

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2023, 4, 1, tzinfo=JST)
STEP = dt.timedelta(minutes=10)
DAYS = 120


def _river_history(seed: int) -> list[tuple[dt.datetime, str]]:
    """10-minute levels around 0.6 m with floods of different sizes, one cut by a gap in the
    record, one at the very end of the record (ongoing)."""
    rng = random.Random(seed)
    peaks = {10: 4.6, 31: 3.3, 32: 2.2, 55: 4.2, 80: 1.7, 102: 3.9, DAYS - 0.3: 2.6}
    readings = []
    at = START
    while at < START + dt.timedelta(days=DAYS):
        day = (at - START).total_seconds() / 86400
        level = 0.6 + rng.uniform(-0.05, 0.05)
        for peak_day, peak in peaks.items():
            hours = (day - peak_day) * 24
            level += (peak - 0.6) * math.exp(-((hours / (6 if hours < 0 else 14)) ** 2))
        if not 56 <= day < 56.3:  # the gauge was down for 7 hours in a flood
            readings.append((at, f"{level:.3f}"))
        at += STEP
    return readings


def _rain_history(seed: int) -> list[tuple[dt.datetime, str]]:
    rng = random.Random(seed)
    readings = []
    at = START
    while at < START + dt.timedelta(days=DAYS):
        day = (at - START).total_seconds() / 86400
        amount = 0.0
        if rng.random() < 0.03:  # showers now and then
            amount = rng.choice([0.5, 1.0, 2.0])
        for storm in (10, 31.5, 55, 102):
            if storm - 0.4 < day < storm + 0.2:
                amount += rng.uniform(0, 9)
        readings.append((at, f"{round(amount * 2) / 2:.1f}"))
        at += STEP
    return readings


def _same_chart(first: backtest.Analysis, second: backtest.Analysis, form: Any) -> bool:
    # Fixed ids in the SVG (matplotlib draws random ones otherwise).
    with matplotlib.rc_context({"svg.hashsalt": "kanmin-test"}):
        return views._chart(first, form) == views._chart(second, form)


def _comparable(analysis: backtest.Analysis) -> dict[str, Any]:
    """The analysis without the indexes into its series (which differ by design)."""
    return {
        "json": analysis.as_json(),
        "events": [
            (e.number, e.start, e.end, e.peak, e.peak_at, e.rises, e.ongoing)
            for e in analysis.events
        ],
        "rain_events": [
            (e.start, e.end, e.total, e.peak, e.peak_at, e.max_3h, e.max_24h)
            for e in analysis.rain_events
        ],
        "proposals": analysis.proposals,
        "rain_proposals": analysis.rain_proposals,
        "scores": analysis.scores,
        "reviews": [(r.levels, r.crossings, r.checks, r.missing) for r in analysis.reviews],
        "outside": analysis.outside,
    }


@pytest.mark.parametrize("lead_hours", [1.0, 3.0, 24.0])
def test_a_river_station_gives_the_same_figures_and_chart(miyakonojo, operator, lead_hours):
    station = factories.station(miyakonojo, code="odo")
    services.reference_levels_set(
        municipality=miyakonojo,
        actor=None,
        station=station,
        standby="1.5",
        caution="2.5",
        evacuation="3.4",
        danger="4.1",
        overflow="4.8",
        valid_from=START - dt.timedelta(days=365),
    )
    readings = _river_history(seed=15)
    services.observation_history_add(municipality=miyakonojo, station=station, readings=readings)
    # A suspect spike between floods: left out by both.
    services.observation_history_add(
        municipality=miyakonojo,
        station=station,
        readings=[(START + dt.timedelta(days=70, minutes=5), "9.0")],
        quality=Quality.SUSPECT,
    )
    for day, level in ((10, 3), (10.2, 4), (55.1, 4), (70, 3)):
        services.decision_record(
            municipality=miyakonojo,
            actor=operator,
            action="issue",
            level=level,
            kind={3: "高齢者等避難", 4: "避難指示"}[level],
            area="大淀川沿い",
            decided_at=START + dt.timedelta(days=day),
            stations=[station],
        )
    rules = [criteria.parse_rule("level>=3.0 or rise>=0.5/1h from 2.0")]
    kwargs = {"municipality": miyakonojo, "station": station, "rules": rules}
    whole = backtest.analyse(**kwargs, lead_hours=lead_hours, whole_history=True)
    bounded = backtest.analyse(**kwargs, lead_hours=lead_hours)
    assert len(whole.events) == 6 and whole.events[-1].ongoing
    assert _comparable(bounded) == _comparable(whole)
    # Far fewer readings are read: the floods and a day around each.
    assert len(bounded.series) < len(whole.series) / 3
    form = CriteriaForm({**CriteriaForm.DEFAULTS, "level": "3.0"})
    assert _same_chart(bounded, whole, form)


def test_a_rain_gauge_gives_the_same_figures_and_chart(miyakonojo, operator):
    station = factories.station(miyakonojo, code="rain", kind=StationKind.RAIN)
    readings = _rain_history(seed=15)
    services.observation_history_add(municipality=miyakonojo, station=station, readings=readings)
    for day in (10.1, 55.05, 80):
        services.decision_record(
            municipality=miyakonojo,
            actor=operator,
            action="issue",
            level=3,
            kind="高齢者等避難",
            area="山田地区",
            decided_at=START + dt.timedelta(days=day),
        )
    rules = [criteria.parse_rain_rule("rain1h>=20 or rain24h>=60")]
    kwargs = {"municipality": miyakonojo, "station": station, "rules": rules}
    whole = backtest.analyse(**kwargs, whole_history=True)
    bounded = backtest.analyse(**kwargs)
    assert len(whole.rain_events) >= 4 and whole.scores
    assert _comparable(bounded) == _comparable(whole)
    assert len(bounded.series) < len(whole.series) / 3
    form = RainCriteriaForm(RainCriteriaForm.DEFAULTS)
    assert _same_chart(bounded, whole, form)


def test_the_database_reads_a_bounded_number_of_rows(miyakonojo):
    """However long the history, the queries stay few (two for the events, one per 200
    windows)."""
    station = factories.station(miyakonojo, code="odo")
    services.reference_levels_set(
        municipality=miyakonojo,
        actor=None,
        station=station,
        standby="1.5",
        danger="4.1",
        valid_from=START - dt.timedelta(days=365),
    )
    services.observation_history_add(
        municipality=miyakonojo, station=station, readings=_river_history(seed=3)
    )
    with CaptureQueriesContext(connection) as queries:
        backtest.river_series(station=station, base=1.5)
    assert len(queries) == 3
