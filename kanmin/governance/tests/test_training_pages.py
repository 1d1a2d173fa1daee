"""The trainings' staff pages (研修・訓練): the list per 年度, recording a session, the
attendance of a staff session (the count follows the list), a citizens' course whose attendees'
names no page shows, and who may see them (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.core.fiscal_year import FiscalYear
from kanmin.governance import services
from kanmin.governance.models import TrainingAttendance, TrainingSession

pytestmark = pytest.mark.django_db

BASE = "/m/452025/governance/trainings"


def _client(user: Any = None, language: str = "ja") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def sessions(miyakonojo: Any) -> dict[str, TrainingSession]:
    this_year = FiscalYear.of(timezone.localdate())
    return {
        "staff": services.training_record(
            municipality=miyakonojo,
            actor=None,
            title="情報セキュリティ研修",
            held_on=this_year.start,
            attendees_count=30,
            required_count=40,
        ),
        "citizen": services.training_record(
            municipality=miyakonojo,
            actor=None,
            title="シニア向けスマホ教室",
            audience="citizen",
            held_on=this_year.start + dt.timedelta(days=10),
            attendees=[{"name": "都城花子"}, {"name": "霧島一郎"}],
        ),
        "last_year": services.training_record(
            municipality=miyakonojo,
            actor=None,
            title="標的型攻撃メール訓練",
            kind="exercise",
            held_on=this_year.previous().end,
            attendees_count=100,
        ),
    }


def test_the_public_department_staff_and_outsiders_are_refused(
    make_user: Any,
    miyakonojo: Any,
    miyazaki: Any,
    shimin_staff: Any,
    sessions: dict[str, Any],
) -> None:
    anonymous = _client().get(BASE + "/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert _client(shimin_staff).get(BASE + "/").status_code == 403
    assert _client(shimin_staff).get(f"{BASE}/{sessions['staff'].pk}/").status_code == 403
    other = make_user("miyazaki-joho", "ict_governance", miyazaki)
    there = "/m/452017/governance/trainings"
    assert "情報セキュリティ研修" not in _client(other).get(there + "/").content.decode()
    assert _client(other).get(f"{there}/{sessions['staff'].pk}/").status_code == 404
    saved = _client(other).post(f"{there}/{sessions['staff'].pk}/attendance/", {"users": []})
    assert saved.status_code == 404


def test_the_list_is_per_fiscal_year_and_shows_no_names(
    policy: Any, auditor: Any, sessions: dict[str, Any]
) -> None:
    client = _client(policy, "en")
    page = client.get(BASE + "/").content.decode()
    # The current 年度 by default: last year's exercise is not in it.
    assert "情報セキュリティ研修" in page and "シニア向けスマホ教室" in page
    assert "標的型攻撃メール訓練" not in page
    assert "Staff attendances: 30; citizens: 2." in page
    # Citizens' names are personal data: never on the list, nor on the course's page.
    assert "都城花子" not in page
    detail = client.get(f"{BASE}/{sessions['citizen'].pk}/").content.decode()
    assert "都城花子" not in detail and "only their number is shown" in detail
    assert "Save the attendance" not in detail
    previous = FiscalYear.of(timezone.localdate()).previous()
    last = client.get(f"{BASE}/?fiscal_year={previous.year}").content.decode()
    assert "標的型攻撃メール訓練" in last and "情報セキュリティ研修" not in last
    assert previous.label_en() in last
    every = client.get(BASE + "/?fiscal_year=").content.decode()
    assert "標的型攻撃メール訓練" in every and "情報セキュリティ研修" in every
    citizens = client.get(BASE + "/?fiscal_year=&audience=citizen").content.decode()
    assert "シニア向けスマホ教室" in citizens and "情報セキュリティ研修" not in citizens
    # Auditors read them but record nothing.
    read = _client(auditor, "en").get(BASE + "/").content.decode()
    assert "情報セキュリティ研修" in read and "Record a training" not in read
    assert _client(auditor).get(BASE + "/new/").status_code == 403
    ja = _client(policy).get(BASE + "/").content.decode()
    assert "研修・訓練" in ja and FiscalYear.of(timezone.localdate()).label_ja() in ja


def test_record_a_session(policy: Any) -> None:
    client = _client(policy, "en")
    assert client.get(BASE + "/new/").status_code == 200
    missing = client.post(BASE + "/new/", {"kind": "training", "audience": "staff"})
    assert missing.status_code == 422
    negative = client.post(
        BASE + "/new/",
        {
            "title": "研修",
            "kind": "training",
            "audience": "staff",
            "held_on": "2025-07-01",
            "attendees_count": "-1",
        },
    )
    assert negative.status_code == 422
    citizens_required = client.post(
        BASE + "/new/",
        {
            "title": "こどもプログラミング教室",
            "kind": "training",
            "audience": "citizen",
            "topic": "other",
            "held_on": "2025-07-01",
            "attendees_count": "20",
            "required_count": "30",
        },
    )
    assert citizens_required.status_code == 422
    assert "for staff sessions only" in citizens_required.content.decode()
    assert not TrainingSession.all_tenants.exists()
    done = client.post(
        BASE + "/new/",
        {
            "title": "CSIRT インシデント対応訓練",
            "kind": "exercise",
            "audience": "staff",
            "topic": "security",
            "held_on": "2025-07-01",
            "attendees_count": "24",
            "required_count": "25",
        },
        follow=True,
    )
    assert done.status_code == 200
    session = TrainingSession.all_tenants.get(title="CSIRT インシデント対応訓練")
    assert (session.kind, session.topic, session.attendees_count, session.required_count) == (
        "exercise",
        "security",
        24,
        25,
    )
    assert "96.0% attended" in done.content.decode()


def test_the_attendance_of_a_staff_session_sets_its_count(
    make_user: Any,
    miyakonojo: Any,
    miyazaki: Any,
    policy: Any,
    shimin_staff: Any,
    sessions: dict[str, Any],
) -> None:
    steward = make_user("steward", "data_steward", miyakonojo)
    outsider = make_user("miyazaki-joho", "ict_governance", miyazaki)
    client = _client(policy, "en")
    session = sessions["staff"]
    url = f"{BASE}/{session.pk}/"
    page = client.get(url).content.decode()
    assert "No attendance list recorded" in page
    assert f'value="{shimin_staff.pk}"' in page and f'value="{outsider.pk}"' not in page
    # Someone who is not staff here is no choice.
    refused = client.post(url + "attendance/", {"users": [str(outsider.pk)]})
    assert refused.status_code == 422
    session.refresh_from_db()
    assert session.attendees_count == 30
    done = client.post(
        url + "attendance/", {"users": [str(shimin_staff.pk), str(steward.pk)]}, follow=True
    )
    assert done.status_code == 200
    session.refresh_from_db()
    assert session.attendees_count == 2
    rows = TrainingAttendance.all_tenants.filter(session=session).order_by("user__username")
    assert [(a.user, a.name) for a in rows] == [(shimin_staff, "shimin"), (steward, "steward")]
    assert rows[0].department is not None and rows[0].department.code == "shimin"
    page = done.content.decode()
    assert "5.0% attended" in page and "Citizens Division" in page
    # Saving a shorter list replaces it, and the count follows.
    client.post(url + "attendance/", {"users": [str(steward.pk)]})
    session.refresh_from_db()
    assert session.attendees_count == 1
    assert TrainingAttendance.all_tenants.filter(session=session).count() == 1
    # A citizens' course keeps no names recorded by staff pages.
    course = f"{BASE}/{sessions['citizen'].pk}/attendance/"
    assert client.post(course, {"users": [str(steward.pk)]}).status_code == 422
    assert TrainingAttendance.all_tenants.filter(session=sessions["citizen"]).count() == 2


def test_a_session_is_corrected_and_its_attendance_list_bounds_the_count(
    policy: Any, shimin_staff: Any, sessions: dict[str, Any]
) -> None:
    client = _client(policy, "en")
    session = sessions["staff"]
    url = f"{BASE}/{session.pk}/"
    assert "Change the session" in client.get(url).content.decode()
    form = {
        "title": "全職員 情報セキュリティ研修（訂正）",
        "kind": session.kind,
        "audience": "staff",
        "topic": "security",
        "held_on": session.held_on.isoformat(),
        "attendees_count": "7",
        "required_count": "",
    }
    done = client.post(url + "edit/", form, follow=True)
    assert done.status_code == 200
    session.refresh_from_db()
    assert (session.title, session.topic, session.attendees_count) == (
        "全職員 情報セキュリティ研修（訂正）",
        "security",
        7,
    )
    assert AuditEvent.objects.filter(action="governance.training.update").count() == 1
    # With one staff member on its attendance list, the count may not fall below one.
    client.post(url + "attendance/", {"users": [str(shimin_staff.pk)]})
    refused = client.post(url + "edit/", {**form, "attendees_count": "0"})
    assert refused.status_code == 422
    assert "Fewer attendees than names in the list" in refused.content.decode()
    session.refresh_from_db()
    assert session.attendees_count == 1


def test_only_those_who_change_trainings_correct_them(
    auditor: Any, sessions: dict[str, Any]
) -> None:
    client = _client(auditor, "en")
    url = f"{BASE}/{sessions['staff'].pk}/"
    assert "Change the session" not in client.get(url).content.decode()
    assert client.get(url + "edit/").status_code == 403
