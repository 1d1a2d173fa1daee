"""The register's staff pages: who may open which page, department staff kept to their own
systems, another municipality's staff and the public refused, the forms' errors in Japanese and
English, the Excel download and upload."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from kanmin.governance import register
from kanmin.governance.models import InformationSystem

pytestmark = pytest.mark.django_db

BASE = "/m/452025/governance/systems"


def _client(user: Any = None, language: str = "ja") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


def test_the_public_and_other_roles_are_refused(
    make_user: Any, miyakonojo: Any, miyazaki: Any, systems: dict[str, Any]
) -> None:
    anonymous = _client().get(BASE + "/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    steward = make_user("steward", "data_steward", miyakonojo)
    assert _client(steward).get(BASE + "/").status_code == 403
    assert _client(steward).get(BASE + "/SYS-001/").status_code == 403
    other = make_user("miyazaki-joho", "ict_governance", miyazaki)
    # Another municipality's staff are not told the pages exist.
    assert _client(other).get(BASE + "/").status_code == 404
    assert _client(other).get(BASE + "/information_systems.xlsx").status_code == 404


def test_policy_division_and_auditor_see_everything(
    policy: Any, auditor: Any, systems: dict[str, Any]
) -> None:
    for user in (policy, auditor):
        page = _client(user).get(BASE + "/").content.decode()
        assert "住民記録システム" in page and "税務システム" in page
        assert _client(user).get(BASE + "/SYS-002/").status_code == 200
    assert "システムを追加" in _client(policy).get(BASE + "/").content.decode()
    assert "システムを追加" not in _client(auditor).get(BASE + "/").content.decode()
    assert _client(auditor).get(BASE + "/new/").status_code == 403
    assert _client(auditor).get(BASE + "/SYS-001/edit/").status_code == 403


def test_department_staff_see_only_their_own_systems(
    shimin_staff: Any, systems: dict[str, Any]
) -> None:
    client = _client(shimin_staff)
    page = client.get(BASE + "/").content.decode()
    assert "住民記録システム" in page and "税務システム" not in page
    assert client.get(BASE + "/SYS-001/").status_code == 200
    assert client.get(BASE + "/SYS-002/").status_code == 404
    assert client.get(BASE + "/SYS-001/edit/").status_code == 403
    sheet = load_workbook(io.BytesIO(client.get(BASE + "/information_systems.xlsx").content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["SYS-001"]


def test_filters_on_the_list(policy: Any, systems: dict[str, Any]) -> None:
    page = _client(policy).get(BASE + "/?business=fixed_asset_tax").content.decode()
    assert "税務システム" in page and "住民記録システム" not in page
    page = _client(policy).get(BASE + "/?hosting=government_cloud&compliance=standard")
    assert "住民記録システム" in page.content.decode()


def test_detail_shows_businesses_costs_and_vulnerabilities(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    import datetime as dt

    from kanmin.governance import services

    services.system_cost_set(
        municipality=miyakonojo,
        actor=policy,
        system=systems["juki"],
        fiscal_year=2025,
        amount_yen=1234567,
    )
    services.vulnerability_record(
        municipality=miyakonojo,
        actor=policy,
        system=systems["juki"],
        identifier="CVE-2024-3094",
        severity="critical",
        found_on=dt.date(2025, 4, 1),
    )
    page = _client(policy).get(BASE + "/SYS-001/").content.decode()
    assert "住民基本台帳" in page and "印鑑登録" in page
    assert "1234567" in page
    assert "CVE-2024-3094" in page and "2025-04-08" in page


def test_create_and_edit_with_errors_in_both_languages(
    policy: Any, departments: dict[str, Any], systems: dict[str, Any]
) -> None:
    data = {
        "code": "SYS-003",
        "name": "住民記録システム",  # taken
        "department": "shimin",
        "hosting": "on_premises",
        "network_segment": "lgwan",
        "classification": "2",
        "businesses": ["health_management"],
        "middle_layout_in_scope": "on",
    }
    ja = _client(policy).post(BASE + "/new/", data)
    assert ja.status_code == 422
    assert "既にあります" in ja.content.decode()
    en = _client(policy, "en").post(BASE + "/new/", data)
    assert en.status_code == 422
    assert "exists already" in en.content.decode()
    data["name"] = "健康管理システム"
    created = _client(policy).post(BASE + "/new/", data)
    assert created.status_code == 302
    system = InformationSystem.all_tenants.get(code="SYS-003")
    assert [b.business for b in system.businesses.all()] == ["health_management"]
    data.pop("code")
    data["vendor"] = "D社"
    edited = _client(policy).post(BASE + "/SYS-003/edit/", data)
    assert edited.status_code == 302
    system.refresh_from_db()
    assert system.vendor == "D社"


def test_import_page_all_or_nothing(policy: Any, systems: dict[str, Any]) -> None:
    data = register.workbook_bytes([systems["juki"]])
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    sheet["F2"] = "住民基本台帳;給与"
    sheet.append(["SYS-200", "新システム", "", "", "", "", "", "LGWAN接続系", "機密性2"])
    stream = io.BytesIO()
    book.save(stream)
    upload = SimpleUploadedFile("daicho.xlsx", stream.getvalue())
    response = _client(policy).post(BASE + "/import/", {"file": upload})
    assert response.status_code == 422
    page = response.content.decode()
    assert "F (基幹業務)" in page and "給与" in page
    assert not InformationSystem.all_tenants.filter(code="SYS-200").exists()
    sheet["F2"] = "住民基本台帳"
    stream = io.BytesIO()
    book.save(stream)
    upload = SimpleUploadedFile("daicho.xlsx", stream.getvalue())
    response = _client(policy).post(BASE + "/import/", {"file": upload})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert InformationSystem.all_tenants.filter(code="SYS-200").exists()


def test_staff_home_lists_the_register(
    policy: Any, shimin_staff: Any, make_user: Any, miyakonojo: Any
) -> None:
    assert "情報システム台帳" in _client(policy).get("/m/452025/staff/").content.decode()
    steward = make_user("steward", "data_steward", miyakonojo)
    assert "情報システム台帳" not in _client(steward).get("/m/452025/staff/").content.decode()


def test_a_cost_is_recorded_from_the_system_page_with_a_wareki_year(
    policy: Any, auditor: Any, systems: dict[str, Any]
) -> None:
    from kanmin.governance.models import SystemCost

    url = BASE + "/SYS-001/costs/"
    assert _client(auditor).post(url, {"fiscal_year": "2025", "amount_yen": "1"}).status_code == 403
    bad = _client(policy).post(url, {"fiscal_year": "令和九十九年度", "amount_yen": "-5"})
    assert bad.status_code == 422
    assert not SystemCost.all_tenants.exists()
    done = _client(policy).post(url, {"fiscal_year": "令和7年度", "amount_yen": "5000000"})
    assert done.status_code == 302
    cost = SystemCost.all_tenants.get()
    assert (cost.fiscal_year, cost.amount_yen) == (2025, 5_000_000)
