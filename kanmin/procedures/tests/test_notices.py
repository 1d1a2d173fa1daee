"""Electronic notices and consultations: sending (department and municipality rules, e-mail
without the text), read marking, the resident's inbox and threads, department-only answers,
tenancy, and the KPI per fiscal year (年度)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from kanmin.accounts import services as accounts_services
from kanmin.core import services as core_services
from kanmin.core.errors import Invalid, NotFound, PermissionDenied
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.metrics import get as get_metric
from kanmin.procedures import notice_selectors, notice_services
from kanmin.procedures.models import (
    Consultation,
    Form,
    FormVersion,
    Notice,
    Procedure,
    Submission,
)

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def world(miyakonojo, miyazaki, make_user):
    shimin = core_services.department_create(
        municipality=miyakonojo, actor=None, code="shimin", name_ja="市民課", name_en="Citizens"
    )
    kiki = core_services.department_create(
        municipality=miyakonojo, actor=None, code="kiki", name_ja="危機管理課"
    )
    other_dept = core_services.department_create(
        municipality=miyazaki, actor=None, code="shimin", name_ja="市民課"
    )

    def staff(name, municipality, department):
        user = make_user(name)
        user.email = f"{name}@city.example.jp"
        user.save()
        accounts_services.membership_grant(
            municipality=municipality,
            actor=None,
            user=user,
            role="department_staff",
            department=department,
        )
        return user

    resident = make_user("resident")
    resident.email = "resident@example.jp"
    resident.save()
    accounts_services.membership_grant(
        municipality=miyakonojo, actor=None, user=resident, role="citizen"
    )
    outsider = make_user("outsider")
    outsider.email = "outsider@example.jp"
    outsider.save()
    accounts_services.membership_grant(
        municipality=miyazaki, actor=None, user=outsider, role="citizen"
    )
    return {
        "m": miyakonojo,
        "other": miyazaki,
        "shimin": shimin,
        "kiki": kiki,
        "clerk": staff("clerk", miyakonojo, shimin),
        "kiki_clerk": staff("kikiclerk", miyakonojo, kiki),
        "far_clerk": staff("farclerk", miyazaki, other_dept),
        "resident": resident,
        "outsider": outsider,
    }


def _send(w, **kwargs):
    args = {
        "municipality": w["m"],
        "actor": w["clerk"],
        "recipient": w["resident"],
        "subject": "住民票の写しの交付について",
        "body": "交付の準備ができました。",
        "department": w["shimin"],
    }
    args.update(kwargs)
    return notice_services.notice_send(**args)


def _submission(w, applicant):
    procedure = Procedure.all_tenants.create(
        municipality=w["m"], code="juminhyo", name_ja="住民票の写しの交付", department=w["shimin"]
    )
    form = Form.all_tenants.create(
        municipality=w["m"], procedure=procedure, slug="juminhyo", title_ja="交付申請"
    )
    version = FormVersion.all_tenants.create(
        municipality=w["m"], form=form, number=1, definition={}
    )
    return Submission.all_tenants.create(
        municipality=w["m"],
        form=form,
        version=version,
        procedure=procedure,
        department=w["shimin"],
        reference="R7-000123",
        status="received",
        applicant=applicant,
        submitted_at=timezone.now(),
    )


# ---------------------------------------------------------------------------------------------
# Notices
# ---------------------------------------------------------------------------------------------


def test_send_puts_it_in_the_inbox_and_emails_a_pointer_without_the_text(world):
    notice = _send(world)
    assert notice.emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["resident@example.jp"]
    assert "都城市" in message.subject and "市民課" in message.subject
    assert "/m/452025/my/" in message.body
    assert "交付の準備ができました" not in message.body
    assert "交付の準備ができました" not in message.subject


def test_recipient_must_be_registered_with_the_municipality(world):
    with pytest.raises(Invalid):
        _send(world, recipient=world["outsider"])
    assert Notice.all_tenants.count() == 0
    with pytest.raises(NotFound):
        notice_selectors_email(world, "outsider@example.jp")
    assert notice_selectors_email(world, "RESIDENT@example.jp") == world["resident"]


def notice_selectors_email(w, email):
    from kanmin.accounts import selectors

    return selectors.member_by_email(municipality=w["m"], email=email)


def test_staff_send_for_their_own_department_only(world):
    with pytest.raises(PermissionDenied):
        _send(world, actor=world["kiki_clerk"])
    with pytest.raises(PermissionDenied):
        _send(world, actor=world["resident"])


def test_another_municipalitys_staff_or_department_is_not_found(world):
    with pytest.raises((NotFound, PermissionDenied)):
        _send(world, actor=world["far_clerk"])
    far_department = notice_selectors.departments(municipality=world["other"]).get()
    with pytest.raises(NotFound):
        _send(world, department=far_department)


def test_a_notice_about_an_application_goes_to_its_applicant(world):
    submission = _submission(world, world["resident"])
    notice = _send(world, recipient=None, submission=submission)
    assert notice.recipient == world["resident"]
    assert notice.procedure == submission.procedure
    with pytest.raises(Invalid):
        _send(world, recipient=world["clerk"], submission=submission)


def test_read_is_set_once_and_only_by_the_recipient(world):
    notice = _send(world)
    with pytest.raises(NotFound):
        notice_services.notice_read(municipality=world["m"], actor=world["clerk"], notice=notice)
    first = notice_services.notice_read(
        municipality=world["m"], actor=world["resident"], notice=notice
    ).read_at
    assert first is not None
    again = notice_services.notice_read(
        municipality=world["m"], actor=world["resident"], notice=notice
    )
    assert again.read_at == first


def test_inbox_lists_unread_first_and_opening_marks_read(client, world):
    old = _send(world, subject="古いお知らせ")
    _send(world, subject="新しいお知らせ")
    Notice.all_tenants.filter(pk=old.pk).update(sent_at=timezone.now() - dt.timedelta(days=3))
    read = _send(world, subject="既読のお知らせ")
    Notice.all_tenants.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(world["resident"])
    page = client.get("/m/452025/my/").content.decode()
    assert page.index("新しいお知らせ") < page.index("古いお知らせ") < page.index("既読のお知らせ")
    assert "<strong>古いお知らせ</strong>" in page and "<strong>既読のお知らせ</strong>" not in page
    response = client.get(f"/m/452025/my/notices/{old.pk}/")
    assert response.status_code == 200
    assert "交付の準備ができました" in response.content.decode()
    old.refresh_from_db()
    assert old.read_at is not None


def test_someone_elses_notice_is_not_found(client, world, make_user):
    notice = _send(world)
    other = make_user("neighbour")
    accounts_services.membership_grant(
        municipality=world["m"], actor=None, user=other, role="citizen"
    )
    client.force_login(other)
    assert client.get(f"/m/452025/my/notices/{notice.pk}/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None
    client.force_login(world["outsider"])
    assert client.get(f"/m/452017/my/notices/{notice.pk}/").status_code == 404


def test_my_applications_lists_the_residents_submissions(client, world):
    _submission(world, world["resident"])
    client.force_login(world["resident"])
    page = client.get("/m/452025/my/").content.decode()
    assert "R7-000123" in page and "住民票の写しの交付" in page
    # The status in the words of applications (受付), not the catalog's 受信日時.
    assert "<td>受付</td>" in page and "受信日時" not in page


def test_anonymous_visitors_are_offered_sign_in_and_registration(client, world):
    page = client.get("/m/452025/my/").content.decode()
    assert "/accounts/register/?municipality=452025" in page
    assert "/accounts/login/?next=" in page


def test_staff_send_page_previews_then_sends(client, world):
    client.force_login(world["clerk"])
    data = {
        "department": world["shimin"].pk,
        "recipient_email": "resident@example.jp",
        "subject": "お知らせ",
        "body": "本文です",
        "send": "0",
    }
    response = client.post("/m/452025/procedures/staff/notices/new/", data)
    assert response.status_code == 200
    assert "本文です" in response.content.decode()
    assert Notice.all_tenants.count() == 0
    response = client.post("/m/452025/procedures/staff/notices/new/", {**data, "send": "1"})
    assert response.status_code == 302
    assert Notice.all_tenants.get().recipient == world["resident"]
    page = client.get("/m/452025/procedures/staff/notices/").content.decode()
    assert "resident@example.jp" in page


def test_staff_send_page_says_what_is_wrong_and_keeps_the_text(client, world):
    client.force_login(world["clerk"])
    response = client.post(
        "/m/452025/procedures/staff/notices/new/",
        {
            "department": world["shimin"].pk,
            "recipient_email": "nobody@example.jp",
            "subject": "件名そのまま",
            "body": "本文そのまま",
            "send": "1",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "nobody@example.jp" in page and "本文そのまま" in page and "件名そのまま" in page
    assert Notice.all_tenants.count() == 0


def test_staff_pages_of_another_municipality_are_not_found(client, world):
    client.force_login(world["far_clerk"])
    assert client.get("/m/452025/procedures/staff/notices/").status_code == 404
    assert client.get("/m/452025/procedures/staff/consultations/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Consultations
# ---------------------------------------------------------------------------------------------


def _open(w, **kwargs):
    args = {
        "municipality": w["m"],
        "actor": w["resident"],
        "department": w["shimin"],
        "subject": "転入の手続",
        "body": "必要な書類を教えてください。",
    }
    args.update(kwargs)
    return notice_services.consultation_open(**args)


def test_a_consultation_goes_to_its_department_and_back(world):
    consultation = _open(world)
    assert mail.outbox[-1].to == ["clerk@city.example.jp"]
    assert "必要な書類" not in mail.outbox[-1].body
    notice_services.consultation_reply(
        municipality=world["m"],
        actor=world["clerk"],
        consultation=consultation,
        body="本人確認書類です。",
    )
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ANSWERED
    assert mail.outbox[-1].to == ["resident@example.jp"]
    notice_services.consultation_reply(
        municipality=world["m"],
        actor=world["resident"],
        consultation=consultation,
        body="ありがとう",
    )
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    notice_services.consultation_close(
        municipality=world["m"], actor=world["resident"], consultation=consultation
    )
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CLOSED
    with pytest.raises(Exception) as refused:
        notice_services.consultation_reply(
            municipality=world["m"], actor=world["clerk"], consultation=consultation, body="追記"
        )
    assert getattr(refused.value, "code", "") == "closed"


def test_only_staff_of_that_department_answer(client, world):
    consultation = _open(world)
    with pytest.raises(PermissionDenied):
        notice_services.consultation_reply(
            municipality=world["m"],
            actor=world["kiki_clerk"],
            consultation=consultation,
            body="横から",
        )
    with pytest.raises(NotFound):
        notice_services.consultation_reply(
            municipality=world["m"], actor=world["far_clerk"], consultation=consultation, body="x"
        )
    client.force_login(world["kiki_clerk"])
    url = f"/m/452025/procedures/staff/consultations/{consultation.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url + "reply/", {"body": "横から"}).status_code == 404
    assert (
        "転入の手続" not in client.get("/m/452025/procedures/staff/consultations/").content.decode()
    )
    client.force_login(world["far_clerk"])
    assert client.get(url).status_code == 404
    client.force_login(world["clerk"])
    assert client.get(url).status_code == 200
    # Staff reading a resident's messages is recorded.
    from kanmin.audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="procedures.consultation.view", actor_id=world["clerk"].pk
    ).exists()
    response = client.post(url + "reply/", {"body": "お答えします"})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ANSWERED


def test_another_resident_cannot_open_or_write_in_the_thread(client, world, make_user):
    consultation = _open(world)
    other = make_user("neighbour")
    accounts_services.membership_grant(
        municipality=world["m"], actor=None, user=other, role="citizen"
    )
    client.force_login(other)
    url = f"/m/452025/my/consultations/{consultation.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "のぞき"}).status_code == 404
    with pytest.raises(PermissionDenied):
        notice_services.consultation_reply(
            municipality=world["m"], actor=other, consultation=consultation, body="x"
        )


def test_resident_opens_and_replies_through_the_pages(client, world):
    client.force_login(world["resident"])
    response = client.post(
        "/m/452025/my/consultations/new/",
        {"department": world["shimin"].pk, "subject": "質問", "body": "教えてください"},
    )
    assert response.status_code == 302
    consultation = Consultation.all_tenants.get()
    assert consultation.resident == world["resident"]
    response = client.post(response["Location"], {"body": ""})
    assert response.status_code == 422
    response = client.post(f"/m/452025/my/consultations/{consultation.pk}/", {"body": "追加です"})
    assert response.status_code == 302
    assert consultation.messages.count() == 2


def test_staff_inbox_lists_waiting_ones_first(client, world):
    answered = _open(world, subject="回答済み")
    notice_services.consultation_reply(
        municipality=world["m"], actor=world["clerk"], consultation=answered, body="回答"
    )
    _open(world, subject="待っている")
    rows = notice_selectors.consultations_for_staff(municipality=world["m"], user=world["clerk"])
    assert [c.subject for c in rows] == ["待っている", "回答済み"]
    assert rows[0].waiting_since is not None and rows[1].waiting_since is None


# ---------------------------------------------------------------------------------------------
# KPI
# ---------------------------------------------------------------------------------------------


def test_notices_sent_are_counted_per_fiscal_year_at_the_boundary(world):
    march = _send(world)
    april = _send(world)
    Notice.all_tenants.filter(pk=march.pk).update(
        sent_at=dt.datetime(2025, 3, 31, 23, 59, tzinfo=JST)
    )
    Notice.all_tenants.filter(pk=april.pk).update(sent_at=dt.datetime(2025, 4, 1, 0, 0, tzinfo=JST))
    metric = get_metric("procedures.notices_sent")
    assert metric.compute(municipality=world["m"], fiscal_year=FiscalYear(2024)) == 1
    assert metric.compute(municipality=world["m"], fiscal_year=FiscalYear(2025)) == 1
    assert metric.compute(municipality=world["other"], fiscal_year=FiscalYear(2025)) == 0
    counts = notice_selectors.notice_counts(municipality=world["m"], user=world["clerk"])
    assert [(c.fiscal_year.year, c.sent) for c in counts] == [(2025, 1), (2024, 1)]


def test_consultations_answered_counts_the_first_answer(world):
    consultation = _open(world)
    notice_services.consultation_reply(
        municipality=world["m"], actor=world["clerk"], consultation=consultation, body="回答"
    )
    metric = get_metric("procedures.consultations_answered")
    this_year = FiscalYear.of(timezone.localdate())
    assert metric.compute(municipality=world["m"], fiscal_year=this_year) == 1
    assert metric.compute(municipality=world["m"], fiscal_year=this_year.previous()) == 0
