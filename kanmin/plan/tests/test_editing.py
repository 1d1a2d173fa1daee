"""A plan manager edits the plan through its pages: every change goes through a service."""

from __future__ import annotations

import pytest

from kanmin.audit.models import AuditEvent
from kanmin.core import services as core_services
from kanmin.plan.models import Kpi, Measure, Plan

pytestmark = pytest.mark.django_db


def test_a_manager_renumbers_a_measure_and_assigns_a_department(client, plan, manager, miyakonojo):
    department = core_services.department_create(
        municipality=miyakonojo, actor=None, code="madoguchi", name_ja="窓口推進課"
    )
    client.force_login(manager)
    measure = plan.measures.get(number="Ⅰ-3")
    response = client.post(
        "/m/452025/plan/staff/measures/Ⅰ-3/",
        {
            "action": "update",
            "number": "Ⅰ-4",
            "title_ja": measure.title_ja,
            "title_en": "",
            "content_ja": measure.content_ja,
            "departments": [department.pk],
        },
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.number == "Ⅰ-4"
    assert list(measure.departments.all()) == [department]
    event = AuditEvent.objects.filter(action="plan.measure.update").last()
    assert (event.changes["before"]["number"], event.changes["after"]["number"]) == ("Ⅰ-3", "Ⅰ-4")


def test_renumbering_onto_a_taken_number_is_refused(client, plan, manager):
    client.force_login(manager)
    measure = plan.measures.get(number="Ⅰ-3")
    response = client.post(
        "/m/452025/plan/staff/measures/Ⅰ-3/",
        {"action": "update", "number": "Ⅰ-1", "title_ja": measure.title_ja},
    )
    assert response.status_code == 422
    assert Measure.all_tenants.get(pk=measure.pk).number == "Ⅰ-3"


def test_a_manager_adds_edits_and_retires_a_kpi(client, plan, manager):
    client.force_login(manager)
    response = client.post(
        "/m/452025/plan/staff/measures/Ⅱ-1/",
        {
            "action": "add_kpi",
            "name_ja": "データセットのダウンロード数",
            "unit": "件",
            "direction": "higher",
            "formula": "年度内のダウンロード数",
            "metric": "",
        },
    )
    assert response.status_code == 302
    kpi = Kpi.all_tenants.get(name_ja="データセットのダウンロード数")
    client.post(
        f"/m/452025/plan/staff/kpis/{kpi.pk}/edit/",
        {
            "action": "update",
            "name_ja": kpi.name_ja,
            "unit": "回",
            "direction": "higher",
            "formula": "",
            "metric": "",
        },
    )
    kpi.refresh_from_db()
    assert kpi.unit == "回"
    client.post(f"/m/452025/plan/staff/kpis/{kpi.pk}/edit/", {"action": "retire"})
    kpi.refresh_from_db()
    assert kpi.retired_at is not None
    assert (
        "データセットのダウンロード数"
        not in client.get("/m/452025/plan/measures/Ⅱ-1/").content.decode()
    )


def test_department_staff_cannot_edit_the_plan(client, plan, clerk):
    client.force_login(clerk)
    assert client.get("/m/452025/plan/staff/measures/Ⅰ-1/").status_code == 403
    response = client.post("/m/452025/plan/staff/measures/Ⅰ-1/", {"action": "retire"})
    assert response.status_code == 403
    assert Measure.all_tenants.get(number="Ⅰ-1").retired_at is None


def test_a_municipality_without_a_plan_starts_from_another(client, plan, make_user, miyazaki):
    manager = make_user("miyazaki-manager", "plan_manager", miyazaki)
    client.force_login(manager)
    assert client.get("/m/452017/plan/").status_code == 302
    page = client.get("/m/452017/plan/staff/start/").content.decode()
    assert "都城市" in page
    response = client.post("/m/452017/plan/staff/start/", {"source": "452025"})
    assert response.status_code == 302
    copy = Plan.all_tenants.get(municipality=miyazaki)
    assert copy.measures.count() == 33 and copy.glossary.count() == 50
