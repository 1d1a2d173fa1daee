"""The incidents' staff pages (CSIRT): the list with open ones first, recording an incident,
its timeline (append-only: a step is added with its time, recorded by the user; no page or
service changes one), closing it (not before it opened, not in the future), and who may see
them (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.governance import services
from kanmin.governance.models import Incident, IncidentEvent

pytestmark = pytest.mark.django_db

BASE = "/m/452025/governance/incidents"


def _client(user: Any = None, language: str = "ja") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


def _local(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


@pytest.fixture
def incidents(miyakonojo: Any, systems: dict[str, Any]) -> dict[str, Incident]:
    closed = services.incident_open(
        municipality=miyakonojo,
        actor=None,
        title="不審メールの開封",
        severity="medium",
        opened_at=_local("2025-05-01T09:00"),
        systems=[systems["zei"]],
    )
    services.incident_close(
        municipality=miyakonojo, actor=None, incident=closed, closed_at=_local("2025-05-02T17:00")
    )
    still_open = services.incident_open(
        municipality=miyakonojo,
        actor=None,
        title="住民記録システムへの不正アクセスの疑い",
        severity="high",
        opened_at=_local("2025-04-01T10:00"),
        systems=[systems["juki"]],
    )
    return {"closed": closed, "open": still_open}


def test_the_public_department_staff_and_outsiders_are_refused(
    make_user: Any,
    miyakonojo: Any,
    miyazaki: Any,
    shimin_staff: Any,
    incidents: dict[str, Any],
) -> None:
    anonymous = _client().get(BASE + "/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    # Department staff read their systems' register, not the CSIRT's incidents.
    for user in (shimin_staff, make_user("steward", "data_steward", miyakonojo)):
        assert _client(user).get(BASE + "/").status_code == 403
        assert _client(user).get(f"{BASE}/{incidents['open'].pk}/").status_code == 403
    other = make_user("miyazaki-joho", "ict_governance", miyazaki)
    there = "/m/452017/governance/incidents"
    assert "不審メール" not in _client(other).get(there + "/").content.decode()
    assert _client(other).get(f"{there}/{incidents['open'].pk}/").status_code == 404
    added = _client(other).post(
        f"{there}/{incidents['open'].pk}/events/",
        {"occurred_at": "2025-04-01T11:00", "what": "侵入"},
    )
    assert added.status_code == 404
    assert not IncidentEvent.all_tenants.filter(what="侵入").exists()


def test_auditors_read_but_do_not_record(auditor: Any, incidents: dict[str, Any]) -> None:
    client = _client(auditor, "en")
    page = client.get(BASE + "/").content.decode()
    assert "不審メールの開封" in page and "Record an incident" not in page
    detail = client.get(f"{BASE}/{incidents['open'].pk}/").content.decode()
    assert "Add a step to the timeline" not in detail and "Close the incident" not in detail
    assert client.get(BASE + "/new/").status_code == 403
    refused = client.post(
        f"{BASE}/{incidents['open'].pk}/events/",
        {"occurred_at": "2025-04-01T11:00", "what": "確認"},
    )
    assert refused.status_code == 403


def test_the_list_shows_open_incidents_first(policy: Any, incidents: dict[str, Any]) -> None:
    client = _client(policy, "en")
    page = client.get(BASE + "/").content.decode()
    # The open one was opened earlier, and still comes first.
    assert page.index("住民記録システムへの不正アクセスの疑い") < page.index("不審メールの開封")
    assert "Closed 2025-05-02 17:00" in page
    opened = client.get(BASE + "/?state=open").content.decode()
    assert "不審メールの開封" not in opened
    closed = client.get(BASE + "/?state=closed").content.decode()
    assert "住民記録システムへの不正アクセスの疑い" not in closed
    ja = _client(policy).get(BASE + "/").content.decode()
    assert "インシデント" in ja and "対応中" in ja and "終結" in ja


def test_record_an_incident(policy: Any, systems: dict[str, Any]) -> None:
    client = _client(policy, "en")
    assert "SYS-001" in client.get(BASE + "/new/").content.decode()
    missing = client.post(BASE + "/new/", {"severity": "high"})
    assert missing.status_code == 422
    later = timezone.localtime() + dt.timedelta(hours=2)
    future = client.post(
        BASE + "/new/",
        {"title": "未来", "severity": "low", "opened_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    assert future.status_code == 422
    assert "This time is in the future" in future.content.decode()
    assert not Incident.all_tenants.exists()
    done = client.post(
        BASE + "/new/",
        {
            "title": "ランサムウェア感染の疑い",
            "severity": "critical",
            "opened_at": "2025-06-01T08:30",
            "summary": "端末1台で暗号化を確認",
            "systems": ["SYS-001"],
        },
        follow=True,
    )
    assert done.status_code == 200
    incident = Incident.all_tenants.get(title="ランサムウェア感染の疑い")
    assert incident.opened_at == _local("2025-06-01T08:30")
    assert [s.code for s in incident.systems.all()] == ["SYS-001"]
    # Its timeline starts with the opening, recorded by the user.
    first = incident.events.get()
    assert first.recorded_by == policy and first.occurred_at == incident.opened_at
    assert "Timeline" in done.content.decode()


def test_the_timeline_is_append_only(policy: Any, incidents: dict[str, Any]) -> None:
    client = _client(policy, "en")
    incident = incidents["open"]
    url = f"{BASE}/{incident.pk}/"
    first = client.post(
        url + "events/",
        {"occurred_at": "2025-04-01T11:00", "what": "該当端末をネットワークから隔離"},
    )
    assert first.status_code == 302
    second = client.post(url + "events/", {"occurred_at": "2025-04-01T10:30", "what": "ログを保全"})
    assert second.status_code == 302
    events = list(IncidentEvent.all_tenants.filter(incident=incident).order_by("occurred_at"))
    assert [e.what for e in events][1:] == ["ログを保全", "該当端末をネットワークから隔離"]
    assert all(e.recorded_by == policy for e in events[1:])
    assert AuditEvent.objects.filter(action="governance.incident.event_add").count() == 2
    page = client.get(url).content.decode()
    # Shown in time order, each with who recorded it; no way to change a step.
    assert page.index("ログを保全") < page.index("該当端末をネットワークから隔離")
    assert "recorded by: <span>johoseisaku</span>" in page
    assert "edit" not in page.split('id="timeline"')[1].split("</ol>")[0].lower()
    # Posting to a step's address changes nothing: there is none, and the add page only adds.
    assert client.post(f"{url}events/{events[1].pk}/", {"what": "x"}).status_code == 404
    assert client.get(url + "events/").status_code == 405
    empty = client.post(url + "events/", {"occurred_at": "2025-04-01T12:00", "what": "  "})
    assert empty.status_code == 422
    later = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    future = client.post(url + "events/", {"occurred_at": later, "what": "予定"})
    assert future.status_code == 422 and "This time is in the future" in future.content.decode()
    # Nor can code change a step that was written.
    step = IncidentEvent.all_tenants.get(pk=events[1].pk)
    step.what = "書き換え"
    with pytest.raises(TypeError, match="append-only"):
        step.save()
    after = list(IncidentEvent.all_tenants.filter(incident=incident).order_by("occurred_at"))
    assert [(e.pk, e.what, e.occurred_at) for e in after] == [
        (e.pk, e.what, e.occurred_at) for e in events
    ]


def test_close_an_incident(policy: Any, incidents: dict[str, Any]) -> None:
    client = _client(policy, "en")
    incident = incidents["open"]
    url = f"{BASE}/{incident.pk}/close/"
    early = client.post(url, {"closed_at": "2025-04-01T09:59"})
    assert early.status_code == 422
    assert "It closes before it opened" in early.content.decode()
    later = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    future = client.post(url, {"closed_at": later})
    assert future.status_code == 422 and "This time is in the future" in future.content.decode()
    incident.refresh_from_db()
    assert incident.closed_at is None
    done = client.post(url, {"closed_at": "2025-04-03T18:00"}, follow=True)
    assert done.status_code == 200
    incident.refresh_from_db()
    assert incident.closed_at == _local("2025-04-03T18:00")
    page = done.content.decode()
    assert "Closed 2025-04-03 18:00" in page and "Close the incident" not in page
    again = client.post(url, {"closed_at": "2025-04-04T18:00"})
    assert again.status_code == 422 and "closed already" in again.content.decode()
    ja = _client(policy).post(url, {"closed_at": "2025-04-04T18:00"}).content.decode()
    assert "終結済み" in ja
