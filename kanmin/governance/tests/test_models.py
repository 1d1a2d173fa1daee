"""The register's invariants: the due date rule, uniqueness, tenant isolation, roles' reach."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from kanmin.governance.models import (
    BUSINESS_NAMES_JA,
    Business,
    InformationSystem,
    Severity,
    Vulnerability,
    due_date,
)

pytestmark = pytest.mark.django_db


def _system(municipality: Any, code: str = "SYS-001", name: str = "住民記録システム") -> Any:
    return InformationSystem.objects.create(
        municipality=municipality,
        code=code,
        name=name,
        network_segment="my_number",
        classification="3",
    )


def test_the_fixed_list_has_the_20_businesses_of_the_law() -> None:
    assert len(Business.choices) == 20
    assert set(BUSINESS_NAMES_JA) == set(Business.values)
    assert BUSINESS_NAMES_JA[Business.FAMILY_REGISTER_ANNEX] == "戸籍の附票"


def test_due_date_follows_from_severity_and_is_not_typed(miyakonojo: Any) -> None:
    system = _system(miyakonojo)
    found = dt.date(2025, 4, 1)
    vuln = Vulnerability.objects.create(
        municipality=miyakonojo,
        system=system,
        identifier="CVE-2024-3094",
        severity=Severity.CRITICAL,
        found_on=found,
        due_on=dt.date(2030, 1, 1),
    )
    assert vuln.due_on == found + dt.timedelta(days=7) == due_date("critical", found)
    assert due_date("low", found) > due_date("medium", found) > due_date("high", found)


def test_system_code_and_name_are_unique_per_municipality(miyakonojo: Any, miyazaki: Any) -> None:
    _system(miyakonojo)
    _system(miyazaki)  # another municipality may use the same code and name
    with pytest.raises(IntegrityError), transaction.atomic():
        _system(miyakonojo, name="別名")
    with pytest.raises(IntegrityError), transaction.atomic():
        _system(miyakonojo, code="SYS-002")


def test_roles_hold_the_governance_permissions(make_user: Any, miyakonojo: Any) -> None:
    policy = make_user("johoseisaku", "ict_governance", miyakonojo)
    auditor = make_user("kansa", "auditor", miyakonojo)
    staff = make_user("shimin", "department_staff", miyakonojo)
    steward = make_user("steward", "data_steward", miyakonojo)
    assert policy.has_perm("governance.add_informationsystem", miyakonojo)
    assert policy.has_perm("governance.see_all_systems", miyakonojo)
    assert auditor.has_perm("governance.see_all_systems", miyakonojo)
    assert auditor.has_perm("governance.add_audit", miyakonojo)
    assert not auditor.has_perm("governance.change_informationsystem", miyakonojo)
    assert staff.has_perm("governance.view_informationsystem", miyakonojo)
    assert not staff.has_perm("governance.see_all_systems", miyakonojo)
    assert not staff.has_perm("governance.add_informationsystem", miyakonojo)
    assert not steward.has_perm("governance.view_informationsystem", miyakonojo)
