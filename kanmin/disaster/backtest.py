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
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import FloatField, Max, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from kanmin.core.errors import Invalid
from kanmin.core.models import Municipality
from kanmin.disaster import criteria, selectors
from kanmin.disaster.criteria import HOUR
from kanmin.disaster.models import Observation, Quality, ReferenceLevels, Station, StationKind

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
    # Rain gauges: the rules tried, the proposals, each event's first order of level 3 or
    # higher (None: none), and which decisions were compared ("station": those naming the
    # gauge or its areas; "municipality": all, none naming it).
    rain_rules: list[criteria.RainRule] = field(default_factory=list)
    rain_proposals: list[criteria.RainProposal] = field(default_factory=list)
    rain_needs: dict[int, dt.datetime | None] = field(default_factory=dict)
    decisions_scope: str = "station"

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


def _usable(station: Station) -> QuerySet[Observation]:
    """The station's current readings with a value, suspect ones left out."""
    return (
        selectors.observation_series(station=station)
        .exclude(quality=Quality.SUSPECT)
        .exclude(value__isnull=True)
    )


def _points(queryset: QuerySet[Observation]) -> list[criteria.Reading]:
    """(time, value) of the rows, oldest first, read without the ORM's per-row converters:
    the value cast to a float by the database, the time taken as the driver gives it (UTC).
    For a long history the converters (a Decimal and a localised datetime per row) took most
    of the time of the page."""
    rows = queryset.annotate(v=Cast("value", FloatField())).values_list("observed_at", "v")
    return _fetch(rows)


def _fetch(rows: QuerySet[Any]) -> list[criteria.Reading]:
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    utc = dt.UTC
    found = []
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10_000):
            for at, value in batch:
                if value is None:
                    continue
                if not isinstance(at, dt.datetime):  # text: "2025-06-30 01:10:00" in UTC
                    at = dt.datetime.fromisoformat(at)
                if at.tzinfo is None:  # SQLite keeps UTC without its offset
                    at = at.replace(tzinfo=utc)
                found.append(criteria.Reading(at, float(value)))
    found.sort(key=lambda r: r.at)
    return found


def station_series(*, station: Station) -> criteria.Series:
    """Every current reading of the station, suspect ones left out (missing ones have no
    value). What the analysis read before it read only the readings around the events
    (``river_series``, ``rain_series``), read as it read them: the benchmark's "before" and
    the tests' reference."""
    rows = (
        selectors.observation_series(station=station)
        .exclude(quality=Quality.SUSPECT)
        .values_list("observed_at", "value")
    )
    return criteria.Series(criteria.readings_from(rows.iterator(chunk_size=10_000)))


# Readings kept before an event's start and after its end: the chart's 24 h around the peak,
# the rises over the lead time (at most 24 h), and one reading gap (3 h) more for the
# interpolation at the window's edge.
PAD = dt.timedelta(hours=24 + 3)
# Windows read per query (SQLite allows 500 selects in one UNION).
WINDOWS_PER_QUERY = 200


def _runs(
    times: Sequence[dt.datetime], separation: dt.timedelta
) -> list[tuple[dt.datetime, dt.datetime]]:
    runs: list[tuple[dt.datetime, dt.datetime]] = []
    for at in times:
        if runs and at - runs[-1][1] < separation:
            runs[-1] = (runs[-1][0], at)
        else:
            runs.append((at, at))
    return runs


def _merged(
    windows: Iterable[tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _readings_in(
    station: Station, windows: Sequence[tuple[dt.datetime, dt.datetime]]
) -> list[criteria.Reading]:
    """The readings inside the windows: one indexed range per window, joined with UNION ALL
    (SQLite scanned the whole history for one query with the ranges ORed together)."""
    found: list[criteria.Reading] = []
    for i in range(0, len(windows), WINDOWS_PER_QUERY):
        parts = [
            _usable(station)
            .filter(observed_at__gte=start, observed_at__lte=end)
            .order_by()
            .annotate(v=Cast("value", FloatField()))
            .values_list("observed_at", "v")
            for start, end in windows[i : i + WINDOWS_PER_QUERY]
        ]
        found += _fetch(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])
    found.sort(key=lambda r: r.at)
    return found


def river_series(
    *, station: Station, base: float, separation: dt.timedelta = 6 * HOUR
) -> tuple[criteria.Series, dt.datetime | None]:
    """The readings the analysis of a river station needs, and the time of its last reading:
    those from ``PAD`` before each event to ``PAD`` after it. The database finds the readings
    at or above the base (the events), so the rest of the history is never read; every
    figure, the chart included, is the one the whole history gives (tests compare)."""
    usable = _usable(station)
    last = usable.aggregate(last=Max("observed_at"))["last"]
    # A hair below the base, so that no reading at the base is lost to a rounding.
    floor = Decimal(str(base)) - Decimal("0.001")
    high = [r.at for r in _points(usable.filter(value__gte=floor))]
    windows = _merged((start - PAD, end + PAD) for start, end in _runs(high, separation))
    return criteria.Series(_readings_in(station, windows)), last


def rain_series(*, station: Station) -> criteria.Series:
    """The readings the analysis of a rain gauge needs: those with rain. A dry reading adds
    nothing to any accumulation, starts no event and fires no rule, and the chart draws the
    accumulation as steps at the rainy readings; so the database leaves out the dry rest of
    the history (most of it)."""
    return criteria.Series(_points(_usable(station).filter(value__gt=0)))


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


def rain_decisions(
    *, municipality: Municipality, station: Station
) -> tuple[list[criteria.PastDecision], str]:
    """The decisions a rain gauge is compared with, and which they are: those naming it or
    one of its areas (the rule set's 地区) — "station"; when there are none, all the
    municipality's decisions — "municipality" (orders rarely name a rain gauge)."""
    areas = set(selectors.ruleset_in_force(municipality=municipality).parsed.areas_of(station.code))
    rows = list(selectors.decision_list(municipality=municipality))
    mine = [
        row for row in rows if station in row.stations.all() or areas & set(row.area_codes or ())
    ]
    if mine:
        return decisions_from_rows(mine), "station"
    return decisions_from_rows(rows), "municipality"


def rain_rules_in_force(*, municipality: Municipality, station: Station) -> list[criteria.RainRule]:
    """The rule set's rules on this gauge's accumulations (measure "sum" over a window, with
    a threshold in mm), as rain rules."""
    found = []
    for rule in selectors.ruleset_in_force(municipality=municipality).parsed.rules:
        if (
            rule.applies_to(station.kind, station.code)
            and rule.measure == "sum"
            and rule.window_minutes
            and rule.threshold is not None
        ):
            label = _("Rule %(key)s in force (level %(level)s)") % {
                "key": rule.key,
                "level": rule.level,
            }
            term = criteria.RainTerm(rule.window_minutes, float(rule.threshold))
            found.append(criteria.RainRule((term,), label=label))
    return found


def rain_window_name(minutes: int) -> str:
    if minutes % 60 == 0:
        return _("%(hours)s h") % {"hours": minutes // 60}
    return _("%(minutes)s min") % {"minutes": minutes}


def _analyse_rain(
    analysis: Analysis,
    municipality: Municipality,
    rules: Sequence[criteria.RainRule],
    decisions: Sequence[criteria.PastDecision] | None,
) -> Analysis:
    station, series = analysis.station, analysis.series
    events = criteria.rain_events(series, min_total=RAIN_MIN_TOTAL)
    analysis.rain_events = events
    if decisions is None:
        found, analysis.decisions_scope = rain_decisions(municipality=municipality, station=station)
        decisions = found
    analysis.decisions = list(decisions)
    needs = criteria.rain_needs(events, analysis.decisions)
    analysis.rain_needs = needs
    analysis.rain_proposals = criteria.propose_rain_thresholds(
        series, events, needs, lead_hours=analysis.lead_hours
    )
    chosen: list[criteria.RainRule] = []

    def add(rule: criteria.RainRule) -> None:
        if rule not in chosen:
            chosen.append(rule)

    for rule in rain_rules_in_force(municipality=municipality, station=station):
        add(rule)
    for proposal in analysis.rain_proposals:
        if proposal.rule is not None:
            label = _("Proposed for %(window)s") % {"window": rain_window_name(proposal.minutes)}
            add(criteria.RainRule(proposal.rule.terms, label=label))
    for rule in rules:
        add(
            criteria.RainRule(
                rule.terms, rule.all_of, rule.label or pgettext("criteria", "Candidate")
            )
        )
    analysis.rain_rules = chosen
    _by_event, analysis.outside = criteria.assign_decisions(events, analysis.decisions)
    # With no decision recorded every event would read as "not needed": nothing to score.
    if analysis.decisions:
        analysis.scores = [criteria.rain_backtest(series, events, r, needs) for r in chosen]
    return analysis


def rule_of_other_kind(*, river: bool) -> Invalid:
    if river:
        message = _('Give a river rule, e.g. 2.8 or "level>=2.5 or rise>=0.4/1h".')
    else:
        message = _('Give a rain rule, e.g. rain1h>=30 or "rain1h>=20 and rain24h>=100".')
    return Invalid(message, code="rule_kind", fields={"rule": [message]})


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
    rules: Sequence[criteria.Rule | criteria.RainRule] = (),
    lead_hours: float = LEAD_HOURS_DEFAULT,
    percentile: float | None = None,
    decisions: Sequence[criteria.PastDecision] | None = None,
    whole_history: bool = False,
) -> Analysis:
    """Events, proposals, the back-test of the levels in force, the proposal and ``rules``,
    and the post-event review of a river station; of a rain gauge its rain events, the rain
    rules in force, proposed and given (``criteria.RainRule``) back-tested against its
    decisions. ``decisions`` None: those recorded for the station. Only the readings around
    the events are read (``river_series``, ``rain_series``); ``whole_history`` reads every
    reading, as the analysis did before (the benchmark's reference). Raises Invalid when the
    station cannot be analysed."""
    if station.municipality_id != municipality.pk:
        raise Invalid(_("No such observation station."), code="no_station")
    if station.kind not in ANALYSED_KINDS:
        raise Invalid(
            _("Criteria are derived for river level and rain gauge stations only."),
            code="not_analysed",
        )
    if not 0 < lead_hours <= 24:
        raise Invalid(_("Give a lead time between 0 and 24 hours."), code="lead_hours")
    analysis = Analysis(
        station=station,
        lead_hours=lead_hours,
        percentile=percentile,
        series=criteria.Series([]),
    )
    if not analysis.river:
        rain = [r for r in rules if isinstance(r, criteria.RainRule)]
        if len(rain) != len(rules):
            raise rule_of_other_kind(river=False)
        analysis.series = (
            station_series(station=station) if whole_history else rain_series(station=station)
        )
        return _analyse_rain(analysis, municipality, rain, decisions)
    if any(not isinstance(r, criteria.Rule) for r in rules):
        raise rule_of_other_kind(river=True)
    river_rules = [r for r in rules if isinstance(r, criteria.Rule)]
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
    for rule in river_rules:
        try:
            criteria.check_rule(rule, base=base)
        except ValueError:
            raise rule_below_base(base) from None
    last: dt.datetime | None = None
    if whole_history:
        analysis.series = station_series(station=station)
    else:
        analysis.series, last = river_series(station=station, base=base)
    series = analysis.series
    analysis.events = criteria.find_events(series, base=base, until=last)
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
    for rule in river_rules:
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


def rain_proposal_text(p: criteria.RainProposal) -> str:
    window = rain_window_name(p.minutes)
    if p.value is None:
        return _("%(window)s: no event with an order can be caught that early.") % {
            "window": window
        }
    text = _("%(window)s: %(rule)s (from %(used)s of %(needed)s events with an order)") % {
        "window": window,
        "rule": p.rule.text if p.rule else "",
        "used": p.events_used,
        "needed": p.events_needed,
    }
    return text


def rain_scope_text(analysis: Analysis) -> str:
    """Which decisions the rain rules were compared with, and what counts as a hit."""
    if not analysis.decisions:
        return _("No decision is recorded: nothing to back-test the rain rules against.")
    if analysis.decisions_scope == "municipality":
        scope = _(
            "No decision names this gauge or its areas: compared with all the "
            "municipality's decisions."
        )
    else:
        scope = _("Compared with the decisions naming this gauge or its areas.")
    return (
        scope
        + " "
        + _(
            "An event needed evacuation when an order of level 3 or higher was issued in it; a "
            "hit fires before the first such order."
        )
    )


def rain_result_text(outcome: criteria.Outcome) -> str:
    if outcome.result == criteria.HIT:
        return _("hit, %(minutes)s min before the order") % {"minutes": outcome.lead_minutes}
    if outcome.result == criteria.MISS:
        if outcome.fired_at is None:
            return _("miss: did not fire")
        return _("miss: fired %(minutes)s min after the order") % {
            "minutes": -(outcome.lead_minutes or 0)
        }
    if outcome.result == criteria.FALSE_ALARM:
        return pgettext("criteria", "false alarm")
    return pgettext("criteria", "quiet")


def rain_context(analysis: Analysis) -> dict[str, Any]:
    """What a rain gauge's criteria page shows beyond its events, worked out here so that
    the template only lays it out."""
    rows = []
    for i, event in enumerate(analysis.rain_events):
        order = analysis.rain_needs.get(event.number)
        rows.append(
            {
                "event": event,
                "label": when(event.start)[:10],
                "order": when(order) if order else "",
                "cells": [
                    {
                        "result": s.outcomes[i].result,
                        "text": rain_result_text(s.outcomes[i]),
                    }
                    for s in analysis.scores
                ],
            }
        )
    return {
        "rain_proposals": [rain_proposal_text(p) for p in analysis.rain_proposals],
        "rain_scope": rain_scope_text(analysis),
        "rain_rows": rows,
    }
