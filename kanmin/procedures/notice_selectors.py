"""Reads of electronic notices (電子通知) and consultations (相談), scoped to a municipality and
to who asks: a resident sees their own; staff see their departments' (administrators all)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Max, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core.errors import NotFound
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.models import Department, Municipality
from kanmin.procedures.models import (
    Consultation,
    ConsultationMessage,
    Notice,
    Procedure,
    Submission,
)

# ------------------------------------------------------------------------------------------
# Who acts for which department
# ------------------------------------------------------------------------------------------


def acting_department_ids(*, user: Any, municipality: Municipality) -> set[int] | None:
    """The departments a member of staff acts for; None: every one (administrators)."""
    return accounts_selectors.acting_department_ids(user=user, municipality=municipality)


def acts_for(*, user: Any, municipality: Municipality, department_id: int | None) -> bool:
    ids = acting_department_ids(user=user, municipality=municipality)
    return ids is None or (department_id is not None and department_id in ids)


def staff_departments(*, user: Any, municipality: Municipality) -> QuerySet[Department]:
    """The departments a member of staff may send notices for and answer consultations of."""
    ids = acting_department_ids(user=user, municipality=municipality)
    departments = Department.all_tenants.filter(municipality=municipality)
    return departments if ids is None else departments.filter(pk__in=ids)


def departments(*, municipality: Municipality) -> QuerySet[Department]:
    """The departments a resident may consult."""
    return Department.all_tenants.filter(municipality=municipality)


def procedures_for_consultation(*, municipality: Municipality) -> QuerySet[Procedure]:
    return Procedure.all_tenants.filter(municipality=municipality, is_published=True)


def _in_departments(queryset: QuerySet[Any], ids: set[int] | None) -> QuerySet[Any]:
    return queryset if ids is None else queryset.filter(department_id__in=ids)


# ------------------------------------------------------------------------------------------
# Notices
# ------------------------------------------------------------------------------------------


def inbox(*, municipality: Municipality, user: Any) -> QuerySet[Notice]:
    """A resident's notices: unread first, newest first."""
    return (
        Notice.all_tenants.filter(municipality=municipality, recipient_id=user.pk)
        .select_related("department", "procedure")
        .annotate(is_read=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1)))
        .order_by("is_read", "-sent_at", "-pk")
    )


def unread_count(*, municipality: Municipality, user: Any) -> int:
    return int(
        Notice.all_tenants.filter(
            municipality=municipality, recipient_id=user.pk, read_at__isnull=True
        ).count()
    )


def notice_for_resident(*, municipality: Municipality, user: Any, pk: int) -> Notice:
    notice = (
        Notice.all_tenants.filter(municipality=municipality, recipient_id=user.pk, pk=pk)
        .select_related("department", "procedure", "submission")
        .first()
    )
    if notice is None:
        raise NotFound(_("No such notice in your inbox."))
    return notice


def notices_sent(
    *,
    municipality: Municipality,
    user: Any,
    fiscal_year: FiscalYear | None = None,
    department_id: int | None = None,
) -> QuerySet[Notice]:
    """Notices sent by the departments the member of staff acts for, newest first."""
    ids = acting_department_ids(user=user, municipality=municipality)
    notices = _in_departments(
        Notice.all_tenants.filter(municipality=municipality), ids
    ).select_related("department", "recipient", "sent_by", "procedure")
    if department_id is not None:
        notices = notices.filter(department_id=department_id)
    if fiscal_year is not None:
        start, end = fiscal_year_bounds(fiscal_year)
        notices = notices.filter(sent_at__gte=start, sent_at__lt=end)
    return notices.order_by("-sent_at", "-pk")


def fiscal_year_bounds(fiscal_year: FiscalYear) -> tuple[dt.datetime, dt.datetime]:
    """1 April 00:00 to the next 1 April 00:00, local (Japan) time."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(fiscal_year.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(fiscal_year.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


@dataclass(frozen=True)
class YearCount:
    fiscal_year: FiscalYear
    sent: int
    read: int

    @property
    def unread(self) -> int:
        return self.sent - self.read


def notice_counts(
    *, municipality: Municipality, user: Any, department_id: int | None = None
) -> list[YearCount]:
    """Notices sent and read per fiscal year (年度), newest year first."""
    notices = notices_sent(municipality=municipality, user=user, department_id=department_id)
    by_year: dict[int, list[int]] = {}
    rows = (
        notices.order_by()
        .annotate(day=TruncDate("sent_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(sent=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False)))
    )
    for row in rows:
        year = FiscalYear.of(row["day"]).year
        counts = by_year.setdefault(year, [0, 0])
        counts[0] += row["sent"]
        counts[1] += row["read"]
    return [
        YearCount(FiscalYear(year), sent, read)
        for year, (sent, read) in sorted(by_year.items(), reverse=True)
    ]


def submission_by_reference(*, municipality: Municipality, reference: str) -> Submission:
    submission = (
        Submission.all_tenants.filter(municipality=municipality, reference=reference.strip())
        .select_related("applicant", "procedure")
        .first()
    )
    if submission is None or not reference.strip():
        raise NotFound(
            _("No application with the reference number %(ref)s. Check the number.")
            % {"ref": reference.strip()}
        )
    return submission


# ------------------------------------------------------------------------------------------
# The resident's applications
# ------------------------------------------------------------------------------------------


def my_submissions(*, municipality: Municipality, user: Any) -> QuerySet[Submission]:
    return (
        Submission.all_tenants.filter(municipality=municipality, applicant_id=user.pk)
        .select_related("procedure")
        .order_by("-submitted_at", "-created_at")
    )


# ------------------------------------------------------------------------------------------
# Consultations
# ------------------------------------------------------------------------------------------


def consultations_of_resident(*, municipality: Municipality, user: Any) -> QuerySet[Consultation]:
    return (
        Consultation.all_tenants.filter(municipality=municipality, resident_id=user.pk)
        .select_related("department", "procedure")
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__by_staff=True, messages__read_at__isnull=True),
            )
        )
        .order_by("-updated_at", "-pk")
    )


def consultation_for_resident(*, municipality: Municipality, user: Any, pk: int) -> Consultation:
    consultation = (
        Consultation.all_tenants.filter(municipality=municipality, resident_id=user.pk, pk=pk)
        .select_related("department", "procedure")
        .first()
    )
    if consultation is None:
        raise NotFound(_("No such consultation of yours."))
    return consultation


_STATUS_ORDER = {Consultation.Status.OPEN: 0, Consultation.Status.ANSWERED: 1}


def consultations_for_staff(
    *, municipality: Municipality, user: Any, include_closed: bool = False
) -> list[Consultation]:
    """The consultations of the staff member's departments: waiting ones first, the longest
    waiting first; each with ``waiting_since`` (the resident's last message while open)."""
    ids = acting_department_ids(user=user, municipality=municipality)
    rows = _in_departments(
        Consultation.all_tenants.filter(municipality=municipality), ids
    ).select_related("department", "resident", "procedure")
    if not include_closed:
        rows = rows.exclude(status=Consultation.Status.CLOSED)
    rows = rows.annotate(
        last_resident=Max("messages__created_at", filter=Q(messages__by_staff=False)),
        messages_count=Count("messages"),
    )
    result = list(rows)
    for row in result:
        row.waiting_since = row.last_resident if row.status == Consultation.Status.OPEN else None
    far = timezone.now()
    result.sort(
        key=lambda c: (
            _STATUS_ORDER.get(c.status, 2),
            c.waiting_since or far,
            -c.updated_at.timestamp(),
        )
    )
    return result


def consultation_for_staff(*, municipality: Municipality, user: Any, pk: int) -> Consultation:
    """A consultation of one of the staff member's departments; NotFound for the others'."""
    ids = acting_department_ids(user=user, municipality=municipality)
    consultation = (
        _in_departments(Consultation.all_tenants.filter(municipality=municipality, pk=pk), ids)
        .select_related("department", "resident", "procedure")
        .first()
    )
    if consultation is None:
        raise NotFound(_("No such consultation in your departments."))
    return consultation


def messages_of(*, consultation: Consultation) -> QuerySet[ConsultationMessage]:
    return ConsultationMessage.all_tenants.filter(
        municipality_id=consultation.municipality_id, consultation=consultation
    ).select_related("author")


def waiting_count(*, municipality: Municipality, user: Any) -> int:
    ids = acting_department_ids(user=user, municipality=municipality)
    return int(
        _in_departments(
            Consultation.all_tenants.filter(
                municipality=municipality, status=Consultation.Status.OPEN
            ),
            ids,
        ).count()
    )
