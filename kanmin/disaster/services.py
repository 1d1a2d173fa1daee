"""Writes of disaster information: stations, reference levels, devices, observations.

Staff writes use ``kanmin.core.actions.action`` (tenant, permission, change, audit in one
transaction). Readings come in through ``observation_ingest`` (see ``kanmin.disaster.intake``
for the rules): readings are data from machines, not staff writes, so they are counted rather
than audited one by one; an operator's correction (``observation_correct``) is audited.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kanmin import standards
from kanmin.accounts import selectors as accounts_selectors
from kanmin.core import jp_text
from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.errors import Conflict, Invalid, NotFound
from kanmin.core.models import Municipality
from kanmin.core.permissions import require
from kanmin.disaster import files, intake, rules, selectors, shelters
from kanmin.disaster.intake import Incoming, Refused, Result
from kanmin.disaster.models import (
    Alert,
    AlertDirection,
    Decision,
    DecisionAction,
    DecisionAnnotation,
    Device,
    ImportFormat,
    ImportJob,
    ImportJobStatus,
    IntakeAddressWindow,
    IntakeRefusal,
    IntakeTally,
    LevelState,
    Observation,
    OfficialInfo,
    Quality,
    ReferenceLevels,
    Refusal,
    RuleSet,
    Shelter,
    ShelterCount,
    ShelterOpening,
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


def _levels_order_errors(given: dict[str, Decimal | None], *, unit: str) -> dict[str, list[Any]]:
    """Per level given, why it breaks the order 待機 < 注意 < 避難判断 < 危険 (< 氾濫開始相当):
    each must be above the nearest level below it that keeps the order; the message names it."""
    errors: dict[str, list[Any]] = {}
    previous: tuple[str, Decimal] | None = None
    for name in ReferenceLevels.LEVELS:
        value = given[name]
        if value is None:
            continue
        if previous is not None and value <= previous[1]:
            errors[name] = [
                _(
                    "The %(level)s must be higher than the %(below)s (%(below_value)s %(unit)s); "
                    "%(value)s %(unit)s was entered. Enter the levels from the lowest up."
                )
                % {
                    "level": rules.REFERENCE_NAMES[name],
                    "below": rules.REFERENCE_NAMES[previous[0]],
                    "below_value": _plain(previous[1]),
                    "value": _plain(value),
                    "unit": unit,
                }
            ]
            continue  # compare the next level with the last one in order
        previous = (name, value)
    return errors


def _plain(number: Decimal) -> str:
    """A number as it was entered, without trailing zeros (4.500 → 4.5, 10.000 → 10)."""
    return format(number.normalize(), "f")


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
    order_errors = _levels_order_errors(given, unit=station.unit)
    if order_errors:
        first = next(iter(order_errors.values()))[0]
        raise Invalid(first, fields=order_errors, code="levels_order")
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
    device.token_digest = accounts_selectors.token_digest(secret)
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
# Observations: the one way in (rules in kanmin.disaster.intake)
# ------------------------------------------------------------------------------------------

LIVE_SOURCES = frozenset({Source.MQTT, Source.HTTP})
# Refused readings logged row by row per call at most (the rest are counted only).
MAX_REFUSAL_ROWS = 1000


class StationLookup:
    """Municipalities and stations by code, remembered for ``ttl`` seconds (the listener keeps
    one; a flood of readings for an unknown station then costs no query each)."""

    def __init__(self, ttl: float = 30.0, ttl_unknown: float = 5.0) -> None:
        self.ttl = ttl
        # A station registered a moment ago must not stay "unknown" for long.
        self.ttl_unknown = ttl_unknown
        self._municipalities: dict[str, tuple[float, Municipality | None]] = {}
        self._stations: dict[tuple[int, str], tuple[float, Station | None]] = {}

    def municipality(self, lg_code: str) -> Municipality | None:
        hit = self._municipalities.get(lg_code)
        now = time.monotonic()
        if hit is None or now - hit[0] > (self.ttl if hit[1] is not None else self.ttl_unknown):
            found = Municipality.objects.filter(lg_code=lg_code, is_active=True).first()
            hit = (now, found)
            self._municipalities[lg_code] = hit
        return hit[1]

    def stations(self, municipality: Municipality, codes: Iterable[str]) -> dict[str, Station]:
        now = time.monotonic()
        wanted = set(codes)
        missing = [
            c
            for c in wanted
            if (hit := self._stations.get((municipality.pk, c))) is None
            or now - hit[0] > (self.ttl if hit[1] is not None else self.ttl_unknown)
        ]
        if missing:
            found = {
                s.code: s
                for s in Station.all_tenants.filter(municipality=municipality, code__in=missing)
            }
            for code in missing:
                self._stations[(municipality.pk, code)] = (now, found.get(code))
        result = {}
        for code in wanted:
            station = self._stations[(municipality.pk, code)][1]
            if station is not None:
                result[code] = station
        return result


@dataclass
class _Valid:
    index: int
    station: Station
    observed_at: dt.datetime
    value: Decimal | None
    quality: str


def _resolve(
    readings: Sequence[Incoming],
    municipality: Municipality | None,
    lookup: StationLookup,
) -> list[Station | Refused]:
    """Each reading's station, or why it has none."""
    resolved: list[Station | Refused] = []
    by_municipality: dict[int, set[str]] = defaultdict(set)
    municipalities: dict[str, Municipality | None] = {}
    for item in readings:
        if item.station is None and item.refusal is None and item.station_code:
            code = item.lg_code or (municipality.lg_code if municipality else "")
            if code not in municipalities:
                if municipality is not None and code == municipality.lg_code:
                    municipalities[code] = municipality
                else:
                    municipalities[code] = lookup.municipality(code) if code else None
            found = municipalities[code]
            if found is not None and (municipality is None or found.pk == municipality.pk):
                by_municipality[found.pk].add(item.station_code)
    stations: dict[tuple[int, str], Station] = {}
    for m in {m.pk: m for m in municipalities.values() if m is not None}.values():
        for code, station in lookup.stations(m, by_municipality.get(m.pk, ())).items():
            stations[(m.pk, code)] = station
    for item in readings:
        if item.refusal is not None:
            resolved.append(item.refusal)
        elif item.station is not None:
            resolved.append(item.station)
        elif not item.station_code:
            resolved.append(Refused(Refusal.UNKNOWN_STATION, code=""))
        else:
            code = item.lg_code or (municipality.lg_code if municipality else "")
            found = municipalities.get(code)
            if found is None or (municipality is not None and found.pk != municipality.pk):
                resolved.append(Refused(Refusal.UNKNOWN_MUNICIPALITY, code=code))
            else:
                named = stations.get((found.pk, item.station_code))
                if named is None:
                    refused = Refused(Refusal.UNKNOWN_STATION, code=item.station_code)
                    refused.municipality_id = found.pk
                    resolved.append(refused)
                else:
                    resolved.append(named)
    return resolved


def _check(item: Incoming, station: Station, source: str, now: dt.datetime) -> _Valid:
    if not station.active:
        raise Refused(Refusal.INACTIVE_STATION, code=station.code)
    if item.device is not None and item.device.station_id != station.pk:
        raise Refused(Refusal.WRONG_STATION, code=item.device.station.code)
    observed_at = intake.parse_time(item.observed_at, naive_tz=item.naive_tz)
    intake.check_time(observed_at, now=now, live=source in LIVE_SOURCES)
    quality = intake.parse_quality(item.quality)
    value = intake.parse_value(item.value)
    intake.check_value(station, value, quality)
    return _Valid(-1, station, observed_at, value, quality)


def observation_ingest(
    *,
    readings: Sequence[Incoming],
    source: str,
    municipality: Municipality | None = None,
    import_job: ImportJob | None = None,
    actor: Any = None,
    lookup: StationLookup | None = None,
    now: dt.datetime | None = None,
    log_refusals: bool = True,
) -> list[Result]:
    """Check, deduplicate and store readings; one Result per reading, in order.

    Every path in (the MQTT listener, the HTTP API, file imports, an operator's correction)
    calls this. ``municipality`` given: readings are taken only for its stations. It runs in
    one transaction: the stored readings, the refusal log and the counts are written together
    (the MQTT listener acknowledges its messages only after it returns). The rules are in
    ``kanmin.disaster.intake``.
    """
    now = now or timezone.now()
    lookup = lookup or StationLookup()
    resolved = _resolve(readings, municipality, lookup)
    results: list[Result | None] = [None] * len(readings)
    valid: list[_Valid] = []
    for index, (item, target) in enumerate(zip(readings, resolved, strict=True)):
        try:
            if isinstance(target, Refused):
                raise target
            checked = _check(item, target, source, now)
        except Refused as refused:
            results[index] = Result(
                outcome="refused",
                reason=refused.reason,
                message=refused.message,
                station_code=item.station_code or (item.station.code if item.station else None),
                ref=item.ref,
            )
            continue
        checked.index = index
        valid.append(checked)
    for attempt in range(3):
        try:
            with transaction.atomic():
                stored = _store(readings, valid, results, source, import_job, actor, now)
                _log(
                    readings,
                    resolved,
                    stored,
                    source,
                    municipality.pk if municipality is not None else None,
                    import_job,
                    now,
                    log_refusals,
                )
                if source in LIVE_SOURCES:
                    _judge_later(valid, stored)
            return stored
        except IntegrityError:
            # Another process stored one of these readings in the meantime: read again.
            if attempt == 2:
                raise
            for checked in valid:
                results[checked.index] = None
    raise AssertionError("unreachable")  # pragma: no cover


def _judge_later(valid: Sequence[_Valid], results: Sequence[Result]) -> None:
    """Have the stations that got a new reading judged again (levels, alerts) by the worker,
    in the transaction that stores the readings: the listener need not wait for it."""
    from kanmin.disaster import tasks

    changed: dict[int, set[int]] = defaultdict(set)
    for checked in valid:
        if results[checked.index].outcome in (ReadingOutcome.STORED, ReadingOutcome.CORRECTED):
            changed[checked.station.municipality_id].add(checked.station.pk)
    for municipality_id, ids in changed.items():
        tasks.levels_refresh.enqueue(municipality_id, sorted(ids))


def _store(
    readings: Sequence[Incoming],
    valid: list[_Valid],
    results: list[Result | None],
    source: str,
    import_job: ImportJob | None,
    actor: Any,
    now: dt.datetime,
) -> list[Result]:
    current: dict[tuple[int, dt.datetime], Observation] = {}
    if valid:
        rows = Observation.all_tenants.filter(
            is_current=True,
            station_id__in={v.station.pk for v in valid},
            observed_at__in={v.observed_at for v in valid},
        )
        current = {(o.station_id, o.observed_at): o for o in rows}
    supersede: list[int] = []
    new_rows: list[Observation] = []
    entered_by = actor if getattr(actor, "is_authenticated", False) else None
    for checked in valid:
        item = readings[checked.index]
        key = (checked.station.pk, checked.observed_at)
        existing = current.get(key)
        outcome = ReadingOutcome.STORED
        version = 1
        if existing is not None:
            same_value = existing.value == checked.value or (
                existing.value is not None
                and checked.value is not None
                and existing.value.compare(checked.value) == 0
            )
            if same_value and checked.quality in (existing.quality, Quality.PROVISIONAL):
                results[checked.index] = Result(
                    outcome=ReadingOutcome.DUPLICATE,
                    observed_at=checked.observed_at,
                    station_code=checked.station.code,
                    version=existing.version,
                    ref=item.ref,
                    observation=existing,
                )
                continue
            if existing.quality == Quality.FINAL and checked.quality != Quality.FINAL:
                refused = Refused(Refusal.FINAL_EXISTS)
                results[checked.index] = Result(
                    outcome="refused",
                    reason=refused.reason,
                    message=refused.message,
                    observed_at=checked.observed_at,
                    station_code=checked.station.code,
                    version=existing.version,
                    ref=item.ref,
                )
                continue
            outcome = ReadingOutcome.CORRECTED
            version = existing.version + 1
            if existing.pk is not None:
                supersede.append(existing.pk)
            existing.is_current = False  # a row of this batch, not yet inserted
        row = Observation(
            municipality_id=checked.station.municipality_id,
            station=checked.station,
            observed_at=checked.observed_at,
            value=checked.value,
            quality=checked.quality,
            source=source,
            version=version,
            is_current=True,
            received_at=now,
            device=item.device,
            import_job=import_job,
            entered_by=entered_by,
            note=item.note[:300],
        )
        new_rows.append(row)
        current[key] = row
        results[checked.index] = Result(
            outcome=outcome,
            observed_at=checked.observed_at,
            station_code=checked.station.code,
            version=version,
            ref=item.ref,
            observation=row,
        )
    if supersede:
        Observation.all_tenants.filter(pk__in=supersede).update(is_current=False)
    if new_rows:
        Observation.all_tenants.bulk_create(new_rows, batch_size=1000)
    devices = {d.pk for c in valid if (d := readings[c.index].device) is not None}
    if devices:
        Device.all_tenants.filter(pk__in=devices).update(last_seen_at=now)
    return [r for r in results if r is not None]


def _log(
    readings: Sequence[Incoming],
    resolved: list[Station | Refused],
    results: list[Result],
    source: str,
    fallback_municipality_id: int | None,
    import_job: ImportJob | None,
    now: dt.datetime,
    log_refusals: bool,
) -> None:
    """The refusal rows and the day's counts of every outcome."""
    counts: Counter[tuple[int | None, str]] = Counter()
    refusals: list[IntakeRefusal] = []
    for item, target, result in zip(readings, resolved, results, strict=True):
        station = target if isinstance(target, Station) else item.station
        municipality_id = station.municipality_id if station is not None else None
        if municipality_id is None and isinstance(target, Refused):
            municipality_id = target.municipality_id
        if municipality_id is None and item.device is not None:
            municipality_id = item.device.municipality_id
        if municipality_id is None:
            municipality_id = fallback_municipality_id
        counts[(municipality_id, result.reason or result.outcome)] += 1
        if result.outcome != "refused" or not log_refusals or len(refusals) >= MAX_REFUSAL_ROWS:
            continue
        if isinstance(target, Refused) and target.quiet:
            continue
        refusals.append(
            IntakeRefusal(
                municipality_id=municipality_id,
                station=station,
                device=item.device,
                import_job=import_job,
                source=source,
                reason=result.reason or "",
                received_at=now,
                where=intake.excerpt(item.where, 300),
                excerpt=intake.excerpt(item.raw or "", 500),
                observed_at=result.observed_at,
            )
        )
    if refusals:
        IntakeRefusal.objects.bulk_create(refusals)
    day = timezone.localdate(now)
    for (municipality_id, outcome), count in counts.items():
        _tally_add(municipality_id, day, source, outcome, count)


def _tally_add(
    municipality_id: int | None, day: dt.date, source: str, outcome: str, n: int
) -> None:
    match = IntakeTally.objects.filter(day=day, source=source, outcome=outcome)
    if municipality_id is None:
        match = match.filter(municipality__isnull=True)
    else:
        match = match.filter(municipality_id=municipality_id)
    if match.update(count=F("count") + n):
        return
    try:
        with transaction.atomic():
            IntakeTally.objects.create(
                municipality_id=municipality_id, day=day, source=source, outcome=outcome, count=n
            )
    except IntegrityError:
        match.update(count=F("count") + n)


@action("disaster.observation.correct", perm="disaster.add_observation", on="station")
def observation_correct(
    *,
    municipality: Municipality,
    actor: Any,
    station: Station,
    observed_at: dt.datetime,
    value: Any,
    quality: str = Quality.FINAL,
    note: str = "",
) -> Outcome[Observation]:
    """An operator enters or corrects a reading: a new version (the old one is kept), or
    nothing when it equals the current one. Refused readings raise Invalid with the reason."""
    if not (note or "").strip():
        message = _("Say why the reading is entered or corrected.")
        raise Invalid(message, fields={"note": [message]})
    before = (
        selectors.observation_versions(station=station, observed_at=observed_at)
        .filter(is_current=True)
        .first()
    )
    [result] = observation_ingest(
        readings=[
            Incoming(
                observed_at=observed_at,
                value=value,
                quality=quality,
                station=station,
                note=note.strip(),
                where=f"operator {getattr(actor, 'username', 'system')}",
                raw=f"{value}",
            )
        ],
        source=Source.MANUAL,
        municipality=municipality,
        actor=actor,
    )
    if result.outcome == "refused":
        raise Invalid(result.message, code=result.reason, fields={"value": [result.message]})
    if result.outcome == ReadingOutcome.DUPLICATE:
        return Unchanged(result.observation)
    row = result.observation
    return Changed(
        row,
        before=None
        if before is None
        else {"value": str(before.value), "quality": before.quality, "version": before.version},
        after={"value": str(row.value), "quality": row.quality, "version": row.version},
        extra={"station": station.code, "observed_at": observed_at.isoformat(), "note": row.note},
    )


def device_take(
    *, actor: Any = None, device: Device, readings: int, now: dt.datetime | None = None
) -> tuple[int, bool]:
    """Count ``readings`` against the device's one-minute allowance (shared by every web
    process, kept on its row). Returns how many of them may be taken, and whether this is the
    first time in the minute that some are refused (worth one refusal row)."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    limit = intake.readings_per_minute()
    with transaction.atomic():
        row = Device.all_tenants.select_for_update().get(pk=device.pk)
        if row.window_start != minute:
            row.window_start, row.window_count = minute, 0
        before = row.window_count
        row.window_count = before + readings
        row.save(update_fields=["window_start", "window_count"])
    if limit <= 0:
        return readings, False
    allowed = max(0, min(readings, limit - before))
    return allowed, allowed < readings and before <= limit


@dataclass(frozen=True)
class AuthWindow:
    """An address's failed device sign-ins in the current window."""

    failures: int  # this one included
    limit: int  # 0: no limit
    ends_at: dt.datetime

    @property
    def over(self) -> bool:
        """Beyond the limit: answer 429, count only."""
        return self.limit > 0 and self.failures > self.limit

    @property
    def first_over(self) -> bool:
        """The first request beyond the limit in the window (worth one refusal row)."""
        return self.limit > 0 and self.failures == self.limit + 1

    def retry_after(self, now: dt.datetime) -> int:
        return max(1, int((self.ends_at - now).total_seconds() + 0.999))


def device_auth_failed(
    *, actor: Any = None, address: str, now: dt.datetime | None = None
) -> AuthWindow:
    """Count a request to the readings API with an unknown device or a wrong token against
    its address's allowance (``KANMIN_DISASTER_AUTH_FAILURES`` per
    ``KANMIN_DISASTER_AUTH_WINDOW_SECONDS``, fixed windows, one row per address and window,
    shared by every web process). Windows older than a day are deleted as new ones begin."""
    now = now or timezone.now()
    width = intake.auth_window()
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    start = epoch + width * ((now - epoch) // width)
    address = (address or "unknown")[:45]
    match = IntakeAddressWindow.objects.filter(address=address, window_start=start)
    if not match.update(failures=F("failures") + 1):
        try:
            with transaction.atomic():
                IntakeAddressWindow.objects.create(address=address, window_start=start, failures=1)
        except IntegrityError:  # another process began the window a moment ago
            match.update(failures=F("failures") + 1)
        else:
            IntakeAddressWindow.objects.filter(
                window_start__lt=now - max(width, dt.timedelta(days=1))
            ).delete()
    failures = match.values_list("failures", flat=True).first() or 1
    return AuthWindow(failures, intake.auth_failures_allowed(), start + width)


# ------------------------------------------------------------------------------------------
# File imports (run in the background: kanmin.disaster.tasks)
# ------------------------------------------------------------------------------------------

IMPORT_BATCH = 1000
# Refused rows of one import logged one by one at most (all are counted).
MAX_IMPORT_REFUSAL_ROWS = 1000


@action("disaster.import.create", perm="disaster.add_importjob")
def import_job_create(
    *,
    municipality: Municipality,
    actor: Any,
    upload: Any,
    format: str = "",
    station: Station | None = None,
) -> Outcome[ImportJob]:
    """Keep the uploaded file and queue its import; ``format`` empty: told from the content."""
    from kanmin.disaster import tasks

    if format and format not in ImportFormat.values:
        message = _("Choose CSV or a 水文水質データベース .dat file.")
        raise Invalid(message, fields={"format": [message]})
    job = ImportJob(
        municipality=municipality,
        original_name=str(getattr(upload, "name", "") or "observations.csv")[:255],
        format=format or "",
        station=station,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    job.file.save(job.original_name, upload, save=False)
    job.save()
    # The database task backend writes the task in this transaction: queued exactly when saved.
    tasks.import_observations.enqueue(job.pk)
    return Changed(job, after={"file": job.original_name, "format": job.format})


def import_job_run(*, actor: Any = None, job_id: int) -> ImportJob:
    """Import the job's file in batches; each batch commits with the job's progress, so a run
    that is killed and started again goes on after the last batch stored."""
    job = ImportJob.all_tenants.select_related("station", "municipality").get(pk=job_id)
    if job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED):
        return job
    if job.started_at is None:
        job.started_at = timezone.now()
    job.status = ImportJobStatus.RUNNING
    job.save(update_fields=["status", "started_at"])
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        text, _encoding = standards.decode_text(data)
        fmt = job.format or files.detect_format(text)
        parsed = files.parse(text, fmt, name=job.original_name, station=job.station)
    except standards.ReadError as exc:
        if exc.code == "unknown_encoding":
            message = _(
                "The file's characters cannot be read (neither UTF-8 nor Shift_JIS), "
                "from row %(row)s."
            ) % {"row": exc.params.get("row", "?")}
        else:
            message = _("This is not a text file of readings.")
        return _import_failed(job, message)
    except files.FileError as exc:
        return _import_failed(job, str(exc))
    if job.station is None and parsed.station_code:
        for reading in parsed.readings:
            if reading.station is None and reading.station_code is None:
                reading.station_code = parsed.station_code
    readings = parsed.readings
    job.format = fmt
    job.total_rows = len(readings)
    job.save(update_fields=["format", "total_rows"])
    lookup = StationLookup()
    while job.processed_rows < len(readings):
        batch = readings[job.processed_rows : job.processed_rows + IMPORT_BATCH]
        with transaction.atomic():
            results = observation_ingest(
                readings=batch,
                source=Source.FILE,
                municipality=job.municipality,
                import_job=job,
                lookup=lookup,
                log_refusals=job.refused < MAX_IMPORT_REFUSAL_ROWS,
            )
            counts = Counter(r.outcome for r in results)
            job.processed_rows += len(batch)
            job.stored += counts[ReadingOutcome.STORED]
            job.duplicates += counts[ReadingOutcome.DUPLICATE]
            job.corrected += counts[ReadingOutcome.CORRECTED]
            job.refused += counts["refused"]
            job.save(
                update_fields=["processed_rows", "stored", "duplicates", "corrected", "refused"]
            )
    job.status = ImportJobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def _import_failed(job: ImportJob, message: str) -> ImportJob:
    job.status = ImportJobStatus.FAILED
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    return job


def import_job_fail(*, actor: Any = None, job_id: int, reason: str) -> None:
    """The import's task failed for good (an error, its worker lost too often, memory)."""
    job = ImportJob.all_tenants.filter(pk=job_id).first()
    if job is None or job.status == ImportJobStatus.DONE:
        return
    messages = {
        "worker_lost": _("The import stopped: its worker ended several times. Start it again."),
        "memory": _("The import stopped: the file needs more memory than allowed."),
    }
    _import_failed(job, str(messages.get(reason, _("The import failed with an error."))))


# 警戒レベル rules, official information, alerts, evacuation decisions (engineer "rules")
#
# The intake calls ``levels_refresh(municipality=…, stations=…)`` after it has stored readings
# (see the note there): it judges the stations again and raises an Alert per level crossed.
# ------------------------------------------------------------------------------------------


def _aware(name: str, value: dt.datetime | None) -> dt.datetime:
    value = value or timezone.now()
    if timezone.is_naive(value):
        raise Invalid(_("Give the time with its time zone."), fields={name: ["naive"]})
    return value


@action("disaster.ruleset.save", perm="disaster.add_ruleset")
def ruleset_save(
    *,
    municipality: Municipality,
    actor: Any,
    definition: dict[str, Any],
    reason: str,
    valid_from: dt.datetime | None = None,
) -> Outcome[RuleSet]:
    """Save the rules as a new version, in force from ``valid_from`` (now by default). Earlier
    versions stay as they were: decisions and alerts name the version they were made under."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the rules change; the reason is kept with the version.")
        raise Invalid(message, fields={"reason": [message]})
    try:
        parsed = rules.parse(definition)
    except rules.DefinitionError as exc:
        raise Invalid(exc.problems[0], fields={"definition": list(exc.problems)}) from None
    valid_from = _aware("valid_from", valid_from)
    # One version at a time per municipality: the row lock keeps version numbers unique.
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    latest = RuleSet.all_tenants.filter(municipality=municipality).order_by("-version").first()
    row = RuleSet.all_tenants.create(
        municipality=municipality,
        version=(latest.version + 1) if latest else 1,
        valid_from=valid_from,
        definition=parsed.as_json(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
    )
    return Changed(
        row,
        after={"version": row.version, "valid_from": valid_from.isoformat(), "reason": reason},
        extra={"rules": len(parsed.rules)},
    )


def ruleset_ensure(*, municipality: Municipality, actor: Any = None) -> RuleSet:
    """The rule set in force, saving the default as version 1 when the municipality has none
    (alerts and decisions must name a stored version)."""
    ruleset = selectors.ruleset_in_force(municipality=municipality)
    if ruleset.pk is not None:
        return ruleset
    if RuleSet.all_tenants.filter(municipality=municipality).exists():
        # Only versions that start later exist: the default stays in force until then.
        first = RuleSet.all_tenants.filter(municipality=municipality).order_by("version").first()
        assert first is not None  # noqa: S101
        return first
    return ruleset_save(
        municipality=municipality,
        actor=None,
        definition=rules.default_data(),
        reason="Default rules (避難情報に関するガイドライン R3.5, 基準水位)",
        valid_from=ruleset.valid_from,
    )


@action("disaster.official_info.issue", perm="disaster.add_officialinfo")
def official_info_issue(
    *,
    municipality: Municipality,
    actor: Any,
    kind: str,
    area_codes: Iterable[str] = (),
    area: str = "",
    issued_at: dt.datetime | None = None,
    note: str = "",
) -> Outcome[OfficialInfo]:
    """Record official information in force (e.g. 土砂災害警戒情報), as the rules name it, for
    the areas ``area_codes`` (the rule set's 地区; none: the whole municipality), and judge the
    levels again. ``area`` is kept as text for people (by default the areas' names)."""
    kind = (kind or "").strip()
    definition = selectors.ruleset_in_force(municipality=municipality).parsed
    known = {r.official_kind for r in definition.official_kinds()}
    if kind not in known:
        message = _("Choose information that the rules know.")
        raise Invalid(message, fields={"kind": [message]})
    codes = list(dict.fromkeys(str(c).strip() for c in area_codes if str(c).strip()))
    unknown = [c for c in codes if definition.area(c) is None]
    if unknown:
        message = _(
            "Unknown area %(codes)s: choose areas the rules name, or none for the whole "
            "municipality."
        ) % {"codes": ", ".join(unknown)}
        raise Invalid(message, fields={"area_codes": [message]})
    issued_at = _aware("issued_at", issued_at)
    if issued_at > timezone.now() + dt.timedelta(minutes=5):
        message = _("The time is in the future.")
        raise Invalid(message, fields={"issued_at": [message]})
    with translation.override("ja"):
        names = definition.area_names(codes)
    info = OfficialInfo.all_tenants.create(
        municipality=municipality,
        kind=kind,
        area=((area or "").strip() or names)[:200],
        area_codes=codes,
        issued_at=issued_at,
        note=(note or "").strip()[:300],
        entered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The official information's own level only: a station's alerts follow its readings.
    transaction.on_commit(lambda: levels_refresh(municipality=municipality, stations=[]))
    return Changed(
        info,
        after={
            "kind": kind,
            "area": info.area,
            "area_codes": codes,
            "issued_at": issued_at.isoformat(),
        },
    )


@action("disaster.official_info.lift", perm="disaster.change_officialinfo", on="info")
def official_info_lift(
    *,
    municipality: Municipality,
    actor: Any,
    info: OfficialInfo,
    lifted_at: dt.datetime | None = None,
) -> Outcome[OfficialInfo]:
    if info.lifted_at is not None:
        return Unchanged(info)
    lifted_at = _aware("lifted_at", lifted_at)
    if lifted_at < info.issued_at:
        message = _("It cannot be lifted before it was issued.")
        raise Invalid(message, fields={"lifted_at": [message]})
    info.lifted_at = lifted_at
    info.lifted_by = actor if getattr(actor, "is_authenticated", False) else None
    info.save(update_fields=["lifted_at", "lifted_by"])
    transaction.on_commit(lambda: levels_refresh(municipality=municipality, stations=[]))
    return Changed(info, after={"kind": info.kind, "lifted_at": lifted_at.isoformat()})


def _state_for(municipality: Municipality, station: Station | None) -> LevelState:
    lookup = {"municipality": municipality, "station": station}
    state = LevelState.all_tenants.filter(**lookup).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            return LevelState.all_tenants.create(**lookup, level=0)
    except IntegrityError:  # another listener made it first
        return LevelState.all_tenants.get(**lookup)


def _cross(
    municipality: Municipality,
    station: Station | None,
    level: int,
    ruleset: RuleSet,
    rule: rules.RuleDef | None,
    reading: Any,
    now: dt.datetime,
) -> Alert | None:
    """Move the station's state to ``level``; an Alert when this call moved it (a conditional
    UPDATE, so two listeners judging the same crossing raise it once)."""
    state = _state_for(municipality, station)
    if state.level == level:
        return None
    moved = LevelState.all_tenants.filter(pk=state.pk, level=state.level).update(
        level=level, since=now
    )
    if not moved:
        return None
    return Alert.all_tenants.create(
        municipality=municipality,
        station=station,
        direction=AlertDirection.UP if level > state.level else AlertDirection.DOWN,
        level_from=state.level,
        level_to=level,
        ruleset=ruleset,
        rule_key=rule.key if rule else "",
        rule=rule.as_json() if rule else None,
        value=getattr(reading, "value", None),
        observed_at=getattr(reading, "observed_at", None),
        raised_at=now,
    )


def levels_refresh(
    *,
    municipality: Municipality,
    actor: Any = None,
    stations: Iterable[Station | int] | None = None,
    at: dt.datetime | None = None,
) -> list[Alert]:
    """Judge the stations (all when None; none but the official information when empty) and
    the official information again, and raise an Alert for each level crossed since the last
    judgement, up or down: once per crossing, however many readings confirm it. Each alert is
    e-mailed to the municipality's disaster operators by a background task.

    The hook of the intake: call it after readings are stored (e.g. once per MQTT batch or
    HTTP request with the stations that got readings). A station without a recent reading
    keeps its last level (a silent sensor is not a falling river)."""
    from kanmin.disaster import tasks

    now = at or timezone.now()
    alerts: list[Alert] = []
    with transaction.atomic():
        ruleset = ruleset_ensure(municipality=municipality)
        if at is not None:
            ruleset = selectors.ruleset_in_force(municipality=municipality, at=at)
            if ruleset.pk is None:
                ruleset = ruleset_ensure(municipality=municipality)
        chosen: list[Station] | None = None
        if stations is not None:
            ids = [s if isinstance(s, int) else s.pk for s in stations]
            chosen = list(Station.all_tenants.filter(municipality=municipality, pk__in=ids))
        if chosen is None or chosen:
            for item in selectors.station_levels(
                municipality, now, stations=chosen, ruleset=ruleset
            ):
                if item.stale:
                    continue
                # A station's alerts follow its readings; the official information has its
                # own (below), once for the municipality rather than once per station.
                alert = _cross(
                    municipality,
                    item.station,
                    item.observed_level,
                    ruleset,
                    item.observed_rule,
                    item.latest,
                    now,
                )
                if alert:
                    alerts.append(alert)
        official = selectors.official_level(municipality, now, ruleset=ruleset)
        alert = _cross(municipality, None, official.level, ruleset, official.rule, None, now)
        if alert:
            alerts.append(alert)
        for alert in alerts:
            tasks.alert_notify.enqueue(alert.pk)
    return alerts


def alert_notify(*, alert_id: int, actor: Any = None) -> Alert | None:
    """E-mail an alert to the municipality's disaster operators, once (``notified_at``)."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    alert = (
        Alert.all_tenants.select_related("station", "municipality", "ruleset")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None or alert.notified_at is not None:
        return alert
    recipients = selectors.alert_recipients(municipality=alert.municipality)
    if recipients:
        definition = alert.ruleset.parsed
        context = {
            "alert": alert,
            "municipality": alert.municipality,
            "level": definition.level(alert.level_to),
            "previous": definition.level(alert.level_from),
            "rule": rules.RuleDef.from_json(alert.rule) if alert.rule else None,
            "dashboard": _dashboard_url(alert.municipality),
        }
        with translation.override("ja"):
            subject = " ".join(
                render_to_string("disaster/email/alert_subject.txt", context).split()
            )
            body = render_to_string("disaster/email/alert_body.txt", context)
        send_mail(subject, body, None, recipients)
    Alert.all_tenants.filter(pk=alert.pk).update(notified_at=timezone.now())
    return alert


def _dashboard_url(municipality: Municipality) -> str:
    from django.conf import settings

    from kanmin.core.tenancy import tenant_reverse

    try:
        path = tenant_reverse("disaster:staff_dashboard", municipality)
    except NoReverseMatch:
        return ""
    return f"{settings.KANMIN_BASE_URL}{path}"


@action("disaster.alert.acknowledge", perm="disaster.change_alert", on="alert")
def alert_acknowledge(*, municipality: Municipality, actor: Any, alert: Alert) -> Outcome[Alert]:
    """The operator has seen the alert: it leaves the list of active alerts."""
    if alert.acknowledged_at is not None:
        return Unchanged(alert)
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor if getattr(actor, "is_authenticated", False) else None
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return Changed(alert, after={"acknowledged_at": alert.acknowledged_at.isoformat()})


@action("disaster.decision.record", perm="disaster.add_decision")
def decision_record(
    *,
    municipality: Municipality,
    actor: Any,
    action: str,
    level: int,
    kind: str,
    area: str,
    decided_at: dt.datetime,
    stations: Iterable[Station] = (),
    area_codes: Iterable[str] = (),
    shown_at: dt.datetime | None = None,
    reason: str = "",
    hours: int = 6,
) -> Outcome[Decision]:
    """Record an evacuation decision (発令 ``issue`` or 解除 ``lift``) with the evidence as it
    was shown at ``shown_at`` (now by default): the stations' readings of the last ``hours``,
    their reference levels and levels, the official information in force, the rule that fired
    and the rule set version. The row can never be changed; notes are annotations."""
    errors: dict[str, list[Any]] = {}
    if action not in DecisionAction.values:
        errors["action"] = [_("Choose whether the order is issued or lifted.")]
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    ruleset = ruleset_ensure(municipality=municipality)
    definition = ruleset.parsed
    kind = (kind or "").strip()
    level_def = definition.level(level)
    if level_def is None:
        errors["level"] = [_("Choose a warning level from 1 to 5.")]
    elif kind != level_def.action_ja:
        names = [f"{lv.action_ja} ({lv.level})" for lv in definition.actions()]
        errors["kind"] = [
            _("Choose one of the orders the rules name: %(names)s.") % {"names": ", ".join(names)}
        ]
    area = (area or "").strip()
    if not area:
        errors["area"] = [_("Name the area the order covers.")]
    codes = [c.strip() for c in area_codes if c and c.strip()]
    now = timezone.now()
    if decided_at is None or timezone.is_naive(decided_at):
        errors["decided_at"] = [_("Give the time with its time zone.")]
    elif decided_at > now + dt.timedelta(minutes=5):
        errors["decided_at"] = [_("The time of the decision is in the future.")]
    shown_at = shown_at or now
    if timezone.is_naive(shown_at) or shown_at > now + dt.timedelta(minutes=1):
        errors["shown_at"] = [_("The time the evidence was shown is not valid.")]
    station_rows = list(stations)
    if any(s.municipality_id != municipality.pk for s in station_rows):
        raise NotFound()
    if errors:
        raise Invalid(next(iter(errors.values()))[0], fields=errors)
    evidence = selectors.decision_evidence(
        municipality=municipality, stations=station_rows, shown_at=shown_at, hours=hours
    )
    person = actor if getattr(actor, "is_authenticated", False) else None
    decision = Decision.all_tenants.create(
        municipality=municipality,
        action=action,
        level=level,
        kind=kind,
        area=area[:300],
        area_codes=codes,
        decided_at=decided_at,
        decided_by=person,
        decided_by_name=(person.get_full_name() or person.get_username()) if person else "",
        evidence=evidence,
        ruleset=ruleset,
        reason=(reason or "").strip(),
        recorded_at=now,
    )
    decision.stations.set(station_rows)
    return Changed(
        decision,
        after={
            "action": action,
            "level": level,
            "kind": kind,
            "area": decision.area,
            "area_codes": codes,
            "decided_at": decided_at.isoformat(),
            "stations": [s.code for s in station_rows],
            "ruleset_version": ruleset.version,
        },
        extra={"rule_fired": (evidence.get("rule_fired") or {}).get("key")},
    )


@action("disaster.decision.annotate", perm="disaster.add_decisionannotation", on="decision")
def decision_annotate(
    *, municipality: Municipality, actor: Any, decision: Decision, text: str
) -> Outcome[DecisionAnnotation]:
    """Add a note to a decision (the decision itself never changes)."""
    text = (text or "").strip()
    if not text:
        message = _("Write the note.")
        raise Invalid(message, fields={"text": [message]})
    note = DecisionAnnotation.all_tenants.create(
        municipality=municipality,
        decision=decision,
        text=text,
        written_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return Changed(note, after={"decision": decision.pk, "text": text})


# Past readings in bulk (the demo's generated years). Readings from devices and files go
# through the intake with its per-reading checks; this is the fast path for a history that
# is known to be clean, checked as a whole before anything is written.
# ------------------------------------------------------------------------------------------


def observation_history_add(
    *,
    municipality: Municipality,
    actor: Any = None,
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


# ------------------------------------------------------------------------------------------
# Shelters (指定緊急避難場所・指定避難所), their openings and evacuee counts
# (engineer "shelters"; the standard's columns and the import file: kanmin/disaster/shelters.py)
# ------------------------------------------------------------------------------------------

_SHELTER_TEXT = (
    "name_ja",
    "name_kana",
    "name_en",
    "address",
    "phone",
    "neighbourhoods",
    "url",
    "note",
)
_SHELTER_FLAGS = (
    "is_emergency_site",
    "is_shelter",
    "welfare",
    "accessible",
    *shelters.HAZARD_FIELDS,
    "active",
)
SHELTER_FIELDS = (*_SHELTER_TEXT, "latitude", "longitude", "capacity", *_SHELTER_FLAGS)
_SHELTER_CODE = re.compile(r"[0-9A-Za-z_\-]{1,40}")
# The standard's patterns for 名称_カナ, 名称_英字 and 電話番号.
_KANA = re.compile(r"[\u30a0-\u30ff\u3000 0-9０-９A-Za-zＡ-Ｚａ-ｚ（）()・－\-]+")
_LATIN = re.compile(r"[\x20-\x7e]+")
_PHONE = re.compile(r"0[0-9]{1,4}-[0-9]{1,4}-[0-9]{3,4}")
MAX_EVACUEES = 100_000


def _shelter_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Clean and check a shelter's fields; raises Invalid naming each field that is wrong."""
    values = dict(fields)
    for name in _SHELTER_TEXT:
        if name in values:
            values[name] = str(values[name] or "").strip()
    for name in _SHELTER_FLAGS:
        if name in values:
            values[name] = bool(values[name])
    errors: dict[str, list[Any]] = {}
    for name in ("latitude", "longitude"):
        if name in values:
            try:
                number = _decimal(name, values[name])
            except Invalid as exc:
                errors.update(exc.fields)
                continue
            # As stored (6 places), so that an unchanged value compares equal.
            if number is not None and abs(number) < 1000:
                number = number.quantize(Decimal("0.000001"))
            values[name] = number
    if "capacity" in values:
        raw = values["capacity"]
        try:
            values["capacity"] = None if raw in (None, "") else int(raw)
            if values["capacity"] is not None and not 0 <= values["capacity"] <= MAX_EVACUEES:
                raise ValueError(raw)
        except (TypeError, ValueError):
            errors["capacity"] = [_("Give the capacity as a number of people, e.g. 300.")]
    if "name_ja" in values and not values["name_ja"]:
        errors["name_ja"] = [_("Give the shelter's name.")]
    if values.get("name_kana") and not _KANA.fullmatch(values["name_kana"]):
        errors["name_kana"] = [_("Write the reading of the name in katakana.")]
    if values.get("name_en") and not _LATIN.fullmatch(values["name_en"]):
        errors["name_en"] = [
            _(
                "Write the English name in Latin letters without accents "
                "(Miyakonojo, not Miyakonojō)."
            )
        ]
    if "address" in values and not values["address"]:
        errors["address"] = [_("Give the address, from the prefecture on.")]
    if values.get("phone"):
        values["phone"] = jp_text.normalize_code(values["phone"])
        if not _PHONE.fullmatch(values["phone"]):
            errors["phone"] = [
                _("Write the telephone number with its area code and hyphens, e.g. 0986-23-2111.")
            ]
    if values.get("url") and not re.fullmatch(r"https?://\S+", values["url"]):
        errors["url"] = [_("Give a web address starting with https:// or http://.")]
    latitude, longitude = values.get("latitude"), values.get("longitude")
    if latitude is not None and "latitude" not in errors and not 20 <= latitude <= 46:
        errors["latitude"] = [_("A latitude in Japan lies between 20 and 46 degrees.")]
    if longitude is not None and "longitude" not in errors and not 122 <= longitude <= 154:
        errors["longitude"] = [_("A longitude in Japan lies between 122 and 154 degrees.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], fields=errors)
    return values


# Words the staff pages' addresses use after shelters/ (…/shelters/new/): not an ID.
_RESERVED_CODES = frozenset({"new", "import"})


def _shelter_code(code: str) -> str:
    code = (code or "").strip()
    if not _SHELTER_CODE.fullmatch(code) or code.lower() in _RESERVED_CODES:
        message = _("Give an ID of up to 40 letters, digits, - or _ (e.g. 452025-0012).")
        raise Invalid(message, fields={"code": [message]})
    return code


def _shelter_kinds_given(shelter: Shelter) -> None:
    if not (shelter.is_emergency_site or shelter.is_shelter):
        message = _(
            "Say what it is designated as: an emergency evacuation site, a shelter, or both."
        )
        raise Invalid(message, fields={"is_emergency_site": [message]})


def _shelter_dict(shelter: Shelter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("code", *SHELTER_FIELDS):
        value = getattr(shelter, name)
        out[name] = value if isinstance(value, bool | int) or value is None else str(value)
    return out


@action("disaster.shelter.register", perm="disaster.add_shelter")
def shelter_register(
    *,
    municipality: Municipality,
    actor: Any,
    code: str,
    name_ja: str,
    address: str,
    **fields: Any,
) -> Outcome[Shelter]:
    """Register a designated place (指定緊急避難場所 and/or 指定避難所). ``fields``: any of
    ``SHELTER_FIELDS`` (hazard flags ``hazard_flood`` …, ``capacity``, ``welfare`` …)."""
    unknown = set(fields) - set(SHELTER_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be set: %(names)s") % {"names": sorted(unknown)})
    code = _shelter_code(code)
    values = _shelter_values({**fields, "name_ja": name_ja, "address": address})
    if Shelter.all_tenants.filter(municipality=municipality, code=code).exists():
        message = _("A shelter with the ID %(code)s already exists.") % {"code": code}
        raise Conflict(message, fields={"code": [message]})
    shelter = Shelter(municipality=municipality, code=code, **values)
    _shelter_kinds_given(shelter)
    shelter.save()
    return Changed(shelter, after=_shelter_dict(shelter))


@action("disaster.shelter.update", perm="disaster.change_shelter", on="shelter")
def shelter_update(
    *, municipality: Municipality, actor: Any, shelter: Shelter, **fields: Any
) -> Outcome[Shelter]:
    """Change any of the shelter's fields except its ID (the open data and imports use it)."""
    unknown = set(fields) - set(SHELTER_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(names)s") % {"names": sorted(unknown)})
    values = _shelter_values(fields)
    before = _shelter_dict(shelter)
    for name, value in values.items():
        setattr(shelter, name, value)
    after = _shelter_dict(shelter)
    if after == before:
        return Unchanged(shelter)
    _shelter_kinds_given(shelter)
    shelter.save()
    changed = [k for k in after if after[k] != before[k]]
    return Changed(
        shelter,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )


@dataclass
class ShelterImport:
    """What an import did: the IDs created, updated and left as they were, the repairs made
    to the file (widths, hyphens, legacy column names) and the warnings to read."""

    file_name: str
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    repairs: int
    warnings: list[shelters.Problem]


# The fields of an import row, named as the file's columns, for messages.
_FIELD_COLUMNS = {c.model_field: c.column for c in shelters.REGISTER_COLUMNS if c.model_field}


@action("disaster.shelter.import", perm=None)
def shelters_import(
    *, municipality: Municipality, actor: Any, data: bytes, file_name: str = ""
) -> Outcome[ShelterImport]:
    """Register and update shelters from a 指定緊急避難場所一覧 file (the standard's layout,
    the legacy one, or a CSV with some of its columns), matched by ID. All or nothing:
    ``shelters.ImportRefused`` lists every problem (row, column, what to do) and nothing is
    saved. Shelters not in the file are left as they are."""
    require(actor, "disaster.add_shelter", municipality)
    require(actor, "disaster.change_shelter", municipality)
    read = shelters.read_import(data, lg_code=municipality.lg_code, area=municipality.area)
    existing = {
        s.code: s
        for s in Shelter.all_tenants.filter(
            municipality=municipality, code__in=[r.code for r in read.rows]
        )
    }
    problems: list[shelters.Problem] = []
    created, updated, unchanged = [], [], []
    for row in read.rows:
        shelter = existing.get(row.code)
        try:
            _shelter_code(row.code)
            if shelter is None:  # a new one needs its name and address
                values = _shelter_values({"name_ja": "", "address": "", **row.values})
            else:
                values = _shelter_values(row.values)
            if shelter is None:
                values.setdefault("is_emergency_site", True)
                shelter = Shelter(municipality=municipality, code=row.code, **values)
                before: dict[str, Any] | None = None
            else:
                before = {**_shelter_dict(shelter), "extra": dict(shelter.standard_extra)}
                for name, value in values.items():
                    setattr(shelter, name, value)
            extra = dict(shelter.standard_extra or {})
            for column, value in row.extra.items():
                if value:
                    extra[column] = value
                else:
                    extra.pop(column, None)
            shelter.standard_extra = extra
            _shelter_kinds_given(shelter)
        except Invalid as exc:
            for name, messages in (exc.fields or {"": [exc.message]}).items():
                for message in messages:
                    problems.append(
                        shelters.Problem(row.row, _FIELD_COLUMNS.get(name), None, str(message))
                    )
            continue
        if before is None:
            shelter.save()
            created.append(row.code)
        elif {**_shelter_dict(shelter), "extra": shelter.standard_extra} != before:
            shelter.save()
            updated.append(row.code)
        else:
            unchanged.append(row.code)
    if problems:
        raise shelters.ImportRefused(problems, read.warnings)
    result = ShelterImport(
        file_name=file_name,
        created=created,
        updated=updated,
        unchanged=unchanged,
        repairs=read.repairs,
        warnings=read.warnings,
    )
    return Changed(
        result,
        extra={
            "file": file_name,
            "created": created,
            "updated": updated,
            "unchanged": len(unchanged),
            "repairs": read.repairs,
        },
    )


def _counted(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= MAX_EVACUEES:
        message = _("Give the number of evacuees as a whole number, 0 or more.")
        raise Invalid(message, fields={name: [message]})
    return number


def _not_future(name: str, value: dt.datetime | None) -> dt.datetime:
    value = _aware(name, value)
    if value > timezone.now() + dt.timedelta(minutes=5):
        message = _("The time is in the future: give the time it happened.")
        raise Invalid(message, fields={name: [message]})
    return value


@action("disaster.shelter.open", perm="disaster.add_shelteropening", on="shelter")
def shelter_open(
    *,
    municipality: Municipality,
    actor: Any,
    shelter: Shelter,
    opened_at: dt.datetime | None = None,
    decision: Decision | None = None,
    evacuees: Any = None,
    note: str = "",
) -> Outcome[ShelterOpening]:
    """Open (開設) a shelter from ``opened_at`` (now by default), optionally on an evacuation
    order, with a first count of evacuees when one is given."""
    if not shelter.active:
        raise Invalid(
            _("This place is no longer designated: mark it designated again before opening it."),
            code="not_designated",
        )
    opened_at = _not_future("opened_at", opened_at)
    first = None if evacuees in (None, "") else _counted("evacuees", evacuees)
    current = ShelterOpening.all_tenants.filter(shelter=shelter, closed_at__isnull=True).first()
    if current is not None:
        raise Conflict(
            _("%(name)s is already open (since %(time)s).")
            % {
                "name": shelter.name_ja,
                "time": timezone.localtime(current.opened_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="already_open",
        )
    person = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            opening = ShelterOpening.all_tenants.create(
                municipality=municipality,
                shelter=shelter,
                opened_at=opened_at,
                opened_by=person,
                decision=decision,
                note=(note or "").strip()[:300],
            )
    except IntegrityError:  # opened by someone else a moment ago
        raise Conflict(
            _("This shelter was opened by someone else a moment ago."), code="already_open"
        ) from None
    if first is not None:
        ShelterCount.all_tenants.create(
            municipality=municipality,
            opening=opening,
            counted_at=opened_at,
            evacuees=first,
            recorded_by=person,
        )
    return Changed(
        opening,
        after={
            "shelter": shelter.code,
            "opened_at": opened_at.isoformat(),
            "decision": decision.pk if decision else None,
            "evacuees": first,
        },
    )


@action("disaster.shelter.count", perm="disaster.add_sheltercount", on="opening")
def shelter_count_record(
    *,
    municipality: Municipality,
    actor: Any,
    opening: ShelterOpening,
    evacuees: Any,
    counted_at: dt.datetime | None = None,
    note: str = "",
) -> Outcome[ShelterCount]:
    """Record how many evacuees the shelter holds at ``counted_at`` (now by default): a new
    count; the earlier ones stay. A count after the closing is refused."""
    number = _counted("evacuees", evacuees)
    counted_at = _not_future("counted_at", counted_at)
    if counted_at < opening.opened_at:
        message = _("The count is earlier than the opening of the shelter.")
        raise Invalid(message, fields={"counted_at": [message]})
    if opening.closed_at is not None and counted_at > opening.closed_at:
        message = _("The shelter is closed: a count must be from before its closing.")
        raise Invalid(message, fields={"counted_at": [message]}, code="closed")
    previous = (
        ShelterCount.all_tenants.filter(opening=opening).order_by("-counted_at", "-pk").first()
    )
    count = ShelterCount.all_tenants.create(
        municipality=municipality,
        opening=opening,
        counted_at=counted_at,
        evacuees=number,
        note=(note or "").strip()[:300],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return Changed(
        count,
        before={"evacuees": previous.evacuees if previous else None},
        after={"evacuees": number, "counted_at": counted_at.isoformat()},
        extra={"shelter": opening.shelter.code, "opening": opening.pk},
    )


@action("disaster.shelter.close", perm="disaster.change_shelteropening", on="opening")
def shelter_close(
    *,
    municipality: Municipality,
    actor: Any,
    opening: ShelterOpening,
    closed_at: dt.datetime | None = None,
    note: str = "",
) -> Outcome[ShelterOpening]:
    """Close (閉鎖) an open shelter at ``closed_at`` (now by default). Closing one already
    closed changes nothing."""
    if opening.closed_at is not None:
        return Unchanged(opening)
    closed_at = _not_future("closed_at", closed_at)
    if closed_at < opening.opened_at:
        message = _("The shelter cannot close before it opened.")
        raise Invalid(message, fields={"closed_at": [message]})
    opening.closed_at = closed_at
    opening.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    opening.close_note = (note or "").strip()[:300]
    opening.save(update_fields=["closed_at", "closed_by", "close_note"])
    return Changed(
        opening,
        after={"shelter": opening.shelter.code, "closed_at": closed_at.isoformat()},
    )
