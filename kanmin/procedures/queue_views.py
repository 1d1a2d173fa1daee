"""Staff pages of the queue of applications: the queue with its filters and status tabs, one
application (answers, attachments, history, actions), attachment downloads and exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core.errors import NotFound
from kanmin.core.forms import error_status, perform, submit
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse
from kanmin.procedures import queue_exports, queue_selectors, queue_services, workflow
from kanmin.procedures.models import Submission
from kanmin.procedures.queue_forms import (
    STATUS_TABS,
    AssignForm,
    ExportForm,
    MessageForm,
    QueueFilterForm,
)

VIEW_PERM = queue_selectors.VIEW_PERM
CHANGE_PERM = queue_selectors.CHANGE_PERM
S = Submission.Status


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _filter_form(request: HttpRequest) -> QueueFilterForm:
    form = QueueFilterForm(
        request.GET or None, municipality=_municipality(request), user=request.user
    )
    if form.is_bound:
        form.is_valid()
    return form


def _query(request: HttpRequest, **changes: Any) -> str:
    """The queue's query string with some parameters changed (a tab, a page)."""
    params = {k: v for k, v in request.GET.items() if k != "page"}
    params.update(changes)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


@operator_page(VIEW_PERM)
def queue_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    form = _filter_form(request)
    filters = form.filters()
    try:
        page_number = int(request.GET.get("page") or 1)
    except ValueError:
        page_number = 1
    queue = queue_selectors.submission_queue(municipality, request.user, filters, page=page_number)
    current = request.GET.get("status") or ""
    tabs = [
        {
            "key": key,
            "label": label,
            "count": queue.counts.get(key, 0),
            "query": _query(request, status=key),
            "current": current == key or (key == "open" and current == ""),
        }
        for key, label in STATUS_TABS
    ]
    versions = queue_selectors.export_versions(municipality, request.user, filters)
    return render(
        request,
        "procedures/queue/list.html",
        {
            "form": form,
            "queue": queue,
            "tabs": tabs,
            "page_query": _query(request),
            "export_form": ExportForm(versions=versions) if versions else None,
            "filter_fields": [(k, v) for k, v in request.GET.items() if k != "page"],
            "no_department": queue_selectors.department_ids(municipality, request.user) == set(),
        },
    )


def _detail_url(municipality: Any, reference: str) -> str:
    return tenant_reverse("procedures:queue_detail", municipality, {"reference": reference})


def _detail(
    request: HttpRequest,
    submission: Submission,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    municipality = _municipality(request)
    user = request.user
    can_change = allowed(user, CHANGE_PERM, municipality) and queue_selectors.handles(
        municipality, user, submission
    )
    personal = queue_selectors.submission_answers_for_staff(
        municipality, user, submission, language=_language()
    )
    staff = queue_selectors.assignable_staff(municipality, submission) if can_change else []
    current = submission.status
    given = forms or {}
    context = {
        "submission": submission,
        "personal": personal,
        "events": list(queue_selectors.submission_events(submission)),
        "can_change": can_change,
        "is_open": current in workflow.OPEN,
        "can_review": workflow.allowed(current, S.REVIEWING, "staff"),
        "can_correct": workflow.allowed(current, S.CORRECTION, "staff"),
        "can_complete": workflow.allowed(current, S.COMPLETED, "staff"),
        "can_reject": workflow.allowed(current, S.REJECTED, "staff"),
        "assigned_to_me": submission.assignee_id == user.pk,
        "may_take": any(u.pk == user.pk for u in staff),
        "assign_form": given.get("assign")
        or AssignForm(initial={"assignee": submission.assignee_id}, staff=staff),
        "correction_form": given.get("correction") or MessageForm(prefix="correction"),
        "complete_form": given.get("complete") or MessageForm(prefix="complete", required=False),
        "reject_form": given.get("reject") or MessageForm(prefix="reject"),
        "message_form": given.get("message") or MessageForm(prefix="message"),
        "status_url": tenant_reverse(
            "procedures:apply_status", municipality, {"reference": submission.reference}
        ),
    }
    return render(request, "procedures/queue/detail.html", context, status=status)


@operator_page(VIEW_PERM)
def queue_detail(request: HttpRequest, reference: str) -> HttpResponse:
    submission = queue_selectors.submission_get_for_staff(
        _municipality(request), request.user, reference
    )
    return _detail(request, submission)


# The actions on one application: each a form (prefix) and the service it calls.
_Act = Callable[[Any, Any, Submission, Any], Any]


def _message_of(form: Any) -> str:
    return str(form.cleaned_data.get("message") or "")


ACTIONS: dict[str, tuple[str | None, bool, _Act]] = {
    "review": (
        None,
        False,
        lambda m, u, s, f: queue_services.submission_review_start(
            municipality=m, actor=u, submission=s
        ),
    ),
    "correction": (
        "correction",
        True,
        lambda m, u, s, f: queue_services.submission_request_correction(
            municipality=m, actor=u, submission=s, message=_message_of(f)
        ),
    ),
    "complete": (
        "complete",
        False,
        lambda m, u, s, f: queue_services.submission_complete(
            municipality=m, actor=u, submission=s, message=_message_of(f)
        ),
    ),
    "reject": (
        "reject",
        True,
        lambda m, u, s, f: queue_services.submission_reject(
            municipality=m, actor=u, submission=s, message=_message_of(f)
        ),
    ),
    "message": (
        "message",
        True,
        lambda m, u, s, f: queue_services.submission_message(
            municipality=m, actor=u, submission=s, message=_message_of(f)
        ),
    ),
}


def _done_message(key: str) -> str:
    return {
        "review": _("Review started."),
        "correction": _("Correction requested: the applicant has been told."),
        "complete": _("Completed: the applicant has been told."),
        "reject": _("Rejected: the applicant has been told the reason."),
        "message": _("Message sent to the applicant."),
        "assign": _("Assignment saved."),
    }[key]


@operator_page(CHANGE_PERM, methods=["POST"])
def queue_action(request: HttpRequest, reference: str, what: str) -> HttpResponse:
    municipality = _municipality(request)
    user = request.user
    submission = queue_selectors.submission_get_for_staff(municipality, user, reference)
    if what in ("assign", "take"):
        staff = queue_selectors.assignable_staff(municipality, submission)
        if what == "take" and all(u.pk != user.pk for u in staff):
            messages.error(request, _("You do not process this department's applications."))
            return redirect(_detail_url(municipality, reference))
        data = request.POST if what == "assign" else {"assignee": str(user.pk)}
        form: Any = AssignForm(data, staff=staff)
        if not form.is_valid():
            return _detail(request, submission, forms={"assign": form}, status=422)
        return _run(
            request,
            submission,
            "assign",
            form,
            lambda: queue_services.submission_assign(
                municipality=municipality,
                actor=user,
                submission=submission,
                assignee=form.chosen(),
            ),
        )
    if what not in ACTIONS:
        raise NotFound()
    prefix, required, call = ACTIONS[what]
    form = MessageForm(request.POST, prefix=prefix, required=required) if prefix else None
    if form is not None and not form.is_valid():
        return _detail(request, submission, forms={what: form}, status=422)
    return _run(
        request,
        submission,
        what,
        form,
        lambda: call(municipality, user, submission, form),
    )


def _run(
    request: HttpRequest, submission: Submission, key: str, form: Any, write: Callable[[], Any]
) -> HttpResponse:
    done = perform(request, write) if form is None else submit(form, write)
    if done is None and form is not None:
        submission.refresh_from_db()
        return _detail(request, submission, forms={key: form}, status=error_status(form))
    if done is not None:
        messages.success(request, _done_message(key))
    return redirect(_detail_url(_municipality(request), submission.reference or ""))


@operator_page(VIEW_PERM)
def queue_attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    municipality = _municipality(request)
    submission = queue_selectors.submission_get_for_staff(municipality, request.user, reference)
    attachment, content = queue_selectors.attachment_open_for_staff(
        municipality, request.user, submission, pk
    )
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = _disposition(attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _disposition(filename: str) -> str:
    """attachment with the original name (RFC 6266 / 5987: an ASCII fallback, then UTF-8)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    encoded = quote(filename)
    return f"attachment; filename=\"{fallback or 'attachment'}\"; filename*=UTF-8''{encoded}"


@operator_page(VIEW_PERM)
def queue_export(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    filter_form = _filter_form(request)
    filters = filter_form.filters()
    versions = queue_selectors.export_versions(municipality, request.user, filters)
    form = ExportForm(request.GET, versions=versions)
    if not versions or not form.is_valid():
        messages.error(
            request,
            _("Choose the form whose questions become the columns, then export again.")
            if versions
            else _("No application matches these filters: there is nothing to export."),
        )
        query = _query(request)
        url = tenant_reverse("procedures:queue", municipality)
        return redirect(f"{url}?{query}" if query else url)
    export = queue_exports.submission_export(
        municipality,
        request.user,
        filters,
        version=form.chosen_version(),
        fmt=form.cleaned_data["format"],
        encoding=form.cleaned_data["encoding"],
        language=_language(),
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = _disposition(export.filename)
    response["Cache-Control"] = "no-store"
    return response
