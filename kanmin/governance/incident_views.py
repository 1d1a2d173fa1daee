"""Staff pages of the incidents the CSIRT handles: the list (open ones first), recording an
incident, one incident with its timeline (append-only: a step is added with its time and what
happened, recorded by the user, and never edited), closing it. Nothing here is public; the
information policy division and auditors see the incidents (the selectors keep anyone else to
the incidents of their own systems)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core.errors import NotFound
from kanmin.core.forms import submit
from kanmin.core.language import mark_japanese
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse
from kanmin.governance import selectors, services
from kanmin.governance.forms import IncidentCloseForm, IncidentEventForm, IncidentForm
from kanmin.governance.models import Incident

VIEW_PERM = "governance.view_incident"
ADD_PERM = "governance.add_incident"
ADD_EVENT_PERM = "governance.add_incidentevent"
CLOSE_PERM = "governance.change_incident"


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _can(request: HttpRequest) -> dict[str, bool]:
    municipality = _municipality(request)
    user = request.user
    return {
        "can_add": allowed(user, ADD_PERM, municipality),
        "can_add_event": allowed(user, ADD_EVENT_PERM, municipality),
        "can_close": allowed(user, CLOSE_PERM, municipality),
        "sees_all": allowed(user, selectors.SEE_ALL_PERM, municipality),
    }


def _now() -> Any:
    """Now, to the minute (what a datetime-local field shows)."""
    return timezone.localtime().replace(second=0, microsecond=0)


def _detail_url(municipality: Any, incident: Incident) -> str:
    return tenant_reverse("governance:incident_detail", municipality, {"pk": incident.pk})


@operator_page(VIEW_PERM)
def incident_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    state = request.GET.get("state", "")
    rows = list(selectors.incident_list(municipality, viewer=request.user, state=state))
    everything = selectors.incident_list(municipality, viewer=request.user)
    return render(
        request,
        "governance/incident_list.html",
        {
            "incidents": rows,
            "state": state,
            "total": everything.count(),
            "open_count": everything.filter(closed_at__isnull=True).count(),
            **_can(request),
        },
    )


def _incident(request: HttpRequest, pk: int) -> Incident:
    try:
        return selectors.incident_get(_municipality(request), pk, viewer=request.user)
    except NotFound:
        raise Http404 from None


def _detail(
    request: HttpRequest,
    incident: Incident,
    *,
    event_form: IncidentEventForm | None = None,
    close_form: IncidentCloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can = _can(request)
    if event_form is None:
        event_form = IncidentEventForm(initial={"occurred_at": _now()})
    # A refused close is shown with its error even when the incident was closed already.
    show_close = can["can_close"] and (incident.closed_at is None or close_form is not None)
    if close_form is None:
        close_form = IncidentCloseForm(initial={"closed_at": _now()})
    return render(
        request,
        "governance/incident_detail.html",
        {
            "incident": incident,
            "systems": list(incident.systems.all()),
            "events": selectors.incident_events(incident),
            "event_form": event_form if can["can_add_event"] else None,
            "close_form": close_form if show_close else None,
            "has_errors": status != 200,
            **can,
        },
        status=status,
    )


@operator_page(VIEW_PERM)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _incident(request, pk))


@operator_page(ADD_PERM, methods=["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    """Record an incident; its timeline starts with the time it was opened."""
    municipality = _municipality(request)
    systems = list(selectors.system_list(municipality, viewer=request.user))
    form = IncidentForm(request.POST or None, systems=systems, initial={"opened_at": _now()})
    status = 200
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.incident_open(
                municipality=municipality, actor=request.user, **form.service_fields()
            ),
        )
        if saved is not None:
            messages.success(
                request,
                # A Japanese title in an English sentence is marked lang="ja".
                mark_japanese(_("Recorded: %(title)s.") % {"title": saved.title}),
            )
            return redirect(_detail_url(municipality, saved))
        status = 422
    return render(request, "governance/incident_form.html", {"form": form}, status=status)


@operator_page(ADD_EVENT_PERM, methods=["POST"])
def incident_event_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a step to the timeline (there is no page to change or remove one)."""
    municipality = _municipality(request)
    incident = _incident(request, pk)
    form = IncidentEventForm(request.POST)
    saved = submit(
        form,
        lambda: services.incident_event_add(
            municipality=municipality,
            actor=request.user,
            incident=incident,
            occurred_at=form.cleaned_data["occurred_at"],
            what=form.cleaned_data["what"],
        ),
    )
    if saved is None:
        return _detail(request, incident, event_form=form, status=422)
    messages.success(request, _("Added to the timeline."))
    return redirect(_detail_url(municipality, incident) + "#timeline")


@operator_page(CLOSE_PERM, methods=["POST"])
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close an incident (not before it opened, not in the future)."""
    municipality = _municipality(request)
    incident = _incident(request, pk)
    form = IncidentCloseForm(request.POST)
    saved = submit(
        form,
        lambda: services.incident_close(
            municipality=municipality,
            actor=request.user,
            incident=incident,
            closed_at=form.cleaned_data["closed_at"],
        ),
    )
    if saved is None:
        incident.refresh_from_db()
        return _detail(request, incident, close_form=form, status=422)
    messages.success(request, _("Incident closed."))
    return redirect(_detail_url(municipality, incident))
