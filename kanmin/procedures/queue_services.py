"""Writes on submitted applications: the staff's processing (assign, review, ask for a
correction, complete, reject, message) and the resident's (withdraw, reply).

Every change is a ``SubmissionEvent``; status moves follow :mod:`kanmin.procedures.workflow`
(a move the workflow does not allow is a Conflict saying what happened before: "already
completed by … at …"). Staff act only on their department's applications unless they manage
the procedures (``queue_selectors.require_handles``). The resident is e-mailed, without the
answers, on every status change and message from staff, once the change is committed.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.errors import Conflict, Invalid
from kanmin.core.models import Municipality
from kanmin.procedures import queue_mail, queue_selectors, status_labels, workflow
from kanmin.procedures.models import Submission, SubmissionEvent

S = Submission.Status
K = SubmissionEvent.Kind
CHANGE_PERM = "procedures.change_submission"
MESSAGE_MAX = 4000


def _locked(submission: Submission) -> Submission:
    """The submission as it is now in the database, locked until the transaction ends (two
    members of staff clicking at once: the second sees the first's change)."""
    fresh = Submission.all_tenants.select_for_update().get(pk=submission.pk)
    for name in ("status", "assignee_id", "closed_at", "updated_at"):
        setattr(submission, name, getattr(fresh, name))
    return submission


def _message(message: str, *, required: bool, field: str = "message") -> str:
    text = (message or "").strip()
    if required and not text:
        raise Invalid(
            _("Write a message to the applicant: it says what happens now and why."),
            fields={field: [_("Write the message the applicant will read.")]},
        )
    if len(text) > MESSAGE_MAX:
        raise Invalid(
            fields={
                field: [
                    _("The message is %(n)d characters long; shorten it to %(max)d.")
                    % {"n": len(text), "max": MESSAGE_MAX}
                ]
            }
        )
    return text


def _who(event: SubmissionEvent | None) -> str:
    if event is None:
        return ""
    if event.by_resident:
        return str(_("the applicant"))
    if event.actor is None:
        return str(_("the system"))
    return event.actor.get_full_name() or event.actor.get_username()


def _refusal(submission: Submission, target: str) -> Conflict:
    """Why the move to ``target`` cannot be made, with who made the last move and when."""
    last = (
        queue_selectors.submission_events(submission)
        .filter(kind=K.STATUS, status_to=submission.status)
        .order_by("-at", "-pk")
        .first()
    )
    current = status_labels.label(submission.status)
    wanted = status_labels.label(target)
    if last is not None:
        when = date_format(timezone.localtime(last.at), "DATETIME_FORMAT")
        message = _(
            "This application is already %(status)s (by %(who)s at %(when)s), so it cannot be "
            "moved to %(target)s. Reload the page to see where it stands."
        ) % {"status": current, "who": _who(last), "when": when, "target": wanted}
    else:
        message = _(
            "This application is %(status)s, so it cannot be moved to %(target)s. Reload the "
            "page to see where it stands."
        ) % {"status": current, "target": wanted}
    return Conflict(message, code="transition")


def _move(
    submission: Submission,
    target: str,
    *,
    by: str,
    actor: Any,
    message: str = "",
) -> SubmissionEvent:
    _locked(submission)
    source = submission.status
    if not workflow.allowed(source, target, by):
        raise _refusal(submission, target)
    now = timezone.now()
    submission.status = target
    fields = ["status", "updated_at"]
    if target in workflow.CLOSED:
        submission.closed_at = now
        fields.append("closed_at")
    submission.save(update_fields=fields)
    return SubmissionEvent.objects.create(
        municipality_id=submission.municipality_id,
        submission=submission,
        kind=K.STATUS,
        status_from=source,
        status_to=target,
        message=message,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        by_resident=by == "resident",
        at=now,
    )


def _staff_move(
    municipality: Municipality, actor: Any, submission: Submission, target: str, message: str
) -> Outcome[Submission]:
    queue_selectors.require_handles(municipality, actor, submission)
    before = submission.status
    event = _move(submission, target, by="staff", actor=actor, message=message)
    queue_mail.notify_resident(submission, event)
    return Changed(
        submission,
        before={"status": before},
        after={"status": submission.status},
        extra={"reference": submission.reference, "event": event.pk},
    )


# ------------------------------------------------------------------------------------------
# Staff
# ------------------------------------------------------------------------------------------


@action("procedures.submission.assign", perm=CHANGE_PERM, on="submission")
def submission_assign(
    *, municipality: Municipality, actor: Any, submission: Submission, assignee: Any
) -> Outcome[Submission]:
    """Assign the submission to a member of its department (None: to nobody)."""
    queue_selectors.require_handles(municipality, actor, submission)
    _locked(submission)
    if submission.status not in workflow.OPEN:
        raise Conflict(
            _("This application is %(status)s: a closed application is not assigned.")
            % {"status": status_labels.label(submission.status)},
            code="closed",
        )
    new_id = assignee.pk if assignee is not None else None
    if new_id == submission.assignee_id:
        return Unchanged(submission)
    if assignee is not None and assignee.pk not in {
        u.pk for u in queue_selectors.assignable_staff(municipality, submission)
    }:
        raise Invalid(
            fields={
                "assignee": [
                    _(
                        "%(name)s does not process this department's applications: choose "
                        "someone of the department."
                    )
                    % {"name": assignee.get_username()}
                ]
            }
        )
    before = submission.assignee_id
    submission.assignee = assignee
    submission.save(update_fields=["assignee", "updated_at"])
    event = SubmissionEvent.objects.create(
        municipality=municipality,
        submission=submission,
        kind=K.ASSIGN,
        message=assignee.get_username() if assignee is not None else "",
        actor=actor,
        at=timezone.now(),
    )
    return Changed(
        submission,
        before={"assignee": before},
        after={"assignee": new_id},
        extra={"reference": submission.reference, "event": event.pk},
    )


@action("procedures.submission.review_start", perm=CHANGE_PERM, on="submission")
def submission_review_start(
    *, municipality: Municipality, actor: Any, submission: Submission
) -> Outcome[Submission]:
    """受付 → 審査中; the one who starts the review is assigned when nobody is."""
    result = _staff_move(municipality, actor, submission, S.REVIEWING, "")
    if submission.assignee_id is None and getattr(actor, "is_authenticated", False):
        submission.assignee = actor
        submission.save(update_fields=["assignee", "updated_at"])
    return result


@action("procedures.submission.request_correction", perm=CHANGE_PERM, on="submission")
def submission_request_correction(
    *, municipality: Municipality, actor: Any, submission: Submission, message: str
) -> Outcome[Submission]:
    """補正依頼: ask the applicant to correct or complete the application; the message says
    what to correct and how."""
    text = _message(message, required=True)
    return _staff_move(municipality, actor, submission, S.CORRECTION, text)


@action("procedures.submission.complete", perm=CHANGE_PERM, on="submission")
def submission_complete(
    *, municipality: Municipality, actor: Any, submission: Submission, message: str = ""
) -> Outcome[Submission]:
    """完了: the application is granted / done; the message tells the applicant what follows."""
    text = _message(message, required=False)
    return _staff_move(municipality, actor, submission, S.COMPLETED, text)


@action("procedures.submission.reject", perm=CHANGE_PERM, on="submission")
def submission_reject(
    *, municipality: Municipality, actor: Any, submission: Submission, message: str
) -> Outcome[Submission]:
    """却下: refuse the application; the message (required) gives the reason."""
    text = _message(message, required=True)
    return _staff_move(municipality, actor, submission, S.REJECTED, text)


@action("procedures.submission.message", perm=CHANGE_PERM, on="submission")
def submission_message(
    *, municipality: Municipality, actor: Any, submission: Submission, message: str
) -> Outcome[Submission]:
    """A message from the department to the applicant, the status unchanged."""
    queue_selectors.require_handles(municipality, actor, submission)
    text = _message(message, required=True)
    _locked(submission)
    if submission.status in workflow.CLOSED:
        raise Conflict(
            _("This application is %(status)s: write to the applicant by other means.")
            % {"status": status_labels.label(submission.status)},
            code="closed",
        )
    event = SubmissionEvent.objects.create(
        municipality=municipality,
        submission=submission,
        kind=K.MESSAGE,
        message=text,
        actor=actor,
        at=timezone.now(),
    )
    queue_mail.notify_resident(submission, event)
    return Changed(submission, extra={"reference": submission.reference, "event": event.pk})


# ------------------------------------------------------------------------------------------
# The resident (the view has checked resident.may_open)
# ------------------------------------------------------------------------------------------


@action("procedures.submission.withdraw", perm=None)
def submission_withdraw(
    *, municipality: Municipality, actor: Any, submission: Submission, reason: str = ""
) -> Outcome[Submission]:
    """取下げ by the applicant, until a decision; the reason is optional."""
    text = _message(reason, required=False, field="reason")
    _locked(submission)
    if submission.status in (S.COMPLETED, S.REJECTED):
        raise Conflict(
            _(
                "A decision has already been made on this application (%(status)s), so it can "
                "no longer be withdrawn. Contact the department if something is wrong."
            )
            % {"status": status_labels.label(submission.status)},
            code="decided",
        )
    if submission.status == S.WITHDRAWN:
        raise Conflict(_("This application has already been withdrawn."), code="withdrawn")
    before = submission.status
    event = _move(submission, S.WITHDRAWN, by="resident", actor=actor, message=text)
    return Changed(
        submission,
        before={"status": before},
        after={"status": submission.status},
        extra={"reference": submission.reference, "event": event.pk},
    )


@action("procedures.submission.reply", perm=None)
def submission_reply(
    *,
    municipality: Municipality,
    actor: Any,
    submission: Submission,
    message: str,
    corrected: bool = False,
) -> Outcome[Submission]:
    """A message from the applicant to the department (answering a correction request);
    ``corrected`` says the correction is done, which moves 補正依頼 back to 審査中."""
    text = _message(message, required=True)
    _locked(submission)
    if submission.status in workflow.CLOSED:
        raise Conflict(
            _("This application is %(status)s: messages can no longer be sent here.")
            % {"status": status_labels.label(submission.status)},
            code="closed",
        )
    now = timezone.now()
    event = SubmissionEvent.objects.create(
        municipality=municipality,
        submission=submission,
        kind=K.MESSAGE,
        message=text,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        by_resident=True,
        at=now,
    )
    before = submission.status
    if corrected and submission.status == S.CORRECTION:
        _move(submission, S.REVIEWING, by="resident", actor=actor)
    else:
        submission.save(update_fields=["updated_at"])
    queue_mail.notify_department(submission, corrected=submission.status != before)
    return Changed(
        submission,
        before={"status": before},
        after={"status": submission.status},
        extra={"reference": submission.reference, "event": event.pk},
    )
