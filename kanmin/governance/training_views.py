"""Staff pages of trainings and exercises (研修・訓練): the list per 年度, recording a session
(for staff, or a course for citizens), one session, and who of the staff attended a staff
session (the number of attendees then follows the list). A citizens' course keeps its number
only on these pages: its attendees' names are personal data and no page shows them. Nothing
here is public."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core.errors import NotFound
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.forms import submit
from kanmin.core.language import mark_japanese
from kanmin.core.permissions import allowed
from kanmin.core.selectors import department_list
from kanmin.core.tenancy import tenant_reverse
from kanmin.governance import selectors, services
from kanmin.governance.forms import (
    AttendanceForm,
    TrainingFilterForm,
    TrainingForm,
)
from kanmin.governance.models import TrainingSession

VIEW_PERM = "governance.view_trainingsession"
ADD_PERM = "governance.add_trainingsession"
ATTENDANCE_PERM = "governance.add_trainingattendance"
CHANGE_PERM = "governance.change_trainingsession"


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _can(request: HttpRequest) -> dict[str, bool]:
    municipality = _municipality(request)
    user = request.user
    return {
        "can_add": allowed(user, ADD_PERM, municipality),
        "can_record_attendance": allowed(user, ATTENDANCE_PERM, municipality),
        "can_change": allowed(user, CHANGE_PERM, municipality),
    }


def _detail_url(municipality: Any, session: TrainingSession) -> str:
    return tenant_reverse("governance:training_detail", municipality, {"pk": session.pk})


@operator_page(VIEW_PERM)
def training_list(request: HttpRequest) -> HttpResponse:
    """The sessions of one 年度 (the current one unless another is chosen), latest first."""
    municipality = _municipality(request)
    years = selectors.training_fiscal_years(municipality)
    current = FiscalYear.of(timezone.localdate())
    data: Any = request.GET if request.GET else {"fiscal_year": str(current.year)}
    form = TrainingFilterForm(data, years=years)
    filters = form.filters() or {"fiscal_year": current.year}
    rows = list(selectors.training_list(municipality, **filters))
    year = filters.get("fiscal_year")
    staff_rows = [s for s in rows if s.audience == TrainingSession.Audience.STAFF]
    return render(
        request,
        "governance/training_list.html",
        {
            "form": form,
            "sessions": rows,
            "year_label": FiscalYear(year).label() if year else "",
            "staff_attendees": sum(s.attendees_count for s in staff_rows),
            "citizen_attendees": sum(
                s.attendees_count for s in rows if s.audience != TrainingSession.Audience.STAFF
            ),
            **_can(request),
        },
    )


def _session(request: HttpRequest, pk: int) -> TrainingSession:
    try:
        return selectors.training_get(_municipality(request), pk)
    except NotFound:
        raise Http404 from None


def _attendance_form(
    request: HttpRequest, session: TrainingSession, data: Any = None
) -> AttendanceForm:
    municipality = _municipality(request)
    departments = {d.pk: d for d in department_list(municipality=municipality)}
    initial = {
        "users": [str(a.user_id) for a in selectors.training_attendances(session) if a.user_id]
    }
    return AttendanceForm(
        data,
        staff=selectors.staff_members(municipality),
        departments=departments,
        initial=initial,
    )


def _detail(
    request: HttpRequest,
    session: TrainingSession,
    *,
    attendance_form: AttendanceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can = _can(request)
    staff_session = session.audience == TrainingSession.Audience.STAFF
    # Only a staff session's attendees are listed by name: a citizens' course's are residents.
    attendances = list(selectors.training_attendances(session)) if staff_session else []
    if attendance_form is None and staff_session and can["can_record_attendance"]:
        attendance_form = _attendance_form(request, session)
    rate = None
    if staff_session and session.required_count:
        rate = round(100 * session.attendees_count / session.required_count, 1)
    return render(
        request,
        "governance/training_detail.html",
        {
            "session": session,
            "staff_session": staff_session,
            "attendances": attendances,
            "attendance_form": attendance_form if staff_session else None,
            "rate": rate,
            "has_errors": status != 200,
            **can,
        },
        status=status,
    )


@operator_page(VIEW_PERM)
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _session(request, pk))


@operator_page(ADD_PERM, methods=["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    form = TrainingForm(request.POST or None, initial={"held_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.training_record(
                municipality=municipality, actor=request.user, **form.cleaned_data
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
    return render(request, "governance/training_form.html", {"form": form}, status=status)


@operator_page(CHANGE_PERM, methods=["GET", "POST"])
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a recorded session (its attendance list stays)."""
    municipality = _municipality(request)
    session = _session(request, pk)
    initial = {name: getattr(session, name) for name in services.TRAINING_FIELDS}
    form = TrainingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.training_update(
                municipality=municipality, actor=request.user, session=session, **form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(
                request, mark_japanese(_("Saved: %(title)s.") % {"title": saved.title})
            )
            return redirect(_detail_url(municipality, saved))
        status = 422
    return render(
        request,
        "governance/training_form.html",
        {"form": form, "session": session},
        status=status,
    )


@operator_page(ATTENDANCE_PERM, methods=["POST"])
def training_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Record who of the staff attended (replacing the list); the count follows."""
    municipality = _municipality(request)
    session = _session(request, pk)
    form = _attendance_form(request, session, request.POST)
    saved = submit(
        form,
        lambda: services.training_attendance_set(
            municipality=municipality,
            actor=request.user,
            session=session,
            **form.service_fields(),
        ),
    )
    if saved is None:
        session.refresh_from_db()
        return _detail(request, session, attendance_form=form, status=422)
    messages.success(
        request,
        _("Attendance saved: %(count)s attended.") % {"count": saved.attendees_count},
    )
    return redirect(_detail_url(municipality, saved) + "#attendance")
