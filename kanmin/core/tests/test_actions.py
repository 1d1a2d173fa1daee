"""The one shape of a staff write (kanmin.core.actions), tried on the core's own Department."""

from __future__ import annotations

from typing import Any

import pytest

from kanmin.audit.models import AuditEvent
from kanmin.core.actions import Changed, Outcome, Unchanged, action, deleted
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


@action("core.department.merge", perm="core.change_department", on="department")
def merge(
    *,
    municipality: Municipality | None,
    actor: Any,
    department: Department,
    others: list[Department],
) -> Outcome[Department]:
    return Changed(department, extra={"others": [d.code for d in others]})


@action("core.department.rename_parent", perm="core.change_department", on="department.parent")
def rename_parent(*, municipality: Municipality, actor: Any, department: Department) -> Department:
    return department


@action("core.department.delete", perm="core.delete_department", on="department")
def delete(*, municipality: Municipality, actor: Any, department: Department) -> Outcome[None]:
    before = {"code": department.code}
    return Changed(None, target=deleted(department), before=before)


@action("core.department.count", perm="core.change_department", on="department")
def count(*, municipality: Municipality, actor: Any, department: Department) -> Outcome[int]:
    return Changed(1, target=department.parent)


@action("core.municipality.copy", perm="core.add_municipality")
def copy_municipality(*, actor: Any, source: Municipality) -> Outcome[Municipality]:
    copy = Municipality.objects.create(lg_code="452033", prefecture_code="45", name_ja="延岡市")
    return Changed(copy, municipality=copy)


def _department(municipality: Municipality, code: str = "d1") -> Department:
    return Department.all_tenants.create(municipality=municipality, code=code, name_ja="総務課")


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


def test_a_row_of_another_municipality_in_a_list_is_not_found(miyakonojo, miyazaki):
    own, other = _department(miyakonojo), _department(miyazaki, "d2")
    with pytest.raises(NotFound):
        merge(municipality=miyakonojo, actor=None, department=own, others=[own, other])
    merge(municipality=miyakonojo, actor=None, department=own, others=[own])
    event = AuditEvent.objects.get(action="core.department.merge")
    assert event.changes == {"extra": {"others": ["d1"]}}


def test_without_a_municipality_every_municipalitys_row_is_not_found(miyakonojo):
    department = _department(miyakonojo)
    with pytest.raises(NotFound):
        merge(municipality=None, actor=None, department=department, others=[])


def test_the_permission_is_checked_on_the_row_a_dotted_path_names(miyakonojo, miyazaki, make_user):
    """The parent sits in another municipality (as no service would make it): the same admin
    may change the department but not its parent."""
    admin = make_user("admin", "municipality_admin", miyakonojo)
    department = _department(miyakonojo)
    touch(municipality=miyakonojo, actor=admin, department=department)
    department.parent = _department(miyazaki, "p")
    with pytest.raises(PermissionDenied):
        rename_parent(municipality=miyakonojo, actor=admin, department=department)
    department.parent = _department(miyakonojo, "p")
    assert rename_parent(municipality=miyakonojo, actor=admin, department=department) == department


def test_a_delete_is_recorded_under_the_key_the_row_had(miyakonojo):
    department = _department(miyakonojo)
    pk = department.pk
    assert delete(municipality=miyakonojo, actor=None, department=department) is None
    assert not Department.all_tenants.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="core.department.delete")
    assert event.object_id == str(pk)
    assert event.object_type == "core.department"
    assert event.changes == {"before": {"code": "d1"}}


def test_the_entry_may_name_another_row_than_the_one_returned(miyakonojo):
    parent = _department(miyakonojo, "p")
    department = Department.all_tenants.create(
        municipality=miyakonojo, code="c", name_ja="子", parent=parent
    )
    assert count(municipality=miyakonojo, actor=None, department=department) == 1
    event = AuditEvent.objects.get(action="core.department.count")
    assert event.object_id == str(parent.pk)


def test_the_entry_may_be_filed_under_the_municipality_a_service_created(miyakonojo):
    created = copy_municipality(actor=None, source=miyakonojo)
    event = AuditEvent.objects.get(action="core.municipality.copy")
    assert event.municipality_code == created.lg_code == "452033"
