"""One municipality's staff can neither read nor change another's rows: UI, admin and API."""

from __future__ import annotations

import json

import pytest

from kanmin.accounts import services as accounts_services
from kanmin.accounts.models import User
from kanmin.audit.models import AuditEvent
from kanmin.core import services
from kanmin.core.errors import PermissionDenied
from kanmin.core.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(miyakonojo, miyazaki, make_user):
    own = services.department_create(
        municipality=miyakonojo, actor=None, code="own", name_ja="都城課"
    )
    other = services.department_create(
        municipality=miyazaki, actor=None, code="oth", name_ja="宮崎課"
    )
    intruder = make_user("intruder", "municipality_admin", miyazaki)
    return {"own": own, "other": other, "intruder": intruder}


def test_service_refuses_a_write_into_another_municipality(setup, miyakonojo):
    with pytest.raises(PermissionDenied):
        services.department_create(
            municipality=miyakonojo, actor=setup["intruder"], code="x", name_ja="侵入"
        )
    assert not Department.all_tenants.filter(code="x").exists()


def test_ui_refuses_read_and_write(client, setup):
    client.force_login(User.objects.get(username="intruder"))
    assert client.get("/m/452025/staff/").status_code == 403
    response = client.post("/m/452025/staff/", {"code": "x", "name_ja": "侵入"})
    assert response.status_code == 403
    assert not Department.all_tenants.filter(code="x").exists()
    # Their own municipality works.
    assert client.get("/m/452017/staff/").status_code == 200


def test_admin_lists_and_opens_only_own_rows(client, setup):
    client.force_login(User.objects.get(username="intruder"))
    listing = client.get("/admin/core/department/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "宮崎課" in body and "都城課" not in body
    other_pk = setup["own"].pk
    assert client.get(f"/admin/core/department/{other_pk}/change/").status_code in (302, 403, 404)
    response = client.post(
        f"/admin/core/department/{other_pk}/change/",
        {"code": "own", "name_ja": "書き換え", "municipality": setup["own"].municipality_id},
    )
    assert response.status_code in (302, 403, 404)
    assert Department.all_tenants.get(pk=other_pk).name_ja == "都城課"


def test_admin_change_of_own_row_goes_through_the_service(client, setup):
    client.force_login(User.objects.get(username="intruder"))
    dep = setup["other"]
    response = client.post(
        f"/admin/core/department/{dep.pk}/change/",
        {
            "code": "oth",
            "name_ja": "宮崎新課",
            "name_en": "",
            "sort_order": 0,
            "municipality": dep.municipality_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Department.all_tenants.get(pk=dep.pk).name_ja == "宮崎新課"
    event = AuditEvent.objects.filter(action="core.department.update").get()
    assert event.changes["before"]["name_ja"] == "宮崎課"
    assert event.changes["after"]["name_ja"] == "宮崎新課"
    assert event.actor_name == "intruder"


def test_api_with_session_refuses_another_municipality(client, setup):
    client.force_login(User.objects.get(username="intruder"))
    assert client.get("/api/v1/m/452025/departments").status_code == 403
    own = client.get("/api/v1/m/452017/departments")
    assert own.status_code == 200
    assert [d["code"] for d in own.json()] == ["oth"]


def test_api_token_works_only_in_its_own_municipality(client, setup, miyazaki):
    _token, secret = accounts_services.api_token_create(
        municipality=miyazaki, actor=setup["intruder"], name="test"
    )
    headers = {"HTTP_AUTHORIZATION": secret}
    assert client.get("/api/v1/m/452025/departments", **headers).status_code == 401
    response = client.post(
        "/api/v1/m/452025/departments",
        data=json.dumps({"code": "x", "name_ja": "侵入"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 401
    assert not Department.all_tenants.filter(code="x").exists()
    created = client.post(
        "/api/v1/m/452017/departments",
        data=json.dumps({"code": "new", "name_ja": "新課"}),
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    assert Department.all_tenants.get(code="new").municipality_id == miyazaki.pk


def test_api_without_credentials_is_refused(client, setup):
    assert client.get("/api/v1/m/452017/departments").status_code == 401
    assert client.get("/api/v1/municipalities").status_code == 200
