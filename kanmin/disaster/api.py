"""Readings from devices over HTTP: ``POST /api/v1/m/{lg_code}/disaster/observations``.

A device authenticates with its own token, either ``Authorization: Basic`` with its code as
the user name and the token as the password (then an unknown code and a wrong token are told
apart), or ``Authorization: Bearer <token>``. The body is one reading or a list of them::

    {"observed_at": "2025-06-30T10:10:00+09:00", "value": 3.21, "quality": "provisional"}

The answer gives each reading's fate in order: stored, duplicate, corrected or refused with a
reason code and a message in the request's language (Accept-Language).

An address that sends more than ``KANMIN_DISASTER_AUTH_FAILURES`` requests with an unknown
device or a wrong token within ``KANMIN_DISASTER_AUTH_WINDOW_SECONDS`` gets 429 with
Retry-After for its further failed requests, counted per day (``IntakeTally``) with one
refusal row per window instead of one each; a device with a right token from the same address
(several devices behind one router) is not held up.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core import selectors as core_selectors
from kanmin.core.models import Municipality
from kanmin.core.schemas import ErrorOut
from kanmin.disaster import intake, selectors, services
from kanmin.disaster.intake import Incoming, Refused
from kanmin.disaster.models import Device, Refusal, Source
from kanmin.disaster.schemas import IngestOut

router = Router(tags=["disaster"])

PREFIX = "/m/{lg_code}/disaster"
MAX_READINGS = 10_000

_READING_SCHEMA = {
    "type": "object",
    "required": ["observed_at", "value"],
    "properties": {
        "observed_at": {"type": "string", "format": "date-time"},
        "value": {"type": ["number", "null"]},
        "quality": {"type": "string", "enum": ["provisional", "final", "missing", "suspect"]},
    },
}


def _refuse(
    municipality: Municipality,
    request: HttpRequest,
    refused: Refused,
    status: int,
    where: str,
    device: Device | None = None,
) -> JsonResponse:
    """Count and log a request refused as a whole, and answer it."""
    services.observation_ingest(
        readings=[
            Incoming(
                refusal=refused,
                device=device,
                where=where,
                raw=intake.excerpt(request.body[:500].decode(errors="replace"), 500),
            )
        ],
        source=Source.HTTP,
        municipality=municipality,
    )
    return JsonResponse(
        {"code": refused.reason, "message": refused.message, "fields": {}}, status=status
    )


def _address(request: HttpRequest) -> str:
    """The client's address as django-axes sees it (the staff sign-in's lock-out too)."""
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")
    return str(address or "unknown")[:45]


def _authenticate(
    municipality: Municipality, header: str
) -> tuple[Device | None, Refused | None, str]:
    scheme, _sep, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "basic":
        try:
            code, _colon, secret = base64.b64decode(credentials).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, Refused(Refusal.UNKNOWN_DEVICE), "basic"
        if "\x00" in code:  # no device has one, and PostgreSQL cannot compare it
            return None, Refused(Refusal.UNKNOWN_DEVICE), "basic"
        device = (
            Device.all_tenants.select_related("station")
            .filter(municipality=municipality, code=code, active=True)
            .first()
        )
        if device is None:
            return None, Refused(Refusal.UNKNOWN_DEVICE), f"device {code[:60]}"
        if device.token_digest != accounts_selectors.token_digest(secret):
            return device, Refused(Refusal.WRONG_TOKEN), f"device {code[:60]}"
        return device, None, f"device {code[:60]}"
    if scheme.lower() in ("bearer", "token", "device") and credentials:
        device = selectors.device_by_secret(municipality=municipality, secret=credentials)
        if device is None:
            return None, Refused(Refusal.WRONG_TOKEN), f"token {credentials[11:19]}…"
        return device, None, f"device {device.code}"
    return None, Refused(Refusal.UNKNOWN_DEVICE), "no token"


@router.post(
    f"{PREFIX}/observations",
    auth=None,
    summary="Send readings from a device",
    description=(
        "Authorization: Basic <device code:token> or Bearer <token>. One reading or a list; "
        "the answer gives each reading's status (stored, duplicate, corrected, refused). "
        "429 with Retry-After: the device sent too many readings this minute (the answer per "
        "reading), or its address sent too many requests with an unknown device or a wrong "
        "token (code auth_limited)."
    ),
    response={
        200: IngestOut,
        429: IngestOut | ErrorOut,
        400: ErrorOut,
        401: ErrorOut,
        413: ErrorOut,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [_READING_SCHEMA, {"type": "array", "items": _READING_SCHEMA}]
                    }
                }
            },
        },
    },
)
def observations_post(request: HttpRequest, lg_code: str) -> JsonResponse:
    municipality = core_selectors.municipality_get(lg_code=lg_code)
    device, refused, where = _authenticate(municipality, request.headers.get("Authorization", ""))
    if refused is not None or device is None:
        refused = refused or Refused(Refusal.UNKNOWN_DEVICE)
        now = timezone.now()
        address = _address(request)
        window = services.device_auth_failed(address=address, now=now)
        if window.over:
            # Beyond the address's allowance: counted, one row for the first of the window,
            # and not told whether the device or the token was wrong.
            seconds = window.retry_after(now)
            limited = Refused(Refusal.AUTH_LIMITED, quiet=not window.first_over, seconds=seconds)
            response = _refuse(municipality, request, limited, 429, f"address {address}")
            response["Retry-After"] = str(seconds)
            return response
        response = _refuse(municipality, request, refused, 401, where, device)
        response["WWW-Authenticate"] = 'Basic realm="kanmin devices"'
        return response
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        return _refuse(
            municipality,
            request,
            Refused(Refusal.MALFORMED, detail=str(exc)[:200]),
            400,
            where,
            device,
        )
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_READINGS:
        message = _("Send at most %(limit)s readings at once.") % {"limit": MAX_READINGS}
        return JsonResponse({"code": "too_many", "message": message, "fields": {}}, status=413)
    now = timezone.now()
    allowed, first_refusal = services.device_take(device=device, readings=len(items), now=now)
    readings: list[Incoming] = []
    for index, item in enumerate(items):
        reading = Incoming(station=device.station, device=device, where=f"{where} #{index}")
        reading.raw = intake.excerpt(json.dumps(item, ensure_ascii=False, default=str), 500)
        if index >= allowed:
            reading.refusal = Refused(
                Refusal.RATE_LIMITED,
                quiet=not (first_refusal and index == allowed),
                limit=intake.readings_per_minute(),
            )
        elif not isinstance(item, dict):
            reading.refusal = Refused(Refusal.MALFORMED, detail=_("Each reading is an object."))
        else:
            station = item.get("station")
            if station not in (None, device.station.code):
                reading.refusal = Refused(Refusal.WRONG_STATION, code=device.station.code)
            reading.observed_at = item.get("observed_at")
            reading.value = item.get("value")
            reading.quality = item.get("quality")
        readings.append(reading)
    results = services.observation_ingest(
        readings=readings, source=Source.HTTP, municipality=municipality, now=now
    )
    counts = {"stored": 0, "duplicate": 0, "corrected": 0, "refused": 0}
    for result in results:
        counts[result.outcome] += 1
    answer: dict[str, Any] = {
        "device": device.code,
        "station": device.station.code,
        "counts": counts,
        "results": [{"index": i, **r.as_dict()} for i, r in enumerate(results)],
    }
    if items and allowed == 0:
        response = JsonResponse(answer, status=429)
        response["Retry-After"] = str(60 - now.second)
        return response
    return JsonResponse(answer, status=200)
