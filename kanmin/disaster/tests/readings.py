"""Readings for the rules and decisions tests, stored as the intake stores a new reading."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kanmin.disaster.models import Observation, Source, Station


def reading(
    station: Station,
    observed_at: dt.datetime,
    value: Any,
    *,
    quality: str = "provisional",
    received_at: dt.datetime | None = None,
) -> Observation:
    return Observation.all_tenants.create(
        municipality_id=station.municipality_id,
        station=station,
        observed_at=observed_at,
        value=None if value is None else Decimal(str(value)),
        quality=quality,
        source=Source.HTTP,
        received_at=received_at or observed_at,
    )


def series(station: Station, end: dt.datetime, values: list[Any], *, step: int = 10) -> None:
    """``values`` every ``step`` minutes, the last one at ``end``."""
    for i, value in enumerate(values):
        reading(station, end - dt.timedelta(minutes=step * (len(values) - 1 - i)), value)
