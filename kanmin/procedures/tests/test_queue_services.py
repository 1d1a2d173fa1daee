"""The staff's processing of applications and the resident's withdraw and reply: status moves
the workflow allows or refuses, department scoping, events, audit entries and e-mails."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.procedures import queue_services as qs
from kanmin.procedures.models import Submission, SubmissionEvent
from kanmin.procedures.tests import factories
from kanmin.procedures.tests.queue_fixtures import QueueWorld, world_fixture  # noqa: F401

S = Submission.Status


def _staff(w: QueueWorld, fn: Any, submission: Any, actor: Any = None, **kw: Any) -> Any:
    return fn(
        municipality=w.municipality,
        actor=actor or w.shimin_staff,
        submission=submission,
        **kw,
    )


def test_review_correction_reply_complete(
    world: QueueWorld, django_capture_on_commit_callbacks: Any
) -> None:
    """受付 → 審査中 → 補正依頼 → (the resident corrects) 審査中 → 完了, each an event; closed_at is
    set on completion; the resident is e-mailed on each staff move, without the answers."""
    s = factories.queue_submission(world.shimin_version)
    with django_capture_on_commit_callbacks(execute=True):
        _staff(world, qs.submission_review_start, s)
        _staff(
            world,
            qs.submission_request_correction,
            s,
            message="住民票の写しを添付してください。",
        )
    s.refresh_from_db()
    assert s.status == S.CORRECTION
    assert s.assignee == world.shimin_staff  # the one who started the review
    qs.submission_reply(
        municipality=world.municipality,
        actor=None,
        submission=s,
        message="添付しました。",
        corrected=True,
    )
    s.refresh_from_db()
    assert s.status == S.REVIEWING
    assert s.closed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        _staff(world, qs.submission_complete, s, message="")
    s.refresh_from_db()
    assert s.status == S.COMPLETED
    assert s.closed_at is not None
    moves = list(
        SubmissionEvent.objects.filter(submission=s, kind="status").values_list(
            "status_from", "status_to", "by_resident"
        )
    )
    assert moves == [
        ("draft", "received", True),
        ("received", "reviewing", False),
        ("reviewing", "correction", False),
        ("correction", "reviewing", True),
        ("reviewing", "completed", False),
    ]
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]] * 3
    for message in mail.outbox:
        assert s.reference in message.subject
        assert f"/m/452025/apply/status/{s.reference}/" in message.body
        assert "花子" not in message.body and "0986" not in message.body
        assert "住民票の写し" not in message.body  # the staff message is read on the page
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "procedures.submission.review_start",
        "procedures.submission.request_correction",
        "procedures.submission.reply",
        "procedures.submission.complete",
    } <= actions


def test_a_refused_move_says_who_made_the_last_one(world: QueueWorld) -> None:
    """Completing an application another member of staff has just completed is a Conflict that
    names them; nothing is changed or recorded."""
    s = factories.queue_submission(world.shimin_version, status=S.REVIEWING)
    _staff(world, qs.submission_complete, s, actor=world.shimin_staff2, message="")
    stale = Submission.objects.get(pk=s.pk)
    stale.status = S.REVIEWING  # the page the first member of staff still has open
    events = SubmissionEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        _staff(world, qs.submission_complete, stale, message="")
    assert "shimin2" in str(refused.value.message)
    assert SubmissionEvent.objects.count() == events


@pytest.mark.parametrize(
    ("status", "fn"),
    [
        (S.CORRECTION, qs.submission_complete),
        (S.REJECTED, qs.submission_review_start),
        (S.WITHDRAWN, qs.submission_complete),
        (S.COMPLETED, qs.submission_reject),
    ],
)
def test_moves_the_workflow_does_not_allow_are_refused(
    world: QueueWorld, status: str, fn: Any
) -> None:
    s = factories.queue_submission(world.shimin_version, status=status)
    kwargs = {} if fn is qs.submission_review_start else {"message": "理由"}
    with pytest.raises(Conflict):
        _staff(world, fn, s, **kwargs)
    s.refresh_from_db()
    assert s.status == status


def test_reject_and_correction_need_a_message(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version)
    for fn in (qs.submission_reject, qs.submission_request_correction, qs.submission_message):
        with pytest.raises(Invalid) as refused:
            _staff(world, fn, s, message="  ")
        assert "message" in refused.value.fields
    s.refresh_from_db()
    assert s.status == S.RECEIVED


def test_staff_of_another_department_cannot_act(world: QueueWorld) -> None:
    """市民課's staff cannot process こども課's application; the procedures manager can."""
    s = factories.queue_submission(world.kodomo_version)
    with pytest.raises(PermissionDenied):
        _staff(world, qs.submission_review_start, s, actor=world.shimin_staff)
    with pytest.raises(PermissionDenied):
        _staff(world, qs.submission_message, s, actor=world.shimin_staff, message="こんにちは")
    _staff(world, qs.submission_review_start, s, actor=world.manager)
    s.refresh_from_db()
    assert s.status == S.REVIEWING


def test_another_municipality_cannot_act(world: QueueWorld, miyazaki: Any) -> None:
    """Another municipality's procedures manager is refused as not found."""
    from kanmin.procedures.tests.queue_fixtures import staff_of

    outsider = staff_of("miyazaki-mgr", miyazaki, "procedures_manager")
    s = factories.queue_submission(world.shimin_version)
    with pytest.raises(NotFound):
        qs.submission_review_start(municipality=miyazaki, actor=outsider, submission=s)
    with pytest.raises(PermissionDenied):
        qs.submission_review_start(municipality=world.municipality, actor=outsider, submission=s)


def test_assign_to_someone_of_the_department_only(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version)
    _staff(world, qs.submission_assign, s, assignee=world.shimin_staff2)
    s.refresh_from_db()
    assert s.assignee == world.shimin_staff2
    with pytest.raises(Invalid) as refused:
        _staff(world, qs.submission_assign, s, assignee=world.kodomo_staff)
    assert "assignee" in refused.value.fields
    assert SubmissionEvent.objects.filter(submission=s, kind="assign").count() == 1


def test_message_from_staff_is_mailed(
    world: QueueWorld, django_capture_on_commit_callbacks: Any
) -> None:
    s = factories.queue_submission(world.shimin_version)
    with django_capture_on_commit_callbacks(execute=True):
        _staff(world, qs.submission_message, s, message="確認中です")
    assert len(mail.outbox) == 1
    assert "確認中です" not in mail.outbox[0].body
    s.refresh_from_db()
    assert s.status == S.RECEIVED


def test_no_mail_without_an_address(
    world: QueueWorld, django_capture_on_commit_callbacks: Any
) -> None:
    s = factories.queue_submission(world.shimin_version, email="")
    with django_capture_on_commit_callbacks(execute=True):
        _staff(world, qs.submission_review_start, s)
    assert mail.outbox == []


def test_resident_withdraws_until_a_decision(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version, status=S.REVIEWING)
    qs.submission_withdraw(
        municipality=world.municipality, actor=None, submission=s, reason="不要になりました"
    )
    s.refresh_from_db()
    assert s.status == S.WITHDRAWN and s.closed_at is not None
    event = SubmissionEvent.objects.filter(submission=s).last()
    assert event is not None and event.by_resident and event.message == "不要になりました"
    assert AuditEvent.objects.filter(action="procedures.submission.withdraw").count() == 1
    done = factories.queue_submission(world.shimin_version, status=S.COMPLETED)
    with pytest.raises(Conflict) as refused:
        qs.submission_withdraw(municipality=world.municipality, actor=None, submission=done)
    assert refused.value.code == "decided"


def test_resident_reply_without_correction_keeps_the_status(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version, status=S.CORRECTION)
    qs.submission_reply(
        municipality=world.municipality, actor=None, submission=s, message="質問があります"
    )
    s.refresh_from_db()
    assert s.status == S.CORRECTION
    assert SubmissionEvent.objects.filter(submission=s, kind="message", by_resident=True).exists()
    closed = factories.queue_submission(world.shimin_version, status=S.REJECTED)
    with pytest.raises(Conflict):
        qs.submission_reply(
            municipality=world.municipality, actor=None, submission=closed, message="なぜ"
        )


def test_the_applicants_reply_is_mailed_to_the_department_without_its_text(
    world: QueueWorld, django_capture_on_commit_callbacks: Any
) -> None:
    """The applicant answers a correction request: the department's staff get a link to the
    application's page (the assignee only, once there is one), never what was written."""
    for user, email in (
        (world.shimin_staff, "shimin1@city.example.jp"),
        (world.shimin_staff2, "shimin2@city.example.jp"),
        (world.kodomo_staff, "kodomo1@city.example.jp"),
    ):
        user.email = email
        user.save()
    s = factories.queue_submission(world.shimin_version)
    with django_capture_on_commit_callbacks(execute=True):
        qs.submission_reply(
            municipality=world.municipality, actor=None, submission=s, message="質問があります。"
        )
    staff_mail = [m for m in mail.outbox if "hanako@example.jp" not in m.to]
    assert [sorted(m.to) for m in staff_mail] == [
        ["shimin1@city.example.jp", "shimin2@city.example.jp"]
    ]
    message = staff_mail[0]
    assert s.reference in message.subject
    assert f"/m/452025/procedures/staff/queue/{s.reference}/" in message.body
    assert "質問があります" not in message.body and "花子" not in message.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _staff(world, qs.submission_review_start, s)
        _staff(world, qs.submission_request_correction, s, message="写しを添付してください。")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        qs.submission_reply(
            municipality=world.municipality,
            actor=None,
            submission=s,
            message="添付しました。",
            corrected=True,
        )
    assert [m.to for m in mail.outbox] == [["shimin1@city.example.jp"]]  # the assignee
    assert "添付しました" not in mail.outbox[0].body
