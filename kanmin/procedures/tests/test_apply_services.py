"""The resident's application services: drafts, routing, stale pages, uploads, resume links,
idempotent submission, versions kept, encryption at rest and tenancy."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Conflict, Invalid, NotFound
from kanmin.procedures import apply_services as services
from kanmin.procedures.models import ResumeLink, Submission, SubmissionEvent

from .apply_helpers import BANK, CHILDREN, CLAIMANT, JPEG, PDF, PNG, SPOUSE, install

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are checked in English, the msgids (Japanese is the site's default)."""
    with translation.override("en"):
        yield


KEY = "k" * 32


@pytest.fixture(autouse=True)
def _locmem_mail(settings: Any, tmp_path: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DATA_DIR = tmp_path


def _fill(submission: Submission, spouse: str = "no") -> Submission:
    spec = services.spec_of(submission)
    card = spec.question("insurance_card")
    pages = [("claimant", CLAIMANT), ("family", {"has_spouse": spouse})]
    if spouse == "yes":
        pages.append(("spouse", SPOUSE))
    pages += [("children", CHILDREN)]
    for page, data in pages:
        result = services.draft_save_page(submission, page, data, submission.revision)
        assert result.errors == {}, result.errors
        submission = result.submission
    services.attachment_add(submission, card, SimpleUploadedFile("card.jpg", JPEG))
    submission.refresh_from_db()
    result = services.draft_save_page(submission, "bank", BANK, submission.revision)
    assert result.errors == {} and result.next_page == "check"
    return result.submission


def test_routing_drops_answers_of_a_skipped_page(miyakonojo: Any) -> None:
    form = install(miyakonojo)
    draft = services.draft_start(form)
    draft = services.draft_save_page(draft, "claimant", CLAIMANT, 0).submission
    draft = services.draft_save_page(draft, "family", {"has_spouse": "yes"}, 1).submission
    draft = services.draft_save_page(draft, "spouse", SPOUSE, 2).submission
    # The resident goes back and says there is no spouse: the spouse page is skipped now.
    draft = services.draft_save_page(draft, "family", {"has_spouse": "no"}, 3).submission
    assert "spouse" not in services.path_ids(draft)
    draft = _fill(draft, spouse="no")
    sent = services.submission_submit(draft, KEY)
    answers = services.answers_of(sent)
    assert "spouse_name" not in answers and "spouse_birth_date" not in answers
    assert answers["name"]["family_kana"] == "ミヤコノジョウ"
    assert answers["birth_date"] == "1990-04-01"
    assert answers["address"]["town"] == "宮崎県都城市吉尾町"


def test_stale_revision_is_a_conflict_and_saves_nothing(miyakonojo: Any) -> None:
    draft = services.draft_start(install(miyakonojo))
    services.draft_save_page(draft, "claimant", CLAIMANT, 0)
    with pytest.raises(Conflict, match="another window"):
        services.draft_save_page(draft, "family", {"has_spouse": "yes"}, 0)
    draft.refresh_from_db()
    assert "has_spouse" not in services.answers_of(draft)
    with pytest.raises(Invalid):
        services.draft_save_page(draft, "family", {"has_spouse": "yes"}, "x")


def test_errors_save_nothing_unless_saving_for_later(miyakonojo: Any) -> None:
    draft = services.draft_start(install(miyakonojo))
    bad = {**CLAIMANT, "phone": "12"}
    result = services.draft_save_page(draft, "claimant", bad, 0)
    assert set(result.errors) == {"phone"} and result.submission.revision == 0
    result = services.draft_save_page(draft, "claimant", bad, 0, partial=True)
    stored = services.answers_of(result.submission)
    assert "phone" not in stored and stored["email"] == "hanako@example.jp"


def test_file_whose_content_is_not_its_type_is_refused(miyakonojo: Any) -> None:
    draft = services.draft_start(install(miyakonojo))
    card = services.spec_of(draft).question("insurance_card")
    with pytest.raises(Invalid) as caught:
        services.attachment_add(draft, card, SimpleUploadedFile("card.jpg", b"MZ\x90\x00" * 40))
    assert "not a JPEG, PNG, PDF file" in str(caught.value.fields["insurance_card"][0])
    with pytest.raises(Invalid) as caught:
        services.attachment_add(draft, card, SimpleUploadedFile("card.pdf", PNG))
    assert "does not match its content" in str(caught.value.fields["insurance_card"][0])
    small = services.spec_of(draft).question("insurance_card")
    object.__setattr__(small, "options", {**small.options, "max_bytes": 10})
    with pytest.raises(Invalid, match="values given are not valid"):
        services.attachment_add(draft, small, SimpleUploadedFile("c.pdf", PDF))
    assert draft.attachments.count() == 0


def test_attachment_is_stored_encrypted(miyakonojo: Any, settings: Any) -> None:
    draft = services.draft_start(install(miyakonojo))
    card = services.spec_of(draft).question("insurance_card")
    attachment = services.attachment_add(draft, card, SimpleUploadedFile("card.pdf", PDF))
    stored = (services.attachments_dir() / attachment.path).read_bytes()
    assert b"%PDF" not in stored
    assert services.attachment_content(attachment) == PDF
    import hashlib

    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()


def test_answers_are_encrypted_in_the_database_row(miyakonojo: Any) -> None:
    draft = services.draft_start(install(miyakonojo))
    services.draft_save_page(draft, "claimant", CLAIMANT, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM procedures_submission WHERE id = %s", [draft.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("fernet:") and "花子" not in raw and "hanako" not in raw


def test_submit_is_idempotent_and_gives_a_reference(
    miyakonojo: Any, django_capture_on_commit_callbacks: Any
) -> None:
    draft = _fill(services.draft_start(install(miyakonojo)))
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.submission_submit(draft, KEY, follow_base="http://testserver/r/")
    again = services.submission_submit(draft, KEY)
    assert again.pk == sent.pk and again.reference == sent.reference
    assert sent.status == Submission.Status.RECEIVED
    assert sent.reference.startswith("452025-20") and len(sent.reference.split("-")[2]) == 6
    assert SubmissionEvent.objects.filter(submission=sent).count() == 1
    assert AuditEvent.objects.filter(action="procedures.submission.submit").count() == 1
    with pytest.raises(services.AlreadySubmitted):
        services.submission_submit(draft, "other-key-" + "x" * 20)
    with pytest.raises(services.AlreadySubmitted):
        services.draft_save_page(draft, "claimant", CLAIMANT, sent.revision)
    [receipt] = mail.outbox
    assert sent.reference in receipt.subject and receipt.to == ["hanako@example.jp"]
    assert "http://testserver/r/" in receipt.body
    # the address is kept as a digest, so that a lost follow link can be sent again to it only
    assert Submission.objects.get(pk=sent.pk).email_digest == services.digest("hanako@example.jp")


def test_submit_checks_every_page_again(miyakonojo: Any) -> None:
    draft = services.draft_start(install(miyakonojo))
    services.draft_save_page(draft, "claimant", CLAIMANT, 0)
    with pytest.raises(Invalid) as caught:
        services.submission_submit(draft, KEY)
    assert caught.value.fields["page"] == ["family"]
    with pytest.raises(Invalid):
        services.submission_submit(draft, "<tampered>")


def test_draft_keeps_its_version_when_the_form_is_republished(miyakonojo: Any) -> None:
    form = install(miyakonojo)
    draft = services.draft_start(form)
    first = draft.version
    changed = services.form_file("jido-teate")
    changed["pages"][1]["questions"][0]["label"]["ja"] = "配偶者（事実婚を含む）はいますか"
    form = install(miyakonojo, pages=changed["pages"])
    assert form.live_version.number == 2
    draft = _fill(Submission.objects.get(pk=draft.pk))
    sent = services.submission_submit(draft, KEY)
    assert sent.version == first
    assert services.draft_start(form).version.number == 2


def test_resume_link_works_once_and_expires(
    miyakonojo: Any, django_capture_on_commit_callbacks: Any
) -> None:
    draft = services.draft_start(install(miyakonojo))
    with django_capture_on_commit_callbacks(execute=True):
        services.resume_link_send(draft, "Hanako@Example.jp", link_base="http://testserver/r/")
    [message] = mail.outbox
    token = message.body.split("http://testserver/r/")[1].split("/")[0]
    assert not ResumeLink.objects.filter(digest=token).exists()  # only the digest is kept
    assert services.resume_link_use(token).pk == draft.pk
    with pytest.raises(services.LinkRefused) as caught:
        services.resume_link_use(token)
    assert caught.value.code == "used"
    with django_capture_on_commit_callbacks(execute=True):
        services.resume_link_send(draft, "hanako@example.jp", link_base="http://testserver/r/")
    token = mail.outbox[1].body.split("http://testserver/r/")[1].split("/")[0]
    ResumeLink.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(services.LinkRefused) as caught:
        services.resume_link_use(token)
    assert caught.value.code == "expired" and caught.value.submission == draft
    assert not services.resume_link_resend(draft, "someone@example.jp", link_base="x/")
    assert services.resume_link_resend(draft, "hanako@example.jp", link_base="x/")
    with pytest.raises(services.LinkRefused):
        services.resume_link_use("made-up")


def test_form_that_is_not_live_cannot_be_started(miyakonojo: Any) -> None:
    form = install(miyakonojo)
    form.status = form.Status.ARCHIVED
    form.save()
    with pytest.raises(NotFound):
        services.draft_start(form)


def test_answers_json_shape(miyakonojo: Any) -> None:
    draft = services.draft_start(install(miyakonojo))
    services.draft_save_page(draft, "family", {"has_spouse": "no"}, 0)
    draft.refresh_from_db()
    assert json.loads(draft.answers) == {"has_spouse": "no"}


def test_withdraw_is_recorded_and_only_before_a_decision(miyakonojo: Any) -> None:
    sent = services.submission_submit(_fill(services.draft_start(install(miyakonojo))), KEY)
    withdrawn = services.submission_withdraw(sent, reason="もう不要になりました")
    assert withdrawn.status == Submission.Status.WITHDRAWN and withdrawn.closed_at
    assert AuditEvent.objects.filter(action="procedures.submission.withdraw").count() == 1
    draft = services.draft_start(install(miyakonojo))
    with pytest.raises(Conflict):
        services.submission_withdraw(draft)


def test_resume_links_are_limited_per_hour(miyakonojo: Any) -> None:
    draft = services.draft_start(install(miyakonojo))
    for _ in range(services.RESUME_LINKS_PER_HOUR):
        services.resume_link_send(draft, "hanako@example.jp", link_base="x/")
    with pytest.raises(Invalid) as caught:
        services.resume_link_send(draft, "hanako@example.jp", link_base="x/")
    assert "last hour" in str(caught.value.fields["email"][0])
    assert not services.resume_link_resend(draft, "hanako@example.jp", link_base="x/")
    assert ResumeLink.objects.count() == services.RESUME_LINKS_PER_HOUR
