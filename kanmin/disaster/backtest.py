"""A station's objective criteria from what is stored: the read side of ``criteria``.

Reads the station's current readings (``selectors.observation_series``, suspect readings
left out), its reference levels (``selectors.reference_levels_at`` and the history, for the
levels in force at each event) and the decisions that name it (``selectors.decision_list``),
and hands them to the pure ``kanmin.disaster.criteria``. The page, its chart and
``kanmin disaster backtest`` all call :func:`analyse`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from kanmin.core.errors import Invalid
from kanmin.core.models import Municipality
from kanmin.disaster import criteria, selectors
from kanmin.disaster.models import Quality, ReferenceLevels, Station, StationKind

# The reference levels by name, as people read them (short: they head table columns).
LEVEL_NAMES = {
    "standby": pgettext_lazy("criteria", "Flood-fighting stand-by level"),
    "caution": pgettext_lazy("criteria", "Flood caution level"),
    "evacuation": pgettext_lazy("criteria", "Evacuation decision level"),
    "danger": pgettext_lazy("criteria", "Flood danger level"),
    "overflow": pgettext_lazy("criteria", "Overflow level"),
}
# What each 警戒レベル a municipality issues is called (operations §3.2).
ORDER_NAMES = {
    3: pgettext_lazy("criteria", "Level 3: evacuation of the elderly and others"),
    4: pgettext_lazy("criteria", "Level 4: evacuation order"),
    5: pgettext_lazy("criteria", "Level 5: emergency safety measures"),
}
LEAD_HOURS_DEFAULT = 2.0
# Rain events below this total (mm) are left out.
RAIN_MIN_TOTAL = 30.0
ANALYSED_KINDS = (StationKind.RIVER, StationKind.RAIN)


@dataclass
class Analysis:
    station: Station
    lead_hours: float
    percentile: float | None
    series: criteria.Series
    levels: criteria.Levels | None = None  # in force now
    base: float | None = None
    target: float | None = None
    events: list[criteria.Event] = field(default_factory=list)
    rain_events: list[criteria.RainEvent] = field(default_factory=list)
    proposals: list[criteria.Proposal] = field(default_factory=list)
    rules: list[criteria.Rule] = field(default_factory=list)
    scores: list[criteria.Score] = field(default_factory=list)
    reviews: list[criteria.EventReview] = field(default_factory=list)
    outside: list[criteria.PastDecision] = field(default_factory=list)
    decisions: list[criteria.PastDecision] = field(default_factory=list)

    @property
    def river(self) -> bool:
        return bool(self.station.kind == StationKind.RIVER)

    def as_json(self) -> dict[str, Any]:
        """``{"station", "events": [{"start", "end", "peak", "peak_at"}], "rules": [{"rule",
        "hits", "misses", "false_alarms", "median_lead_minutes"}]}`` (times ISO 8601 with the
        offset; rain events' peak is the largest 1-hour accumulation)."""
        events: Sequence[criteria.Event | criteria.RainEvent] = (
            self.events if self.river else self.rain_events
        )
        return {
            "station": self.station.code,
            "events": [
                {
                    "start": _iso(e.start),
                    "end": _iso(e.end),
                    "peak": round(e.peak, 4),
                    "peak_at": _iso(e.peak_at),
                }
                for e in events
            ],
            "rules": [s.as_json() for s in self.scores],
        }


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def levels_from(row: ReferenceLevels | None) -> criteria.Levels | None:
    if row is None:
        return None
    return criteria.Levels(**{name: _float(getattr(row, name)) for name in criteria.Levels.NAMES})


def station_series(*, station: Station) -> criteria.Series:
    """The station's current readings, suspect ones left out (missing ones have no value)."""
    rows = (
        selectors.observation_series(station=station)
        .exclude(quality=Quality.SUSPECT)
        .values_list("observed_at", "value")
    )
    return criteria.Series(criteria.readings_from(rows.iterator(chunk_size=10_000)))


def decisions_from_rows(rows: Iterable[Any]) -> list[criteria.PastDecision]:
    """Recorded decisions (rows with ``decided_at``, ``action`` issue/lift, ``level``,
    ``kind``, ``area``) as the criteria module takes them, oldest first."""
    found = [
        criteria.PastDecision(
            decided_at=row.decided_at,
            action=str(row.action),
            level=int(row.level),
            kind=str(row.kind or ""),
            area=str(row.area or ""),
        )
        for row in rows
    ]
    found.sort(key=lambda d: d.decided_at)
    return found


def station_decisions(
    *, municipality: Municipality, station: Station
) -> list[criteria.PastDecision]:
    """The municipality's recorded decisions that name this station among their stations."""
    rows = selectors.decision_list(municipality=municipality).filter(stations=station).distinct()
    return decisions_from_rows(rows)


def _levels_per_event(
    station: Station, fallback: criteria.Levels | None
) -> Callable[[criteria.Event], criteria.Levels | None]:
    """A function giving the levels in force at an event's start (the oldest levels for an
    event before any were set: they are the nearest to what was in force)."""
    history = [
        (row.valid_from, levels_from(row))
        for row in selectors.reference_levels_history(station=station)
    ]  # newest first

    def levels_at(event: criteria.Event) -> criteria.Levels | None:
        for valid_from, levels in history:
            if valid_from <= event.start:
                return levels
        return history[-1][1] if history else fallback

    return levels_at


def rule_below_base(base: float) -> Invalid:
    message = _(
        "A rule cannot fire below the stand-by level (%(base)s m): the events are cut "
        "there. Give a higher level."
    ) % {"base": criteria.number_text(base)}
    return Invalid(message, code="rule_below_base", fields={"level": [message]})


def analyse(
    *,
    municipality: Municipality,
    station: Station,
    rules: Sequence[criteria.Rule] = (),
    lead_hours: float = LEAD_HOURS_DEFAULT,
    percentile: float | None = None,
    decisions: Sequence[criteria.PastDecision] | None = None,
) -> Analysis:
    """Events, proposals, the back-test of the levels in force, the proposal and ``rules``,
    and the post-event review of a river or rain station. ``decisions`` None: those
    recorded for the station. Raises Invalid when the station cannot be analysed."""
    if station.municipality_id != municipality.pk:
        raise Invalid(_("No such observation station."), code="no_station")
    if station.kind not in ANALYSED_KINDS:
        raise Invalid(
            _("Criteria are derived for river level and rain gauge stations only."),
            code="not_analysed",
        )
    analysis = Analysis(
        station=station,
        lead_hours=lead_hours,
        percentile=percentile,
        series=station_series(station=station),
    )
    if not analysis.river:
        analysis.rain_events = criteria.rain_events(analysis.series, min_total=RAIN_MIN_TOTAL)
        return analysis
    levels = levels_from(selectors.reference_levels_at(station=station))
    base = None
    if levels is not None:
        base = next((v for name, v in levels.defined() if name != "overflow"), None)
    if levels is None or base is None:
        raise Invalid(
            _(
                "Set this station's reference levels first: events are cut at its "
                "flood-fighting stand-by level."
            ),
            code="no_levels",
        )
    analysis.levels, analysis.base, analysis.target = levels, base, levels.danger
    for rule in rules:
        try:
            criteria.check_rule(rule, base=base)
        except ValueError:
            raise rule_below_base(base) from None
    series = analysis.series
    analysis.events = criteria.find_events(series, base=base)
    analysis.proposals = criteria.propose_thresholds(
        series, analysis.events, levels, lead_hours=lead_hours, p=percentile
    )
    chosen: list[criteria.Rule] = []
    if levels.evacuation is not None:
        chosen.append(
            criteria.Rule(levels.evacuation, label=_("Evacuation decision level in force"))
        )
    proposed = next((p for p in analysis.proposals if p.name == "evacuation"), None)
    if proposed is not None and proposed.value is not None:
        rule = criteria.Rule(proposed.value, label=_("Proposed evacuation decision level"))
        if rule not in chosen:
            chosen.append(rule)
    for rule in rules:
        if rule not in chosen:
            label = rule.label or pgettext("criteria", "Candidate")
            chosen.append(
                criteria.Rule(rule.level, rule.rise, rule.rise_hours, rule.rise_from, label)
            )
    analysis.rules = [r for r in chosen if r.level >= base]
    if decisions is None:
        decisions = station_decisions(municipality=municipality, station=station)
    analysis.decisions = list(decisions)
    if analysis.target is not None:
        target = analysis.target
        analysis.scores = [
            criteria.backtest(series, analysis.events, r, base=base, target=target)
            for r in analysis.rules
        ]
        if analysis.decisions:  # with none recorded, "no decision" would read as misses
            analysis.scores.append(
                criteria.decisions_score(
                    series,
                    analysis.events,
                    analysis.decisions,
                    target=target,
                    label=_("Past decisions (level 3 or higher)"),
                )
            )
    analysis.reviews, analysis.outside = criteria.review(
        series, analysis.events, analysis.decisions, _levels_per_event(station, levels)
    )
    return analysis


# ------------------------------------------------------------------------------------------
# Sentences for people (the page and the CLI say the same)
# ------------------------------------------------------------------------------------------


def when(moment: dt.datetime | None) -> str:
    return "-" if moment is None else timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def number(value: float | None) -> str:
    return "-" if value is None else criteria.number_text(value)


def proposal_text(p: criteria.Proposal) -> str:
    name = LEVEL_NAMES[p.name]
    if p.value is None:
        return _("%(name)s: no event rose measurably over the lead time.") % {"name": name}
    text = _(
        "%(name)s %(value)s m (now %(current)s m) = %(source)s %(source_value)s m − rise of "
        "%(rise)s m in %(hours)s h (from %(count)s events)"
    ) % {
        "name": name,
        "value": number(p.value),
        "current": number(p.current),
        "source": LEVEL_NAMES[p.source],
        "source_value": number(p.source_value),
        "rise": number(p.design_rise),
        "hours": f"{p.lead_hours:g}",
        "count": p.events_used,
    }
    if p.kept_at is not None:
        text += " " + _("(kept at the %(level)s)") % {"level": LEVEL_NAMES[p.kept_at]}
    return text


def check_text(check: criteria.DecisionCheck) -> str:
    d = check.decision
    what = (
        pgettext("criteria", "issued")
        if d.action == criteria.ISSUE
        else pgettext("criteria", "lifted")
    )
    head = f"{when(d.decided_at)} {what} {ORDER_NAMES.get(d.level, d.level)}"
    if d.area:
        head += f" ({d.area})"
    return f"{head}: {verdict_text(check)}"


def verdict_text(check: criteria.DecisionCheck) -> str:
    """How a decision compares with the crossing (or fall) of its reference level."""
    reference = LEVEL_NAMES.get(check.reference or "", "")
    verdicts = {
        criteria.EARLY: _("%(minutes)s min before the %(level)s was reached"),
        criteria.ON_TIME: _("when the %(level)s was reached"),
        criteria.LATE: _("%(minutes)s min after the %(level)s was reached (late)"),
        criteria.NO_CROSSING: _("the %(level)s was not reached"),
        criteria.LIFTED_BEFORE_FALL: _("%(minutes)s min before the level fell below the %(level)s"),
        criteria.LIFTED_AFTER_FALL: _("%(minutes)s min after the level fell below the %(level)s"),
        criteria.NOT_COMPARED: pgettext("criteria", "not compared"),
    }
    return verdicts[check.verdict] % {"minutes": abs(check.minutes or 0), "level": reference}


def missing_text(missing: criteria.MissingDecision) -> str:
    return _("Missing: %(order)s (the %(level)s was reached at %(when)s)") % {
        "order": ORDER_NAMES.get(missing.level, missing.level),
        "level": LEVEL_NAMES[missing.reference],
        "when": when(missing.crossing_at),
    }
