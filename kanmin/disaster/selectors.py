"""Reads of disaster information, always for one municipality.

How to use (for the rules, decisions, dashboard and public pages built on these models):

- Stations: ``station_list(municipality=…, kind=…, active=…)``, ``station_get(municipality=…,
  code=…)`` (raises ``NotFound``), ``station_get_by_pk``.
- Reference levels: ``reference_levels_at(station=…, at=None)`` gives the 基準水位 in force
  (None when never set); ``reference_levels_for(stations, at=None)`` the same for many stations
  in one query; ``reference_levels_history(station=…)`` newest first.
- Observations (current versions only unless said):
  ``observation_series(station=…, start=…, end=…)`` one station's readings, oldest first;
  ``observations_recent(municipality=…, stations=…, hours=72, until=None)`` the dashboard's
  query: {station id: [Reading(observed_at, value as float, quality), …]} for many stations
  in one indexed query (p95 figures: benchmarks/bench_disaster_ingest.py);
  ``latest_observations(municipality=…, stations=None)`` {station id: newest current
  Observation} for the map and GeoJSON; ``observation_versions(station=…, observed_at=…)``
  every version of one reading (a correction's history).
- Devices: ``device_list``, ``device_get``; ``device_by_secret`` (the HTTP intake's look-up);
  ``device_refusal_counts(municipality=…, since=…)`` {device id: refusals logged}.
- Intake health: ``refusal_list(municipality=…, since=…)``, ``intake_counts(municipality=…,
  start=…, end=…)`` {(source, outcome or reason): count}; imports: ``import_job_get``,
  ``import_job_list``, ``import_refusals(job=…)`` (its refused lines in file order) and
  ``import_refusal_reasons(job=…)``.
- Shelters: ``shelter_list``, ``shelter_get`` (by ID), ``shelter_states`` (each with its
  open opening, current count and crowding: the pages' read), ``shelter_openings`` (newest
  first, with the current and peak counts), ``shelter_opening_get``, ``shelter_counts``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, FloatField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Extract
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core.errors import NotFound
from kanmin.core.models import Municipality
from kanmin.disaster import rules, shelters
from kanmin.disaster.models import (
    Alert,
    Decision,
    DecisionAction,
    DecisionAnnotation,
    Device,
    ImportJob,
    IntakeRefusal,
    IntakeTally,
    Observation,
    OfficialInfo,
    ReferenceLevels,
    RuleSet,
    Shelter,
    ShelterCount,
    ShelterOpening,
    Station,
)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


class Reading(NamedTuple):
    """One current reading, as the dashboard draws it."""

    observed_at: dt.datetime
    value: float | None
    quality: str


# ------------------------------------------------------------------------------------------
# Stations and their reference levels
# ------------------------------------------------------------------------------------------


def station_list(
    *, municipality: Municipality, kind: str | None = None, active: bool | None = True
) -> QuerySet[Station]:
    queryset = Station.all_tenants.filter(municipality=municipality)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset.order_by("code")


def station_get(*, municipality: Municipality, code: str) -> Station:
    try:
        return Station.all_tenants.get(municipality=municipality, code=code)
    except Station.DoesNotExist:
        raise NotFound(
            _("No observation station with the code %(code)s.") % {"code": code},
            code="no_station",
        ) from None


def station_get_by_pk(*, municipality: Municipality, pk: int) -> Station:
    try:
        return Station.all_tenants.get(municipality=municipality, pk=pk)
    except (Station.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such observation station."), code="no_station") from None


def reference_levels_at(
    *, station: Station, at: dt.datetime | None = None
) -> ReferenceLevels | None:
    """The reference levels in force at ``at`` (now by default), or None."""
    at = at or timezone.now()
    return (
        ReferenceLevels.all_tenants.filter(station=station, valid_from__lte=at)
        .order_by("-valid_from")
        .first()
    )


def reference_levels_for(
    stations: Iterable[Station], *, at: dt.datetime | None = None
) -> dict[int, ReferenceLevels]:
    """{station id: levels in force at ``at``} for the stations that have any."""
    at = at or timezone.now()
    ids = [s.pk for s in stations]
    result: dict[int, ReferenceLevels] = {}
    rows = ReferenceLevels.all_tenants.filter(station_id__in=ids, valid_from__lte=at).order_by(
        "station_id", "valid_from"
    )
    for row in rows:
        result[row.station_id] = row  # the latest valid_from wins
    return result


def reference_levels_history(*, station: Station) -> QuerySet[ReferenceLevels]:
    return (
        ReferenceLevels.all_tenants.filter(station=station)
        .select_related("set_by")
        .order_by("-valid_from")
    )


# ------------------------------------------------------------------------------------------
# Observations
# ------------------------------------------------------------------------------------------


def observation_series(
    *,
    station: Station,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[Observation]:
    """The station's current readings in [start, end], oldest first."""
    queryset = Observation.all_tenants.filter(station=station, is_current=True)
    if start is not None:
        queryset = queryset.filter(observed_at__gte=start)
    if end is not None:
        queryset = queryset.filter(observed_at__lte=end)
    return queryset.order_by("observed_at")


def observations_recent(
    *,
    municipality: Municipality,
    stations: Iterable[Station | int],
    hours: int = 72,
    until: dt.datetime | None = None,
) -> dict[int, list[Reading]]:
    """The last ``hours`` of current readings of many stations, in one indexed query.

    Returns {station id: [Reading, …] oldest first}, values as floats (for charts; the exact
    Decimal is on the Observation rows); stations without readings are absent, stations of
    another municipality are left out. On PostgreSQL each station's readings come as three
    arrays (epoch seconds, floats, qualities): a third of the time of one row per reading.
    """
    until = until or timezone.now()
    since = until - dt.timedelta(hours=hours)
    ids = [s if isinstance(s, int) else s.pk for s in stations]
    queryset = (
        Observation.all_tenants.filter(
            municipality=municipality,
            station_id__in=ids,
            is_current=True,
            observed_at__gte=since,
            observed_at__lte=until,
        )
        .order_by("station_id", "observed_at")
        .annotate(v=Cast("value", FloatField()))
    )
    result: dict[int, list[Reading]] = defaultdict(list)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        epoch = Cast(Extract("observed_at", "epoch", tzinfo=dt.UTC), FloatField())
        per_station = (
            queryset.order_by()
            .values("station_id")
            .annotate(
                times=ArrayAgg(epoch, order_by="observed_at"),
                values=ArrayAgg(Cast("value", FloatField()), order_by="observed_at"),
                qualities=ArrayAgg("quality", order_by="observed_at"),
            )
            .values_list("station_id", "times", "values", "qualities")
        )
        at = dt.datetime.fromtimestamp
        for station_id, times, values, qualities in per_station:
            result[station_id] = [
                Reading(at(t, dt.UTC), v, q)
                for t, v, q in zip(times, values, qualities, strict=True)
            ]
    else:
        for station_id, observed_at, value, quality in queryset.values_list(
            "station_id", "observed_at", "v", "quality"
        ):
            result[station_id].append(Reading(observed_at, _float(value), quality))
    return dict(result)


def latest_observations(
    *, municipality: Municipality, stations: Iterable[Station] | None = None
) -> dict[int, Observation]:
    """{station id: its newest current reading} (stations without readings are absent)."""
    station_rows = Station.all_tenants.filter(municipality=municipality)
    if stations is not None:
        station_rows = station_rows.filter(pk__in=[s.pk for s in stations])
    newest = (
        Observation.all_tenants.filter(station=OuterRef("pk"), is_current=True)
        .order_by("-observed_at")
        .values("pk")[:1]
    )
    ids = [
        pk
        for pk in station_rows.annotate(latest=Subquery(newest)).values_list("latest", flat=True)
        if pk is not None
    ]
    return {o.station_id: o for o in Observation.all_tenants.filter(pk__in=ids)}


def observation_versions(*, station: Station, observed_at: dt.datetime) -> QuerySet[Observation]:
    """Every version of one reading, the first first."""
    return Observation.all_tenants.filter(station=station, observed_at=observed_at).order_by(
        "version"
    )


def observation_count(
    *, municipality: Municipality, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> int:
    """How many current readings the municipality has, observed in [start, end)."""
    queryset = Observation.all_tenants.filter(municipality=municipality, is_current=True)
    if start is not None:
        queryset = queryset.filter(observed_at__gte=start)
    if end is not None:
        queryset = queryset.filter(observed_at__lt=end)
    return int(queryset.count())


# ------------------------------------------------------------------------------------------
# Devices
# ------------------------------------------------------------------------------------------


def device_list(*, municipality: Municipality, station: Station | None = None) -> QuerySet[Device]:
    queryset = Device.all_tenants.filter(municipality=municipality).select_related("station")
    if station is not None:
        queryset = queryset.filter(station=station)
    return queryset.order_by("code")


def device_get(*, municipality: Municipality, code: str) -> Device:
    try:
        return Device.all_tenants.select_related("station").get(
            municipality=municipality, code=code
        )
    except Device.DoesNotExist:
        raise NotFound(
            _("No device with the code %(code)s.") % {"code": code}, code="no_device"
        ) from None


def device_by_secret(*, municipality: Municipality, secret: str) -> Device | None:
    """The active device of this municipality whose token is ``secret``, or None."""
    return (
        Device.all_tenants.select_related("station")
        .filter(
            municipality=municipality,
            token_digest=accounts_selectors.token_digest(secret),
            active=True,
        )
        .first()
    )


def device_refusal_counts(
    *, municipality: Municipality, since: dt.datetime | None = None
) -> dict[int, int]:
    """{device id: readings from it refused (and logged) since ``since``} for the device list;
    a refused flood counts once a minute, as it is logged."""
    queryset = IntakeRefusal.objects.filter(municipality=municipality, device__isnull=False)
    if since is not None:
        queryset = queryset.filter(received_at__gte=since)
    rows = queryset.values("device_id").annotate(total=Count("pk"))
    return {r["device_id"]: int(r["total"]) for r in rows}


# ------------------------------------------------------------------------------------------
# Intake health and imports
# ------------------------------------------------------------------------------------------


def refusal_list(
    *, municipality: Municipality, since: dt.datetime | None = None, reason: str | None = None
) -> QuerySet[IntakeRefusal]:
    queryset = IntakeRefusal.objects.filter(municipality=municipality)
    if since is not None:
        queryset = queryset.filter(received_at__gte=since)
    if reason is not None:
        queryset = queryset.filter(reason=reason)
    return queryset.select_related("station", "device").order_by("-received_at")


def intake_counts(
    *, municipality: Municipality | None, start: dt.date, end: dt.date
) -> dict[tuple[str, str], int]:
    """{(source, outcome or refusal reason): count} over the days [start, end].

    ``municipality`` None: what came for no known municipality (platform operators only).
    """
    queryset = IntakeTally.objects.filter(day__gte=start, day__lte=end)
    if municipality is None:
        queryset = queryset.filter(municipality__isnull=True)
    else:
        queryset = queryset.filter(municipality=municipality)
    rows = queryset.values("source", "outcome").annotate(total=Sum("count"))
    return {(r["source"], r["outcome"]): int(r["total"]) for r in rows}


def import_job_get(*, municipality: Municipality, pk: int) -> ImportJob:
    try:
        return ImportJob.all_tenants.get(municipality=municipality, pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such import."), code="no_import") from None


def import_job_list(*, municipality: Municipality) -> QuerySet[ImportJob]:
    return ImportJob.all_tenants.filter(municipality=municipality).order_by("-created_at")


def import_refusals(*, job: ImportJob) -> QuerySet[IntakeRefusal]:
    """The import's refused readings that were logged (the first 1,000), in file order."""
    return IntakeRefusal.objects.filter(
        municipality_id=job.municipality_id, import_job=job
    ).order_by("pk")


def import_refusal_reasons(*, job: ImportJob) -> list[tuple[str, int]]:
    """[(refusal reason, how many logged)] of an import, the most frequent first."""
    rows = (
        import_refusals(job=job)
        .order_by()
        .values("reason")
        .annotate(total=Count("pk"))
        .order_by("-total", "reason")
    )
    return [(r["reason"], int(r["total"])) for r in rows]


# ------------------------------------------------------------------------------------------
# 警戒レベル: rule sets, official information, levels, alerts, decisions (engineer "rules")
#
# - ``ruleset_in_force(municipality=…, at=None)``: the RuleSet version in force (an unsaved
#   default, version 0, when the municipality never saved one); ``ruleset_list``,
#   ``ruleset_get``.
# - ``station_levels(municipality, at=None)``: per station its latest reading, its level and the
#   rule that fired: from its readings, or from the official information in force for its
#   areas (the rule set's 地区) when that is higher. Everything that shows or acts on levels
#   reads them here.
# - ``official_level(municipality, at=None, areas=None)``: the level the official information
#   in force gives: the highest anywhere, or in the given areas.
# - ``decision_list(municipality, since=None, until=None)``, ``decision_get``,
#   ``orders_in_force``; ``decision_evidence`` is what the decision form shows and freezes.
# ------------------------------------------------------------------------------------------


def ruleset_in_force(*, municipality: Municipality, at: dt.datetime | None = None) -> RuleSet:
    """The newest saved version with ``valid_from`` not after ``at``; if none, the default
    (``rules.default_data()``) as an unsaved version 0."""
    at = at or timezone.now()
    row = (
        RuleSet.all_tenants.filter(municipality=municipality, valid_from__lte=at)
        .order_by("-valid_from", "-version")
        .first()
    )
    if row is not None:
        return row
    return RuleSet(
        municipality=municipality,
        version=0,
        valid_from=dt.datetime(2021, 5, 20, tzinfo=dt.UTC),
        definition=rules.default_data(),
        reason="",
    )


def ruleset_list(*, municipality: Municipality) -> QuerySet[RuleSet]:
    return (
        RuleSet.all_tenants.filter(municipality=municipality)
        .select_related("created_by")
        .order_by("-version")
    )


def ruleset_get(*, municipality: Municipality, version: int) -> RuleSet:
    try:
        return RuleSet.all_tenants.get(municipality=municipality, version=version)
    except (RuleSet.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such version of the rules."), code="no_ruleset") from None


def official_info_list(
    *, municipality: Municipality, in_force_at: dt.datetime | None = None
) -> QuerySet[OfficialInfo]:
    """All official information, newest first; only what is in force at ``in_force_at``
    when it is given."""
    queryset = OfficialInfo.all_tenants.filter(municipality=municipality)
    if in_force_at is not None:
        queryset = queryset.filter(issued_at__lte=in_force_at).filter(
            Q(lifted_at__isnull=True) | Q(lifted_at__gt=in_force_at)
        )
    return queryset.order_by("-issued_at")


def official_info_get(*, municipality: Municipality, pk: int) -> OfficialInfo:
    try:
        return OfficialInfo.all_tenants.get(municipality=municipality, pk=pk)
    except (OfficialInfo.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such official information."), code="no_official_info") from None


@dataclass(frozen=True)
class StationLevel:
    """A station's level at a time, as the rules judge it: the higher of what its readings
    give (``observed_level``) and what the official information in force for its areas gives
    (``official_level``); ``rule`` is the rule that gave ``level`` (the reading's rule on a
    tie), ``measured`` and ``target`` what that rule compared (None for official
    information)."""

    station: Station
    latest: Reading | None  # its newest current reading at or before the time
    level: int  # 0: no rule fired (or no recent reading and no information in force)
    level_def: rules.LevelDef | None
    rule: rules.RuleDef | None
    stale: bool  # no reading recent enough to judge
    measured: Decimal | None
    target: Decimal | None
    references: ReferenceLevels | None
    observed_level: int = 0  # from its readings only (what its alerts follow)
    observed_rule: rules.RuleDef | None = None
    areas: tuple[str, ...] = ()  # the codes of the rule set's areas it stands for
    official_level: int = 0  # from the official information in force for its areas
    official_rule: rules.RuleDef | None = None
    official_info: tuple[OfficialInfo, ...] = ()  # that information


@dataclass(frozen=True)
class OfficialLevel:
    level: int
    level_def: rules.LevelDef | None
    rule: rules.RuleDef | None
    in_force: list[OfficialInfo]


_UNUSABLE = ("missing", "suspect")


def _readings_known_at(
    station_ids: list[int], since: dt.datetime, until: dt.datetime, known_at: dt.datetime
) -> dict[int, list[Reading]]:
    """Readings observed in [since, until] as they were known at ``known_at``: of each reading
    the newest version received by then (later corrections left out)."""
    rows = (
        Observation.all_tenants.filter(
            station_id__in=station_ids,
            observed_at__gte=since,
            observed_at__lte=until,
            received_at__lte=known_at,
        )
        .order_by("station_id", "observed_at", "version")
        .values_list("station_id", "observed_at", "value", "quality")
    )
    newest: dict[tuple[int, dt.datetime], Reading] = {}
    for station_id, observed_at, value, quality in rows:
        newest[(station_id, observed_at)] = Reading(
            observed_at, None if value is None else float(value), quality
        )
    result: dict[int, list[Reading]] = defaultdict(list)
    for (station_id, _time), reading in newest.items():
        result[station_id].append(reading)
    return dict(result)


def _latest_at_or_before(station_ids: list[int], at: dt.datetime) -> dict[int, Reading]:
    newest = (
        Observation.all_tenants.filter(station=OuterRef("pk"), is_current=True, observed_at__lte=at)
        .order_by("-observed_at")
        .values("pk")[:1]
    )
    ids = [
        pk
        for pk in Station.all_tenants.filter(pk__in=station_ids)
        .annotate(latest=Subquery(newest))
        .values_list("latest", flat=True)
        if pk is not None
    ]
    return {
        o.station_id: Reading(o.observed_at, _float(o.value), o.quality)
        for o in Observation.all_tenants.filter(pk__in=ids)
    }


def station_levels(
    municipality: Municipality,
    at: dt.datetime | None = None,
    *,
    stations: Iterable[Station] | None = None,
    ruleset: RuleSet | None = None,
    known_at: dt.datetime | None = None,
) -> list[StationLevel]:
    """Each active station's latest reading, level and the rule that fired, at ``at`` (now).

    ``stations`` narrows the list; ``known_at`` judges with the readings as they were known
    then (a decision's evidence); ``ruleset`` defaults to the one in force at ``at``.
    """
    at = at or timezone.now()
    ruleset = ruleset or ruleset_in_force(municipality=municipality, at=at)
    definition = ruleset.parsed
    station_rows = list(
        station_list(municipality=municipality)
        if stations is None
        else Station.all_tenants.filter(
            municipality=municipality, pk__in=[s.pk for s in stations]
        ).order_by("code")
    )
    ids = [s.pk for s in station_rows]
    since = at - dt.timedelta(minutes=rules.lookback_minutes(definition))
    in_force = list(official_info_list(municipality=municipality, in_force_at=at))
    if known_at is None:
        recent = _recent(municipality, ids, since, at)
    else:
        recent = _readings_known_at(ids, since, at, known_at)
    missing = [pk for pk in ids if not recent.get(pk)]
    older = _latest_at_or_before(missing, at) if missing else {}
    references = reference_levels_for(station_rows, at=at)
    result = []
    for station in station_rows:
        readings = recent.get(station.pk, [])
        latest = readings[-1] if readings else older.get(station.pk)
        refs = references.get(station.pk)
        points = [
            (r.observed_at, Decimal(str(r.value)))
            for r in readings
            if r.value is not None and r.quality not in _UNUSABLE
        ]
        verdict = rules.judge(
            definition.rules,
            kind=station.kind,
            code=station.code,
            points=points,
            references=refs.as_dict() if refs else None,
            at=at,
            stale_after_minutes=definition.stale_after_minutes,
        )
        areas = definition.areas_of(station.code)
        covering = tuple(i for i in in_force if rules.covers(i.area_codes or (), areas))
        official = rules.judge_official(definition.rules, [i.kind for i in covering])
        by_official = official.level > verdict.level
        level = official.level if by_official else verdict.level
        result.append(
            StationLevel(
                station=station,
                latest=latest,
                level=level,
                level_def=definition.level(level),
                rule=official.rule if by_official else verdict.rule,
                stale=verdict.stale,
                measured=None if by_official else verdict.measured,
                target=None if by_official else verdict.target,
                references=refs,
                observed_level=verdict.level,
                observed_rule=verdict.rule,
                areas=areas,
                official_level=official.level,
                official_rule=official.rule,
                official_info=covering,
            )
        )
    return result


def _recent(
    municipality: Municipality, ids: list[int], since: dt.datetime, until: dt.datetime
) -> dict[int, list[Reading]]:
    rows = (
        Observation.all_tenants.filter(
            municipality=municipality,
            station_id__in=ids,
            is_current=True,
            observed_at__gte=since,
            observed_at__lte=until,
        )
        .order_by("station_id", "observed_at")
        .values_list("station_id", "observed_at", "value", "quality")
    )
    result: dict[int, list[Reading]] = defaultdict(list)
    for station_id, observed_at, value, quality in rows:
        result[station_id].append(Reading(observed_at, _float(value), quality))
    return dict(result)


def official_level(
    municipality: Municipality,
    at: dt.datetime | None = None,
    *,
    ruleset: RuleSet | None = None,
    areas: Iterable[str] | None = None,
) -> OfficialLevel:
    """The level that the official information in force at ``at`` gives: the highest in any
    part of the municipality, or, with ``areas`` (codes), in those areas (the information
    for the whole municipality and for any of them)."""
    at = at or timezone.now()
    ruleset = ruleset or ruleset_in_force(municipality=municipality, at=at)
    definition = ruleset.parsed
    in_force = list(official_info_list(municipality=municipality, in_force_at=at))
    if areas is not None:
        codes = tuple(areas)
        in_force = [i for i in in_force if rules.covers(i.area_codes or (), codes)]
    verdict = rules.judge_official(definition.rules, [i.kind for i in in_force])
    return OfficialLevel(verdict.level, definition.level(verdict.level), verdict.rule, in_force)


def alert_list(
    *,
    municipality: Municipality,
    unacknowledged: bool | None = None,
    since: dt.datetime | None = None,
) -> QuerySet[Alert]:
    queryset = Alert.all_tenants.filter(municipality=municipality).select_related(
        "station", "ruleset", "acknowledged_by"
    )
    if unacknowledged is not None:
        queryset = queryset.filter(acknowledged_at__isnull=unacknowledged)
    if since is not None:
        queryset = queryset.filter(raised_at__gte=since)
    return queryset.order_by("-raised_at", "-pk")


def alert_get(*, municipality: Municipality, pk: int) -> Alert:
    try:
        return Alert.all_tenants.get(municipality=municipality, pk=pk)
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such alert."), code="no_alert") from None


def alert_recipients(*, municipality: Municipality) -> list[str]:
    """The e-mail addresses of the municipality's disaster operators."""
    return accounts_selectors.emails_with_role(
        municipality=municipality, role=accounts_selectors.DISASTER_OPERATOR
    )


def decision_list(
    municipality: Municipality,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[Decision]:
    """The municipality's evacuation decisions decided in [since, until], oldest first."""
    queryset = Decision.all_tenants.filter(municipality=municipality)
    if since is not None:
        queryset = queryset.filter(decided_at__gte=since)
    if until is not None:
        queryset = queryset.filter(decided_at__lte=until)
    return (
        queryset.select_related("decided_by", "ruleset")
        .prefetch_related("stations")
        .order_by("decided_at", "pk")
    )


def decision_get(*, municipality: Municipality, pk: int) -> Decision:
    try:
        return (
            Decision.all_tenants.select_related("decided_by", "ruleset")
            .prefetch_related("stations")
            .get(municipality=municipality, pk=pk)
        )
    except (Decision.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such evacuation decision."), code="no_decision") from None


def decision_annotations(*, decision: Decision) -> QuerySet[DecisionAnnotation]:
    return DecisionAnnotation.all_tenants.filter(decision=decision).select_related("written_by")


def orders_in_force(municipality: Municipality, at: dt.datetime | None = None) -> list[Decision]:
    """Orders issued and not lifted at ``at``: for each area (its text), the latest decision
    when it is an issue. A lift lifts every order of its area."""
    at = at or timezone.now()
    latest: dict[str, Decision] = {}
    for decision in decision_list(municipality, until=at):
        latest[decision.area.strip()] = decision
    return sorted(
        (d for d in latest.values() if d.action == DecisionAction.ISSUE),
        key=lambda d: (-d.level, d.decided_at),
    )


def _number(value: Decimal | float | None) -> str | None:
    if value is None:
        return None
    return format(Decimal(str(value)).normalize(), "f")


def decision_evidence(
    *,
    municipality: Municipality,
    stations: Iterable[Station],
    shown_at: dt.datetime,
    hours: int = 6,
) -> dict[str, Any]:
    """What the decision form shows and the decision freezes: the stations' readings of the
    last ``hours`` before ``shown_at`` with their reference levels, levels and fired rules,
    the official information in force, and the rule set version.

    A decision recorded within a day of ``shown_at`` sees the readings as they were known at
    ``shown_at`` (later corrections left out); an older one, entered afterwards, the current
    values (``basis`` says which)."""
    ruleset = ruleset_in_force(municipality=municipality, at=shown_at)
    live = shown_at >= timezone.now() - dt.timedelta(hours=24)
    station_rows = list(stations)
    levels = station_levels(
        municipality,
        shown_at,
        stations=station_rows,
        ruleset=ruleset,
        known_at=shown_at if live else None,
    )
    since = shown_at - dt.timedelta(hours=hours)
    ids = [s.pk for s in station_rows]
    if live:
        series = _readings_known_at(ids, since, shown_at, shown_at)
    else:
        series = _recent(municipality, ids, since, shown_at)
    official = official_level(municipality, shown_at, ruleset=ruleset)
    entries = []
    fired: dict[str, Any] | None = None
    for item in levels:
        station = item.station
        refs = item.references
        rule = item.rule.as_json() if item.rule else None
        if item.rule and (fired is None or item.level > fired["level"]):
            fired = {**rule, "station": station.code} if rule else None
        entries.append(
            {
                "code": station.code,
                "name_ja": station.name_ja,
                "name_en": station.name_en,
                "kind": station.kind,
                "unit": station.unit,
                "river": station.river_name,
                "level": item.level,
                "stale": item.stale,
                "rule": rule,
                "areas": list(item.areas),
                "observed_level": item.observed_level,
                "official_level": item.official_level,
                "official_info": [info.kind for info in item.official_info],
                "measured": _number(item.measured),
                "target": _number(item.target),
                "reference_levels": (
                    {k: _number(v) for k, v in refs.as_dict().items()} if refs else None
                ),
                "reference_levels_valid_from": refs.valid_from.isoformat() if refs else None,
                "latest": (
                    {
                        "observed_at": item.latest.observed_at.isoformat(),
                        "value": _number(item.latest.value),
                        "quality": item.latest.quality,
                    }
                    if item.latest
                    else None
                ),
                "readings": [
                    [r.observed_at.isoformat(), _number(r.value), r.quality]
                    for r in series.get(station.pk, [])
                ],
            }
        )
    if official.rule and (fired is None or official.level > fired["level"]):
        fired = {**official.rule.as_json(), "station": None}
    return {
        "shown_at": shown_at.isoformat(),
        "hours": hours,
        "basis": "as_known" if live else "current",
        "ruleset": {
            "id": ruleset.pk,
            "version": ruleset.version,
            "valid_from": ruleset.valid_from.isoformat(),
        },
        "stations": entries,
        "official_info": [
            {
                "kind": info.kind,
                "area": info.area,
                "area_codes": list(info.area_codes or ()),
                "issued_at": info.issued_at.isoformat(),
                "note": info.note,
            }
            for info in official.in_force
        ],
        "official_level": official.level,
        "rule_fired": fired,
    }


# ------------------------------------------------------------------------------------------
# Shelters, their openings and evacuee counts (engineer "shelters")
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShelterState:
    """A shelter as the pages show it: open or not, the latest count and how full it is."""

    shelter: Shelter
    opening: ShelterOpening | None
    evacuees: int | None
    counted_at: dt.datetime | None

    @property
    def is_open(self) -> bool:
        return self.opening is not None

    @property
    def crowding(self) -> shelters.Crowding:
        return shelters.crowding(self.evacuees, self.shelter.capacity)


def _latest_count() -> tuple[Subquery, Subquery]:
    latest = ShelterCount.all_tenants.filter(opening=OuterRef("pk")).order_by("-counted_at", "-pk")
    return (
        Subquery(latest.values("evacuees")[:1]),
        Subquery(latest.values("counted_at")[:1]),
    )


def shelter_list(*, municipality: Municipality, active: bool | None = True) -> QuerySet[Shelter]:
    queryset = Shelter.all_tenants.filter(municipality=municipality)
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset.order_by("code")


def shelter_get(*, municipality: Municipality, code: str) -> Shelter:
    try:
        return Shelter.all_tenants.get(municipality=municipality, code=code)
    except Shelter.DoesNotExist:
        raise NotFound(_("No such shelter."), code="no_shelter") from None


def shelter_openings(
    *,
    municipality: Municipality,
    shelter: Shelter | None = None,
    open_only: bool = False,
    since: dt.datetime | None = None,
) -> QuerySet[ShelterOpening]:
    """Openings, newest first, each with ``latest_evacuees`` / ``latest_counted_at`` (the
    current count) and ``peak_evacuees``. ``since``: opened or closed at or after it."""
    queryset = ShelterOpening.all_tenants.filter(municipality=municipality)
    if shelter is not None:
        queryset = queryset.filter(shelter=shelter)
    if open_only:
        queryset = queryset.filter(closed_at__isnull=True)
    if since is not None:
        queryset = queryset.filter(Q(opened_at__gte=since) | Q(closed_at__gte=since))
    evacuees, counted_at = _latest_count()
    peak = Subquery(
        ShelterCount.all_tenants.filter(opening=OuterRef("pk"))
        .order_by("-evacuees")
        .values("evacuees")[:1]
    )
    return (
        queryset.select_related("shelter", "decision", "opened_by", "closed_by")
        .annotate(latest_evacuees=evacuees, latest_counted_at=counted_at, peak_evacuees=peak)
        .order_by("-opened_at", "-pk")
    )


def shelter_opening_get(*, municipality: Municipality, pk: int) -> ShelterOpening:
    try:
        return shelter_openings(municipality=municipality).get(pk=pk)
    except (ShelterOpening.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such shelter opening."), code="no_opening") from None


def shelter_counts(*, opening: ShelterOpening) -> QuerySet[ShelterCount]:
    """The counts of an opening, newest first."""
    return (
        ShelterCount.all_tenants.filter(opening=opening)
        .select_related("recorded_by")
        .order_by("-counted_at", "-pk")
    )


def shelter_states(
    *, municipality: Municipality, open_only: bool = False, active: bool | None = True
) -> list[ShelterState]:
    """Every (active) shelter with its open opening and current count, in ID order; with
    ``open_only`` only the open ones. Two queries whatever the number of shelters."""
    opened = {o.shelter_id: o for o in shelter_openings(municipality=municipality, open_only=True)}
    queryset = shelter_list(municipality=municipality, active=active)
    if open_only:
        queryset = queryset.filter(pk__in=list(opened))
    states = []
    for shelter in queryset:
        opening = opened.get(shelter.pk)
        if opening is not None:
            opening.shelter = shelter
        states.append(
            ShelterState(
                shelter=shelter,
                opening=opening,
                evacuees=opening.latest_evacuees if opening is not None else None,  # type: ignore[attr-defined]
                counted_at=opening.latest_counted_at if opening is not None else None,  # type: ignore[attr-defined]
            )
        )
    return states
