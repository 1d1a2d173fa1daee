"""The staff queue pages, exports and the resident's status page: department scoping, tenancy,
an audit entry per read and per export, formula-safe CSV, Excel that opens, withdraw and reply."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.test import Client

from kanmin.audit.models import AuditEvent
from kanmin.procedures.models import Submission
from kanmin.procedures.tests import factories
from kanmin.procedures.tests.queue_fixtures import QueueWorld, staff_of, world_fixture  # noqa: F401

S = Submission.Status
BASE = "/m/452025"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reads(action: str = "procedures.submission.read") -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_queue_shows_only_the_departments_applications(world: QueueWorld) -> None:
    """市民課's staff see 市民課's applications, not こども課's; the manager sees both."""
    mine = factories.queue_submission(world.shimin_version)
    theirs = factories.queue_submission(world.kodomo_version)
    done = factories.queue_submission(world.shimin_version, status=S.COMPLETED)
    page = _client(world.shimin_staff).get(f"{BASE}/procedures/staff/queue/")
    assert page.status_code == 200
    text = page.content.decode()
    assert mine.reference in text and theirs.reference not in text
    assert page.context["queue"].counts["received"] == 1
    assert page.context["queue"].counts["completed"] == 1
    assert done.reference not in text  # the open applications unless a tab says otherwise
    every = _client(world.shimin_staff).get(f"{BASE}/procedures/staff/queue/?status=all")
    assert done.reference in every.content.decode()
    assert theirs.reference not in every.content.decode()
    manager = _client(world.manager).get(f"{BASE}/procedures/staff/queue/").content.decode()
    assert mine.reference in manager and theirs.reference in manager
    # Opening another department's application is a 404, as if it did not exist.
    response = _client(world.shimin_staff).get(f"{BASE}/procedures/staff/queue/{theirs.reference}/")
    assert response.status_code == 404
    assert _reads() == 0


def test_queue_filters(world: QueueWorld) -> None:
    a = factories.queue_submission(world.shimin_version)
    b = factories.queue_submission(world.shimin_version, status=S.REVIEWING)
    b.assignee = world.shimin_staff
    b.save()
    client = _client(world.shimin_staff)
    mine = client.get(f"{BASE}/procedures/staff/queue/?assignee=me").context["queue"]
    assert [s.reference for s in mine.page.object_list] == [b.reference]
    received = client.get(f"{BASE}/procedures/staff/queue/?status=received").context["queue"]
    assert [s.reference for s in received.page.object_list] == [a.reference]
    by_ref = client.get(f"{BASE}/procedures/staff/queue/?q={a.reference[-4:]}").context["queue"]
    assert [s.reference for s in by_ref.page.object_list] == [a.reference]
    bad = client.get(
        f"{BASE}/procedures/staff/queue/?submitted_from=2026-05-02&submitted_to=2026-05-01"
    )
    assert bad.status_code == 200
    assert "submitted_to" in bad.context["form"].errors


def test_other_municipality_gets_404(world: QueueWorld, miyazaki: Any) -> None:
    outsider = staff_of("miyazaki-mgr", miyazaki, "procedures_manager")
    s = factories.queue_submission(world.shimin_version)
    client = _client(outsider)
    assert client.get(f"{BASE}/procedures/staff/queue/").status_code == 404
    assert client.get(f"{BASE}/procedures/staff/queue/{s.reference}/").status_code == 404
    # In their own municipality the reference is not found either.
    assert client.get(f"/m/452017/procedures/staff/queue/{s.reference}/").status_code == 404
    assert client.post(f"{BASE}/procedures/staff/queue/{s.reference}/review/").status_code == 404
    s.refresh_from_db()
    assert s.status == S.RECEIVED


def test_each_opening_of_the_answers_is_audited(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version)
    client = _client(world.shimin_staff)
    page = client.get(f"{BASE}/procedures/staff/queue/{s.reference}/")
    text = page.content.decode()
    assert "都城 花子（ミヤコノジョウ ハナコ）" in text
    assert "氏名" in text and "転入" in text  # the label and the choice's label
    assert _reads() == 1
    client.get(f"{BASE}/procedures/staff/queue/{s.reference}/")
    assert _reads() == 2
    entry = AuditEvent.objects.filter(action="procedures.submission.read").last()
    assert entry is not None and entry.actor_name == "shimin1"
    assert entry.object_id == str(s.pk)
    # The queue itself shows no answers and records no read.
    queue = client.get(f"{BASE}/procedures/staff/queue/").content.decode()
    assert "花子" not in queue
    assert _reads() == 2


def test_actions_through_the_page(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version)
    client = _client(world.shimin_staff)
    url = f"{BASE}/procedures/staff/queue/{s.reference}"
    assert client.post(f"{url}/take/").status_code == 302
    s.refresh_from_db()
    assert s.assignee == world.shimin_staff
    # A correction without a message: the page again, with the error on the field.
    response = client.post(f"{url}/correction/", {"correction-message": ""})
    assert response.status_code == 422
    assert response.context["correction_form"].errors["message"]
    response = client.post(f"{url}/correction/", {"correction-message": "写しを添付してください"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.status == S.CORRECTION
    # Completing now is not a move the workflow allows: the reason is shown, nothing changes.
    response = client.post(f"{url}/complete/", {"complete-message": ""})
    assert response.status_code == 409
    assert "shimin1" in str(response.context["complete_form"].non_field_errors())
    s.refresh_from_db()
    assert s.status == S.CORRECTION
    # A member of staff of another department is refused.
    other = _client(world.kodomo_staff).post(f"{url}/reject/", {"reject-message": "x"})
    assert other.status_code == 404


def test_csv_export_is_formula_safe_and_audited(world: QueueWorld) -> None:
    answers = dict(factories.QUEUE_ANSWERS, note='=HYPERLINK("http://evil.example","click")')
    s = factories.queue_submission(world.shimin_version, answers=answers)
    client = _client(world.shimin_staff)
    response = client.get(
        f"{BASE}/procedures/staff/queue/export/",
        {"version": world.shimin_version.pk, "format": "csv", "encoding": "utf-8"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert header[0] == "受付番号" or header[0] == "Reference number"
    assert row[0] == s.reference
    note = row[header.index("備考 (note)")]
    assert note == '\'=HYPERLINK("http://evil.example","click")'
    assert row[header.index("理由 (reason)")] == "転入"
    assert _reads("procedures.submission.export") == 1
    entry = AuditEvent.objects.get(action="procedures.submission.export")
    assert entry.changes["extra"]["rows"] == 1
    # CP932: the same rows, in Shift_JIS.
    cp932 = client.get(
        f"{BASE}/procedures/staff/queue/export/",
        {"version": world.shimin_version.pk, "format": "csv", "encoding": "cp932"},
    )
    assert s.reference in cp932.content.decode("cp932")
    assert "都城 花子" in cp932.content.decode("cp932")
    assert _reads("procedures.submission.export") == 2


def test_cp932_export_writes_geta_for_what_it_cannot_hold(world: QueueWorld) -> None:
    answers = dict(factories.QUEUE_ANSWERS, note="𠮷野家で𠮟られた")
    factories.queue_submission(world.shimin_version, answers=answers)
    response = _client(world.shimin_staff).get(
        f"{BASE}/procedures/staff/queue/export/",
        {"version": world.shimin_version.pk, "format": "csv", "encoding": "cp932"},
    )
    assert "〓野家で〓られた" in response.content.decode("cp932")


def test_excel_export_opens_with_openpyxl(world: QueueWorld) -> None:
    from openpyxl import load_workbook

    answers = dict(factories.QUEUE_ANSWERS, note="=1+1")
    s = factories.queue_submission(world.shimin_version, answers=answers)
    response = _client(world.shimin_staff).get(
        f"{BASE}/procedures/staff/queue/export/",
        {"version": world.shimin_version.pk, "format": "xlsx"},
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0] == s.reference
    note_cell = sheet.cell(row=2, column=values[0].index("備考 (note)") + 1)
    assert note_cell.value == "=1+1" and note_cell.data_type == "s"  # text, not a formula
    assert _reads("procedures.submission.export") == 1


def test_export_of_another_department_has_no_rows(world: QueueWorld) -> None:
    factories.queue_submission(world.kodomo_version)
    response = _client(world.shimin_staff).get(
        f"{BASE}/procedures/staff/queue/export/",
        {"version": world.kodomo_version.pk, "format": "csv"},
    )
    assert response.status_code == 302  # no such version in their queue: back to the queue
    assert _reads("procedures.submission.export") == 0


def test_attachment_download_is_decrypted_and_audited(world: QueueWorld, settings: Any) -> None:
    import hashlib
    from pathlib import Path

    from kanmin.core import crypto
    from kanmin.procedures.models import Attachment

    s = factories.queue_submission(world.shimin_version)
    content = b"%PDF-1.4 test"
    folder = Path(settings.DATA_DIR) / "procedures" / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"t-{s.pk}.bin").write_bytes(crypto.keyring().encrypt(content))
    attachment = Attachment.objects.create(
        municipality=world.municipality,
        submission=s,
        question="doc",
        filename="住民票.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        path=f"t-{s.pk}.bin",
    )
    url = f"{BASE}/procedures/staff/queue/{s.reference}/attachments/{attachment.pk}/"
    response = _client(world.shimin_staff).get(url)
    assert response.status_code == 200
    assert response.content == content
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%E4%BD%8F%E6%B0%91%E7%A5%A8.pdf" in response["Content-Disposition"]
    assert _reads("procedures.attachment.read") == 1
    assert _client(world.kodomo_staff).get(url).status_code == 404


# ------------------------------------------------------------------------------------------
# The resident's status page
# ------------------------------------------------------------------------------------------


def _granted(submission: Any) -> Client:
    """A browser the apply flow has granted this submission (as after sending it)."""
    client = Client()
    session = client.session
    session["procedures.submissions"] = [submission.pk]
    session.save()
    return client


def test_status_page_for_the_applicant(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version, status=S.CORRECTION)
    from kanmin.procedures.models import SubmissionEvent

    SubmissionEvent.objects.create(
        municipality=world.municipality,
        submission=s,
        kind="status",
        status_from="received",
        status_to="correction",
        message="写しを添付してください",
        actor=world.shimin_staff,
        at=s.submitted_at,
    )
    page = _granted(s).get(f"{BASE}/apply/status/{s.reference}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "写しを添付してください" in text
    assert 'aria-current="step"' in text
    assert "都城 花子" in text  # what was sent
    assert "shimin1" not in text  # staff names are not shown to the resident
    assert _reads() == 0  # the applicant's own reading is not a staff read


def test_status_page_refuses_alike(world: QueueWorld, miyazaki: Any) -> None:
    """An unknown reference, another municipality's and one this browser was not granted get
    the same page."""
    s = factories.queue_submission(world.shimin_version)
    stranger = Client()
    unknown = stranger.get(f"{BASE}/apply/status/NO-SUCH-REF/")
    foreign = stranger.get(f"/m/452017/apply/status/{s.reference}/")
    not_granted = stranger.get(f"{BASE}/apply/status/{s.reference}/")
    assert unknown.status_code == foreign.status_code == not_granted.status_code == 404

    def main(response: Any) -> str:
        text = response.content.decode()
        text = text[text.index("<main") : text.index("</main>")]
        return re.sub(r"csrfmiddlewaretoken\" value=\"[^\"]+", "", text)

    assert main(unknown) == main(not_granted) == main(foreign)
    assert s.reference not in main(not_granted)


def test_signed_in_applicant_opens_the_page(world: QueueWorld, make_user: Any) -> None:
    applicant = make_user("citizen1", "citizen", world.municipality)
    s = factories.queue_submission(world.shimin_version, applicant=applicant)
    client = _client(applicant)
    assert client.get(f"{BASE}/apply/status/{s.reference}/").status_code == 200
    other = make_user("citizen2", "citizen", world.municipality)
    assert _client(other).get(f"{BASE}/apply/status/{s.reference}/").status_code == 404


def test_resident_replies_to_a_correction(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version, status=S.CORRECTION)
    client = _granted(s)
    empty = client.post(f"{BASE}/apply/status/{s.reference}/reply/", {"message": ""})
    assert empty.status_code == 422
    response = client.post(
        f"{BASE}/apply/status/{s.reference}/reply/",
        {"message": "添付しました", "corrected": "on"},
    )
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.status == S.REVIEWING
    assert AuditEvent.objects.filter(action="procedures.submission.reply").count() == 1
    assert (
        Client().post(f"{BASE}/apply/status/{s.reference}/reply/", {"message": "x"}).status_code
        == 404
    )


def test_resident_withdraws_with_confirmation(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version)
    client = _granted(s)
    url = f"{BASE}/apply/status/{s.reference}/withdraw/"
    assert client.get(url).status_code == 200
    unconfirmed = client.post(url, {"reason": "不要"})
    assert unconfirmed.status_code == 422
    s.refresh_from_db()
    assert s.status == S.RECEIVED
    assert client.post(url, {"reason": "不要", "confirm": "on"}).status_code == 302
    s.refresh_from_db()
    assert s.status == S.WITHDRAWN


def test_decided_application_cannot_be_withdrawn(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version, status=S.COMPLETED)
    client = _granted(s)
    page = client.get(f"{BASE}/apply/status/{s.reference}/").content.decode()
    assert "withdraw/" not in page
    response = client.post(f"{BASE}/apply/status/{s.reference}/withdraw/", {"confirm": "on"})
    assert response.status_code == 409
    s.refresh_from_db()
    assert s.status == S.COMPLETED


def test_status_page_in_english(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version, status=S.CORRECTION)
    client = _granted(s)
    client.cookies["django_language"] = "en"
    page = client.get(f"{BASE}/apply/status/{s.reference}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Correction requested" in text and "Reply to the correction request" in text
    assert "Name" in text  # the English label of the form's question


def test_assign_to_me_needs_the_department(world: QueueWorld) -> None:
    s = factories.queue_submission(world.shimin_version)
    response = _client(world.manager).post(f"{BASE}/procedures/staff/queue/{s.reference}/take/")
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.assignee == world.manager  # the manager handles every department
    other = factories.queue_submission(world.shimin_version)
    auditor = staff_of("auditor1", world.municipality, "auditor")
    assert (
        _client(auditor).post(f"{BASE}/procedures/staff/queue/{other.reference}/take/").status_code
        == 403
    )


def test_a_new_follow_link_goes_only_to_the_applications_address(
    world: QueueWorld, django_capture_on_commit_callbacks: Any
) -> None:
    """From the refusal page, the applicant asks for a new link; the answer never says
    whether the reference or the address matched."""
    from django.core import mail

    from kanmin.procedures.apply_services import digest

    s = factories.queue_submission(world.shimin_version, email="hanako@example.jp")
    Submission.objects.filter(pk=s.pk).update(email_digest=digest("hanako@example.jp"))
    stranger = Client()
    refused = stranger.get(f"{BASE}/apply/status/{s.reference}/")
    assert 'action="link/"' in refused.content.decode()
    link_url = f"{BASE}/apply/status/{s.reference}/link/"

    with django_capture_on_commit_callbacks(execute=True):
        wrong = stranger.post(link_url, {"email": "someone@example.jp"})
        unknown = stranger.post(f"{BASE}/apply/status/NO-SUCH-REF/link/", {"email": "a@example.jp"})
    assert wrong.status_code == unknown.status_code == 200
    assert mail.outbox == []
    assert stranger.post(link_url, {"email": ""}).status_code == 422

    with django_capture_on_commit_callbacks(execute=True):
        right = stranger.post(link_url, {"email": "Hanako@Example.jp"})

    def main(response: Any) -> str:
        text = response.content.decode()
        return text[text.index("<main") : text.index("</main>")]

    assert main(right) == main(wrong) == main(unknown)
    [message] = mail.outbox
    assert message.to == ["hanako@example.jp"]
    token = re.search(r"/apply/resume/([^/\s]+)/", message.body).group(1)  # type: ignore[union-attr]
    browser = Client()
    opened = browser.post(f"{BASE}/apply/resume/{token}/")
    assert opened.status_code == 302
    assert browser.get(f"{BASE}/apply/status/{s.reference}/").status_code == 200
