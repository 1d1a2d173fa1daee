"""Rows for the disaster tests, made through the services (so they are what users make)."""

from __future__ import annotations

import itertools
from typing import Any

from kanmin.disaster import services
from kanmin.disaster.models import Device, Station, StationKind

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
