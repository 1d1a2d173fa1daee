"""The rules every reading passes before it is stored, whichever way it came (MQTT, HTTP, file).

A reading is refused, with a reason code (``models.Refusal``) and a message in the reader's
language, when:

- its sender is not known: unknown municipality, station or device, a station that is not
  active, a wrong device token, a device sending for another station;
- it cannot be read: malformed JSON or CSV line (``malformed``);
- its time is missing, not ISO 8601 with a UTC offset (``bad_time``; files may give local
  Japan time without one), more than ``KANMIN_DISASTER_MAX_FUTURE_SECONDS`` ahead of the
  server's clock (``future``), or older than ``KANMIN_DISASTER_MAX_AGE_DAYS`` (``too_old``;
  live readings only, files bring history);
- its value is not a finite number (``not_numeric``; JSON numbers, or numeric text) or lies
  outside what the station can measure (``impossible``: negative rain, a river level outside
  the station's plausible range, see ``Station.plausible_range``);
- its sender sent more than ``KANMIN_DISASTER_MAX_READINGS_PER_MINUTE`` readings within one
  minute (``rate_limited``: a flood; counted, and logged once a minute per sender).

A reading that passes is compared with the current version of (station, observed_at):

- none yet: **stored** as version 1;
- the same value, and the same quality or a plain provisional one (a device re-sending, an
  MQTT message delivered again after a restart): **duplicate**, nothing written. This is what
  makes MQTT delivery exactly-once: the broker may deliver a message twice, it is stored once;
- the current version is final and the reading is not: **refused** (``final_exists``), so
  that a late provisional reading never replaces an official value;
- otherwise (another value for the same time, or the same value with a new quality, e.g.
  provisional → final from the river database): **corrected**, a new version with
  ``version`` + 1 becomes current; the earlier version is kept unchanged. Whichever source
  sends it: a device that re-measures, a file of final values, an operator.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from kanmin.core import conf
from kanmin.disaster.models import Device, Quality, Refusal, Station

JST = ZoneInfo("Asia/Tokyo")
# Readings are stored with four decimals; anything beyond is rounded before comparing.
PLACES = Decimal("0.0001")
# The column holds 14 digits, 4 after the point: larger magnitudes cannot be stored at all.
ABSOLUTE_LIMIT = Decimal("1e10")
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


class Refused(Exception):
    """A reading that breaks one of the rules; ``reason`` is a ``Refusal`` code."""

    def __init__(self, reason: str, *, quiet: bool = False, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params
        # Counted but not logged row by row (the rest of a flood after its first refusal).
        self.quiet = quiet
        # The municipality it was for, when known (an unknown station of a known municipality).
        self.municipality_id: int | None = None

    @property
    def message(self) -> str:
        return refusal_message(self.reason, **self.params)


def refusal_message(reason: str, **params: Any) -> str:
    """The message for a refusal, in the active language."""
    messages = {
        Refusal.UNKNOWN_MUNICIPALITY: _("No municipality with the code %(code)s is served here."),
        Refusal.UNKNOWN_STATION: _("No observation station with the code %(code)s."),
        Refusal.INACTIVE_STATION: _("The station %(code)s is not active; readings are not taken."),
        Refusal.UNKNOWN_DEVICE: _("No active device with this code or token."),
        Refusal.WRONG_TOKEN: _("The device's token is wrong."),
        Refusal.WRONG_STATION: _("This device sends for station %(code)s only."),
        Refusal.MALFORMED: _(
            'The reading cannot be read: send JSON like {"observed_at": '
            '"2025-06-30T10:10:00+09:00", "value": 3.21}. %(detail)s'
        ),
        Refusal.BAD_TIME: _(
            "Give observed_at as ISO 8601 with its UTC offset, e.g. 2025-06-30T10:10:00+09:00."
        ),
        Refusal.FUTURE: _(
            "The time %(time)s is more than %(seconds)s seconds ahead of the server's clock: "
            "check the device's clock."
        ),
        Refusal.TOO_OLD: _(
            "The time %(time)s is more than %(days)s days ago: import old readings from a file."
        ),
        Refusal.NOT_NUMERIC: _("The value %(value)s is not a number."),
        Refusal.IMPOSSIBLE: _(
            "The value %(value)s is impossible for this station (%(low)s to %(high)s)."
        ),
        Refusal.BAD_QUALITY: _(
            "Unknown quality %(value)s: use provisional, final, missing or suspect."
        ),
        Refusal.FINAL_EXISTS: _(
            "A final value is already stored for this time; only a final value can correct it."
        ),
        Refusal.RATE_LIMITED: _(
            "Too many readings from this sender: at most %(limit)s a minute. Try again later."
        ),
        Refusal.AUTH_LIMITED: _(
            "Too many requests with an unknown device or a wrong token from this address: "
            "check the device's code and token, then send again in %(seconds)s seconds."
        ),
    }
    template = messages.get(reason, _("The reading was refused."))  # type: ignore[call-overload]
    defaults = {
        "code": "",
        "detail": "",
        "time": "",
        "value": "",
        "low": "",
        "high": "",
        "seconds": "",
    }
    return str(template) % {**defaults, **params}


def max_future() -> dt.timedelta:
    return dt.timedelta(seconds=int(conf.get("KANMIN_DISASTER_MAX_FUTURE_SECONDS")))


def max_age() -> dt.timedelta | None:
    days = int(conf.get("KANMIN_DISASTER_MAX_AGE_DAYS"))
    return dt.timedelta(days=days) if days > 0 else None


def readings_per_minute() -> int:
    return int(conf.get("KANMIN_DISASTER_MAX_READINGS_PER_MINUTE"))


def auth_failures_allowed() -> int:
    """Failed device sign-ins an address may make per window over HTTP (0: no limit)."""
    return int(conf.get("KANMIN_DISASTER_AUTH_FAILURES"))


def auth_window() -> dt.timedelta:
    return dt.timedelta(seconds=max(1, int(conf.get("KANMIN_DISASTER_AUTH_WINDOW_SECONDS"))))


def parse_time(value: Any, *, naive_tz: dt.tzinfo | None = None) -> dt.datetime:
    """An aware datetime from ISO 8601 text (or a datetime). Naive times are refused unless
    ``naive_tz`` says which zone they are in (files of local Japan time)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and 10 <= len(value.strip()) <= 40:
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise Refused(Refusal.BAD_TIME) from None
    else:
        raise Refused(Refusal.BAD_TIME)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        if naive_tz is None:
            raise Refused(Refusal.BAD_TIME)
        parsed = parsed.replace(tzinfo=naive_tz)
    if parsed < EARLIEST:
        raise Refused(Refusal.BAD_TIME)
    return parsed


def check_time(observed_at: dt.datetime, *, now: dt.datetime, live: bool) -> None:
    if observed_at > now + max_future():
        raise Refused(
            Refusal.FUTURE,
            time=observed_at.isoformat(),
            seconds=int(max_future().total_seconds()),
        )
    age = max_age()
    if live and age is not None and observed_at < now - age:
        raise Refused(Refusal.TOO_OLD, time=observed_at.isoformat(), days=age.days)


def parse_value(value: Any) -> Decimal | None:
    """A finite number as a Decimal rounded to the stored places; None for JSON null.

    JSON numbers and numeric text are numbers; booleans, objects and NaN/Infinity are not.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Refused(Refusal.NOT_NUMERIC, value=_excerpt(value, 40))
    if isinstance(value, float) and not math.isfinite(value):
        raise Refused(Refusal.NOT_NUMERIC, value=str(value))
    text = str(value).strip().replace(",", "") if isinstance(value, str) else str(value)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise Refused(Refusal.NOT_NUMERIC, value=_excerpt(value, 40)) from None
    if not number.is_finite():
        raise Refused(Refusal.NOT_NUMERIC, value=_excerpt(value, 40))
    if abs(number) >= ABSOLUTE_LIMIT:
        raise Refused(Refusal.IMPOSSIBLE, value=_excerpt(value, 40), low="", high="")
    return number.quantize(PLACES)


def parse_quality(value: Any, default: str = Quality.PROVISIONAL) -> str:
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value.strip().lower() not in Quality.values:
        raise Refused(Refusal.BAD_QUALITY, value=_excerpt(value, 20))
    return value.strip().lower()


def check_value(station: Station, value: Decimal | None, quality: str) -> None:
    if value is None:
        if quality != Quality.MISSING:
            raise Refused(Refusal.NOT_NUMERIC, value="null")
        return
    low, high = station.plausible_range()
    if (low is not None and value < low) or (high is not None and value > high):
        raise Refused(
            Refusal.IMPOSSIBLE,
            value=str(value.normalize()),
            low="" if low is None else str(low.normalize()),
            high="" if high is None else str(high.normalize()),
        )


def _excerpt(value: Any, limit: int = 500) -> str:
    """What was sent, cut to ``limit`` characters, as a text column stores it (a NUL character
    becomes U+FFFD: PostgreSQL stores no NUL, and a refusal must still be logged)."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\x00", "\ufffd")
    return text if len(text) <= limit else text[: limit - 1] + "…"


excerpt = _excerpt


@dataclass
class Incoming:
    """One reading as it arrived, before the rules. The sender is either resolved already
    (``station``, and ``device`` for HTTP) or named (``lg_code`` and ``station_code``, MQTT
    topics and CSV rows); ``refusal`` is set when the caller already refused it (a malformed
    payload, a flood, an unknown device)."""

    observed_at: Any = None
    value: Any = None
    quality: Any = None
    station: Station | None = None
    device: Device | None = None
    lg_code: str | None = None
    station_code: str | None = None
    where: str = ""
    raw: str = ""
    refusal: Refused | None = None
    naive_tz: dt.tzinfo | None = None
    note: str = ""
    ref: Any = None  # the caller's handle, given back in the result (an MQTT message id)


@dataclass
class Result:
    """What became of one reading: ``outcome`` is stored, duplicate, corrected or refused."""

    outcome: str
    reason: str | None = None
    message: str = ""
    observed_at: dt.datetime | None = None
    station_code: str | None = None
    version: int | None = None
    ref: Any = None
    observation: Any = None  # the Observation written (stored, corrected) or found (duplicate)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.outcome,
            "reason": self.reason,
            "message": self.message,
            "station": self.station_code,
            "observed_at": self.observed_at.isoformat() if self.observed_at else None,
            "version": self.version,
        }


@dataclass
class RateLimiter:
    """At most ``limit`` readings per sender in each fixed minute (in this process).

    ``allow(key)`` is False for the readings beyond; ``first_refusal`` tells whether it is the
    first refused in the minute (the one worth a refusal row)."""

    limit: int
    clock: Any = time.monotonic
    _windows: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    first_refusal: bool = False

    def allow(self, key: str) -> bool:
        minute = int(self.clock() // 60)
        start, count, logged = self._windows.get(key, (minute, 0, False))
        if start != minute:
            start, count, logged = minute, 0, False
        count += 1
        allowed = self.limit <= 0 or count <= self.limit
        self.first_refusal = not allowed and not logged
        self._windows[key] = (start, count, logged or not allowed)
        if len(self._windows) > 100_000:  # forget old windows of senders that went quiet
            self._windows = {k: v for k, v in self._windows.items() if v[0] == minute}
        return allowed
