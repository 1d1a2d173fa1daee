"""Reads for the staff queue of submissions and the resident's status page.

Scoping: staff see the submitted applications of their own departments (the departments of
their memberships); those who manage the procedure catalog (the procedures manager, the
municipality administrator: ``procedures.change_procedure``) see every department's. Another
municipality's submissions are never found (NotFound, a 404 on the pages).

Personal data (the answers, the e-mail address, attachments) is read by staff only through
:func:`submission_answers_for_staff` and :func:`attachment_open_for_staff`, which write an audit
entry each time: every staff read of personal data is audited (DESIGN).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from kanmin.accounts import selectors as accounts_selectors
from kanmin.audit.services import access_record
from kanmin.core import crypto
from kanmin.core.errors import NotFound, PermissionDenied
from kanmin.core.models import Municipality
from kanmin.core.permissions import allowed
from kanmin.procedures import answer_summary, workflow
from kanmin.procedures.models import Attachment, Submission, SubmissionEvent

VIEW_PERM = "procedures.view_submission"
CHANGE_PERM = "procedures.change_submission"
# Who holds this sees every department's applications (the catalog's managers).
ALL_DEPARTMENTS_PERM = "procedures.change_procedure"
PAGE_SIZE = 50

S = Submission.Status
QUEUE_STATUSES = (S.RECEIVED, S.REVIEWING, S.CORRECTION, S.COMPLETED, S.REJECTED, S.WITHDRAWN)


def department_ids(municipality: Municipality, user: Any) -> set[int] | None:
    """The departments whose applications ``user`` handles; None means all of them."""
    if user is None or allowed(user, ALL_DEPARTMENTS_PERM, municipality):
        return None
    return accounts_selectors.department_ids_of(user=user, municipality=municipality)


def _department_q(ids: set[int]) -> Q:
    return Q(department_id__in=ids) | Q(department__isnull=True, procedure__department_id__in=ids)


def handles(municipality: Municipality, user: Any, submission: Submission) -> bool:
    """Whether ``user`` may process ``submission`` (its department is theirs, or all are)."""
    ids = department_ids(municipality, user)
    if ids is None:
        return True
    department = submission.department_id or submission.procedure.department_id
    return department in ids


def require_handles(municipality: Municipality, user: Any, submission: Submission) -> None:
    if not handles(municipality, user, submission):
        raise PermissionDenied(
            _(
                "This application belongs to another department. Only its department's staff "
                "and the procedures manager can process it."
            )
        )


def _staff_scope(municipality: Municipality, user: Any) -> QuerySet[Submission]:
    if user is not None and not allowed(user, VIEW_PERM, municipality):
        return Submission.objects.none()
    submissions = Submission.all_tenants.filter(
        municipality=municipality, reference__isnull=False
    ).exclude(status=S.DRAFT)
    ids = department_ids(municipality, user)
    if ids is not None:
        submissions = submissions.filter(_department_q(ids))
    return submissions


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    department: int | None = None
    procedure: int | None = None
    assignee: int | None = None  # a user id; 0 means nobody
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    q: str = ""
    order: str = "-submitted_at"


@dataclass
class Queue:
    page: Page
    counts: dict[str, int]
    total: int
    filters: QueueFilters
    extra: dict[str, Any] = field(default_factory=dict)


ORDERS = {
    "-submitted_at": ("-submitted_at", "-pk"),
    "submitted_at": ("submitted_at", "pk"),
}


def _filtered(
    municipality: Municipality, user: Any, filters: QueueFilters, *, with_status: bool = True
) -> QuerySet[Submission]:
    submissions = _staff_scope(municipality, user)
    if filters.department:
        submissions = submissions.filter(_department_q({filters.department}))
    if filters.procedure:
        submissions = submissions.filter(procedure_id=filters.procedure)
    if filters.assignee is not None:
        if filters.assignee == 0:
            submissions = submissions.filter(assignee__isnull=True)
        else:
            submissions = submissions.filter(assignee_id=filters.assignee)
    tz = dt.timezone(dt.timedelta(hours=9))  # the day as the municipality counts it (JST)
    if filters.submitted_from:
        start = dt.datetime.combine(filters.submitted_from, dt.time.min, tzinfo=tz)
        submissions = submissions.filter(submitted_at__gte=start)
    if filters.submitted_to:
        end = dt.datetime.combine(filters.submitted_to + dt.timedelta(days=1), dt.time.min, tz)
        submissions = submissions.filter(submitted_at__lt=end)
    if filters.q:
        submissions = submissions.filter(reference__icontains=filters.q.strip())
    if with_status and filters.status:
        if filters.status == "open":
            submissions = submissions.filter(status__in=workflow.OPEN)
        else:
            submissions = submissions.filter(status=filters.status)
    return submissions


def submission_queue(
    municipality: Municipality, user: Any, filters: QueueFilters, *, page: int = 1
) -> Queue:
    """The submissions ``user`` handles, filtered, sorted by submission date, a page of them,
    and how many there are in each status (the tabs) under the other filters."""
    by_status = dict(
        _filtered(municipality, user, filters, with_status=False)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, int] = {str(s): by_status.get(s, 0) for s in QUEUE_STATUSES}
    counts["open"] = sum(counts[str(s)] for s in workflow.OPEN)
    counts["all"] = sum(counts[str(s)] for s in QUEUE_STATUSES)
    submissions = (
        _filtered(municipality, user, filters)
        .select_related("procedure", "form", "assignee", "department", "procedure__department")
        .order_by(*ORDERS.get(filters.order, ORDERS["-submitted_at"]))
    )
    paginator = Paginator(submissions, PAGE_SIZE)
    return Queue(
        page=paginator.get_page(page),
        counts=counts,
        total=paginator.count,
        filters=filters,
    )


def submission_queue_rows(
    municipality: Municipality, user: Any, filters: QueueFilters, *, version: Any = None
) -> QuerySet[Submission]:
    """Every submission of the filtered queue (all pages), for an export; only those on
    ``version`` when one is given."""
    submissions = _filtered(municipality, user, filters)
    if version is not None:
        submissions = submissions.filter(version=version)
    return submissions.select_related("procedure", "assignee", "version").order_by(
        *ORDERS.get(filters.order, ORDERS["-submitted_at"])
    )


def export_versions(municipality: Municipality, user: Any, filters: QueueFilters) -> list[Any]:
    """The form versions that submissions of the filtered queue were made on (the choices of
    an export's columns), most used first."""
    from kanmin.procedures.models import FormVersion

    used = (
        _filtered(municipality, user, filters)
        .order_by()
        .values("version")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    counts = {row["version"]: row["n"] for row in used}
    versions = FormVersion.all_tenants.filter(
        municipality=municipality, pk__in=counts
    ).select_related("form")
    return sorted(versions, key=lambda v: (-counts[v.pk], v.form.slug, v.number))


def submission_get_for_staff(municipality: Municipality, user: Any, reference: str) -> Submission:
    """The submission with this reference number, if ``user`` handles it; NotFound otherwise
    (another municipality's, or another department's: staff cannot tell which exist)."""
    submission = (
        _staff_scope(municipality, user)
        .select_related(
            "procedure", "procedure__department", "form", "version", "assignee", "department"
        )
        .filter(reference=reference)
        .first()
    )
    if submission is None:
        raise NotFound(
            _("No application with the reference number %(reference)s in your queue.")
            % {"reference": reference}
        )
    return submission


def submission_events(submission: Submission) -> QuerySet[SubmissionEvent]:
    """The history of a submission, oldest first."""
    return SubmissionEvent.all_tenants.filter(
        municipality_id=submission.municipality_id, submission=submission
    ).select_related("actor")


@dataclass(frozen=True)
class StaffView:
    """What staff see of the personal data of one submission."""

    email: str
    pages: list[answer_summary.AnswerPage]
    attachments: list[Attachment]


def submission_answers_for_staff(
    municipality: Municipality, user: Any, submission: Submission, *, language: str = "ja"
) -> StaffView:
    """The decrypted answers (page by page, with their labels), the e-mail address and the
    attachments of a submission: the ONE way staff read them. Each call writes the audit
    entry ``procedures.submission.read``."""
    if submission.municipality_id != municipality.pk:
        raise NotFound()
    require_handles(municipality, user, submission)
    answers = answer_summary.load(submission.answers)
    access_record(
        actor=user,
        municipality=municipality,
        action="procedures.submission.read",
        target=submission,
        extra={"reference": submission.reference, "questions": len(answers)},
    )
    return StaffView(
        email=submission.email or "",
        pages=answer_summary.pages(submission.version.definition, answers, language),
        attachments=list(
            Attachment.all_tenants.filter(municipality=municipality, submission=submission)
        ),
    )


def attachment_get_for_staff(
    municipality: Municipality, user: Any, submission: Submission, pk: int
) -> Attachment:
    attachment = Attachment.all_tenants.filter(
        municipality=municipality, submission=submission, pk=pk
    ).first()
    if attachment is None:
        raise NotFound(_("This application has no such attachment."))
    return attachment


def _attachment_root() -> Path:
    return Path(settings.DATA_DIR) / "procedures" / "attachments"


def _attachment_path(attachment: Attachment) -> Path:
    """Where an attachment's encrypted file is: its ``path`` under the attachments folder (or
    under the data folder); never outside the data folder."""
    data = Path(settings.DATA_DIR).resolve()
    stored = Path(attachment.path)
    candidates = [stored] if stored.is_absolute() else [_attachment_root() / stored, data / stored]
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_relative_to(data) and resolved.is_file():
            return resolved
    raise NotFound(
        _("The file of this attachment is missing on the server. Ask the administrator.")
    )


def attachment_content(attachment: Attachment) -> bytes:
    """The plain content of an attachment's encrypted file (checked against its SHA-256)."""
    data = _attachment_path(attachment).read_bytes()
    token = data[len(crypto.PREFIX) :] if data.startswith(crypto.PREFIX.encode()) else data
    try:
        plain = crypto.keyring().decrypt(token)
    except InvalidToken:
        raise NotFound(
            _("The file of this attachment cannot be decrypted with the keys of this server.")
        ) from None
    if attachment.sha256 and hashlib.sha256(plain).hexdigest() != attachment.sha256:
        # Written as the base64 text of the content (crypto.encrypt takes text).
        try:
            decoded = base64.b64decode(plain, validate=True)
        except ValueError:
            decoded = b""
        if hashlib.sha256(decoded).hexdigest() == attachment.sha256:
            return decoded
        raise NotFound(_("The file of this attachment does not match its checksum."))
    return plain


def attachment_open_for_staff(
    municipality: Municipality, user: Any, submission: Submission, pk: int
) -> tuple[Attachment, bytes]:
    """An attachment and its decrypted content; writes ``procedures.attachment.read``."""
    require_handles(municipality, user, submission)
    attachment = attachment_get_for_staff(municipality, user, submission, pk)
    content = attachment_content(attachment)
    access_record(
        actor=user,
        municipality=municipality,
        action="procedures.attachment.read",
        target=submission,
        extra={"reference": submission.reference, "attachment": attachment.pk},
    )
    return attachment, content


def assignable_staff(municipality: Municipality, submission: Submission) -> list[Any]:
    """The members who may be assigned ``submission``: they process applications here, and
    handle its department."""
    users: dict[int, Any] = {}
    for membership in accounts_selectors.membership_list(municipality=municipality):
        user = membership.user
        if user.pk in users or not user.is_active:
            continue
        if allowed(user, CHANGE_PERM, municipality) and handles(municipality, user, submission):
            users[user.pk] = user
    return sorted(users.values(), key=lambda u: u.get_full_name() or u.username)


def department_choices(municipality: Municipality, user: Any) -> list[Any]:
    from kanmin.core.models import Department

    departments = Department.all_tenants.filter(municipality=municipality)
    ids = department_ids(municipality, user)
    if ids is not None:
        departments = departments.filter(pk__in=ids)
    return list(departments.order_by("sort_order", "code"))


def procedure_choices(municipality: Municipality, user: Any) -> list[Any]:
    from kanmin.procedures.models import Procedure

    ids = _staff_scope(municipality, user).values("procedure_id")
    return list(
        Procedure.all_tenants.filter(municipality=municipality, pk__in=ids).order_by("code")
    )


# ------------------------------------------------------------------------------------------
# The resident's status page
# ------------------------------------------------------------------------------------------


def submission_for_resident(municipality: Municipality, reference: str) -> Submission | None:
    """The submitted application with this reference in this municipality (None otherwise);
    the page then asks ``resident.may_open`` whether this browser may see it."""
    return (
        Submission.all_tenants.filter(municipality=municipality, reference=reference)
        .exclude(status=S.DRAFT)
        .select_related("procedure", "version", "form", "procedure__department")
        .first()
    )


def resident_events(submission: Submission) -> list[SubmissionEvent]:
    """The history a resident sees: status changes and messages (not internal assignment)."""
    return list(submission_events(submission).exclude(kind=SubmissionEvent.Kind.ASSIGN))
