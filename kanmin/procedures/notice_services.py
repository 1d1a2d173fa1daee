"""Writes of electronic notices (電子通知) and consultations (相談).

- Staff send a notice from one of their departments to a resident registered with the
  municipality (:func:`notice_send`); the resident is told by e-mail that a notice is waiting,
  with a link to the inbox: the notice itself stays in the inbox, behind the sign-in.
  Opening it marks it read, once (:func:`notice_read`).
- A resident opens a consultation with a department (:func:`consultation_open`); its staff
  answer (:func:`consultation_reply`), the resident writes again, either side closes it
  (:func:`consultation_close`). Each message is e-mailed to the other side, without its text.

"Staff of a department" are those whose membership names the department; administrators of
the municipality act for every department (``accounts.selectors.acting_department_ids``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.core.models import Department, Municipality
from kanmin.core.tenancy import tenant_reverse
from kanmin.procedures import notice_selectors as selectors
from kanmin.procedures.models import (
    Consultation,
    ConsultationMessage,
    Notice,
    Procedure,
    Submission,
)

log = logging.getLogger(__name__)

SUBJECT_MAX = 200
BODY_MAX = 10_000


def _url(name: str, municipality: Municipality, kwargs: dict[str, Any] | None = None) -> str:
    try:
        return f"{settings.KANMIN_BASE_URL}{tenant_reverse(name, municipality, kwargs)}"
    except NoReverseMatch:
        return str(settings.KANMIN_BASE_URL)


def _mail(template: str, context: dict[str, Any], recipients: list[str]) -> bool:
    """Send a message in Japanese, then English; False (logged) when it could not be sent."""
    if not recipients:
        return False
    parts = []
    for language in ("ja", "en"):
        with translation.override(language):
            subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
            parts.append((subject, render_to_string(f"{template}_body.txt", context)))
    subject = f"{parts[0][0]} / {parts[1][0]}"
    body = parts[0][1].rstrip() + "\n\n----- English -----\n\n" + parts[1][1]
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the notice stays in the inbox; the e-mail is only a pointer to it
        log.exception("could not e-mail %s", template)
        return False
    return True


def _text(value: str, *, field: str, label: str, limit: int) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if not value:
        message = _("Enter the %(label)s.") % {"label": label}
        raise Invalid(message, fields={field: [message]})
    if len(value) > limit:
        message = _("The %(label)s is %(n)s characters long; shorten it to %(max)s.") % {
            "label": label,
            "n": len(value),
            "max": limit,
        }
        raise Invalid(message, fields={field: [message]})
    return value


def _require_department(actor: Any, municipality: Municipality, department: Any) -> None:
    if actor is None:
        return
    if not selectors.acts_for(
        user=actor, municipality=municipality, department_id=getattr(department, "pk", None)
    ):
        raise PermissionDenied(
            _("Only staff of %(department)s may do this.")
            % {"department": getattr(department, "display_name", "")},
            code="other_department",
        )


# ------------------------------------------------------------------------------------------
# Notices
# ------------------------------------------------------------------------------------------


@action("procedures.notice.send", perm="procedures.add_notice")
def notice_send(
    *,
    municipality: Municipality,
    actor: Any,
    recipient: Any,
    subject: str,
    body: str,
    department: Department,
    procedure: Procedure | None = None,
    submission: Submission | None = None,
) -> Outcome[Notice]:
    """Send a notice from ``department`` to ``recipient`` (a user with a role in the
    municipality), optionally about a procedure or an application (then to its applicant)."""
    if department is None:
        message = _("Choose the department that sends the notice.")
        raise Invalid(message, fields={"department": [message]})
    _require_department(actor, municipality, department)
    if submission is not None:
        if recipient is None:
            recipient = submission.applicant
        if recipient is None or submission.applicant_id != recipient.pk:
            message = _(
                "The application %(ref)s was made without an account: a notice can only go "
                "to the account that applied."
            ) % {"ref": submission.reference or ""}
            raise Invalid(message, fields={"reference": [message]})
        procedure = procedure or submission.procedure
    if recipient is None or not accounts_selectors.is_member(
        user=recipient, municipality=municipality
    ):
        message = _("The recipient is not registered with %(name)s.") % {
            "name": municipality.display_name
        }
        raise Invalid(message, fields={"recipient": [message]})
    subject = _text(subject, field="subject", label=_("subject"), limit=SUBJECT_MAX)
    body = _text(body, field="body", label=_("text of the notice"), limit=BODY_MAX)
    notice = Notice.all_tenants.create(
        municipality=municipality,
        recipient=recipient,
        department=department,
        procedure=procedure,
        submission=submission,
        subject=subject,
        body=body,
        sent_by=actor,
        sent_at=timezone.now(),
    )
    emailed = _mail(
        "procedures/email/notice",
        {
            "municipality": municipality,
            "department": department,
            "inbox": _url("procedures:my_home", municipality),
        },
        [recipient.email] if recipient.email else [],
    )
    if emailed:
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
    return Changed(
        notice,
        after={
            "recipient": recipient.pk,
            "department": department.code,
            "submission": submission.reference if submission is not None else None,
            "emailed": emailed,
        },
    )


@action("procedures.notice.read", perm=None)
def notice_read(*, municipality: Municipality, actor: Any, notice: Notice) -> Outcome[Notice]:
    """The recipient opened the notice: ``read_at`` is set the first time only."""
    if actor is None or notice.recipient_id != actor.pk:
        raise NotFound()
    if notice.read_at is not None:
        return Unchanged(notice)
    notice.read_at = timezone.now()
    notice.save(update_fields=["read_at"])
    return Changed(notice, after={"read_at": notice.read_at.isoformat()})


# ------------------------------------------------------------------------------------------
# Consultations
# ------------------------------------------------------------------------------------------


def _tell_department(consultation: Consultation, municipality: Municipality) -> None:
    recipients = accounts_selectors.emails_of_department(
        municipality=municipality, department_id=consultation.department_id
    )
    _mail(
        "procedures/email/consultation_staff",
        {
            "municipality": municipality,
            "department": consultation.department,
            "link": _url("procedures:staff_consultation", municipality, {"pk": consultation.pk}),
        },
        recipients,
    )


def _tell_resident(consultation: Consultation, municipality: Municipality) -> None:
    email = consultation.resident.email
    _mail(
        "procedures/email/consultation_resident",
        {
            "municipality": municipality,
            "department": consultation.department,
            "link": _url("procedures:my_consultation", municipality, {"pk": consultation.pk}),
        },
        [email] if email else [],
    )


@action("procedures.consultation.open", perm=None)
def consultation_open(
    *,
    municipality: Municipality,
    actor: Any,
    department: Department,
    subject: str,
    body: str,
    procedure: Procedure | None = None,
) -> Outcome[Consultation]:
    """A resident (signed in, registered with the municipality) asks a department."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    if not accounts_selectors.is_member(user=actor, municipality=municipality):
        raise PermissionDenied(
            _("Register with %(name)s to ask its departments.")
            % {"name": municipality.display_name}
        )
    if department is None:
        message = _("Choose the department you want to ask.")
        raise Invalid(message, fields={"department": [message]})
    subject = _text(subject, field="subject", label=_("subject"), limit=SUBJECT_MAX)
    body = _text(body, field="body", label=_("question"), limit=BODY_MAX)
    consultation = Consultation.all_tenants.create(
        municipality=municipality,
        resident=actor,
        department=department,
        procedure=procedure,
        subject=subject,
    )
    ConsultationMessage.all_tenants.create(
        municipality=municipality, consultation=consultation, author=actor, body=body
    )
    _tell_department(consultation, municipality)
    return Changed(consultation, after={"department": department.code})


def _side(actor: Any, municipality: Municipality, consultation: Consultation) -> str:
    """``resident`` or ``staff``: who the actor is in the thread; refused otherwise."""
    if actor is not None and consultation.resident_id == actor.pk:
        return "resident"
    if actor is not None and not actor.has_perm("procedures.add_consultationmessage", municipality):
        raise (
            NotFound()
            if not accounts_selectors.is_member(user=actor, municipality=municipality)
            else PermissionDenied()
        )
    _require_department(actor, municipality, consultation.department)
    return "staff"


@action("procedures.consultation.reply", perm=None)
def consultation_reply(
    *, municipality: Municipality, actor: Any, consultation: Consultation, body: str
) -> Outcome[ConsultationMessage]:
    """A message in the thread, by the resident (then it waits for the department) or by
    staff of the consultation's department (then it is answered); the other side is told."""
    side = _side(actor, municipality, consultation)
    if consultation.status == Consultation.Status.CLOSED:
        raise Conflict(
            _("This consultation is closed. Open a new one to ask again."), code="closed"
        )
    body = _text(body, field="body", label=_("message"), limit=BODY_MAX)
    message = ConsultationMessage.all_tenants.create(
        municipality=municipality,
        consultation=consultation,
        author=actor,
        by_staff=side == "staff",
        body=body,
    )
    consultation.status = (
        Consultation.Status.ANSWERED if side == "staff" else Consultation.Status.OPEN
    )
    consultation.save(update_fields=["status", "updated_at"])
    if side == "staff":
        _tell_resident(consultation, municipality)
    else:
        _tell_department(consultation, municipality)
    return Changed(message, target=consultation, after={"by": side, "status": consultation.status})


@action("procedures.consultation.close", perm=None)
def consultation_close(
    *, municipality: Municipality, actor: Any, consultation: Consultation
) -> Outcome[Consultation]:
    """Close the thread (the resident, or staff of its department)."""
    side = _side(actor, municipality, consultation)
    if consultation.status == Consultation.Status.CLOSED:
        return Unchanged(consultation)
    before = consultation.status
    consultation.status = Consultation.Status.CLOSED
    consultation.save(update_fields=["status", "updated_at"])
    return Changed(consultation, before={"status": before}, after={"status": "closed", "by": side})


@action("procedures.consultation.seen", perm=None)
def consultation_seen(
    *, municipality: Municipality, actor: Any, consultation: Consultation
) -> Outcome[Consultation]:
    """The other side's messages have been shown to the actor: mark them read."""
    side = _side(actor, municipality, consultation)
    marked = ConsultationMessage.all_tenants.filter(
        municipality=municipality,
        consultation=consultation,
        by_staff=side == "resident",
        read_at__isnull=True,
    ).update(read_at=timezone.now())
    if side == "staff":
        # Staff read a resident's messages: personal data, so every reading is recorded.
        return Changed(
            consultation,
            action="procedures.consultation.view",
            extra={"messages_read": marked, "by": side},
        )
    if not marked:
        return Unchanged(consultation)
    return Changed(consultation, extra={"messages_read": marked, "by": side})


@action("procedures.notice.list_view", perm="procedures.view_notice")
def notices_viewed(
    *, municipality: Municipality, actor: Any, count: int, fiscal_year: str
) -> Outcome[None]:
    """Staff read the list of notices sent (residents' addresses and subjects): recorded."""
    return Changed(None, extra={"count": count, "fiscal_year": fiscal_year})
