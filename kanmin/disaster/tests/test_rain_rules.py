"""Rain rules back-tested against rain events and decisions, on a small hourly rain history
whose numbers were worked out by hand (the reasoning is written next to each).

51 hourly amounts (mm) from 2024-07-01 00:00 JST; each reading is the rain of the hour that
ends at it, so the accumulation over 1 h at a reading is the reading itself:

- event A, h1–h6: 5, 10, 30, 25, 10, 2 (82 mm); a 高齢者等避難 at h4:30;
- event B, h21–h24: 8, 12, 15, 5 (40 mm); no order (a lift only, which does not count);
- event C, h41–h45: 10, 25, 45, 30, 10 (120 mm); 高齢者等避難 at h42:30, 避難指示 at h44.

The dry spells (15 h and 17 h) are longer than the 12 h that end a rain event.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from kanmin.disaster import backtest, criteria, rules, services
from kanmin.disaster.criteria import (
    FALSE_ALARM,
    HIT,
    MISS,
    QUIET,
    PastDecision,
    RainRule,
    RainTerm,
    Reading,
    Series,
)
from kanmin.disaster.models import StationKind
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.test_criteria import h

AMOUNTS = (
    [0, 5, 10, 30, 25, 10, 2]  # h0–h6: event A
    + [0] * 14  # h7–h20
    + [8, 12, 15, 5]  # h21–h24: event B
    + [0] * 16  # h25–h40
    + [10, 25, 45, 30, 10]  # h41–h45: event C
    + [0] * 5  # h46–h50
)
DECISIONS = [
    PastDecision(h(4.5), "issue", 3, "土砂災害", "山田地区"),
    PastDecision(h(22), "lift", 3, "土砂災害", "山田地区"),
    PastDecision(h(42.5), "issue", 3, "土砂災害", "山田地区"),
    PastDecision(h(44), "issue", 4, "土砂災害", "山田地区"),
]


@pytest.fixture
def series() -> Series:
    return Series([Reading(h(i), float(v)) for i, v in enumerate(AMOUNTS)])


@pytest.fixture
def events(series: Series) -> list[criteria.RainEvent]:
    return criteria.rain_events(series, min_total=30)


def test_the_events_and_what_each_needed(series, events) -> None:
    assert [(e.start, e.end, e.total, e.peak, e.peak_at) for e in events] == [
        (h(1), h(6), 82, 30, h(3)),
        (h(21), h(24), 40, 15, h(23)),
        (h(41), h(45), 120, 45, h(43)),
    ]
    # A's order at h4:30, C's first at h42:30; B has only a lift.
    assert criteria.rain_needs(events, DECISIONS) == {1: h(4.5), 2: None, 3: h(42.5)}


def test_accumulations_over_a_window(series, events) -> None:
    a, b, c = events
    # 3 h at h1..h6: 0+5 (h0 counts: (h−2, h1]), then 5+10, 5+10+30, 10+30+25, 30+25+10,
    # 25+10+2.
    assert criteria.window_sums(series, a.first, a.last, 180) == [5, 15, 45, 65, 65, 37]
    # 24 h at B reaches back to A: h21 82+8 = 90, h22 102, h23 117, h24 122 ((h0, h24]
    # still holds all of A).
    assert criteria.window_sums(series, b.first, b.last, 1440) == [90, 102, 117, 122]
    # 24 h at C: B (40) and C so far.
    assert criteria.window_sums(series, c.first, c.first + 2, 1440) == [50, 75, 120]


@pytest.mark.parametrize(
    ("text", "outcomes", "score"),
    [
        # A fires at h3 (30): 90 min before h4:30. B never reaches 30. C fires at h43 (45),
        # 30 min after its order at h42:30: a miss.
        ("rain1h>=30", [(HIT, 90), (QUIET, None), (MISS, -30)], (1, 1, 0, 90)),
        # 3 h: A 45 at h3 (hit, 90); B 35 at h23 (false alarm); C 35 at h42 (30 min ahead).
        ("rain3h>=30", [(HIT, 90), (FALSE_ALARM, None), (HIT, 30)], (2, 0, 1, 60)),
        # Both at one reading: A's 24 h never reaches 100 (at most 82): miss, unfired. B:
        # 24 h ≥ 100 from h22, but its hours stay below 20. C: h43, 45 and 120: late.
        (
            "rain1h>=20 and rain24h>=100",
            [(MISS, None), (QUIET, None), (MISS, -30)],
            (0, 2, 0, None),
        ),
        # Either: A at h3 (30 ≥ 20); B at h22 (24 h 102); C at h42 (25 ≥ 20), 30 min ahead.
        (
            "rain1h>=20 or rain24h>=100",
            [(HIT, 90), (FALSE_ALARM, None), (HIT, 30)],
            (2, 0, 1, 60),
        ),
    ],
)
def test_rules_scored_by_hand(series, events, text, outcomes, score) -> None:
    needs = criteria.rain_needs(events, DECISIONS)
    result = criteria.rain_backtest(series, events, criteria.parse_rain_rule(text), needs)
    assert result.rule == text
    assert [(o.result, o.lead_minutes) for o in result.outcomes] == outcomes
    assert (result.hits, result.misses, result.false_alarms, result.median_lead_minutes) == score


def test_proposals_leave_the_lead_time(series, events) -> None:
    needs = criteria.rain_needs(events, DECISIONS)
    one = {
        p.minutes: p for p in criteria.propose_rain_thresholds(series, events, needs, lead_hours=1)
    }
    # 1 h before the orders: A up to h3 (largest hour 30), C up to h41 (10): 10 mm.
    # 3 h: A 45 by h3, C 10 by h41: 10. 24 h: A 45 by h3, C 50 by h41: 45.
    assert {m: (p.value, p.events_used, p.events_needed) for m, p in one.items()} == {
        60: (10, 2, 2),
        180: (10, 2, 2),
        1440: (45, 2, 2),
    }
    # rain24h>=45: A at h3 (90 min ahead), B at h21 (90 ≥ 45: false alarm), C at h41 (90).
    scored = criteria.rain_backtest(series, events, one[1440].rule, needs)
    assert (scored.hits, scored.misses, scored.false_alarms, scored.median_lead_minutes) == (
        2,
        0,
        1,
        90,
    )
    # 2 h before: C's order at h42:30 leaves h40:30, before its rain began: left out.
    two = criteria.propose_rain_thresholds(series, events, needs, lead_hours=2)
    assert [(p.value, p.events_used) for p in two] == [(10, 1), (15, 1), (15, 1)]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("rain1h>=30", RainRule((RainTerm(60, 30),))),
        ("RAIN 24h >= 150mm", RainRule((RainTerm(1440, 150),))),
        ("rain10min>=8", RainRule((RainTerm(10, 8),))),
        (
            "rain1h>=20 and rain24h>=100",
            RainRule((RainTerm(60, 20), RainTerm(1440, 100)), all_of=True),
        ),
        ("rain1h>=20 | rain3h>=50", RainRule((RainTerm(60, 20), RainTerm(180, 50)))),
    ],
)
def test_rules_are_read_from_text(text, rule) -> None:
    assert criteria.parse_rain_rule(text) == rule
    assert criteria.parse_rain_rule(rule.text) == rule


@pytest.mark.parametrize(
    "text",
    ["", "30", "rain1h>=0", "rain0h>=5", "rain100h>=5", "rain1h>=20 or rain3h>=1 and rain24h>=9"],
)
def test_unreadable_rules(text) -> None:
    with pytest.raises(ValueError):
        criteria.parse_rain_rule(text)


# ------------------------------------------------------------------------------------------
# Stored: the back-test service, the command and the page
# ------------------------------------------------------------------------------------------


@pytest.fixture
def gauge(miyakonojo: Any) -> Any:
    station = factories.station(miyakonojo, code="rain-yamada", kind=StationKind.RAIN)
    services.observation_history_add(
        municipality=miyakonojo,
        station=station,
        readings=[(h(i), v) for i, v in enumerate(AMOUNTS)],
    )
    return station


@pytest.fixture
def orders(miyakonojo: Any, operator: Any, gauge: Any) -> None:
    """The orders of the history, recorded afterwards; they name no station."""
    kinds = {3: "高齢者等避難", 4: "避難指示"}
    for d in DECISIONS:
        services.decision_record(
            municipality=miyakonojo,
            actor=operator,
            action=d.action,
            level=d.level,
            kind=kinds[d.level],
            area=d.area,
            decided_at=d.decided_at,
        )


def _score(rule: str, hits: int, misses: int, false_alarms: int, lead: int) -> dict[str, Any]:
    return {
        "rule": rule,
        "hits": hits,
        "misses": misses,
        "false_alarms": false_alarms,
        "median_lead_minutes": lead,
    }


EXPECTED_JSON = {
    "station": "rain-yamada",
    "events": [
        {
            "start": "2024-07-01T01:00:00+09:00",
            "end": "2024-07-01T06:00:00+09:00",
            "peak": 30.0,
            "peak_at": "2024-07-01T03:00:00+09:00",
        },
        {
            "start": "2024-07-01T21:00:00+09:00",
            "end": "2024-07-02T00:00:00+09:00",
            "peak": 15.0,
            "peak_at": "2024-07-01T23:00:00+09:00",
        },
        {
            "start": "2024-07-02T17:00:00+09:00",
            "end": "2024-07-02T21:00:00+09:00",
            "peak": 45.0,
            "peak_at": "2024-07-02T19:00:00+09:00",
        },
    ],
    "rules": [
        # The proposals with 1 h lead (test_proposals_leave_the_lead_time): 1 h ≥ 10 fires
        # at A h2 (150 min ahead), B h22 (false alarm), C h41 (90): median 120.
        _score("rain1h>=10", 2, 0, 1, 120),
        # 3 h ≥ 10: A h2 (15; 150), B h21 (8+0+0 < 10; h22 20: false alarm), C h41 (90).
        _score("rain3h>=10", 2, 0, 1, 120),
        _score("rain24h>=45", 2, 0, 1, 90),
        _score("rain1h>=30", 1, 1, 0, 90),
    ],
}  # fmt: skip


def test_the_stored_gauge_against_the_recorded_orders(miyakonojo, gauge, orders) -> None:
    analysis = backtest.analyse(
        municipality=miyakonojo,
        station=gauge,
        rules=[criteria.parse_rain_rule("rain1h>=30")],
        lead_hours=1,
    )
    # No order names the gauge: all the municipality's orders are compared.
    assert analysis.decisions_scope == "municipality"
    assert analysis.as_json() == EXPECTED_JSON


def test_the_rules_in_force_and_the_gauges_areas(miyakonojo, gauge, orders, operator) -> None:
    data = rules.default_data()
    rain_rule = {
        "key": "rain-60",
        "level": 3,
        "hazard": "landslide",
        "trigger": "observation",
        "station_kind": "rain",
        "measure": "sum",
        "threshold": "25",
        "window_minutes": 60,
    }
    services.ruleset_save(
        municipality=miyakonojo,
        actor=operator,
        definition={
            **data,
            "rules": [*data["rules"], rain_rule],
            "areas": [{"code": "14", "name_ja": "山田地区", "stations": ["rain-yamada"]}],
        },
        reason="60分雨量",
        valid_from=h(-24),
    )
    # One order for the gauge's area: only it is compared now (event C).
    services.decision_record(
        municipality=miyakonojo,
        actor=operator,
        action="issue",
        level=3,
        kind="高齢者等避難",
        area="山田地区",
        area_codes=["14"],
        decided_at=h(43.5),
    )
    with translation.override("en"):
        analysis = backtest.analyse(municipality=miyakonojo, station=gauge, lead_hours=1)
    assert analysis.decisions_scope == "station"
    assert analysis.rain_needs == {1: None, 2: None, 3: h(43.5)}
    first = analysis.scores[0]
    # rain1h>=25: A fires at h3 with no order (false alarm), C at h42, 90 min before h43:30.
    assert (first.rule, first.label) == ("rain1h>=25", "Rule rain-60 in force (level 3)")
    assert (first.hits, first.misses, first.false_alarms, first.median_lead_minutes) == (
        1,
        0,
        1,
        90,
    )


def test_without_any_decision_nothing_is_scored(miyakonojo, gauge) -> None:
    analysis = backtest.analyse(municipality=miyakonojo, station=gauge)
    assert len(analysis.rain_events) == 3 and analysis.scores == []
    assert analysis.as_json()["rules"] == []


def test_a_river_rule_for_a_gauge_is_refused(miyakonojo, gauge) -> None:
    with pytest.raises(backtest.Invalid) as refused:
        backtest.analyse(municipality=miyakonojo, station=gauge, rules=[criteria.Rule(2.0)])
    assert refused.value.code == "rule_kind"


def _kanmin(*args: str) -> str:
    out = io.StringIO()
    call_command("disaster_backtest", *args, stdout=out)
    return out.getvalue()


def test_cli_json_and_text(gauge, orders) -> None:
    args = ("--municipality", "452025", "--station", "rain-yamada", "--lead-hours", "1")
    printed = json.loads(_kanmin(*args, "--format", "json", "--rule", "rain1h>=30"))
    assert printed == EXPECTED_JSON
    text = _kanmin(*args, "--lang", "en", "--rule", "rain1h>=20 and rain24h>=100")
    row = next(line for line in text.splitlines() if line.startswith("rain1h>=20 and"))
    assert row.split()[-4:] == ["0", "2", "0", "-"]
    assert "Proposed rain thresholds" in text and "all the municipality's decisions" in text
    japanese = _kanmin(*args)
    assert "空振り" in japanese and "見逃し" in japanese
    with pytest.raises(CommandError, match="rain1h"):
        _kanmin(*args, "--lang", "en", "--rule", "2.8")


def test_the_page(operator, gauge, orders) -> None:
    client = Client()
    client.force_login(operator)
    url = "/m/452025/disaster/staff/stations/rain-yamada/criteria/"
    page = client.get(
        url, {"lead_hours": "1", "rain_rule": "rain1h>=30"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "rain24h&gt;=45" in html and "rain1h&gt;=30" in html
    scores = page.context["analysis"].scores
    assert [s.as_json() for s in scores] == EXPECTED_JSON["rules"]
    bad = client.get(url, {"rain_rule": "heavy"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200 and 'value="heavy"' in bad.content.decode()
    assert bad.context["form"].errors["rain_rule"]
    chart = client.get(url + "chart.svg", {"lead_hours": "1"})
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
