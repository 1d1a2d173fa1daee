"""Tenancy: the municipality comes from the URL (or the setting), and rows never cross over."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kanmin.core import services
from kanmin.core.models import Department
from kanmin.core.tenancy import activate

pytestmark = pytest.mark.django_db


def test_home_page_names_the_municipality(client, miyakonojo):
    response = client.get("/m/452025/")
    assert response.status_code == 200
    assert "都城市" in response.content.decode()


def test_unknown_municipality_code_answers_404(client, miyakonojo):
    assert client.get("/m/452017/").status_code == 404  # valid code, not served here
    assert client.get("/m/999999/").status_code == 404
    assert client.get("/m/452017/staff/").status_code == 404


def test_inactive_municipality_answers_404(client, miyakonojo):
    miyakonojo.is_active = False
    miyakonojo.save()
    assert client.get("/m/452025/").status_code == 404


def test_default_manager_is_scoped_to_the_active_municipality(miyakonojo, miyazaki):
    services.department_create(municipality=miyakonojo, actor=None, code="a", name_ja="甲")
    services.department_create(municipality=miyazaki, actor=None, code="b", name_ja="乙")
    with activate(miyakonojo):
        assert list(Department.objects.values_list("code", flat=True)) == ["a"]
        assert not Department.objects.filter(code="b").exists()
    with activate(miyazaki):
        assert list(Department.objects.values_list("code", flat=True)) == ["b"]
    assert Department.objects.count() == 2


def test_portal_lists_every_active_municipality(client, miyakonojo, miyazaki):
    page = client.get("/").content.decode()
    assert "都城市" in page and "宮崎市" in page
    assert 'href="/m/452025/"' in page


def test_single_tenant_mode_serves_the_municipality_at_the_root(client, miyakonojo, single_tenant):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>都城市</h1>" in page
    assert 'href="/staff/"' in page
    assert client.get("/municipalities/").status_code == 302


@override_settings(KANMIN_SINGLE_TENANT="")
def test_staff_page_lists_only_own_departments(client, miyakonojo, miyazaki, make_user):
    from kanmin.accounts.models import User

    services.department_create(municipality=miyakonojo, actor=None, code="own", name_ja="自分課")
    services.department_create(municipality=miyazaki, actor=None, code="other", name_ja="他市課")
    make_user("m-admin", "municipality_admin", miyakonojo)
    client.force_login(User.objects.get(username="m-admin"))
    page = client.get("/m/452025/staff/").content.decode()
    assert "自分課" in page
    assert "他市課" not in page
