"""Objective evacuation criteria from a station's history (経験則ではない客観的な避難判断の基準).

Pure functions over plain dataclasses: no database, no Django. ``kanmin.disaster.backtest``
reads a station's readings, reference levels and past decisions and hands them in here.
The method is the one of operations §3.4: cut the history into events, measure each event's
peak and rise rates, derive a threshold from the rise expected during the lead time needed,
and score any candidate rule against every past event (the way a 土砂災害 CL is tuned).

Definitions (the page and the CLI say the same):

- **Reading**: one value at one time; missing readings are left out. A river reading is a
  water level (m); a rain reading is the amount fallen since the station's previous reading
  (10-minute or hourly amounts), so an accumulation over a window (t − h, t] is a sum.
- **Value at a time between readings**: linear between the two readings around it, when they
  are at most ``max_gap`` (3 h) apart; otherwise unknown.
- **Rise over h hours at a reading** (t, v): v − value at t − h (metres). An event's *rise
  over h hours* is the largest such rise at any of its readings (unknown when no reading of
  the event has a value h hours before it).
- **Event (river)**: a maximal run of readings at or above ``base`` (normally the
  水防団待機水位), in which two consecutive readings at or above the base are less than
  ``separation`` (6 h) apart: the level must stay below the base (or unrecorded) for
  ``separation`` to end an event. ``start`` and ``end`` are its first and last readings at or
  above the base; ``peak`` its highest reading (the first one, on a tie) at ``peak_at``.
  An event whose last reading lies less than ``separation`` before the end of the series is
  *ongoing*.
- **Crossing of a level**: the first reading of an event at or above it. **Fall below a
  level**: the first reading below it after the event's last reading at or above it.
- **Needed event**: one that reached the ``target`` (normally the 氾濫危険水位): evacuation
  was needed before the crossing.
- **Rule**: fires at the first reading of an event at or above ``level``, or, when it has a
  rise condition, at the first reading at or above ``rise_from`` (the base by default) whose
  rise over ``rise_hours`` is at least ``rise``.
- **Back-test of a rule, per event**: a *hit* fires before the target crossing (strictly:
  firing at the crossing itself leaves no time); *lead time* = crossing − firing, in minutes.
  A needed event where the rule fired late or never is a *miss* (見逃し); an event that was
  not needed where the rule fired is a *false alarm* (空振り); otherwise *quiet*. The median
  lead time is over hits. Past decisions are scored the same way, as if they were a rule
  that fired at the first 発令 of 警戒レベル 3 or higher belonging to the event.
- **Decisions belonging to an event**: those made from ``before`` (12 h) before its start to
  ``after`` (12 h) after its end; a decision within two events' windows belongs to the one
  nearer in time (the earlier on a tie).
- **Proposed threshold**: 避難判断水位 = 氾濫危険水位 − design rise over the lead time needed,
  rounded down to the centimetre and kept at or above the 氾濫注意水位; likewise
  氾濫危険水位 = 氾濫開始相当水位 − design rise, kept above the 避難判断水位, when the
  overflow level is set. The design rise is the largest (or a nearest-rank percentile of
  the) rise over the lead time among the events that reached the 氾濫注意水位 (all events
  when it is not set).
- **Post-event review (事後検証)**: for each event, the crossings of each reference level and,
  for each decision belonging to it, minutes from the crossing of the level its 警戒レベル
  answers to (3 → 避難判断水位, 4 → 氾濫危険水位, 5 → 氾濫開始相当水位; operations §3.1) to
  the 発令 (negative: before the crossing), or from the fall below that level to the 解除.
  A crossing with no 発令 of that 警戒レベル or higher in the event is a missing decision.
- **Rain event**: a maximal run of readings with rain in which consecutive rainy readings
  are less than ``separation`` (12 h) apart, kept when its total reaches ``min_total``;
  ``peak`` is its largest 1-hour accumulation, ``peak_at`` the end of that hour.
- **Accumulation over w at a reading** (t, v): the sum of the readings in (t − w, t] (rain
  readings are amounts since the previous reading).
- **Rain rule**: one or more terms "accumulation over w ≥ x mm" joined by ``or`` (fires at
  the first reading of a rain event where any term holds) or by ``and`` (where every term
  holds at the same reading: a short and a long window together, the shape of a 土砂災害 CL).
  Written ``rain1h>=30``, ``rain1h>=30 or rain24h>=150``, ``rain1h>=20 and rain24h>=100``
  (``rain10min>=…`` for windows in minutes).
- **Back-test of a rain rule, per rain event**: the event *needed* evacuation when a 発令 of
  警戒レベル ``min_level`` (3) or higher belongs to it (as for river events: made from 12 h
  before its start to 12 h after its end); the *reference time* is the first such 発令. A
  *hit* fires before it (lead time = 発令 − firing); a needed event where the rule fired
  later or never is a *miss*; an event with no such 発令 where the rule fired is a *false
  alarm*; otherwise *quiet*.
- **Proposed rain threshold** over w: the largest whole number of mm that the accumulation
  over w reached in every needed event at least the lead time before its first 発令 (an
  event with no reading that early cannot be caught and is left out and counted), so that
  ``rain<w> >= x`` would have given every such event that much lead time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

HOUR = dt.timedelta(hours=1)
# Rises are differences of stored values: compare them with this much slack.
EPSILON = 1e-9
RISE_HOURS = (1, 2, 3)
# Which reference level a decision of each 警戒レベル answers to (operations §3.1).
DECISION_REFERENCE = {3: "evacuation", 4: "danger", 5: "overflow"}

HIT = "hit"
MISS = "miss"
FALSE_ALARM = "false_alarm"
QUIET = "quiet"

ISSUE = "issue"
LIFT = "lift"

EARLY = "early"
ON_TIME = "on_time"
LATE = "late"
NO_CROSSING = "no_crossing"
LIFTED_BEFORE_FALL = "lifted_before_fall"
LIFTED_AFTER_FALL = "lifted_after_fall"
NOT_COMPARED = "not_compared"


# ------------------------------------------------------------------------------------------
# Readings and reference levels
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    at: dt.datetime
    value: float


def readings_from(points: Iterable[tuple[dt.datetime, Any]]) -> list[Reading]:
    """Readings from (time, value) pairs, oldest first; missing values (None) are left out."""
    found = [Reading(at, float(value)) for at, value in points if value is not None]
    found.sort(key=lambda r: r.at)
    return found


class Series:
    """One station's readings, oldest first, with look-ups by time."""

    def __init__(self, readings: Sequence[Reading], *, max_gap: dt.timedelta = 3 * HOUR) -> None:
        self.readings = list(readings)
        self.times = [r.at for r in self.readings]
        self.max_gap = max_gap

    def __len__(self) -> int:
        return len(self.readings)

    def value_at(self, at: dt.datetime) -> float | None:
        """The reading at ``at``, or linear between the two around it (at most ``max_gap``
        apart), or None."""
        i = bisect.bisect_right(self.times, at)
        if i and self.times[i - 1] == at:
            return self.readings[i - 1].value
        if i == 0 or i == len(self.readings):
            return None
        before, after = self.readings[i - 1], self.readings[i]
        if after.at - before.at > self.max_gap:
            return None
        share = (at - before.at) / (after.at - before.at)
        return before.value + (after.value - before.value) * share

    def rise(self, index: int, hours: float) -> float | None:
        """How much the level rose over the ``hours`` before reading ``index``."""
        reading = self.readings[index]
        earlier = self.value_at(reading.at - dt.timedelta(hours=hours))
        # Rounded past the stored precision, so that 4.2 − 3.1 compares equal to 1.1.
        return None if earlier is None else round(reading.value - earlier, 6)

    def index_of(self, at: dt.datetime) -> int:
        """The index of the first reading at or after ``at``."""
        return bisect.bisect_left(self.times, at)


@dataclass(frozen=True)
class Levels:
    """A river station's 基準水位 (m); any may be unset."""

    standby: float | None = None  # 水防団待機水位
    caution: float | None = None  # 氾濫注意水位
    evacuation: float | None = None  # 避難判断水位
    danger: float | None = None  # 氾濫危険水位
    overflow: float | None = None  # 氾濫開始相当水位

    NAMES: ClassVar[tuple[str, ...]] = ("standby", "caution", "evacuation", "danger", "overflow")

    def get(self, name: str) -> float | None:
        value: float | None = getattr(self, name)
        return value

    def defined(self) -> list[tuple[str, float]]:
        """(name, level) of the levels that are set, lowest first."""
        return [(n, v) for n in self.NAMES if (v := self.get(n)) is not None]


# ------------------------------------------------------------------------------------------
# Events
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One flood event; ``first`` and ``last`` index its readings in the series."""

    number: int
    start: dt.datetime
    end: dt.datetime
    peak: float
    peak_at: dt.datetime
    rises: tuple[float | None, ...]  # the largest rise over 1, 2 and 3 hours (m)
    ongoing: bool
    first: int
    last: int

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start

    def rise(self, hours: int) -> float | None:
        return self.rises[RISE_HOURS.index(hours)]


def max_rise(series: Series, event: Event, hours: float) -> float | None:
    """The event's largest rise over ``hours`` (None when none can be measured)."""
    rises = [
        r for i in range(event.first, event.last + 1) if (r := series.rise(i, hours)) is not None
    ]
    return max(rises) if rises else None


def find_events(
    series: Series,
    *,
    base: float,
    separation: dt.timedelta = 6 * HOUR,
    until: dt.datetime | None = None,
) -> list[Event]:
    """Cut the series into events at ``base`` (see the module's definitions). ``until``: the
    time of the station's last reading, when the series holds only the readings around its
    events (it tells an ongoing event); by default the series' last reading."""
    runs: list[tuple[int, int]] = []
    for i, reading in enumerate(series.readings):
        if reading.value < base:
            continue
        if runs and reading.at - series.readings[runs[-1][1]].at < separation:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    events = []
    last_time = until if until is not None else (series.readings[-1].at if series else None)
    for number, (first, last) in enumerate(runs, start=1):
        inside = series.readings[first : last + 1]
        peak = max(inside, key=lambda r: r.value)  # max() keeps the first of equal values
        provisional = Event(
            number=number,
            start=inside[0].at,
            end=inside[-1].at,
            peak=peak.value,
            peak_at=peak.at,
            rises=(),
            ongoing=last_time is not None and last_time - inside[-1].at < separation,
            first=first,
            last=last,
        )
        rises = tuple(max_rise(series, provisional, h) for h in RISE_HOURS)
        events.append(replace(provisional, rises=rises))
    return events


def crossing(series: Series, event: Event, level: float) -> dt.datetime | None:
    """When the event first reached ``level`` (None if it never did)."""
    for i in range(event.first, event.last + 1):
        if series.readings[i].value >= level:
            return series.readings[i].at
    return None


def fall(series: Series, event: Event, level: float) -> dt.datetime | None:
    """When the level was first below ``level`` after the event's last reading at or above it
    (None if it never reached it, or no reading follows)."""
    for i in range(event.last, event.first - 1, -1):
        if series.readings[i].value >= level:
            following = i + 1
            if following < len(series.readings):
                return series.readings[following].at
            return None
    return None


# ------------------------------------------------------------------------------------------
# Proposed thresholds
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """A threshold derived from ``source`` (the level it protects) minus the design rise."""

    name: str  # "evacuation" or "danger"
    value: float | None
    current: float | None
    source: str  # "danger" or "overflow"
    source_value: float
    lead_hours: float
    design_rise: float | None
    statistic: str  # "max" or "p90" etc.
    events_used: int
    kept_at: str | None = None  # the level it was raised to ("caution", "evacuation")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in (0, 100]; 100 is the largest value)."""
    if not values:
        raise ValueError("no values")
    if not 0 < p <= 100:
        raise ValueError("percentile must be in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def _floor_cm(value: float) -> float:
    return math.floor(value * 100 + EPSILON) / 100


def design_rise(
    series: Series,
    events: Sequence[Event],
    *,
    lead_hours: float,
    reached: float | None,
    p: float | None = None,
) -> tuple[float | None, int]:
    """(design rise over ``lead_hours``, events it was taken from): the largest rise, or the
    ``p``-th percentile, among the events that reached ``reached`` (all when None)."""
    used = [e for e in events if reached is None or e.peak >= reached]
    rises = [r for e in used if (r := max_rise(series, e, lead_hours)) is not None]
    if not rises:
        return None, 0
    return (max(rises) if p is None else percentile(rises, p)), len(rises)


def propose_thresholds(
    series: Series,
    events: Sequence[Event],
    levels: Levels,
    *,
    lead_hours: float = 2.0,
    p: float | None = None,
) -> list[Proposal]:
    """The 避難判断水位 (and, with an overflow level, the 氾濫危険水位) that would leave
    ``lead_hours`` before the level above it in the past events (module's definitions)."""
    if lead_hours <= 0:
        raise ValueError("lead time must be positive")
    rise, used = design_rise(series, events, lead_hours=lead_hours, reached=levels.caution, p=p)
    statistic = "max" if p is None else f"p{p:g}"
    proposals = []
    pairs = (("evacuation", "danger", "caution"), ("danger", "overflow", "evacuation"))
    for name, source, floor_name in pairs:
        source_value = levels.get(source)
        if source_value is None:
            continue
        value: float | None = None
        kept_at = None
        if rise is not None:
            value = _floor_cm(source_value - rise)
            floor = levels.get(floor_name)
            if floor is not None and value < floor:
                value, kept_at = floor, floor_name
        proposals.append(
            Proposal(
                name=name,
                value=value,
                current=levels.get(name),
                source=source,
                source_value=source_value,
                lead_hours=lead_hours,
                design_rise=rise,
                statistic=statistic,
                events_used=used,
                kept_at=kept_at,
            )
        )
    return proposals


# ------------------------------------------------------------------------------------------
# Rules and the back-test
# ------------------------------------------------------------------------------------------


def number_text(value: float) -> str:
    """2.8 → "2.80", 2.345 → "2.345": centimetres at least, millimetres when given."""
    text = f"{value:.3f}"
    return text[:-1] if text.endswith("0") else text


@dataclass(frozen=True)
class Rule:
    """Fire at ``level``, or on a rise of ``rise`` m within ``rise_hours`` at or above
    ``rise_from`` (the events' base when None)."""

    level: float
    rise: float | None = None
    rise_hours: float = 1.0
    rise_from: float | None = None
    label: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        """The rule as ``--rule`` takes it, e.g. ``level>=2.50 or rise>=0.40/1h from 2.00``."""
        text = f"level>={number_text(self.level)}"
        if self.rise is not None:
            text += f" or rise>={number_text(self.rise)}/{self.rise_hours:g}h"
            if self.rise_from is not None:
                text += f" from {number_text(self.rise_from)}"
        return text


_NUMBER = r"-?\d+(?:\.\d+)?"
_RULE_RE = re.compile(
    rf"^\s*(?:level\s*>=?\s*)?(?P<level>{_NUMBER})\s*m?"
    rf"(?:\s*(?:or|\|)\s*rise\s*>=?\s*(?P<rise>{_NUMBER})\s*m?\s*/\s*(?P<hours>{_NUMBER})\s*h"
    rf"(?:\s*from\s*(?P<rise_from>{_NUMBER})\s*m?)?)?\s*$",
    re.IGNORECASE,
)


def parse_rule(text: str, *, label: str = "") -> Rule:
    """A rule from its text: ``2.8``, ``level>=2.80``, ``level>=2.5 or rise>=0.4/1h``,
    ``level>=2.5 or rise>=0.4/2h from 2.0``. Raises ValueError."""
    match = _RULE_RE.match(text or "")
    if match is None:
        raise ValueError(text)
    hours = float(match["hours"]) if match["hours"] else 1.0
    rise = float(match["rise"]) if match["rise"] else None
    if hours <= 0 or (rise is not None and rise <= 0):
        raise ValueError(text)
    return Rule(
        level=float(match["level"]),
        rise=rise,
        rise_hours=hours,
        rise_from=float(match["rise_from"]) if match["rise_from"] else None,
        label=label,
    )


def first_firing(series: Series, event: Event, rule: Rule, *, base: float) -> dt.datetime | None:
    floor = rule.rise_from if rule.rise_from is not None else base
    for i in range(event.first, event.last + 1):
        reading = series.readings[i]
        if reading.value >= rule.level:
            return reading.at
        if rule.rise is not None and reading.value >= floor:
            rise = series.rise(i, rule.rise_hours)
            if rise is not None and rise >= rule.rise - EPSILON:
                return reading.at
    return None


@dataclass(frozen=True)
class Outcome:
    """How one rule did in one event."""

    event: int
    needed: bool
    crossing_at: dt.datetime | None  # of the target
    fired_at: dt.datetime | None
    result: str  # HIT, MISS, FALSE_ALARM or QUIET
    # crossing − firing in a needed event that fired (negative or 0: too late).
    lead_minutes: int | None


@dataclass(frozen=True)
class Score:
    rule: str  # the rule's text ("decisions:level>=3" for the past decisions)
    label: str
    hits: int
    misses: int
    false_alarms: int
    quiet: int
    median_lead_minutes: float | None
    outcomes: tuple[Outcome, ...]

    def as_json(self) -> dict[str, Any]:
        median = self.median_lead_minutes
        if median is not None and float(median).is_integer():
            median = int(median)
        return {
            "rule": self.rule,
            "hits": self.hits,
            "misses": self.misses,
            "false_alarms": self.false_alarms,
            "median_lead_minutes": median,
        }


def _minutes(delta: dt.timedelta) -> int:
    return round(delta.total_seconds() / 60)


def _outcome(event: Event, crossed: dt.datetime | None, fired: dt.datetime | None) -> Outcome:
    if crossed is not None:
        lead = _minutes(crossed - fired) if fired is not None else None
        result = HIT if fired is not None and fired < crossed else MISS
        return Outcome(event.number, True, crossed, fired, result, lead)
    result = FALSE_ALARM if fired is not None else QUIET
    return Outcome(event.number, False, None, fired, result, None)


def _score(rule: str, label: str, outcomes: list[Outcome]) -> Score:
    leads = [o.lead_minutes for o in outcomes if o.result == HIT and o.lead_minutes is not None]
    return Score(
        rule=rule,
        label=label,
        hits=sum(o.result == HIT for o in outcomes),
        misses=sum(o.result == MISS for o in outcomes),
        false_alarms=sum(o.result == FALSE_ALARM for o in outcomes),
        quiet=sum(o.result == QUIET for o in outcomes),
        median_lead_minutes=statistics.median(leads) if leads else None,
        outcomes=tuple(outcomes),
    )


def check_rule(rule: Rule, *, base: float) -> None:
    """A rule must not fire below the base: events are cut there, so earlier firings would go
    unseen. Raises ValueError."""
    if rule.level < base - EPSILON:
        raise ValueError("level below base")
    if rule.rise is not None and rule.rise_from is not None and rule.rise_from < base - EPSILON:
        raise ValueError("rise_from below base")


def backtest(
    series: Series,
    events: Sequence[Event],
    rule: Rule,
    *,
    base: float,
    target: float,
) -> Score:
    """Score ``rule`` against every event (module's definitions)."""
    check_rule(rule, base=base)
    outcomes = [
        _outcome(e, crossing(series, e, target), first_firing(series, e, rule, base=base))
        for e in events
    ]
    return _score(rule.text, rule.label, outcomes)


# ------------------------------------------------------------------------------------------
# Past decisions: scored like a rule, and the post-event review
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastDecision:
    """A recorded 発令 (``issue``) or 解除 (``lift``) of a 警戒レベル."""

    decided_at: dt.datetime
    action: str  # ISSUE or LIFT
    level: int
    kind: str = ""
    area: str = ""


def assign_decisions(
    events: Sequence[Event | RainEvent],
    decisions: Iterable[PastDecision],
    *,
    before: dt.timedelta = 12 * HOUR,
    after: dt.timedelta = 12 * HOUR,
) -> tuple[dict[int, list[PastDecision]], list[PastDecision]]:
    """({event number: its decisions, oldest first}, decisions belonging to no event)."""
    by_event: dict[int, list[PastDecision]] = {e.number: [] for e in events}
    outside: list[PastDecision] = []
    for decision in sorted(decisions, key=lambda d: d.decided_at):
        at = decision.decided_at
        near = [
            (max(e.start - at, at - e.end, dt.timedelta(0)), e.number)
            for e in events
            if e.start - before <= at <= e.end + after
        ]
        if near:
            by_event[min(near)[1]].append(decision)
        else:
            outside.append(decision)
    return by_event, outside


def decisions_score(
    series: Series,
    events: Sequence[Event],
    decisions: Iterable[PastDecision],
    *,
    target: float,
    min_level: int = 3,
    before: dt.timedelta = 12 * HOUR,
    after: dt.timedelta = 12 * HOUR,
    label: str = "",
) -> Score:
    """The past decisions scored as a rule: "fired" at the event's first 発令 of 警戒レベル
    ``min_level`` or higher made before the event's end."""
    by_event, _outside = assign_decisions(events, decisions, before=before, after=after)
    outcomes = []
    for event in events:
        issued = [
            d.decided_at
            for d in by_event[event.number]
            if d.action == ISSUE and d.level >= min_level and d.decided_at <= event.end
        ]
        outcomes.append(_outcome(event, crossing(series, event, target), min(issued, default=None)))
    return _score(f"decisions:level>={min_level}", label, outcomes)


@dataclass(frozen=True)
class Crossing:
    name: str
    level: float
    up_at: dt.datetime | None
    down_at: dt.datetime | None


@dataclass(frozen=True)
class DecisionCheck:
    decision: PastDecision
    reference: str | None  # the reference level compared with
    reference_at: dt.datetime | None  # its crossing (発令) or fall (解除)
    minutes: int | None  # decided − reference_at (negative: before it)
    verdict: str


@dataclass(frozen=True)
class MissingDecision:
    level: int  # the 警戒レベル that was not issued
    reference: str
    crossing_at: dt.datetime


@dataclass(frozen=True)
class EventReview:
    event: Event
    levels: Levels
    crossings: tuple[Crossing, ...]
    checks: tuple[DecisionCheck, ...]
    missing: tuple[MissingDecision, ...]


def _check(decision: PastDecision, crossings: dict[str, Crossing]) -> DecisionCheck:
    reference = DECISION_REFERENCE.get(decision.level)
    if reference is None or decision.action not in (ISSUE, LIFT):
        return DecisionCheck(decision, None, None, None, NOT_COMPARED)
    found = crossings.get(reference)
    if found is None or found.up_at is None:
        return DecisionCheck(decision, reference, None, None, NO_CROSSING)
    if decision.action == ISSUE:
        minutes = _minutes(decision.decided_at - found.up_at)
        verdict = EARLY if minutes < 0 else ON_TIME if minutes == 0 else LATE
        return DecisionCheck(decision, reference, found.up_at, minutes, verdict)
    if found.down_at is None:
        return DecisionCheck(decision, reference, None, None, NOT_COMPARED)
    minutes = _minutes(decision.decided_at - found.down_at)
    verdict = LIFTED_BEFORE_FALL if minutes < 0 else LIFTED_AFTER_FALL
    return DecisionCheck(decision, reference, found.down_at, minutes, verdict)


def review(
    series: Series,
    events: Sequence[Event],
    decisions: Iterable[PastDecision],
    levels: Levels | Callable[[Event], Levels | None],
    *,
    before: dt.timedelta = 12 * HOUR,
    after: dt.timedelta = 12 * HOUR,
) -> tuple[list[EventReview], list[PastDecision]]:
    """The post-event review of every event (module's definitions), and the decisions that
    belong to no event. ``levels``: the reference levels, or a function giving those in force
    at an event."""
    by_event, outside = assign_decisions(events, decisions, before=before, after=after)
    reviews = []
    for event in events:
        in_force = levels(event) if callable(levels) else levels
        in_force = in_force or Levels()
        crossings = {
            name: Crossing(name, value, crossing(series, event, value), fall(series, event, value))
            for name, value in in_force.defined()
        }
        mine = by_event[event.number]
        checks = tuple(_check(d, crossings) for d in mine)
        missing = []
        for level, reference in sorted(DECISION_REFERENCE.items()):
            found = crossings.get(reference)
            if found is None or found.up_at is None:
                continue
            if not any(d.action == ISSUE and d.level >= level for d in mine):
                missing.append(MissingDecision(level, reference, found.up_at))
        reviews.append(
            EventReview(event, in_force, tuple(crossings.values()), checks, tuple(missing))
        )
    return reviews, outside


# ------------------------------------------------------------------------------------------
# Rain
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RainEvent:
    number: int
    start: dt.datetime
    end: dt.datetime
    total: float
    peak: float  # the largest 1-hour accumulation (mm)
    peak_at: dt.datetime  # the end of that hour
    max_3h: float
    max_24h: float
    first: int
    last: int


def accumulation(series: Series, first: int, last: int, hours: float) -> tuple[float, int]:
    """(largest sum of the readings [first, last] within a window (t − hours, t] ending at one
    of them, the index of that reading)."""
    width = dt.timedelta(hours=hours)
    best, best_at = -1.0, first
    low, total = first, 0.0
    for i in range(first, last + 1):
        total += series.readings[i].value
        while series.readings[low].at <= series.readings[i].at - width:
            total -= series.readings[low].value
            low += 1
        if total > best + EPSILON:
            best, best_at = total, i
    return max(best, 0.0), best_at


def rain_events(
    series: Series,
    *,
    separation: dt.timedelta = 12 * HOUR,
    min_total: float = 30.0,
) -> list[RainEvent]:
    """Rain events (module's definitions) with their accumulations."""
    runs: list[tuple[int, int]] = []
    for i, reading in enumerate(series.readings):
        if reading.value <= 0:
            continue
        if runs and reading.at - series.readings[runs[-1][1]].at < separation:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    events: list[RainEvent] = []
    for first, last in runs:
        total = sum(r.value for r in series.readings[first : last + 1])
        if total < min_total - EPSILON:
            continue
        peak, peak_index = accumulation(series, first, last, 1)
        events.append(
            RainEvent(
                number=len(events) + 1,
                start=series.readings[first].at,
                end=series.readings[last].at,
                total=round(total, 4),
                peak=round(peak, 4),
                peak_at=series.readings[peak_index].at,
                max_3h=round(accumulation(series, first, last, 3)[0], 4),
                max_24h=round(accumulation(series, first, last, 24)[0], 4),
                first=first,
                last=last,
            )
        )
    return events


# ------------------------------------------------------------------------------------------
# Rain rules and their back-test against the decisions
# ------------------------------------------------------------------------------------------


def window_text(minutes: int) -> str:
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}min"


@dataclass(frozen=True)
class RainTerm:
    """The accumulation over ``minutes`` reaches ``threshold`` mm."""

    minutes: int
    threshold: float

    @property
    def text(self) -> str:
        return f"rain{window_text(self.minutes)}>={self.threshold:g}"


@dataclass(frozen=True)
class RainRule:
    """Terms joined by ``or`` (any fires), or by ``and`` (``all_of``: all at one reading)."""

    terms: tuple[RainTerm, ...]
    all_of: bool = False
    label: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        return (" and " if self.all_of else " or ").join(t.text for t in self.terms)


_RAIN_TERM_RE = re.compile(
    rf"^rain\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>h|min)\s*>=?\s*(?P<x>{_NUMBER})\s*(?:mm)?$",
    re.IGNORECASE,
)


def parse_rain_rule(text: str, *, label: str = "") -> RainRule:
    """A rain rule from its text (module's definitions). Raises ValueError."""
    words = re.split(r"\s+(and|or|&|\|)\s+", (text or "").strip(), flags=re.IGNORECASE)
    joins = {w.lower().replace("&", "and").replace("|", "or") for w in words[1::2]}
    if len(joins) > 1:
        raise ValueError(text)  # "a or b and c": say which, with brackets we do not read
    terms = []
    for part in words[0::2]:
        match = _RAIN_TERM_RE.match(part.strip())
        if match is None:
            raise ValueError(text)
        amount = float(match["n"])
        minutes = amount * 60 if match["unit"].lower() == "h" else amount
        threshold = float(match["x"])
        if not 1 <= minutes <= 72 * 60 or minutes != int(minutes) or threshold <= 0:
            raise ValueError(text)
        terms.append(RainTerm(int(minutes), threshold))
    return RainRule(tuple(terms), all_of=joins == {"and"}, label=label)


def window_sums(series: Series, first: int, last: int, minutes: int) -> list[float]:
    """The accumulation over ``minutes`` at each reading ``first``..``last``."""
    width = dt.timedelta(minutes=minutes)
    readings = series.readings
    low = series.index_of(readings[first].at - width)
    while low < first and readings[low].at <= readings[first].at - width:
        low += 1
    total = sum(r.value for r in readings[low:first])
    sums = []
    for i in range(first, last + 1):
        total += readings[i].value
        while readings[low].at <= readings[i].at - width:
            total -= readings[low].value
            low += 1
        sums.append(round(total, 6))
    return sums


def rain_first_firing(series: Series, event: RainEvent, rule: RainRule) -> dt.datetime | None:
    """The first reading of the event at which the rule holds (None if none)."""
    sums = [window_sums(series, event.first, event.last, t.minutes) for t in rule.terms]
    for offset in range(event.last - event.first + 1):
        held = [s[offset] >= t.threshold - EPSILON for s, t in zip(sums, rule.terms, strict=True)]
        if all(held) if rule.all_of else any(held):
            return series.readings[event.first + offset].at
    return None


def rain_needs(
    events: Sequence[RainEvent],
    decisions: Iterable[PastDecision],
    *,
    min_level: int = 3,
    before: dt.timedelta = 12 * HOUR,
    after: dt.timedelta = 12 * HOUR,
) -> dict[int, dt.datetime | None]:
    """{event number: its first 発令 of ``min_level`` or higher, or None}."""
    by_event, _outside = assign_decisions(events, decisions, before=before, after=after)
    return {
        e.number: min(
            (
                d.decided_at
                for d in by_event[e.number]
                if d.action == ISSUE and d.level >= min_level
            ),
            default=None,
        )
        for e in events
    }


def rain_backtest(
    series: Series,
    events: Sequence[RainEvent],
    rule: RainRule,
    needs: dict[int, dt.datetime | None],
) -> Score:
    """Score a rain rule against every rain event and its decisions (module's definitions)."""
    outcomes = []
    for event in events:
        fired = rain_first_firing(series, event, rule)
        crossed = needs.get(event.number)
        if crossed is not None:
            lead = _minutes(crossed - fired) if fired is not None else None
            result = HIT if fired is not None and fired < crossed else MISS
            outcomes.append(Outcome(event.number, True, crossed, fired, result, lead))
        else:
            result = FALSE_ALARM if fired is not None else QUIET
            outcomes.append(Outcome(event.number, False, None, fired, result, None))
    return _score(rule.text, rule.label, outcomes)


@dataclass(frozen=True)
class RainProposal:
    minutes: int
    value: float | None  # mm; None when no needed event can be caught that early
    lead_hours: float
    events_used: int
    events_needed: int

    @property
    def rule(self) -> RainRule | None:
        if self.value is None:
            return None
        return RainRule((RainTerm(self.minutes, self.value),))


def propose_rain_thresholds(
    series: Series,
    events: Sequence[RainEvent],
    needs: dict[int, dt.datetime | None],
    *,
    lead_hours: float = 2.0,
    windows: Sequence[int] = (60, 180, 1440),
) -> list[RainProposal]:
    """For each window (minutes), the proposed threshold (module's definitions)."""
    if lead_hours <= 0:
        raise ValueError("lead time must be positive")
    lead = dt.timedelta(hours=lead_hours)
    needed = [e for e in events if needs.get(e.number) is not None]
    proposals = []
    for minutes in windows:
        reached = []
        for event in needed:
            latest = needs[event.number] - lead  # type: ignore[operator]
            last = bisect.bisect_right(series.times, latest, event.first, event.last + 1) - 1
            if last < event.first:
                continue
            reached.append(max(window_sums(series, event.first, last, minutes)))
        value = math.floor(min(reached) + EPSILON) if reached else None
        proposals.append(
            RainProposal(
                minutes=minutes,
                value=float(value) if value else None,
                lead_hours=lead_hours,
                events_used=len(reached),
                events_needed=len(needed),
            )
        )
    return proposals
