"""CKAN capacities from Kanmin's roles, and who sees which user (issue 18)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kanmin.accounts import services as accounts_services
from kanmin.catalog import services
from kanmin.catalog.ckan import people
from kanmin.core import services as core_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments(miyakonojo):
    kiki = core_services.department_create(
        municipality=miyakonojo, actor=None, code="kiki", name_ja="危機管理課"
    )
    kanko = core_services.department_create(
        municipality=miyakonojo, actor=None, code="kanko", name_ja="観光課"
    )
    return kiki, kanko


def test_capacities_follow_roles_and_departments(
    make_user, miyakonojo, miyazaki, departments, other_org
):
    kiki, kanko = departments
    bosai = services.organization_create(
        municipality=miyakonojo, actor=None, name="bosai", title_ja="危機管理課", department=kiki
    )
    kankou = services.organization_create(
        municipality=miyakonojo, actor=None, name="kanko", title_ja="観光課", department=kanko
    )
    admin = make_user("admin", "municipality_admin", miyakonojo)
    steward = make_user("steward", "data_steward", miyakonojo)
    staff = make_user("staff")
    accounts_services.membership_grant(
        municipality=miyakonojo, actor=None, user=staff, role="department_staff", department=kiki
    )
    citizen = make_user("citizen", "citizen", miyakonojo)
    platform = make_user("platform", "platform_admin")

    assert people.capacities(admin, miyakonojo) == {bosai.pk: "admin", kankou.pk: "admin"}
    assert people.capacities(steward, miyakonojo) == {bosai.pk: "editor", kankou.pk: "editor"}
    assert people.capacities(staff, miyakonojo) == {bosai.pk: "member"}
    assert people.capacities(staff, miyazaki) == {}
    assert people.capacities(citizen, miyakonojo) == {}
    assert people.capacities(AnonymousUser(), None) == {}
    assert set(people.capacities(platform, None)) == {bosai.pk, kankou.pk, other_org.pk}
    members = [(u.username, c) for u, c in people.organization_members(bosai)]
    assert members == [("admin", "admin"), ("staff", "member"), ("steward", "editor")]
    assert [(u.username, c) for u, c in people.organization_members(kankou)] == [
        ("admin", "admin"),
        ("steward", "editor"),
    ]
    # Who sees whom: staff see the municipality's staff (not its residents), a citizen only
    # themselves.
    assert set(people.visible_users(staff, None).values_list("username", flat=True)) == {
        "admin",
        "steward",
        "staff",
    }
    assert list(people.visible_users(citizen, None).values_list("username", flat=True)) == [
        "citizen"
    ]
    assert people.user_get(citizen, None, "admin") is None
    assert people.user_get(staff, None, str(admin.uuid)) == admin
    shown = people.user_dict(admin, staff)
    assert shown["id"] == str(admin.uuid) and "email" not in shown
    assert "email" in people.user_dict(admin, admin)
    assert "email" in people.user_dict(admin, platform)
    assert people.user_dict(platform, staff)["sysadmin"] is True


def test_every_user_has_a_distinct_uuid(make_user):
    first, second = make_user("a"), make_user("b")
    assert first.uuid != second.uuid
    first.refresh_from_db()
    assert first.uuid is not None
