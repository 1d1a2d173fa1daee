"""The register's services and selectors: permissions per role, audit entries, the 業務 list,
who sees which systems, and tenancy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Invalid, NotFound, PermissionDenied
from kanmin.governance import selectors, services
from kanmin.governance.models import SystemBusiness, Vulnerability
from kanmin.governance.tests.factories import system

pytestmark = pytest.mark.django_db


def test_create_writes_the_system_its_businesses_and_an_audit_entry(
    miyakonojo: Any, policy: Any, departments: dict[str, Any]
) -> None:
    created = services.system_create(
        municipality=miyakonojo,
        actor=policy,
        code="SYS-010",
        name="戸籍システム",
        department=departments["shimin"],
        businesses=["family_register", "family_register_annex"],
        network_segment="my_number",
        classification="3",
    )
    assert sorted(
        SystemBusiness.all_tenants.filter(system=created).values_list("business", flat=True)
    ) == ["family_register", "family_register_annex"]
    entry = AuditEvent.objects.filter(action="governance.system.create").get()
    assert "family_register_annex" in str(entry.changes)
    assert entry.municipality_code == "452025"


def test_unknown_business_and_duplicate_name_are_refused(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    with pytest.raises(Invalid) as caught:
        services.system_create(
            municipality=miyakonojo,
            actor=policy,
            code="SYS-011",
            name="x",
            businesses=["payroll"],
            network_segment="lgwan",
            classification="2",
        )
    assert "businesses" in caught.value.fields
    with pytest.raises(Invalid) as caught:
        services.system_create(
            municipality=miyakonojo,
            actor=policy,
            code="SYS-012",
            name="住民記録システム",
            network_segment="lgwan",
            classification="2",
        )
    assert "name" in caught.value.fields


def test_update_replaces_businesses_and_checks_the_contract_dates(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    juki = systems["juki"]
    services.system_update(
        municipality=miyakonojo, actor=policy, system=juki, businesses=["resident_register"]
    )
    assert [b.business for b in juki.businesses.all()] == ["resident_register"]
    with pytest.raises(Invalid) as caught:
        services.system_update(
            municipality=miyakonojo,
            actor=policy,
            system=juki,
            contract_start=dt.date(2025, 4, 1),
            contract_end=dt.date(2024, 3, 31),
        )
    assert "contract_end" in caught.value.fields


def test_who_may_write(
    miyakonojo: Any, auditor: Any, shimin_staff: Any, systems: dict[str, Any]
) -> None:
    for user in (auditor, shimin_staff):
        with pytest.raises(PermissionDenied):
            services.system_update(
                municipality=miyakonojo, actor=user, system=systems["juki"], vendor="B社"
            )
    # Auditors record audits.
    audit = services.audit_record(
        municipality=miyakonojo,
        actor=auditor,
        kind="audit",
        title="令和7年度 情報セキュリティ監査",
        conducted_on=dt.date(2025, 11, 1),
        systems=[systems["juki"]],
    )
    assert list(audit.systems.all()) == [systems["juki"]]
    with pytest.raises(PermissionDenied):
        services.audit_record(
            municipality=miyakonojo,
            actor=shimin_staff,
            kind="self_check",
            title="自己点検",
            conducted_on=dt.date(2025, 11, 1),
        )


def test_department_staff_see_only_their_department(
    miyakonojo: Any, policy: Any, auditor: Any, shimin_staff: Any, systems: dict[str, Any]
) -> None:
    codes = {"SYS-001", "SYS-002"}
    assert {s.code for s in selectors.system_list(miyakonojo, viewer=policy)} == codes
    assert {s.code for s in selectors.system_list(miyakonojo, viewer=auditor)} == codes
    assert [s.code for s in selectors.system_list(miyakonojo, viewer=shimin_staff)] == ["SYS-001"]
    with pytest.raises(NotFound):
        selectors.system_get(miyakonojo, "SYS-002", viewer=shimin_staff)


def test_filters(miyakonojo: Any, policy: Any, systems: dict[str, Any]) -> None:
    def codes(**filters: Any) -> list[str]:
        return [s.code for s in selectors.system_list(miyakonojo, viewer=policy, **filters)]

    assert codes(department="zeimu") == ["SYS-002"]
    assert codes(hosting="government_cloud") == ["SYS-001"]
    assert codes(business="fixed_asset_tax") == ["SYS-002"]
    assert codes(business="no-such") == []
    assert codes(compliance="applic") == ["SYS-002"]
    assert codes(compliance="-standard") == ["SYS-002"]
    assert codes(q="住民") == ["SYS-001"]


def test_another_municipality_cannot_see_or_change(
    miyakonojo: Any, miyazaki: Any, make_user: Any, systems: dict[str, Any]
) -> None:
    other = make_user("miyazaki-joho", "ict_governance", miyazaki)
    assert not selectors.system_list(miyakonojo, viewer=other).exists()
    with pytest.raises((NotFound, PermissionDenied)):
        services.system_update(
            municipality=miyazaki, actor=other, system=systems["juki"], vendor="X"
        )
    with pytest.raises(PermissionDenied):
        services.system_update(
            municipality=miyakonojo, actor=other, system=systems["juki"], vendor="X"
        )


def test_vulnerability_due_date_and_fix(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    vuln = services.vulnerability_record(
        municipality=miyakonojo,
        actor=policy,
        system=systems["juki"],
        identifier="CVE-2024-3094",
        severity="high",
        found_on=dt.date(2025, 5, 1),
    )
    assert vuln.due_on == dt.date(2025, 5, 31)
    with pytest.raises(Invalid):
        services.vulnerability_fix(
            municipality=miyakonojo, actor=policy, vulnerability=vuln, fixed_on=dt.date(2025, 4, 1)
        )
    services.vulnerability_fix(
        municipality=miyakonojo, actor=policy, vulnerability=vuln, fixed_on=dt.date(2025, 5, 20)
    )
    assert Vulnerability.all_tenants.get(pk=vuln.pk).fixed_within_sla


def test_costs_standardization_incident_training(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    cost = services.system_cost_set(
        municipality=miyakonojo,
        actor=policy,
        system=systems["juki"],
        fiscal_year=2025,
        amount_yen=12_000_000,
    )
    services.system_cost_set(
        municipality=miyakonojo,
        actor=policy,
        system=systems["juki"],
        fiscal_year=2025,
        amount_yen=11_000_000,
    )
    cost.refresh_from_db()
    assert cost.amount_yen == 11_000_000
    with pytest.raises(Invalid):
        services.standardization_set(
            municipality=miyakonojo, actor=policy, business="resident_register", status="migrated"
        )
    services.standardization_set(
        municipality=miyakonojo,
        actor=policy,
        business="resident_register",
        status="migrated",
        migrated_on=dt.date(2025, 10, 1),
        target_system=systems["juki"],
    )
    statuses = selectors.standardization_list(miyakonojo)
    assert len(statuses) == 20
    assert statuses[0][1] is not None and statuses[0][1].status == "migrated"
    incident = services.incident_open(
        municipality=miyakonojo, actor=policy, title="不審メール", severity="medium"
    )
    services.incident_event_add(
        municipality=miyakonojo, actor=policy, incident=incident, what="端末を隔離"
    )
    services.incident_close(municipality=miyakonojo, actor=policy, incident=incident)
    assert incident.events.count() == 3
    session = services.training_record(
        municipality=miyakonojo,
        actor=policy,
        title="情報セキュリティ研修",
        held_on=dt.date(2025, 7, 1),
        attendees=[{"name": "山田"}, {"name": "佐藤"}],
    )
    assert session.attendees_count == 2
    assert session.attendances.count() == 2


def test_factory_system_is_a_service_call(miyakonojo: Any) -> None:
    created = system(miyakonojo, "SYS-099")
    assert AuditEvent.objects.filter(action="governance.system.create").count() == 1
    assert created.code == "SYS-099"
