"""The disaster operator's pages for what the intake needs: observation stations and their
reference levels (基準水位), the devices that send readings over HTTP and their tokens, and
files of readings imported in the background.

Who may see them: the municipality's staff who hold the permission (the disaster operator,
the municipality's administrators). Anyone signed in without a role in this municipality gets
the 404 page, whatever code the address names, so that another municipality's staff cannot
tell which stations and devices exist here; a member of this municipality without the
permission (a resident, another department) gets the 403 page. Every write goes through a
service of ``kanmin.disaster.services`` (permission checked again, audited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.core.errors import KanminError
from kanmin.core.language import localized
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse
from kanmin.disaster import backtest, charts, rules, selectors, services
from kanmin.accounts.access import operator_page
from kanmin.disaster.models import (
    Device,
    ImportJob,
    ImportJobStatus,
    ReferenceLevels,
    Refusal,
    Station,
    StationKind,
)
from kanmin.disaster.station_forms import (
    DeviceForm,
    ImportForm,
    ReferenceLevelsForm,
    StationForm,
)

View = Callable[..., HttpResponse]
# Refusals of a device counted on the device list: the last 30 days.
REFUSAL_DAYS = 30
# Refused lines of an import shown on its page (all are counted; the first 1,000 are kept).
REFUSALS_SHOWN = 500
# Without JavaScript, the import's page reloads itself this often while it runs.
REFRESH_SECONDS = 5


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _can(request: HttpRequest, permission: str) -> bool:
    return allowed(request.user, permission, _municipality(request))


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def _station(request: HttpRequest, code: str) -> Station:
    try:
        return selectors.station_get(municipality=_municipality(request), code=code)
    except KanminError:
        raise Http404 from None


# ------------------------------------------------------------------------------------------
# A station's position, drawn on the server (no map tiles from elsewhere)
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    latitude: Decimal | float
    longitude: Decimal | float
    name_ja: str = ""
    name_en: str = ""

    @property
    def name(self) -> str:
        return localized(self.name_ja, self.name_en)


@dataclass(frozen=True)
class _Placed:
    """What ``charts.map_layout`` places: a station, the position being shown, or a corner of
    the municipality's area."""

    station: Any
    role: str  # "chosen", "other" or "corner"


def position_preview(
    municipality: Any,
    *,
    latitude: Decimal | None,
    longitude: Decimal | None,
    name_ja: str = "",
    name_en: str = "",
    code: str | None = None,
) -> dict[str, Any] | None:
    """A position among the municipality's other stations, in the municipality's area when it
    is known (widened to hold every point); None without a position."""
    if latitude is None or longitude is None:
        return None
    placed = [
        _Placed(s, "other")
        for s in selectors.station_list(municipality=municipality, active=None)
        if s.code != code and s.latitude is not None and s.longitude is not None
    ]
    placed.append(_Placed(_Point(latitude, longitude, name_ja or "", name_en or ""), "chosen"))
    edges = (
        municipality.area_south,
        municipality.area_west,
        municipality.area_north,
        municipality.area_east,
    )
    inside: bool | None = None
    bounds = None
    if all(e is not None for e in edges):
        south, west, north, east = (float(e) for e in edges)
        inside = south <= float(latitude) <= north and west <= float(longitude) <= east
        placed += [_Placed(_Point(south, west), "corner"), _Placed(_Point(north, east), "corner")]
        lats = [float(p.station.latitude) for p in placed]
        lons = [float(p.station.longitude) for p in placed]
        pad = 0.01
        bounds = (min(lats) - pad, min(lons) - pad, max(lats) + pad, max(lons) + pad)
    layout = charts.map_layout(placed, bounds=bounds, width=360)
    if layout is None:  # pragma: no cover - the chosen point always has a position
        return None
    corners = [p for p in layout.points if p.item.role == "corner"]
    area = None
    if len(corners) == 2:
        south_west, north_east = corners
        area = {
            "x": south_west.x,
            "y": north_east.y,
            "width": round(north_east.x - south_west.x, 1),
            "height": round(south_west.y - north_east.y, 1),
        }
    return {
        "layout": layout,
        "chosen": next(p for p in layout.points if p.item.role == "chosen"),
        "others": [p for p in layout.points if p.item.role == "other"],
        "area": area,
        "latitude": latitude,
        "longitude": longitude,
        "inside": inside,
    }


# ------------------------------------------------------------------------------------------
# Stations
# ------------------------------------------------------------------------------------------


@operator_page("disaster.view_station")
def station_list(request: HttpRequest) -> HttpResponse:
    """Every station (active or not) with its latest reading and the level it gives now."""
    municipality = _municipality(request)
    stations = list(selectors.station_list(municipality=municipality, active=None))
    items = selectors.station_levels(municipality, stations=stations)
    devices: dict[int, int] = {}
    for device in selectors.device_list(municipality=municipality):
        devices[device.station_id] = devices.get(device.station_id, 0) + 1
    return render(
        request,
        "disaster/stations/station_list.html",
        {
            "rows": [(item, devices.get(item.station.pk, 0)) for item in items],
            "can_add": _can(request, "disaster.add_station"),
        },
    )


def _station_form_page(
    request: HttpRequest, form: StationForm, station: Station | None, status: int
) -> HttpResponse:
    municipality = _municipality(request)
    preview = None
    if form.is_bound:
        # The position as typed (the preview button), when it reads as numbers.
        values = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        latitude, longitude = values.get("latitude"), values.get("longitude")
        if latitude is not None and longitude is not None:
            preview = position_preview(
                municipality,
                latitude=latitude,
                longitude=longitude,
                name_ja=values.get("name_ja") or "",
                name_en=values.get("name_en") or "",
                code=station.code if station else None,
            )
    elif station is not None:
        preview = position_preview(
            municipality,
            latitude=station.latitude,
            longitude=station.longitude,
            name_ja=station.name_ja,
            name_en=station.name_en,
            code=station.code,
        )
    return render(
        request,
        "disaster/stations/station_form.html",
        {"form": form, "station": station, "preview": preview},
        status=status,
    )


@operator_page("disaster.add_station", methods=("GET", "POST"))
def station_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    if request.method != "POST":
        return _station_form_page(request, StationForm(registering=True), None, 200)
    form = StationForm(request.POST, registering=True)
    if not form.is_valid():
        return _station_form_page(request, form, None, 422)
    if "preview" in request.POST:
        return _station_form_page(request, form, None, 200)
    try:
        station = services.station_create(
            municipality=municipality, actor=request.user, **form.cleaned_data
        )
    except KanminError as exc:
        exc.add_to_form(form)
        return _station_form_page(request, form, None, 422)
    if station.kind == StationKind.RIVER:
        messages.success(
            request,
            _("The station is registered. Set its reference levels below.")
            if _can(request, "disaster.add_referencelevels")
            else _("The station is registered."),
        )
        target = "disaster:station_levels"
    else:
        messages.success(request, _("The station is registered."))
        target = "disaster:station_detail"
    return redirect(tenant_reverse(target, municipality, {"code": station.code}))


@operator_page("disaster.change_station", methods=("GET", "POST"))
def station_edit(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    station = _station(request, code)
    if request.method != "POST":
        initial = {
            name: getattr(station, name) for name in StationForm.base_fields if name != "code"
        }
        return _station_form_page(
            request, StationForm(initial=initial, registering=False), station, 200
        )
    form = StationForm(request.POST, registering=False)
    if not form.is_valid():
        return _station_form_page(request, form, station, 422)
    if "preview" in request.POST:
        return _station_form_page(request, form, station, 200)
    before = {name: getattr(station, name) for name in form.cleaned_data}
    try:
        station = services.station_update(
            municipality=municipality, actor=request.user, station=station, **form.cleaned_data
        )
    except KanminError as exc:
        exc.add_to_form(form)
        return _station_form_page(request, form, station, 422)
    changed = any(getattr(station, name) != value for name, value in before.items())
    messages.success(request, _("Saved.") if changed else _("Nothing was changed."))
    return redirect(tenant_reverse("disaster:station_detail", municipality, {"code": code}))


def _level_rows(station: Station) -> list[dict[str, Any]]:
    """The station's reference-level history, newest first, with which entry is in force."""
    now = timezone.now()
    history = list(selectors.reference_levels_history(station=station))
    in_force = next((row for row in history if row.valid_from <= now), None)
    names = _level_names()
    return [
        {
            "row": row,
            "values": [
                (label, row.as_dict()[name])
                for label, name in zip(names, ReferenceLevels.LEVELS, strict=True)
            ],
            "in_force": row is in_force,
            "future": row.valid_from > now,
            "set_by": _user_name(row.set_by),
        }
        for row in history
    ]


def _user_name(user: Any) -> str:
    if user is None:
        return _("the system")
    return str(user.get_full_name() or user.get_username())


def _level_names() -> list[str]:
    return [str(rules.REFERENCE_NAMES[name]) for name in ReferenceLevels.LEVELS]


@operator_page("disaster.view_station")
def station_detail(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    station = _station(request, code)
    [item] = selectors.station_levels(municipality, stations=[station])
    return render(
        request,
        "disaster/stations/station_detail.html",
        {
            "station": station,
            "item": item,
            "river": station.kind == StationKind.RIVER,
            "level_rows": _level_rows(station)[:5],
            "analysed": station.kind in backtest.ANALYSED_KINDS,
            "devices": selectors.device_list(municipality=municipality, station=station),
            "preview": position_preview(
                municipality,
                latitude=station.latitude,
                longitude=station.longitude,
                name_ja=station.name_ja,
                name_en=station.name_en,
                code=station.code,
            ),
            "plausible": station.plausible_range(),
            "can_change": _can(request, "disaster.change_station"),
            "can_set_levels": _can(request, "disaster.add_referencelevels"),
            "can_add_device": _can(request, "disaster.add_device"),
            "can_see_criteria": _can(request, "disaster.view_observation"),
        },
    )


@operator_page("disaster.view_referencelevels", methods=("GET", "POST"))
def station_levels(request: HttpRequest, code: str) -> HttpResponse:
    """Set a river station's reference levels as a new entry of their history."""
    municipality = _municipality(request)
    station = _station(request, code)
    can_set = _can(request, "disaster.add_referencelevels")
    river = station.kind == StationKind.RIVER
    status = 200
    if request.method == "POST":
        if not can_set:
            return _forbidden(request)
        form = ReferenceLevelsForm(request.POST, unit=station.unit)
        if form.is_valid():
            try:
                services.reference_levels_set(
                    municipality=municipality,
                    actor=request.user,
                    station=station,
                    valid_from=form.cleaned_data["valid_from"],
                    reason=form.cleaned_data["reason"],
                    **form.levels(),
                )
            except KanminError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, _("The reference levels are saved in the history."))
                return redirect(
                    tenant_reverse("disaster:station_levels", municipality, {"code": code})
                )
        status = 422
    else:
        # The form starts from the levels in force, as they were entered (4.5, not 4.500).
        current = selectors.reference_levels_at(station=station)
        initial = {
            name: format(value.normalize(), "f")
            for name, value in (current.as_dict() if current is not None else {}).items()
            if value is not None
        }
        form = ReferenceLevelsForm(initial=initial, unit=station.unit)
    return render(
        request,
        "disaster/stations/station_levels.html",
        {
            "station": station,
            "river": river,
            "form": form,
            "can_set": can_set and river,
            "level_rows": _level_rows(station),
            "level_names": _level_names(),
        },
        status=status,
    )


# ------------------------------------------------------------------------------------------
# Devices
# ------------------------------------------------------------------------------------------


def _api_url(request: HttpRequest, municipality: Any) -> str:
    try:
        path = reverse("api:observations_post", kwargs={"lg_code": municipality.lg_code})
    except NoReverseMatch:  # pragma: no cover - the API is always installed with the app
        path = f"/api/v1/m/{municipality.lg_code}/disaster/observations"
    return request.build_absolute_uri(path)


def _token_page(request: HttpRequest, device: Device, *, rotated: bool) -> HttpResponse:
    """The device's new token, shown this once: the page is not kept by the browser."""
    municipality = _municipality(request)
    response = render(
        request,
        "disaster/stations/device_token.html",
        {
            "device": device,
            "secret": device.issued_secret,
            "rotated": rotated,
            "api_url": _api_url(request, municipality),
            "example_time": timezone.localtime().replace(second=0, microsecond=0).isoformat(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@operator_page("disaster.view_device", methods=("GET", "POST"))
def device_list(request: HttpRequest) -> HttpResponse:
    """Every device with its station, last reading time and refusals; registering one."""
    municipality = _municipality(request)
    stations = list(selectors.station_list(municipality=municipality))
    can_add = _can(request, "disaster.add_device")
    status = 200
    if request.method == "POST":
        if not can_add:
            return _forbidden(request)
        form = DeviceForm(request.POST, stations=stations)
        if form.is_valid():
            station = next(s for s in stations if s.code == form.cleaned_data["station"])
            try:
                device = services.device_register(
                    municipality=municipality,
                    actor=request.user,
                    station=station,
                    code=form.cleaned_data["code"],
                    name=form.cleaned_data["name"],
                )
            except KanminError as exc:
                exc.add_to_form(form)
            else:
                return _token_page(request, device, rotated=False)
        status = 422
    else:
        form = DeviceForm(initial={"station": request.GET.get("station", "")}, stations=stations)
    since = timezone.now() - dt.timedelta(days=REFUSAL_DAYS)
    refusals = selectors.device_refusal_counts(municipality=municipality, since=since)
    devices = [
        (device, refusals.get(device.pk, 0))
        for device in selectors.device_list(municipality=municipality)
    ]
    return render(
        request,
        "disaster/stations/device_list.html",
        {
            "devices": devices,
            "form": form,
            "can_add": can_add and bool(stations),
            "refusal_days": REFUSAL_DAYS,
            "api_url": _api_url(request, municipality),
        },
        status=status,
    )


@operator_page("disaster.view_device", methods=("GET", "POST"))
def device_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A device: its recent refusals; a new token, revoking it or taking it back in use."""
    municipality = _municipality(request)
    try:
        device = selectors.device_get(municipality=municipality, code=code)
    except KanminError:
        raise Http404 from None
    can_change = _can(request, "disaster.change_device")
    if request.method == "POST":
        if not can_change:
            return _forbidden(request)
        action = request.POST.get("action", "")
        here = tenant_reverse("disaster:device_detail", municipality, {"code": code})
        if action == "rotate":
            device = services.device_token_rotate(
                municipality=municipality, actor=request.user, device=device
            )
            return _token_page(request, device, rotated=True)
        if action in ("revoke", "restore"):
            services.device_set_active(
                municipality=municipality,
                actor=request.user,
                device=device,
                active=action == "restore",
            )
            messages.success(
                request,
                _("The device is revoked: its readings are refused.")
                if action == "revoke"
                else _("The device is in use again with its current token."),
            )
            return redirect(here)
        return redirect(here)
    since = timezone.now() - dt.timedelta(days=REFUSAL_DAYS)
    refusals = selectors.refusal_list(municipality=municipality, since=since).filter(device=device)
    return render(
        request,
        "disaster/stations/device_detail.html",
        {
            "device": device,
            "refusals": refusals[:50],
            "refusal_count": refusals.count(),
            "refusal_days": REFUSAL_DAYS,
            "can_change": can_change,
            "api_url": _api_url(request, municipality),
        },
    )


# ------------------------------------------------------------------------------------------
# File imports
# ------------------------------------------------------------------------------------------


@operator_page("disaster.view_importjob", methods=("GET", "POST"))
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a file of readings; it is imported in the background."""
    municipality = _municipality(request)
    stations = list(selectors.station_list(municipality=municipality, active=None))
    can_add = _can(request, "disaster.add_importjob")
    status = 200
    if request.method == "POST":
        if not can_add:
            return _forbidden(request)
        form = ImportForm(request.POST, request.FILES, stations=stations)
        if form.is_valid():
            chosen = form.cleaned_data["station"]
            station = next((s for s in stations if s.code == chosen), None)
            try:
                job = services.import_job_create(
                    municipality=municipality,
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    format=form.cleaned_data["format"],
                    station=station,
                )
            except KanminError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, _("The file is received; its import has started."))
                return redirect(
                    tenant_reverse("disaster:import_detail", municipality, {"pk": job.pk})
                )
        status = 422
    else:
        form = ImportForm(initial={"station": request.GET.get("station", "")}, stations=stations)
    return render(
        request,
        "disaster/stations/import_new.html",
        {
            "form": form,
            "can_add": can_add,
            "jobs": selectors.import_job_list(municipality=municipality).select_related("station")[
                :20
            ],
            "limit": ImportForm.limit(),
        },
        status=status,
    )


def _job(request: HttpRequest, pk: int) -> ImportJob:
    try:
        return selectors.import_job_get(municipality=_municipality(request), pk=pk)
    except KanminError:
        raise Http404 from None


def _finished(job: ImportJob) -> bool:
    return job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)


@operator_page("disaster.view_importjob")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's progress while it runs (the page follows it), then what became of each
    line: stored, duplicates, corrections, and each refused line with its reason."""
    municipality = _municipality(request)
    job = _job(request, pk)
    finished = _finished(job)
    refusals = selectors.import_refusals(job=job) if finished else None
    labels = dict(Refusal.choices)
    return render(
        request,
        "disaster/stations/import_detail.html",
        {
            "job": job,
            "finished": finished,
            # Without JavaScript the page reloads itself, unless asked not to (?refresh=0).
            "refresh": None if finished or request.GET.get("refresh") == "0" else REFRESH_SECONDS,
            "status_url": tenant_reverse("disaster:import_status", municipality, {"pk": pk}),
            "refusals": refusals[:REFUSALS_SHOWN] if refusals is not None else [],
            "refusals_logged": refusals.count() if refusals is not None else 0,
            "reasons": [
                (labels.get(reason, reason), count)
                for reason, count in (selectors.import_refusal_reasons(job=job) if finished else [])
            ],
            "refusals_shown": REFUSALS_SHOWN,
            "refusal_labels": labels,
        },
    )


@operator_page("disaster.view_importjob")
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The import's progress as JSON, for the page's script."""
    job = _job(request, pk)
    response = JsonResponse(
        {
            "status": job.status,
            "status_display": str(job.get_status_display()),
            "finished": _finished(job),
            "percent": job.percent,
            "processed": job.processed_rows,
            "total": job.total_rows,
            "stored": job.stored,
            "duplicates": job.duplicates,
            "corrected": job.corrected,
            "refused": job.refused,
        }
    )
    response["Cache-Control"] = "no-store"
    return response
