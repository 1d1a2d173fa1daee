"""The one shape of a staff write (kanmin.core.actions), tried on the core's own Department."""

from __future__ import annotations

from typing import Any

import pytest

from kanmin.audit.models import AuditEvent
from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.errors import NotFound, PermissionDenied
from kanmin.core.models import Department, Municipality

pytestmark = pytest.mark.django_db


@action("core.department.rename", perm="core.change_department", on="department")
def rename(
    *,
    municipality: Municipality,
    actor: Any,
    department: Department,
    name_ja: str,
    fail: bool = False,
) -> Outcome[Department]:
    if department.name_ja == name_ja:
        return Unchanged(department)
    before = {"name_ja": department.name_ja}
    department.name_ja = name_ja
    department.save(update_fields=["name_ja"])
    if fail:
        raise RuntimeError("after the save")
    return Changed(department, before=before, after={"name_ja": name_ja})


@action("core.department.touch", perm="core.change_department", on="department")
def touch(*, municipality: Municipality, actor: Any, department: Department) -> Department:
    return department


def _department(municipality: Municipality) -> Department:
    return Department.all_tenants.create(municipality=municipality, code="d1", name_ja="総務課")


def test_a_change_is_recorded_with_its_details(miyakonojo):
    department = _department(miyakonojo)
    result = rename(municipality=miyakonojo, actor=None, department=department, name_ja="企画課")
    assert result == department
    event = AuditEvent.objects.get(action="core.department.rename")
    assert event.object_id == str(department.pk)
    assert event.changes == {"before": {"name_ja": "総務課"}, "after": {"name_ja": "企画課"}}


def test_a_plain_row_returned_is_recorded_under_the_action_name(miyakonojo):
    department = _department(miyakonojo)
    touch(municipality=miyakonojo, actor=None, department=department)
    assert AuditEvent.objects.filter(action="core.department.touch").count() == 1


def test_nothing_changed_records_nothing(miyakonojo):
    department = _department(miyakonojo)
    rename(municipality=miyakonojo, actor=None, department=department, name_ja="総務課")
    assert not AuditEvent.objects.filter(action="core.department.rename").exists()


def test_a_row_of_another_municipality_is_not_found(miyakonojo, miyazaki):
    department = _department(miyazaki)
    with pytest.raises(NotFound):
        rename(municipality=miyakonojo, actor=None, department=department, name_ja="企画課")
    department.refresh_from_db()
    assert department.name_ja == "総務課"


def test_an_actor_without_the_permission_is_refused(miyakonojo, make_user):
    department = _department(miyakonojo)
    resident = make_user("resident")
    with pytest.raises(PermissionDenied):
        rename(municipality=miyakonojo, actor=resident, department=department, name_ja="企画課")
    department.refresh_from_db()
    assert department.name_ja == "総務課"
    assert not AuditEvent.objects.filter(action="core.department.rename").exists()


def test_a_failure_after_the_save_undoes_the_save(miyakonojo):
    department = _department(miyakonojo)
    with pytest.raises(RuntimeError):
        rename(
            municipality=miyakonojo, actor=None, department=department, name_ja="企画課", fail=True
        )
    department.refresh_from_db()
    assert department.name_ja == "総務課"
