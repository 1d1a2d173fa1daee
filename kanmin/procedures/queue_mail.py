"""E-mail to the applicant when their application moves or the department writes to them.

The mail says what happened and links to the status page; it never carries the answers or
the department's message (e-mail is not a safe channel for personal data): the applicant reads
them on the status page. Sent once the change is committed, in Japanese.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

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
    with translation.override("ja"):
        subject = " ".join(
            render_to_string("procedures/queue/email/update_subject.txt", context).split()
        )
        body = render_to_string("procedures/queue/email/update_body.txt", context)

    def send() -> None:
        try:
            send_mail(subject, body, None, [address])
        except OSError:
            # The change is made and shown on the status page; a mail server that is down
            # must not undo it. The log tells the operator.
            logger.exception("Could not e-mail the applicant of %s", submission.reference)

    transaction.on_commit(send)
