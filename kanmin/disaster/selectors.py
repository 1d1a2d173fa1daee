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
- Devices: ``device_list``, ``device_get``; ``device_by_secret`` (the HTTP intake's look-up).
- Intake health: ``refusal_list(municipality=…, since=…)``, ``intake_counts(municipality=…,
  start=…, end=…)`` {(source, outcome or reason): count}; imports: ``import_job_get``,
  ``import_job_list``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection
from django.db.models import FloatField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Extract
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core.errors import NotFound
from kanmin.core.models import Municipality
from kanmin.disaster.models import (
    Device,
    ImportJob,
    IntakeRefusal,
    IntakeTally,
    Observation,
    ReferenceLevels,
    Station,
)


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
            result[station_id].append(Reading(observed_at, value, quality))
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
