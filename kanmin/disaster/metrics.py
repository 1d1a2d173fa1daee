"""KPI providers for the plan: Ⅳ-1 (regional IoT), Ⅳ-3 (disaster response, shelters included),
Ⅳ-6 (smart farming).

Counts are per fiscal year (年度): stations that existed by its end and are active, readings
observed within it (current versions only, so a corrected reading counts once), evacuation
decisions decided within it, stations whose criteria (基準水位) were set by its end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanmin.core.metrics import metric
from kanmin.disaster.models import (
    Decision,
    Observation,
    ReferenceLevels,
    Shelter,
    ShelterCount,
    ShelterOpening,
    Station,
    StationKind,
)

FARM_KINDS = (StationKind.FARM, StationKind.TRAP)


def _bounds(fiscal_year: Any) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(fiscal_year.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(fiscal_year.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _stations(municipality: Any, fiscal_year: Any) -> QuerySet[Station]:
    _start, end = _bounds(fiscal_year)
    return Station.all_tenants.filter(municipality=municipality, active=True, created_at__lt=end)


def _observations(municipality: Any, fiscal_year: Any) -> QuerySet[Observation]:
    start, end = _bounds(fiscal_year)
    return Observation.all_tenants.filter(
        municipality=municipality,
        is_current=True,
        observed_at__gte=start,
        observed_at__lt=end,
    )


@metric("disaster.sensors", unit="箇所", description=_("IoT sensor stations in service"))
def sensors(*, municipality: Any, fiscal_year: Any) -> int:
    return int(_stations(municipality, fiscal_year).count())


@metric(
    "disaster.observations",
    unit="件",
    description=_("Sensor readings received in the fiscal year"),
)
def observations(*, municipality: Any, fiscal_year: Any) -> int:
    return int(_observations(municipality, fiscal_year).count())


@metric(
    "disaster.farm_sensors",
    unit="箇所",
    description=_("Smart-farming sensors and wildlife traps in service"),
)
def farm_sensors(*, municipality: Any, fiscal_year: Any) -> int:
    return int(_stations(municipality, fiscal_year).filter(kind__in=FARM_KINDS).count())


@metric(
    "disaster.farm_observations",
    unit="件",
    description=_("Readings of farm sensors and wildlife traps in the fiscal year"),
)
def farm_observations(*, municipality: Any, fiscal_year: Any) -> int:
    return int(
        _observations(municipality, fiscal_year).filter(station__kind__in=FARM_KINDS).count()
    )


@metric(
    "disaster.stations_with_reference_levels",
    unit="箇所",
    description=_("River stations with reference levels set (objective evacuation criteria)"),
)
def stations_with_reference_levels(*, municipality: Any, fiscal_year: Any) -> int:
    _start, end = _bounds(fiscal_year)
    return int(
        ReferenceLevels.all_tenants.filter(municipality=municipality, valid_from__lt=end)
        .values("station_id")
        .distinct()
        .count()
    )


# Shelters (engineer "shelters"): Ⅳ-3 避難所管理


@metric(
    "disaster.shelters_registered",
    unit="箇所",
    description=_("Designated evacuation sites and shelters registered"),
)
def shelters_registered(*, municipality: Any, fiscal_year: Any) -> int:
    _start, end = _bounds(fiscal_year)
    return int(
        Shelter.all_tenants.filter(
            municipality=municipality, active=True, created_at__lt=end
        ).count()
    )


def _openings(municipality: Any, fiscal_year: Any) -> QuerySet[ShelterOpening]:
    start, end = _bounds(fiscal_year)
    return ShelterOpening.all_tenants.filter(
        municipality=municipality, opened_at__gte=start, opened_at__lt=end
    )


@metric(
    "disaster.shelter_openings",
    unit="回",
    description=_("Shelter openings in the fiscal year"),
)
def shelter_openings(*, municipality: Any, fiscal_year: Any) -> int:
    return int(_openings(municipality, fiscal_year).count())


@metric(
    "disaster.shelter_evacuees",
    unit="人",
    description=_(
        "Evacuees sheltered in the fiscal year: the most counted in each opening, summed"
    ),
)
def shelter_evacuees(*, municipality: Any, fiscal_year: Any) -> int:
    peaks = (
        ShelterCount.all_tenants.filter(opening__in=_openings(municipality, fiscal_year))
        .values("opening_id")
        .annotate(peak=Max("evacuees"))
    )
    return int(sum(row["peak"] for row in peaks))


@metric(
    "disaster.decisions",
    unit="件",
    description=_(
        "Evacuation decisions (issued and lifted) recorded with their evidence in the fiscal year"
    ),
)
def decisions(*, municipality: Any, fiscal_year: Any) -> int:
    start, end = _bounds(fiscal_year)
    return int(
        Decision.all_tenants.filter(
            municipality=municipality, decided_at__gte=start, decided_at__lt=end
        ).count()
    )
