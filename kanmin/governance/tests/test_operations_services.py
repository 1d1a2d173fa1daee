"""The services behind the audits', incidents' and trainings' pages: who may write, what is
refused (days in the future, a finding closed before its audit, an incident closed twice,
names kept for staff sessions only) and the audit entries written (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Invalid, NotFound, PermissionDenied
from kanmin.governance import selectors, services
from kanmin.governance.tests.factories import system

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(miyakonojo: Any, systems: dict[str, Any]) -> Any:
    return services.audit_record(
        municipality=miyakonojo,
        actor=None,
        kind="audit",
        title="外部監査",
        conducted_on=dt.date(2025, 6, 10),
        systems=[systems["juki"]],
    )


def test_who_may_change_an_audit(
    miyakonojo: Any, auditor: Any, shimin_staff: Any, audit: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.audit_update(
            municipality=miyakonojo, actor=shimin_staff, audit=audit, title="書き換え"
        )
    services.audit_update(municipality=miyakonojo, actor=auditor, audit=audit, scope="全庁")
    audit.refresh_from_db()
    assert audit.scope == "全庁" and audit.title == "外部監査"
    # Nothing changed: no audit entry.
    services.audit_update(municipality=miyakonojo, actor=auditor, audit=audit, scope="全庁")
    assert AuditEvent.objects.filter(action="governance.audit.update").count() == 1


def test_a_system_of_another_municipality_is_refused(
    miyakonojo: Any, miyazaki: Any, policy: Any, audit: Any
) -> None:
    elsewhere = system(miyazaki, "SYS-900")
    with pytest.raises(NotFound):
        services.audit_update(
            municipality=miyakonojo, actor=policy, audit=audit, systems=[elsewhere]
        )
    with pytest.raises(NotFound):
        services.incident_open(
            municipality=miyakonojo,
            actor=policy,
            title="x",
            severity="low",
            systems=[elsewhere],
        )


def test_closing_a_finding_is_checked_against_today_and_the_audit(
    miyakonojo: Any, auditor: Any, audit: Any
) -> None:
    finding = services.audit_finding_add(
        municipality=miyakonojo, actor=auditor, audit=audit, text="指摘", severity="low"
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for day in (tomorrow, dt.date(2025, 6, 9)):
        with pytest.raises(Invalid) as caught:
            services.audit_finding_close(
                municipality=miyakonojo, actor=auditor, finding=finding, closed_on=day
            )
        assert "closed_on" in caught.value.fields
    services.audit_finding_close(
        municipality=miyakonojo, actor=auditor, finding=finding, closed_on=dt.date(2025, 6, 10)
    )
    entry = AuditEvent.objects.get(action="governance.audit.finding_close")
    assert entry.changes["after"] == {"closed_on": "2025-06-10"}


def test_a_planned_audit_has_no_conducted_day_in_the_future(miyakonojo: Any, policy: Any) -> None:
    later = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(Invalid) as caught:
        services.audit_record(
            municipality=miyakonojo, actor=policy, kind="audit", title="x", conducted_on=later
        )
    assert "conducted_on" in caught.value.fields
    planned = services.audit_record(
        municipality=miyakonojo, actor=policy, kind="audit", title="x", planned_on=later
    )
    assert planned.conducted_on is None


def test_an_incident_closes_once_and_its_steps_are_by_their_recorder(
    miyakonojo: Any, policy: Any, auditor: Any
) -> None:
    opened = timezone.now() - dt.timedelta(days=1)
    incident = services.incident_open(
        municipality=miyakonojo, actor=policy, title="不審通信", severity="high", opened_at=opened
    )
    with pytest.raises(PermissionDenied):
        services.incident_event_add(
            municipality=miyakonojo, actor=auditor, incident=incident, what="確認"
        )
    with pytest.raises(Invalid):
        services.incident_event_add(
            municipality=miyakonojo,
            actor=policy,
            incident=incident,
            what="予定",
            occurred_at=timezone.now() + dt.timedelta(hours=1),
        )
    step = services.incident_event_add(
        municipality=miyakonojo, actor=policy, incident=incident, what="遮断"
    )
    assert step.recorded_by == policy
    services.incident_close(municipality=miyakonojo, actor=policy, incident=incident)
    with pytest.raises(Invalid) as caught:
        services.incident_close(municipality=miyakonojo, actor=policy, incident=incident)
    assert caught.value.code == "incident_closed"
    incident.refresh_from_db()
    events = list(selectors.incident_events(incident))
    # Opened, the step, closed: in time order.
    assert len(events) == 3 and events[1].what == "遮断"
    assert events[0].occurred_at == opened and events[2].occurred_at == incident.closed_at


def test_attendance_is_for_staff_sessions_and_sets_the_count(
    miyakonojo: Any, policy: Any, auditor: Any, shimin_staff: Any
) -> None:
    session = services.training_record(
        municipality=miyakonojo,
        actor=policy,
        title="研修",
        held_on=dt.date(2025, 7, 1),
        attendees_count=50,
        required_count=60,
    )
    with pytest.raises(PermissionDenied):
        services.training_attendance_set(
            municipality=miyakonojo, actor=auditor, session=session, users=[shimin_staff]
        )
    saved = services.training_attendance_set(
        municipality=miyakonojo, actor=policy, session=session, users=[shimin_staff, policy]
    )
    assert saved.attendees_count == 2
    entry = AuditEvent.objects.get(action="governance.training.attendance_set")
    assert entry.changes["before"]["count"] == 50 and entry.changes["after"]["count"] == 2
    course = services.training_record(
        municipality=miyakonojo,
        actor=policy,
        title="スマホ教室",
        audience="citizen",
        held_on=dt.date(2025, 7, 1),
        attendees_count=12,
    )
    with pytest.raises(Invalid) as caught:
        services.training_attendance_set(
            municipality=miyakonojo, actor=policy, session=course, users=[shimin_staff]
        )
    assert caught.value.code == "not_staff_session"
    with pytest.raises(Invalid):
        services.training_record(
            municipality=miyakonojo,
            actor=policy,
            title="スマホ教室",
            audience="citizen",
            held_on=dt.date(2025, 7, 1),
            required_count=10,
        )


def test_a_finding_names_only_a_system_the_audit_covers(
    miyakonojo: Any, auditor: Any, systems: dict[str, Any], departments: dict[str, Any]
) -> None:
    def add(audit: Any, system: Any) -> Any:
        return services.audit_finding_add(
            municipality=miyakonojo,
            actor=auditor,
            audit=audit,
            text="記録が不足",
            severity="medium",
            system=system,
        )

    def record(**scope: Any) -> Any:
        return services.audit_record(
            municipality=miyakonojo,
            actor=None,
            kind="self_check",
            title="自己点検",
            conducted_on=dt.date(2025, 6, 10),
            **scope,
        )

    by_system = record(systems=[systems["juki"]])
    add(by_system, systems["juki"])
    with pytest.raises(Invalid) as refused:
        add(by_system, systems["zei"])
    assert "SYS-002" in str(refused.value.fields["system"][0])
    by_department = record(departments=[departments["zeimu"]])
    add(by_department, systems["zei"])
    with pytest.raises(Invalid):
        add(by_department, systems["juki"])
    whole = record()
    add(whole, systems["juki"])
    add(whole, systems["zei"])
    assert [s.code for s in selectors.audit_scope_systems(by_department)] == ["SYS-002"]
