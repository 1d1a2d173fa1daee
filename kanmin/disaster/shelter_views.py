"""Pages of shelters: the operators' list, a shelter's page with its opening, counts and
closing, registration, editing and the 指定緊急避難場所一覧 import (staff); the open shelters
as GeoJSON, and what the residents' page and the feeds show of them (public)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kanmin.core.errors import KanminError
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse, tenant_view
from kanmin.disaster import selectors, services, shelters
from kanmin.accounts.access import operator_page
from kanmin.disaster.shelter_forms import CloseForm, CountForm, ImportForm, OpenForm, ShelterForm

VIEW_PERM = "disaster.view_shelter"
# Orders offered on the opening form: those issued in the last days.
ORDER_DAYS = 7


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def _can(request: HttpRequest) -> dict[str, bool]:
    municipality = _municipality(request)
    user = request.user
    return {
        "can_register": allowed(user, "disaster.add_shelter", municipality),
        "can_edit": allowed(user, "disaster.change_shelter", municipality),
        "can_open": allowed(user, "disaster.add_shelteropening", municipality),
        "can_count": allowed(user, "disaster.add_sheltercount", municipality),
        "can_close": allowed(user, "disaster.change_shelteropening", municipality),
    }


def _detail_url(municipality: Any, code: str) -> str:
    return tenant_reverse("disaster:shelter_detail", municipality, {"code": code})


def _list_url(municipality: Any) -> str:
    return tenant_reverse("disaster:shelter_list", municipality)


def _back(request: HttpRequest, code: str) -> str:
    """Where a form sends the operator back: the list (its quick forms) or the shelter."""
    municipality = _municipality(request)
    if request.POST.get("next") == "list":
        return f"{_list_url(municipality)}#shelter-{code}"
    return _detail_url(municipality, code)


# ------------------------------------------------------------------------------------------
# Staff: the list
# ------------------------------------------------------------------------------------------


@operator_page(VIEW_PERM, methods=None)
def shelter_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    show = request.GET.get("show", "")
    states = selectors.shelter_states(
        municipality=municipality, open_only=show == "open", active=None if show == "all" else True
    )
    open_states = [s for s in states if s.is_open] if show != "open" else states
    return render(
        request,
        "disaster/shelter_list.html",
        {
            "states": states,
            "show": show,
            "open_count": len(open_states),
            "evacuees_total": sum(s.evacuees or 0 for s in open_states),
            **_can(request),
        },
    )


# ------------------------------------------------------------------------------------------
# Staff: a shelter, its opening, counts and closing
# ------------------------------------------------------------------------------------------


def _recent_orders(municipality: Any) -> list[Any]:
    since = timezone.now() - dt.timedelta(days=ORDER_DAYS)
    orders = [d for d in selectors.decision_list(municipality, since=since) if d.action == "issue"]
    return orders[::-1]


def _detail(
    request: HttpRequest,
    code: str,
    *,
    count_form: CountForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    municipality = _municipality(request)
    shelter = selectors.shelter_get(municipality=municipality, code=code)
    openings = list(selectors.shelter_openings(municipality=municipality, shelter=shelter))
    current = next((o for o in openings if o.closed_at is None), None)
    state = selectors.ShelterState(
        shelter=shelter,
        opening=current,
        evacuees=getattr(current, "latest_evacuees", None),
        counted_at=getattr(current, "latest_counted_at", None),
    )
    return render(
        request,
        "disaster/shelter_detail.html",
        {
            "shelter": shelter,
            "state": state,
            "hazards": shelters.hazards_of(shelter),
            "counts": list(selectors.shelter_counts(opening=current)) if current else [],
            "past": [o for o in openings if o.closed_at is not None][:20],
            "count_form": count_form or CountForm(),
            "close_form": close_form or CloseForm(),
            **_can(request),
        },
        status=status,
    )


@operator_page(VIEW_PERM, methods=None)
def shelter_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, code)


@operator_page("disaster.add_shelteropening", methods=["GET", "POST"])
def shelter_open(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    shelter = selectors.shelter_get(municipality=municipality, code=code)
    orders = _recent_orders(municipality)
    form = OpenForm(request.POST or None, decisions=orders)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.shelter_open(
                    municipality=municipality,
                    actor=request.user,
                    shelter=shelter,
                    opened_at=form.cleaned_data["opened_at"],
                    decision=form.chosen_decision(),
                    evacuees=form.cleaned_data["evacuees"],
                    note=form.cleaned_data["note"],
                )
            except KanminError as exc:
                if exc.status == 403:
                    return _forbidden(request)
                exc.add_to_form(form)
            else:
                messages.success(request, _("Opened: %(name)s.") % {"name": shelter.name})
                return redirect(_detail_url(municipality, code))
        status = 422
    return render(
        request,
        "disaster/shelter_open.html",
        {"shelter": shelter, "form": form},
        status=status,
    )


@operator_page("disaster.add_sheltercount", methods=["POST"])
def shelter_count(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    shelter = selectors.shelter_get(municipality=municipality, code=code)
    opening = selectors.shelter_openings(
        municipality=municipality, shelter=shelter, open_only=True
    ).first()
    form = CountForm(request.POST)
    if opening is None:
        form.is_valid()
        form.add_error(None, _("The shelter is not open: open it first, then record counts."))
    elif form.is_valid():
        try:
            count = services.shelter_count_record(
                municipality=municipality,
                actor=request.user,
                opening=opening,
                evacuees=form.cleaned_data["evacuees"],
                counted_at=form.cleaned_data["counted_at"] or None,
                note=form.cleaned_data["note"],
            )
        except KanminError as exc:
            if exc.status == 403:
                return _forbidden(request)
            exc.add_to_form(form)
        else:
            messages.success(
                request,
                ngettext(
                    "Recorded: %(count)s evacuee at %(name)s.",
                    "Recorded: %(count)s evacuees at %(name)s.",
                    count.evacuees,
                )
                % {"count": count.evacuees, "name": shelter.name},
            )
            return redirect(_back(request, code))
    return _detail(request, code, count_form=form, status=422)


@operator_page("disaster.change_shelteropening", methods=["POST"])
def shelter_close(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    shelter = selectors.shelter_get(municipality=municipality, code=code)
    opening = selectors.shelter_openings(
        municipality=municipality, shelter=shelter, open_only=True
    ).first()
    form = CloseForm(request.POST)
    if opening is None:
        messages.info(request, _("The shelter was already closed."))
        return redirect(_detail_url(municipality, code))
    if form.is_valid():
        try:
            services.shelter_close(
                municipality=municipality,
                actor=request.user,
                opening=opening,
                closed_at=form.cleaned_data["closed_at"],
                note=form.cleaned_data["close_note"],
            )
        except KanminError as exc:
            if exc.status == 403:
                return _forbidden(request)
            exc.add_to_form(form)
        else:
            messages.success(request, _("Closed: %(name)s.") % {"name": shelter.name})
            return redirect(_detail_url(municipality, code))
    return _detail(request, code, close_form=form, status=422)


# ------------------------------------------------------------------------------------------
# Staff: registering, editing, importing
# ------------------------------------------------------------------------------------------


@operator_page("disaster.add_shelter", methods=["GET", "POST"])
def shelter_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    form = ShelterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                shelter = services.shelter_register(
                    municipality=municipality,
                    actor=request.user,
                    code=form.cleaned_data["code"],
                    **form.service_fields(),
                )
            except KanminError as exc:
                _add_to_shelter_form(exc, form)
            else:
                messages.success(request, _("Registered: %(name)s.") % {"name": shelter.name})
                return redirect(_detail_url(municipality, shelter.code))
        status = 422
    return render(
        request, "disaster/shelter_form.html", {"form": form, "shelter": None}, status=status
    )


def _add_to_shelter_form(exc: KanminError, form: ShelterForm) -> None:
    """The service names flags (``is_emergency_site``); the form groups them (``kinds``)."""
    renamed = {"is_emergency_site": "kinds", "is_shelter": "kinds"}
    exc.fields = {renamed.get(name, name): messages for name, messages in exc.fields.items()}
    exc.add_to_form(form)


@operator_page("disaster.change_shelter", methods=["GET", "POST"])
def shelter_edit(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    shelter = selectors.shelter_get(municipality=municipality, code=code)
    form = ShelterForm(request.POST or None, shelter=shelter)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.shelter_update(
                    municipality=municipality,
                    actor=request.user,
                    shelter=shelter,  # the form copied its values; it did not change it
                    **form.service_fields(),
                )
            except KanminError as exc:
                _add_to_shelter_form(exc, form)
            else:
                messages.success(request, _("Saved: %(name)s.") % {"name": shelter.name})
                return redirect(_detail_url(municipality, code))
        status = 422
    return render(
        request, "disaster/shelter_form.html", {"form": form, "shelter": shelter}, status=status
    )


@operator_page("disaster.add_shelter", methods=["GET", "POST"])
def shelter_import(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.shelters_import(
                    municipality=municipality,
                    actor=request.user,
                    data=upload.read(),
                    file_name=upload.name,
                )
            except shelters.ImportRefused as exc:
                context.update({"refused": exc, "problems": exc.problems, "warnings": exc.warnings})
            except KanminError as exc:
                if exc.status == 403:
                    return _forbidden(request)
                exc.add_to_form(form)
            else:
                status = 200
                context.update({"result": result, "warnings": result.warnings})
    return render(request, "disaster/shelter_import.html", context, status=status)


# ------------------------------------------------------------------------------------------
# Public: GeoJSON, the residents' page and the feeds
# ------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _feature(state: selectors.ShelterState, variant: str) -> dict[str, Any]:
    shelter = state.shelter
    geometry = None
    if shelter.latitude is not None and shelter.longitude is not None:
        geometry = {
            "type": "Point",
            "coordinates": [float(shelter.longitude), float(shelter.latitude)],
        }
    crowd = state.crowding
    opening = state.opening
    return {
        "type": "Feature",
        "id": shelter.code,
        "geometry": geometry,
        "properties": {
            "id": shelter.code,
            "name": shelter.name_ja,
            "name_kana": shelter.name_kana,
            "name_en": shelter.name_en,
            "address": shelter.address,
            "phone": shelter.phone,
            "capacity": shelter.capacity,
            "emergency_site": shelter.is_emergency_site,
            "shelter": shelter.is_shelter,
            "welfare": shelter.welfare,
            "step_free": shelter.accessible,
            "hazards": [h.key for h in shelters.hazards_of(shelter)],
            "hazards_text": shelters.hazards_text(shelter, variant),
            "open": opening is not None,
            "opened_at": opening.opened_at.isoformat() if opening else None,
            "evacuees": state.evacuees,
            "counted_at": state.counted_at.isoformat() if state.counted_at else None,
            "occupancy_percent": crowd.percent if opening else None,
            "crowding": crowd.key if opening else None,
            "crowding_text": crowd.text(variant) if opening else None,
        },
    }


@tenant_view
def shelters_geojson(request: HttpRequest) -> HttpResponse:
    """Every designated shelter, open or not, with its current count and crowding (GeoJSON,
    RFC 7946); ``?open=1``: only the open ones; ``?lang=ja|en|easy`` for the words."""
    from django.utils import translation

    from kanmin.disaster.views import _variant  # views imports this module

    municipality = _municipality(request)
    variant = _variant(request)
    open_only = request.GET.get("open", "") in ("1", "true", "yes")
    with translation.override("ja" if variant == "easy" else variant):
        features = [
            _feature(state, variant)
            for state in selectors.shelter_states(municipality=municipality, open_only=open_only)
        ]
    response = JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def open_shelters(municipality: Any) -> list[selectors.ShelterState]:
    """The open shelters for the residents' page, the fullest last (so that the ones with
    room come first)."""
    states = selectors.shelter_states(municipality=municipality, open_only=True)
    return sorted(states, key=lambda s: (s.crowding.key == "full", s.shelter.code))


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """What the headquarters' dashboard shows of the shelters: the open ones, for those who
    may see them."""
    municipality = _municipality(request)
    if not allowed(request.user, VIEW_PERM, municipality):
        return {"can_shelters": False, "open_shelters": []}
    states = selectors.shelter_states(municipality=municipality, open_only=True)
    return {
        "can_shelters": True,
        "open_shelters": states,
        "open_shelters_evacuees": sum(s.evacuees or 0 for s in states),
    }


def feed_entries(
    municipality: Any, variant: str, *, since: dt.datetime, home: str
) -> list[dict[str, Any]]:
    """Shelters opened or closed since ``since`` as feed entries (in the active language;
    ``variant`` easy uses the やさしい日本語 template)."""
    template = (
        "disaster/feed/shelter_entry_easy.txt"
        if variant == "easy"
        else "disaster/feed/shelter_entry.txt"
    )
    entries = []
    for opening in selectors.shelter_openings(municipality=municipality, since=since):
        crowd = shelters.crowding(opening.latest_evacuees, opening.shelter.capacity)  # type: ignore[attr-defined]
        moments = [("open", opening.opened_at)]
        if opening.closed_at is not None:
            moments.append(("close", opening.closed_at))
        for kind, moment in moments:
            if moment < since:
                continue
            text = render_to_string(
                template,
                {
                    "kind": kind,
                    "opening": opening,
                    "shelter": opening.shelter,
                    "crowding": crowd.text(variant),
                    "hazards": shelters.hazards_text(opening.shelter, variant),
                },
            ).strip()
            title, _sep, content = text.partition("\n")
            entries.append(
                {
                    "id": f"shelter-{kind}-{opening.pk}",
                    "title": " ".join(title.split()),
                    "content": " ".join(content.split()) or title.strip(),
                    "time": moment,
                    "url": f"{home}#shelter-{opening.shelter.code}"
                    if kind == "open"
                    else f"{home}#shelters",
                    "tags": ["shelter", kind],
                }
            )
    return entries
