"""The resident's status page of an application: where it stands (受付 → 審査中 → …), the
department's messages, a reply box when a correction is asked for, withdrawing, and what was
sent. Open to the signed-in applicant or a browser the apply flow (or a link from its e-mail)
has granted; anyone else gets the same page for an unknown and a foreign reference number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kanmin.core.forms import submit
from kanmin.core.tenancy import tenant_reverse, tenant_view
from kanmin.procedures import (
    answer_summary,
    apply_services,
    queue_selectors,
    queue_services,
    resident,
    status_labels,
    workflow,
)
from kanmin.procedures.models import Attachment, Submission
from kanmin.procedures.queue_forms import ReplyForm, WithdrawForm

S = Submission.Status


@dataclass(frozen=True)
class Step:
    label: Any
    state: str  # "done", "current" or "todo"


def steps(submission: Submission) -> list[Step]:
    """The step indicator: 受付 → 審査中 (→ 補正依頼) → the decision, with where it stands."""
    status = submission.status
    last = (
        status_labels.label(status)
        if status in workflow.CLOSED
        else pgettext("application step", "Decision")
    )
    labels = [status_labels.label(S.RECEIVED), status_labels.label(S.REVIEWING)]
    if status == S.CORRECTION:
        labels.append(status_labels.label(S.CORRECTION))
    labels.append(last)
    if status in workflow.CLOSED:
        current = len(labels) - 1
    else:
        current = {"received": 0, "reviewing": 1, "correction": 2}.get(str(status), 0)
    return [
        Step(label, "done" if i < current else "current" if i == current else "todo")
        for i, label in enumerate(labels)
    ]


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _opened(request: HttpRequest, reference: str) -> Submission | None:
    submission = queue_selectors.submission_for_resident(_municipality(request), reference)
    if submission is None or not resident.may_open(request, submission):
        return None
    return submission


def _no_access(request: HttpRequest, *, offer_link: bool = False) -> HttpResponse:
    # The same page, status and words for an unknown reference, another municipality's and one
    # this browser may not open: nothing tells them apart.
    context = {"offer_link": offer_link}
    return render(request, "procedures/status/no_access.html", context, status=404)


def _status_url(request: HttpRequest, submission: Submission) -> str:
    return tenant_reverse(
        "procedures:apply_status", _municipality(request), {"reference": submission.reference}
    )


def _page(
    request: HttpRequest,
    submission: Submission,
    *,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    language = _language()
    answers = answer_summary.load(submission.answers)
    events = queue_selectors.resident_events(submission)
    return render(
        request,
        "procedures/status/status.html",
        {
            "submission": submission,
            "procedure_name": (
                submission.procedure.name_en
                if language == "en" and submission.procedure.name_en
                else submission.procedure.name_ja
            ),
            "steps": steps(submission),
            "status_label": status_labels.label(submission.status),
            "events": events,
            "pages": answer_summary.pages(submission.version.definition, answers, language),
            "attachments": Attachment.all_tenants.filter(
                municipality_id=submission.municipality_id, submission=submission
            ),
            "reply_form": reply_form or ReplyForm(),
            "can_reply": submission.status in workflow.OPEN,
            "asks_correction": submission.status == S.CORRECTION,
            "can_withdraw": workflow.allowed(submission.status, S.WITHDRAWN, "resident"),
            "decided": submission.status in (S.COMPLETED, S.REJECTED),
        },
        status=status,
    )


@tenant_view
@require_http_methods(["GET"])
def apply_status(request: HttpRequest, reference: str) -> HttpResponse:
    submission = _opened(request, reference)
    if submission is None:
        return _no_access(request, offer_link=True)
    return _page(request, submission)


@tenant_view
@require_http_methods(["POST"])
def apply_status_reply(request: HttpRequest, reference: str) -> HttpResponse:
    submission = _opened(request, reference)
    if submission is None:
        return _no_access(request)
    form = ReplyForm(request.POST)
    reply = submit(
        form,
        lambda: queue_services.submission_reply(
            municipality=_municipality(request),
            actor=request.user,
            submission=submission,
            message=form.cleaned_data["message"],
            corrected=form.cleaned_data["corrected"],
        ),
    )
    if reply is not None:
        messages.success(request, _("Your reply has been sent to the department."))
        return redirect(_status_url(request, submission) + "#history")
    return _page(request, submission, reply_form=form, status=422)


@tenant_view
@require_http_methods(["GET", "POST"])
def apply_status_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    submission = _opened(request, reference)
    if submission is None:
        return _no_access(request)
    can_withdraw = workflow.allowed(submission.status, S.WITHDRAWN, "resident")
    form = WithdrawForm(request.POST or None)
    status = 200
    if request.method == "POST" and can_withdraw:
        withdrawn = submit(
            form,
            lambda: queue_services.submission_withdraw(
                municipality=_municipality(request),
                actor=request.user,
                submission=submission,
                reason=form.cleaned_data["reason"],
            ),
        )
        if withdrawn is not None:
            messages.success(request, _("Your application has been withdrawn."))
            return redirect(_status_url(request, submission))
        status = 422
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "procedures/status/withdraw.html",
        {
            "submission": submission,
            "form": form,
            "can_withdraw": can_withdraw,
            "decided": submission.status in (S.COMPLETED, S.REJECTED),
            "status_label": status_labels.label(submission.status),
        },
        status=status,
    )


@tenant_view
@require_http_methods(["POST"])
def apply_status_link(request: HttpRequest, reference: str) -> HttpResponse:
    """A new link to follow the application, e-mailed only when the address is the one the
    application gave. The answer is the same whether or not the reference and the address
    match, so neither can be probed; the links per hour are limited as for resume links."""
    email = request.POST.get("email", "").strip()
    if not email:
        context = {"offer_link": True, "email_error": _("Enter your e-mail address.")}
        return render(request, "procedures/status/no_access.html", context, status=422)
    submission = queue_selectors.submission_for_resident(_municipality(request), reference)
    if submission is not None and submission.status != S.DRAFT:
        placeholder = "0"
        url = tenant_reverse(
            "procedures:apply_resume", _municipality(request), {"token": placeholder}
        )
        apply_services.resume_link_resend(
            submission, email, link_base=request.build_absolute_uri(url[: -len(placeholder) - 1])
        )
    context = {"asked": True, "days": apply_services.RESUME_DAYS}
    return render(request, "procedures/status/no_access.html", context)
