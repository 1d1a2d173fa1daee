"""The demo's month of counter visits: the same every build, through the counter's states in
order, peaks where the counter has them, and a BPR change that shortens 住民票 service."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest

from kanmin.core.models import Municipality
from kanmin.demo import counter
from kanmin.procedures import counter_stats
from kanmin.procedures.models import BprChange, CounterVisit, VisitPeriod

pytestmark = pytest.mark.django_db
ORDER = {"waiting": 0, "called": 1, "serving": 2, "on_hold": 3}


def test_the_simulation_is_deterministic_and_follows_the_state_machine() -> None:
    first = list(counter.simulate())
    assert [(v.issued_at, v.procedures) for v in first] == [
        (v.issued_at, v.procedures) for v in counter.simulate()
    ]
    for visit in first:
        states = [p[0] for p in visit.periods]
        assert states[0] == "waiting" and states[1] == "called"
        for (_s, _d, _a, end), (_s2, _d2, start, _e) in itertools.pairwise(visit.periods):
            assert end == start  # one period ends where the next begins
        if visit.state == "done":
            assert states[2] == "serving" and states[-1] == "serving"
            assert visit.periods[-1][3] == visit.closed_at
        else:
            assert states == ["waiting", "called"]
    # Mondays are busier than the other weekdays, and more tickets come at 8 than at 16.
    per_weekday = Counter(v.issued_at.weekday() for v in first)
    assert per_weekday[0] / 5 > per_weekday[2] / 4
    per_hour = Counter(v.issued_at.hour for v in first)
    assert per_hour[8] * 2 > per_hour[16]  # half an hour at 8 still beats an hour at 16
    assert any(len(v.procedures) > 1 for v in first)
    assert any("on_hold" in [p[0] for p in v.periods] for v in first)


def test_counter_build_writes_the_month_once(miyakonojo: Municipality) -> None:
    written = counter.counter_build(municipality=miyakonojo, actor=None, departments={})
    assert written == CounterVisit.all_tenants.filter(municipality=miyakonojo).count() > 1000
    assert counter.counter_build(municipality=miyakonojo, actor=None, departments={}) == 0
    assert BprChange.all_tenants.filter(municipality=miyakonojo).count() == 1
    assert not VisitPeriod.all_tenants.filter(
        municipality=miyakonojo, ended_at__isnull=True
    ).exists()
    query = counter_stats.stats_query(
        municipality=miyakonojo,
        first=None,
        last=None,
        procedure_code="juminhyo-copy",
        change_id=BprChange.all_tenants.get(municipality=miyakonojo).pk,
    )
    report = counter_stats.counter_report(municipality=miyakonojo, query=query)
    comparison = report["bpr_change"]["comparison"]
    assert comparison["weeks"] == 2
    assert comparison["before"]["from"] == dt.date(2026, 3, 2)
    before = comparison["before"]["overall"]["service"]
    after = comparison["after"]["overall"]["service"]
    assert before["n"] > 100 and after["n"] > 100
    assert after["median"] < before["median"]
