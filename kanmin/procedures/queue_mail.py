"""E-mail to the applicant when their application moves or the department writes to them,
and to the department when the applicant replies (answers a correction request).

The mail says what happened and links to the status page (the staff's queue page); it never
carries the answers or the messages (e-mail is not a safe channel for personal data): they
are read on the page. Sent once the change is committed, in Japanese.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core.tenancy import tenant_reverse
from kanmin.procedures import status_labels
from kanmin.procedures.models import Submission, SubmissionEvent

logger = logging.getLogger(__name__)


def status_url(submission: Submission) -> str:
    path = tenant_reverse(
        "procedures:apply_status", submission.municipality, {"reference": submission.reference}
    )
    return f"{settings.KANMIN_BASE_URL}{path}"


def notify_resident(submission: Submission, event: SubmissionEvent) -> None:
    """E-mail the applicant about ``event`` after the transaction commits (nothing when the
    application has no e-mail address)."""
    address = (submission.email or "").strip()
    if not address:
        return
    context = {
        "submission": submission,
        "municipality": submission.municipality,
        "procedure": submission.procedure,
        "event": event,
        "status": status_labels.label(submission.status),
        "has_message": bool(event.message),
        "url": status_url(submission),
    }
    _send("procedures/queue/email/update", context, [address], submission)


def staff_url(submission: Submission) -> str:
    path = tenant_reverse(
        "procedures:queue_detail", submission.municipality, {"reference": submission.reference}
    )
    return f"{settings.KANMIN_BASE_URL}{path}"


def notify_department(submission: Submission, *, corrected: bool) -> None:
    """E-mail the staff who handle the application that the applicant wrote to them
    (``corrected``: and says the correction is done): the assignee when there is one, else
    everyone in the application's department. The mail holds the reference number and a link
    to the queue page, nothing the applicant wrote."""
    assignee = submission.assignee
    if assignee is not None and assignee.is_active and assignee.email:
        addresses = [assignee.email]
    elif submission.department_id is not None:
        addresses = accounts_selectors.emails_of_department(
            municipality=submission.municipality, department_id=submission.department_id
        )
    else:
        addresses = []
    context = {
        "submission": submission,
        "municipality": submission.municipality,
        "department": submission.department,
        "corrected": corrected,
        "url": staff_url(submission),
    }
    _send("procedures/queue/email/reply_staff", context, addresses, submission)


def _send(template: str, context: dict[str, Any], addresses: list[str], submission: Any) -> None:
    if not addresses:
        return
    with translation.override("ja"):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)

    def send() -> None:
        try:
            send_mail(subject, body, None, addresses)
        except OSError:
            # The change is made and shown on the page; a mail server that is down must not
            # undo it. The log tells the operator.
            logger.exception("Could not e-mail about %s (%s)", submission.reference, template)

    transaction.on_commit(send)
