from __future__ import annotations

import pytest
from django.db import connection

from kanmin.audit.models import AuditEvent
from kanmin.core import services
from kanmin.core.errors import Conflict, Invalid, NotFound
from kanmin.core.models import Municipality

pytestmark = pytest.mark.django_db


def test_municipality_create_writes_its_audit_entry():
    m = services.municipality_create(actor=None, lg_code="452025", name_ja="都城市")
    assert m.prefecture_code == "45"
    event = AuditEvent.objects.get(action="core.municipality.create")
    assert event.object_id == str(m.pk)
    assert event.municipality_code == "452025"
    assert event.actor_name == "system"
    assert event.changes["after"]["name_ja"] == "都城市"


def test_municipality_create_rejects_a_bad_check_digit_and_says_the_right_one():
    with pytest.raises(Invalid) as caught:
        services.municipality_create(actor=None, lg_code="452026", name_ja="都城市")
    message = " ".join(str(m) for m in caught.value.fields["lg_code"])
    assert "5" in message  # 45202 has check digit 5
    assert not Municipality.objects.exists()
    assert not AuditEvent.objects.exists()


def test_municipality_create_accepts_full_width_digits():
    m = services.municipality_create(actor=None, lg_code="４５２０２５", name_ja="都城市")
    assert m.lg_code == "452025"


def test_municipality_create_refuses_a_duplicate():
    services.municipality_create(actor=None, lg_code="452025", name_ja="都城市")
    with pytest.raises(Conflict):
        services.municipality_create(actor=None, lg_code="452025", name_ja="都城市")


def test_department_create_refuses_a_duplicate_code_and_keeps_the_first(miyakonojo):
    services.department_create(municipality=miyakonojo, actor=None, code="a", name_ja="一")
    with pytest.raises(Conflict) as caught:
        services.department_create(municipality=miyakonojo, actor=None, code="a", name_ja="二")
    assert "code" in caught.value.fields
    assert miyakonojo.pk and services.Department.all_tenants.get(code="a").name_ja == "一"


def test_failed_write_leaves_no_audit_entry(miyakonojo):
    before = AuditEvent.objects.count()
    with pytest.raises(Invalid):
        services.department_create(
            municipality=miyakonojo, actor=None, code="bad code!", name_ja="x"
        )
    assert AuditEvent.objects.count() == before


def test_audit_entry_is_in_the_same_transaction(miyakonojo):
    """A rollback of the change removes its audit entry too."""
    from django.db import transaction

    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.department_create(municipality=miyakonojo, actor=None, code="t", name_ja="t")
        assert AuditEvent.objects.count() == before + 1
        raise RuntimeError("roll back")
    assert AuditEvent.objects.count() == before
    assert connection.in_atomic_block  # still inside the test's transaction


def test_another_municipalitys_department_is_not_found(miyakonojo, miyazaki):
    other = services.department_create(municipality=miyazaki, actor=None, code="o", name_ja="他")
    with pytest.raises(NotFound):
        services.department_update(
            municipality=miyakonojo, actor=None, department=other, name_ja="変更"
        )
    with pytest.raises(NotFound):
        services.department_delete(municipality=miyakonojo, actor=None, department=other)
    with pytest.raises(NotFound):
        services.department_create(
            municipality=miyakonojo, actor=None, code="c", name_ja="子", parent=other
        )
    assert services.Department.all_tenants.get(pk=other.pk).name_ja == "他"
    assert not services.Department.all_tenants.filter(code="c").exists()


def test_department_delete_is_recorded_with_the_key_it_had(miyakonojo):
    department = services.department_create(
        municipality=miyakonojo, actor=None, code="d", name_ja="課"
    )
    pk = department.pk
    services.department_delete(municipality=miyakonojo, actor=None, department=department)
    event = AuditEvent.objects.get(action="core.department.delete")
    assert event.object_id == str(pk)
    assert event.changes["before"]["code"] == "d"
