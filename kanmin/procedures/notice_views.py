"""Staff pages of electronic notices and consultations: send a notice (with a preview), the
notices sent by one's departments with their read status and counts per fiscal year, the
consultations inbox of one's departments, a thread with its reply and close."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts import selectors as accounts_selectors
from kanmin.accounts.access import operator_page
from kanmin.core.errors import Invalid, NotFound
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.forms import perform, submit
from kanmin.core.tenancy import tenant_reverse
from kanmin.procedures import notice_selectors as selectors
from kanmin.procedures import notice_services as services
from kanmin.procedures.notice_forms import NoticeForm, ReplyForm
from kanmin.procedures.notice_labels import CONSULTATION_STATUS, label

SEND_PERM = "procedures.add_notice"
VIEW_NOTICES = "procedures.view_notice"
VIEW_CONSULTATIONS = "procedures.view_consultation"
REPLY_PERM = "procedures.add_consultationmessage"


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _fiscal_year(request: HttpRequest) -> FiscalYear | None:
    text = request.GET.get("fy", "")
    if text == "all":
        return None
    try:
        return FiscalYear(int(text)) if text else FiscalYear.of(timezone.localdate())
    except ValueError:
        return FiscalYear.of(timezone.localdate())


# ------------------------------------------------------------------------------------------
# Notices
# ------------------------------------------------------------------------------------------


def _recipient(municipality: Any, data: dict[str, Any]) -> tuple[Any, Any]:
    """The application a notice is about (or None) and the resident it goes to: by the
    application's reference, else by the e-mail address. One that is not found is refused on
    its field."""
    if data["reference"]:
        try:
            submission = selectors.submission_by_reference(
                municipality=municipality, reference=data["reference"]
            )
        except NotFound as exc:
            raise Invalid(exc.message, fields={"reference": [exc.message]}) from None
        return submission, submission.applicant
    try:
        recipient = accounts_selectors.member_by_email(
            municipality=municipality, email=data["recipient_email"]
        )
    except NotFound as exc:
        raise Invalid(exc.message, fields={"recipient_email": [exc.message]}) from None
    return None, recipient


@operator_page(SEND_PERM, methods=["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    departments = selectors.staff_departments(user=request.user, municipality=municipality)
    initial: dict[str, Any] = {}
    if request.GET.get("reference"):
        initial["reference"] = request.GET["reference"]
    form = NoticeForm(request.POST or None, initial=initial, departments=departments)
    preview: dict[str, Any] | None = None
    if request.method == "POST":
        data = form.cleaned_data if form.is_valid() else {}
        found = submit(form, lambda: _recipient(municipality, data))
        if found is not None and request.POST.get("send") != "1":
            preview = {
                "recipient": found[1],
                "submission": found[0],
                "department": data["department"],
                "subject": data["subject"],
                "body": data["body"],
            }
        elif found is not None:
            notice = submit(
                form,
                lambda: services.notice_send(
                    municipality=municipality,
                    actor=request.user,
                    recipient=found[1],
                    subject=data["subject"],
                    body=data["body"],
                    department=data["department"],
                    submission=found[0],
                ),
            )
            if notice is not None:
                if notice.emailed_at:
                    text = _(
                        "Notice sent to the inbox of %(email)s, and the resident was told by "
                        "e-mail."
                    )
                else:
                    text = _("Notice sent to the inbox of %(email)s. No e-mail could be sent.")
                messages.success(request, text % {"email": notice.recipient.email})
                return redirect(tenant_reverse("procedures:staff_notices", municipality))
    return render(
        request,
        "procedures/notices/notice_new.html",
        {"form": form, "preview": preview, "has_departments": departments.exists()},
        status=422 if form.errors else 200,
    )


@operator_page(VIEW_NOTICES)
def notice_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    fiscal_year = _fiscal_year(request)
    departments = list(selectors.staff_departments(user=request.user, municipality=municipality))
    department_id: int | None = None
    if request.GET.get("department", "").isdigit():
        department_id = int(request.GET["department"])
        if department_id not in {d.pk for d in departments}:
            raise Http404
    notices = list(
        selectors.notices_sent(
            municipality=municipality,
            user=request.user,
            fiscal_year=fiscal_year,
            department_id=department_id,
        )[:500]
    )
    counts = selectors.notice_counts(
        municipality=municipality, user=request.user, department_id=department_id
    )
    services.notices_viewed(
        municipality=municipality,
        actor=request.user,
        count=len(notices),
        fiscal_year=str(fiscal_year or "all"),
    )
    return render(
        request,
        "procedures/notices/notice_list.html",
        {
            "notices": notices,
            "counts": counts,
            "fiscal_year": fiscal_year,
            "departments": departments,
            "department_id": department_id,
            "years": [c.fiscal_year for c in counts],
        },
    )


# ------------------------------------------------------------------------------------------
# Consultations
# ------------------------------------------------------------------------------------------


@operator_page(VIEW_CONSULTATIONS)
def consultation_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    show_closed = request.GET.get("show") == "all"
    consultations = label(
        selectors.consultations_for_staff(
            municipality=municipality, user=request.user, include_closed=show_closed
        ),
        CONSULTATION_STATUS,
    )
    now = timezone.now()
    rows = [
        (c, (now - c.waiting_since) if c.waiting_since is not None else None) for c in consultations
    ]
    return render(
        request,
        "procedures/notices/consultation_list.html",
        {
            "rows": rows,
            "show_closed": show_closed,
            "waiting": sum(1 for c in consultations if c.status == "open"),
        },
    )


def _consultation(request: HttpRequest, pk: int) -> Any:
    """One of the consultations of the user's departments; another is not found (404)."""
    try:
        return selectors.consultation_for_staff(
            municipality=_municipality(request), user=request.user, pk=pk
        )
    except NotFound:
        raise Http404 from None


def _thread(
    request: HttpRequest, pk: int, form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    municipality = _municipality(request)
    consultation = _consultation(request, pk)
    label(consultation, CONSULTATION_STATUS)
    if form is None:
        services.consultation_seen(
            municipality=municipality, actor=request.user, consultation=consultation
        )
    return render(
        request,
        "procedures/notices/consultation.html",
        {
            "consultation": consultation,
            "thread": list(selectors.messages_of(consultation=consultation)),
            "form": form or ReplyForm(),
            "can_reply": request.user.has_perm(REPLY_PERM, municipality),
        },
        status=status,
    )


@operator_page(VIEW_CONSULTATIONS)
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _thread(request, pk)


@operator_page(REPLY_PERM, methods=["POST"])
def consultation_reply(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _municipality(request)
    consultation = _consultation(request, pk)
    form = ReplyForm(request.POST)
    reply = submit(
        form,
        lambda: services.consultation_reply(
            municipality=municipality,
            actor=request.user,
            consultation=consultation,
            body=form.cleaned_data["body"],
        ),
    )
    if reply is not None:
        messages.success(request, _("Your answer was sent; the resident is told by e-mail."))
        return redirect(
            tenant_reverse("procedures:staff_consultation", municipality, {"pk": pk}) + "#latest"
        )
    return _thread(request, pk, form=form, status=422)


@operator_page(REPLY_PERM, methods=["POST"])
def consultation_close(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _municipality(request)
    consultation = _consultation(request, pk)
    closed = perform(
        request,
        lambda: services.consultation_close(
            municipality=municipality, actor=request.user, consultation=consultation
        ),
    )
    if closed is not None:
        messages.success(request, _("The consultation is closed."))
    return redirect(tenant_reverse("procedures:staff_consultations", municipality))
