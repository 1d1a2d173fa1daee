"""The criteria module against a small history whose numbers were worked out by hand.

The history is 51 hourly river levels (m) from 2024-07-01 00:00 JST with three events; the
reference levels are 1.0 (水防団待機), 2.0 (氾濫注意), 3.0 (避難判断), 4.0 (氾濫危険) and
5.0 (氾濫開始相当). Every expected number below was computed by reading the table, not by
running the code; the reasoning is written next to it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kanmin.disaster import criteria
from kanmin.disaster.criteria import (
    EARLY,
    FALSE_ALARM,
    HIT,
    LATE,
    LIFTED_AFTER_FALL,
    MISS,
    NO_CROSSING,
    QUIET,
    Levels,
    PastDecision,
    Reading,
    Rule,
    Series,
)

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2024, 7, 1, 0, 0, tzinfo=JST)

# hour: level
LEVELS_BY_HOUR = [
    0.5, 0.8, 1.2, 2.0, 3.1, 4.2, 4.5, 3.6, 2.4, 1.5,  # h0–h9: event A from h2 to h9
    0.9, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6,                 # h10–h16: below the base
    1.1, 1.8, 2.6, 3.2, 2.9, 2.0, 1.2,                 # h17–h23: event B
    0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,            # h24–h31
    1.3, 1.8, 2.3, 2.8, 3.3, 3.7, 4.1, 4.3, 3.9, 3.0, 2.0, 1.0,  # h32–h43: event C
    0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8,                 # h44–h50
]  # fmt: skip
LEVELS = Levels(standby=1.0, caution=2.0, evacuation=3.0, danger=4.0, overflow=5.0)


def h(hour: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hour)


@pytest.fixture
def series() -> Series:
    return Series([Reading(h(i), v) for i, v in enumerate(LEVELS_BY_HOUR)])


@pytest.fixture
def events(series: Series) -> list[criteria.Event]:
    return criteria.find_events(series, base=1.0)


def test_events_peaks_and_rises(series: Series, events: list[criteria.Event]) -> None:
    # A: h2 (1.2) to h9 (1.5); below from h10 to h16, 8 h until h17 ≥ 6 h: B starts anew.
    # B: h17 to h23; C: h32 to h43 (1.0 is at the base, so it belongs to the event).
    assert [(e.number, e.start, e.end) for e in events] == [
        (1, h(2), h(9)),
        (2, h(17), h(23)),
        (3, h(32), h(43)),
    ]
    assert [(e.peak, e.peak_at) for e in events] == [(4.5, h(6)), (3.2, h(20)), (4.3, h(39))]
    # The series ends at h50, 7 h after C's last reading above the base: not ongoing.
    assert [e.ongoing for e in events] == [False, False, False]
    # A, 1 h: h4 3.1−2.0 and h5 4.2−3.1 = 1.1. 2 h: h5 4.2−2.0 = 2.2. 3 h: h5 4.2−1.2 = 3.0
    # (h2 has no reading 3 h before it).
    # B, 1 h: h19 2.6−1.8 = 0.8. 2 h: h19 2.6−1.1 = 1.5. 3 h: h20 3.2−1.1 = 2.1.
    # C, 1 h: h32 1.3−0.7 = 0.6. 2 h: h33 1.8−0.7 = 1.1. 3 h: h34 2.3−0.7 = 1.6.
    expected = [(1.1, 2.2, 3.0), (0.8, 1.5, 2.1), (0.6, 1.1, 1.6)]
    for event, rises in zip(events, expected, strict=True):
        assert event.rises == pytest.approx(rises)
    # Between readings the level is linear: 30 minutes after h4 (3.1) towards h5 (4.2).
    assert series.value_at(h(4.5)) == pytest.approx(3.65)
    # A rise over 1.5 h at h5: 4.2 − (value at h3:30 = 2.55) = 1.65.
    assert criteria.max_rise(series, events[0], 1.5) == pytest.approx(1.65)


def test_a_higher_base_or_a_longer_separation_cuts_other_events(series: Series) -> None:
    # At 3.0 only the readings ≥ 3.0 count: A h4–h7, B h20 alone, C h36–h41.
    at_three = criteria.find_events(series, base=3.0)
    assert [(e.start, e.end) for e in at_three] == [(h(4), h(7)), (h(20), h(20)), (h(36), h(41))]
    # With 9 h to separate, B (from h17, 8 h after A's h9) joins A; C (9 h after h23) stays.
    joined = criteria.find_events(series, base=1.0, separation=dt.timedelta(hours=9))
    assert [(e.start, e.end, e.peak) for e in joined] == [(h(2), h(23), 4.5), (h(32), h(43), 4.3)]


def test_proposed_thresholds(series: Series, events: list[criteria.Event]) -> None:
    # All three events reached the caution level 2.0. Over 1 h the largest rise is A's 1.1:
    # 避難判断水位 = 4.0 − 1.1 = 2.90; 氾濫危険水位 = 5.0 − 1.1 = 3.90 (above 3.0, kept).
    evacuation, danger = criteria.propose_thresholds(series, events, LEVELS, lead_hours=1)
    assert (evacuation.name, evacuation.value, evacuation.kept_at) == ("evacuation", 2.9, None)
    assert evacuation.design_rise == pytest.approx(1.1)
    assert (evacuation.events_used, evacuation.statistic, evacuation.current) == (3, "max", 3.0)
    assert (danger.name, danger.value, danger.kept_at) == ("danger", 3.9, None)
    # Over 2 h A rose 2.2: 4.0 − 2.2 = 1.80 is below the caution level, so it is kept at 2.0;
    # 5.0 − 2.2 = 2.80 is below the 避難判断水位 3.0, kept there.
    evacuation, danger = criteria.propose_thresholds(series, events, LEVELS, lead_hours=2)
    assert (evacuation.value, evacuation.kept_at) == (2.0, "caution")
    assert (danger.value, danger.kept_at) == (3.0, "evacuation")
    # The median (50th percentile, nearest rank) of the 1-h rises 0.6, 0.8, 1.1 is 0.8:
    # 4.0 − 0.8 = 3.20.
    evacuation, _danger = criteria.propose_thresholds(series, events, LEVELS, lead_hours=1, p=50)
    assert (evacuation.value, evacuation.statistic) == (3.2, "p50")
    # Without an overflow level only the 避難判断水位 is proposed.
    no_overflow = Levels(standby=1.0, caution=2.0, evacuation=3.0, danger=4.0)
    assert [p.name for p in criteria.propose_thresholds(series, events, no_overflow)] == [
        "evacuation"
    ]


def _table(score: criteria.Score) -> tuple[int, int, int, int, float | None]:
    return (score.hits, score.misses, score.false_alarms, score.quiet, score.median_lead_minutes)


def test_backtest_of_rules(series: Series, events: list[criteria.Event]) -> None:
    def run(rule: Rule) -> criteria.Score:
        return criteria.backtest(series, events, rule, base=1.0, target=4.0)

    # level ≥ 3.0: A fires h4, crosses 4.0 at h5: hit, 60 min. B fires h20 (3.2) but never
    # reaches 4.0: false alarm. C fires h36, crosses h38: hit, 120 min. Median 90.
    current = run(Rule(3.0))
    assert _table(current) == (2, 0, 1, 0, 90)
    assert [(o.result, o.lead_minutes) for o in current.outcomes] == [
        (HIT, 60),
        (FALSE_ALARM, None),
        (HIT, 120),
    ]
    # level ≥ 3.5: A's first reading ≥ 3.5 is the crossing itself (4.2 at h5): no lead, a
    # miss; B stays below: quiet; C fires h37 (3.7), crosses h38: hit, 60 min.
    higher = run(Rule(3.5))
    assert _table(higher) == (1, 1, 0, 1, 60)
    assert [o.result for o in higher.outcomes] == [MISS, QUIET, HIT]
    assert higher.outcomes[0].lead_minutes == 0
    # Adding "or a rise ≥ 1.0 m in 1 h from 2.0": A rose 1.1 at h4 (3.1, above 2.0): fires
    # h4, hit 60; B's largest 1-h rise is 0.8: quiet; C as before: hit 60.
    rising = run(criteria.parse_rule("level>=3.5 or rise>=1.0/1h from 2.0"))
    assert _table(rising) == (2, 0, 0, 1, 60)
    # The danger level itself never warns before the danger crossing.
    assert _table(run(Rule(4.0))) == (0, 2, 0, 1, None)
    # A rule below the base could fire before an event starts: refused.
    with pytest.raises(ValueError):
        run(Rule(0.9))


def test_rule_text_round_trips() -> None:
    rule = criteria.parse_rule("2.5 or rise>=0.4/2h from 2")
    assert rule == Rule(level=2.5, rise=0.4, rise_hours=2, rise_from=2.0)
    assert rule.text == "level>=2.50 or rise>=0.40/2h from 2.00"
    assert criteria.parse_rule(rule.text) == rule
    assert criteria.parse_rule("level>=3.125").text == "level>=3.125"
    assert criteria.parse_rule(" 3 ").text == "level>=3.00"
    for bad in ("", "level", "3.0 or rise", "3.0 or rise>=0/1h", "abc", "3.0 or rise>=0.4/0h"):
        with pytest.raises(ValueError):
            criteria.parse_rule(bad)


def _decisions() -> list[PastDecision]:
    return [
        PastDecision(h(3.5), "issue", 3, "flood", "A地区"),  # D1, event A
        PastDecision(h(5 + 20 / 60), "issue", 4, "flood", "A地区"),  # D2, event A
        PastDecision(h(9), "lift", 4, "flood", "A地区"),  # D3, event A
        PastDecision(h(20 + 10 / 60), "issue", 3, "flood", "B地区"),  # D4, event B
        PastDecision(T0 - dt.timedelta(days=10), "issue", 3, "landslide", "山間部"),  # no event
    ]


def test_past_decisions_scored_as_a_rule(series: Series, events: list[criteria.Event]) -> None:
    # A: first 発令 of level ≥ 3 is D1 at 03:30, danger crossed at 05:00: hit, 90 min.
    # B: D4 at 20:10, but B never reached 4.0: false alarm. C: no decision: miss.
    score = criteria.decisions_score(series, events, _decisions(), target=4.0)
    assert score.rule == "decisions:level>=3"
    assert _table(score) == (1, 1, 1, 0, 90)
    assert score.as_json() == {
        "rule": "decisions:level>=3",
        "hits": 1,
        "misses": 1,
        "false_alarms": 1,
        "median_lead_minutes": 90,
    }


def test_post_event_review(series: Series, events: list[criteria.Event]) -> None:
    reviews, outside = criteria.review(series, events, _decisions(), LEVELS)
    assert [d.area for d in outside] == ["山間部"]
    a, b, c = reviews
    # A crosses 1.0 at h2 (falls below after h9: h10), 2.0 at h3 (last ≥ 2.0 is h8: h9),
    # 3.0 at h4 (h7 3.6 last: h8), 4.0 at h5 (h6 last: h7); never 5.0.
    assert [(x.name, x.up_at, x.down_at) for x in a.crossings] == [
        ("standby", h(2), h(10)),
        ("caution", h(3), h(9)),
        ("evacuation", h(4), h(8)),
        ("danger", h(5), h(7)),
        ("overflow", None, None),
    ]
    # D1 (level 3) 30 min before the 3.0 crossing at 04:00; D2 (level 4) 20 min after the
    # 4.0 crossing at 05:00; D3 lifts level 4 two hours after the level fell below 4.0 (07:00).
    assert [(x.verdict, x.reference, x.minutes) for x in a.checks] == [
        (EARLY, "evacuation", -30),
        (LATE, "danger", 20),
        (LIFTED_AFTER_FALL, "danger", 120),
    ]
    assert a.missing == ()
    # B: D4 10 minutes after 3.0 was crossed at 20:00; B never reached 4.0, nothing missing.
    assert [(x.verdict, x.minutes) for x in b.checks] == [(LATE, 10)]
    assert b.missing == ()
    # C crossed 3.0 at h36 and 4.0 at h38 with no decision at all: levels 3 and 4 missing.
    assert c.checks == ()
    assert [(m.level, m.reference, m.crossing_at) for m in c.missing] == [
        (3, "evacuation", h(36)),
        (4, "danger", h(38)),
    ]


def test_a_decision_for_a_level_never_reached(series: Series, events: list[criteria.Event]) -> None:
    # A level-4 order during B, which peaked at 3.2: nothing to compare it with.
    order = PastDecision(h(21), "issue", 4, "flood", "B地区")
    reviews, _outside = criteria.review(series, events, [order], LEVELS)
    assert [(x.verdict, x.minutes) for x in reviews[1].checks] == [(NO_CROSSING, None)]
    # It is nearer to B (inside it) than to A (12 h after A's end at h9): it belongs to B.
    assert reviews[0].checks == ()


def test_levels_in_force_per_event(series: Series, events: list[criteria.Event]) -> None:
    # With the 避難判断水位 at 3.5 from B on, B (peak 3.2) has no evacuation crossing.
    def levels(event: criteria.Event) -> Levels:
        return LEVELS if event.number == 1 else Levels(standby=1.0, evacuation=3.5, danger=4.0)

    reviews, _ = criteria.review(series, events, [], levels)
    assert [x.up_at for x in reviews[1].crossings if x.name == "evacuation"] == [None]
    assert [m.level for m in reviews[2].missing] == [3, 4]  # C crossed 3.5 at h37 and 4.0


def test_rain_events_and_accumulations() -> None:
    amounts = [0, 2, 10, 25, 8] + [0] * 15 + [5] + [0] * 3  # hourly amounts (mm)
    series = Series([Reading(h(i), float(v)) for i, v in enumerate(amounts)])
    # Rain from h1 to h4 (45 mm); then 16 h dry, then 5 mm at h20: a second run, under 30 mm.
    [event] = criteria.rain_events(series, min_total=30)
    assert (event.start, event.end, event.total) == (h(1), h(4), 45)
    # The wettest hour ends at h3 (25 mm); 3 hours: h2–h4 = 10 + 25 + 8 = 43; 24 h: all 45.
    assert (event.peak, event.peak_at, event.max_3h, event.max_24h) == (25, h(3), 43, 45)
    # With no minimum both runs are events.
    assert [e.total for e in criteria.rain_events(series, min_total=0)] == [45, 5]


def test_percentile_is_nearest_rank() -> None:
    assert criteria.percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.0
    assert criteria.percentile([3.0, 1.0, 2.0, 4.0], 90) == 4.0
    assert criteria.percentile([3.0], 10) == 3.0
    with pytest.raises(ValueError):
        criteria.percentile([], 50)
