"""Writes of disaster information: stations, reference levels, devices, observations.

Staff writes use ``kanmin.core.actions.action`` (tenant, permission, change, audit in one
transaction). Readings come in through ``observation_ingest`` (see ``kanmin.disaster.intake``
for the rules): readings are data from machines, not staff writes, so they are counted rather
than audited one by one; an operator's correction (``observation_correct``) is audited.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts.models import ApiToken
from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.errors import Conflict, Invalid
from kanmin.core.models import Municipality
from kanmin.disaster.models import (
    Device,
    IntakeTally,
    Observation,
    Quality,
    ReferenceLevels,
    Source,
    Station,
    StationKind,
)
from kanmin.disaster.models import Outcome as ReadingOutcome

# ------------------------------------------------------------------------------------------
# Stations
# ------------------------------------------------------------------------------------------

_STATION_FIELDS = (
    "name_ja",
    "name_en",
    "kind",
    "unit",
    "latitude",
    "longitude",
    "river_name",
    "plausible_min",
    "plausible_max",
    "active",
)


def _decimal(name: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite():
        message = _("Give a number.")
        raise Invalid(message, fields={name: [message]})
    return number


def _station_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Clean and check a station's fields; raises Invalid naming the field."""
    values = dict(fields)
    for name in ("name_ja", "name_en", "unit", "river_name"):
        if name in values:
            values[name] = str(values[name] or "").strip()
    for name in ("latitude", "longitude", "plausible_min", "plausible_max"):
        if name in values:
            values[name] = _decimal(name, values[name])
    errors: dict[str, list[Any]] = {}
    if "name_ja" in values and not values["name_ja"]:
        errors["name_ja"] = [_("Give the station's name.")]
    if "kind" in values and values["kind"] not in StationKind.values:
        errors["kind"] = [_("Choose one of the kinds of station.")]
    if "unit" in values and not values["unit"]:
        errors["unit"] = [_("Give the unit of the readings, e.g. m or mm.")]
    latitude, longitude = values.get("latitude"), values.get("longitude")
    if latitude is not None and not Decimal(20) <= latitude <= Decimal(46):
        errors["latitude"] = [_("A latitude in Japan lies between 20 and 46 degrees.")]
    if longitude is not None and not Decimal(122) <= longitude <= Decimal(154):
        errors["longitude"] = [_("A longitude in Japan lies between 122 and 154 degrees.")]
    low, high = values.get("plausible_min"), values.get("plausible_max")
    if low is not None and high is not None and low >= high:
        errors["plausible_max"] = [_("The highest plausible value must be above the lowest.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], fields=errors)
    return values


def _station_dict(station: Station) -> dict[str, Any]:
    return {name: str(getattr(station, name)) for name in ("code", *_STATION_FIELDS)}


@action("disaster.station.create", perm="disaster.add_station")
def station_create(
    *,
    municipality: Municipality,
    actor: Any,
    code: str,
    name_ja: str,
    kind: str,
    unit: str,
    name_en: str = "",
    latitude: Any = None,
    longitude: Any = None,
    river_name: str = "",
    plausible_min: Any = None,
    plausible_max: Any = None,
    active: bool = True,
) -> Outcome[Station]:
    code = (code or "").strip()
    if not code or any(c in code for c in " /+#"):
        message = _("Give a code without spaces, /, + or #; it is part of the MQTT topic.")
        raise Invalid(message, fields={"code": [message]})
    values = _station_values(
        {
            "name_ja": name_ja,
            "name_en": name_en,
            "kind": kind,
            "unit": unit,
            "latitude": latitude,
            "longitude": longitude,
            "river_name": river_name,
            "plausible_min": plausible_min,
            "plausible_max": plausible_max,
            "active": bool(active),
        }
    )
    if Station.all_tenants.filter(municipality=municipality, code=code).exists():
        message = _("A station with the code %(code)s already exists.") % {"code": code}
        raise Conflict(message, fields={"code": [message]})
    station = Station.all_tenants.create(municipality=municipality, code=code, **values)
    return Changed(station, after=_station_dict(station))


@action("disaster.station.update", perm="disaster.change_station", on="station")
def station_update(
    *, municipality: Municipality, actor: Any, station: Station, **fields: Any
) -> Outcome[Station]:
    """Change any of the station's fields except its code (readings and topics use it)."""
    unknown = set(fields) - set(_STATION_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(names)s") % {"names": sorted(unknown)})
    values = _station_values(fields)
    before = _station_dict(station)
    for name, value in values.items():
        setattr(station, name, value)
    after = _station_dict(station)
    if after == before:
        return Unchanged(station)
    station.save(update_fields=list(values))
    changed = {k for k in after if after[k] != before[k]}
    return Changed(
        station,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )


# ------------------------------------------------------------------------------------------
# Reference levels (基準水位)
# ------------------------------------------------------------------------------------------


@action("disaster.reference_levels.set", perm="disaster.add_referencelevels", on="station")
def reference_levels_set(
    *,
    municipality: Municipality,
    actor: Any,
    station: Station,
    standby: Any = None,
    caution: Any = None,
    evacuation: Any = None,
    danger: Any = None,
    overflow: Any = None,
    valid_from: dt.datetime | None = None,
    reason: str = "",
) -> Outcome[ReferenceLevels]:
    """Set a river station's 基準水位 from ``valid_from`` (now by default): a new row of its
    history; the earlier rows stay. Each level given must be above the one before it."""
    if station.kind != StationKind.RIVER:
        raise Invalid(
            _("Reference levels are set only for river water-level stations."),
            code="not_river",
        )
    given = {
        "standby": _decimal("standby", standby),
        "caution": _decimal("caution", caution),
        "evacuation": _decimal("evacuation", evacuation),
        "danger": _decimal("danger", danger),
        "overflow": _decimal("overflow", overflow),
    }
    if all(v is None for v in given.values()):
        message = _("Give at least one level.")
        raise Invalid(message, fields={"danger": [message]})
    previous: tuple[str, Decimal] | None = None
    for name in ReferenceLevels.LEVELS:
        value = given[name]
        if value is None:
            continue
        if previous is not None and value <= previous[1]:
            message = _("Each level must be higher than the one below it.")
            raise Invalid(message, fields={name: [message]}, code="levels_order")
        previous = (name, value)
    valid_from = valid_from or timezone.now()
    if timezone.is_naive(valid_from):
        raise Invalid(_("Give the time with its time zone."), fields={"valid_from": ["naive"]})
    if ReferenceLevels.all_tenants.filter(station=station, valid_from=valid_from).exists():
        message = _("Levels valid from this time already exist; choose another time.")
        raise Conflict(message, fields={"valid_from": [message]})
    row = ReferenceLevels.all_tenants.create(
        municipality=municipality,
        station=station,
        valid_from=valid_from,
        set_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=(reason or "").strip(),
        **given,
    )
    return Changed(
        row,
        after={k: (None if v is None else str(v)) for k, v in given.items()},
        extra={"station": station.code, "valid_from": valid_from.isoformat(), "reason": row.reason},
    )


# ------------------------------------------------------------------------------------------
# Devices
# ------------------------------------------------------------------------------------------


def _new_device_secret() -> str:
    return "kanmin_dev_" + secrets.token_urlsafe(32)


def _issue(device: Device) -> None:
    secret = _new_device_secret()
    device.token_digest = ApiToken.digest_of(secret)
    device.token_prefix = secret[11:19]
    device.issued_secret = secret


@action("disaster.device.register", perm="disaster.add_device", on="station")
def device_register(
    *, municipality: Municipality, actor: Any, station: Station, code: str, name: str = ""
) -> Outcome[Device]:
    """Register a sensor sending for ``station``; its token is on ``device.issued_secret``,
    shown once (only a digest is kept)."""
    code = (code or "").strip()
    if not code or any(c in code for c in " :/+#"):
        message = _("Give a code without spaces, :, /, + or #.")
        raise Invalid(message, fields={"code": [message]})
    if Device.all_tenants.filter(municipality=municipality, code=code).exists():
        message = _("A device with the code %(code)s already exists.") % {"code": code}
        raise Conflict(message, fields={"code": [message]})
    device = Device(municipality=municipality, station=station, code=code, name=name.strip())
    _issue(device)
    device.save()
    return Changed(
        device, after={"code": code, "station": station.code, "prefix": device.token_prefix}
    )


@action("disaster.device.rotate_token", perm="disaster.change_device", on="device")
def device_token_rotate(
    *, municipality: Municipality, actor: Any, device: Device
) -> Outcome[Device]:
    """Give the device a new token (on ``device.issued_secret``); the old one stops working."""
    before = device.token_prefix
    _issue(device)
    device.save(update_fields=["token_digest", "token_prefix"])
    return Changed(device, before={"prefix": before}, after={"prefix": device.token_prefix})


@action("disaster.device.set_active", perm="disaster.change_device", on="device")
def device_set_active(
    *, municipality: Municipality, actor: Any, device: Device, active: bool
) -> Outcome[Device]:
    if device.active == active:
        return Unchanged(device)
    device.active = active
    device.save(update_fields=["active"])
    return Changed(device, before={"active": not active}, after={"active": active})


# ------------------------------------------------------------------------------------------
# Past readings in bulk (the demo's generated years). Readings from devices and files go
# through the intake with its per-reading checks; this is the fast path for a history that
# is known to be clean, checked as a whole before anything is written.
# ------------------------------------------------------------------------------------------


def observation_history_add(
    *,
    municipality: Municipality,
    station: Station,
    readings: Iterable[tuple[dt.datetime, Any]],
    quality: str = Quality.FINAL,
    source: str = Source.FILE,
    batch_size: int = 2000,
) -> int:
    """Store a station's past readings as first versions, for the times that have none yet
    (readings already stored are left as they are); returns how many were stored and counts
    them in the day's intake tally. Raises Invalid, writing nothing, when a time has no time
    zone or a value is not a number or outside the station's plausible range."""
    if station.municipality_id != municipality.pk:
        raise Invalid(_("No such observation station."), code="no_station")
    if quality not in Quality.values or source not in Source.values:
        raise Invalid(_("Unknown quality or source of readings."), code="bad_quality")
    low, high = station.plausible_range()
    cleaned: dict[dt.datetime, Decimal | None] = {}
    for observed_at, raw in readings:
        if timezone.is_naive(observed_at):
            raise Invalid(_("Give the time with its time zone."), code="bad_time")
        value = None if raw is None else _decimal("value", raw)
        if value is None and quality != Quality.MISSING:
            raise Invalid(_("Give a number."), code="not_numeric")
        if value is not None and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            raise Invalid(
                _("The value %(value)s is outside what station %(code)s can measure.")
                % {"value": value, "code": station.code},
                code="impossible",
            )
        cleaned[observed_at] = value
    if not cleaned:
        return 0
    with transaction.atomic():
        stored = set(
            Observation.all_tenants.filter(
                station=station,
                observed_at__gte=min(cleaned),
                observed_at__lte=max(cleaned),
            ).values_list("observed_at", flat=True)
        )
        now = timezone.now()
        rows = [
            Observation(
                municipality=municipality,
                station=station,
                observed_at=observed_at,
                value=value,
                quality=quality,
                source=source,
                received_at=now,
            )
            for observed_at, value in sorted(cleaned.items())
            if observed_at not in stored
        ]
        Observation.all_tenants.bulk_create(rows, batch_size=batch_size)
        if rows:
            tally, _created = IntakeTally.objects.get_or_create(
                municipality=municipality,
                day=timezone.localdate(now),
                source=source,
                outcome=ReadingOutcome.STORED,
            )
            IntakeTally.objects.filter(pk=tally.pk).update(count=F("count") + len(rows))
    return len(rows)
