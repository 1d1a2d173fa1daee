"""Rows for the disaster tests, made through the services (so they are what users make)."""

from __future__ import annotations

import itertools
from typing import Any

from kanmin.disaster import services
from kanmin.disaster.models import Device, Shelter, Station, StationKind

_numbers = itertools.count(1)


def station(municipality: Any, *, code: str | None = None, **fields: Any) -> Station:
    """A river water-level station on 大淀川 unless told otherwise."""
    values: dict[str, Any] = {
        "name_ja": "岳下橋",
        "name_en": "Takeshita Bridge",
        "kind": StationKind.RIVER,
        "unit": "m",
        "latitude": "31.7500",
        "longitude": "131.0500",
        "river_name": "大淀川",
    }
    if fields.get("kind") == StationKind.RAIN:
        values["unit"] = "mm"
    values.update(fields)
    return services.station_create(
        municipality=municipality,
        actor=None,
        code=code or f"st{next(_numbers):04d}",
        **values,
    )


def device(municipality: Any, station: Station, *, code: str | None = None) -> Device:
    """A device with its secret on ``device.issued_secret``."""
    return services.device_register(
        municipality=municipality,
        actor=None,
        station=station,
        code=code or f"dev{next(_numbers):04d}",
    )


def shelter(municipality: Any, *, code: str | None = None, **fields: Any) -> Shelter:
    """A school gym in 都城 designated for floods and earthquakes, 300 people, unless told
    otherwise."""
    values: dict[str, Any] = {
        "name_ja": "妻ケ丘小学校体育館",
        "name_en": "Tsumagaoka Elementary School Gym",
        "address": "宮崎県都城市早鈴町",
        "latitude": "31.724000",
        "longitude": "131.056000",
        "capacity": 300,
        "is_emergency_site": True,
        "is_shelter": True,
        "hazard_flood": True,
        "hazard_earthquake": True,
    }
    values.update(fields)
    return services.shelter_register(
        municipality=municipality,
        actor=None,
        code=code or f"sh{next(_numbers):04d}",
        **values,
    )
