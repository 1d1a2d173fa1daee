"""The register's dashboard: the year's KPIs and the three charts, for those who see the whole
register only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kanmin.governance.dashboard import open_vulnerabilities
from kanmin.governance.models import InformationSystem, Vulnerability

pytestmark = pytest.mark.django_db

URL = "/m/452025/governance/dashboard/"


def _register(m: Any) -> None:
    system = InformationSystem.all_tenants.create(
        municipality=m, code="A", name="住民記録", network_segment="my_number", classification="3"
    )
    for ident, severity, found in [
        ("V1", "critical", dt.date(2026, 11, 20)),
        ("V2", "high", dt.date(2026, 8, 1)),
        ("V3", "low", dt.date(2026, 1, 5)),
    ]:
        Vulnerability.all_tenants.create(
            municipality=m, system=system, identifier=ident, severity=severity, found_on=found
        )


def test_open_vulnerabilities_by_severity_and_age(miyakonojo: Any) -> None:
    _register(miyakonojo)
    table = open_vulnerabilities(miyakonojo, dt.date(2026, 12, 1))
    assert table["critical"] == {"0–30": 1}
    assert table["high"] == {"91–180": 1}  # 122 days
    assert table["low"] == {"181+": 1}
    assert table["medium"] == {}


def test_the_dashboard_shows_kpis_and_charts_to_the_policy_division(
    client: Any, make_user: Any, miyakonojo: Any
) -> None:
    _register(miyakonojo)
    client.force_login(make_user("seisaku", "ict_governance", miyakonojo))
    response = client.get(URL + "?fy=2025")
    assert response.status_code == 200
    body = response.content.decode()
    assert "V4-platform-rate/2026-1" in body
    assert body.count('<img class="chart" src="data:image/svg+xml;base64,') == 3
    assert "住民基本台帳" in body


def test_department_staff_do_not_see_the_dashboard(
    client: Any, make_user: Any, miyakonojo: Any
) -> None:
    client.force_login(make_user("kakari", "department_staff", miyakonojo))
    assert client.get(URL).status_code in (403, 404)


def test_the_migration_timeline_names_the_businesses_in_the_pages_language(
    miyakonojo: Any,
) -> None:
    from django.utils import translation

    from kanmin.governance.dashboard import migration_rows

    with translation.override("en"):
        english = [r["label"] for r in migration_rows(miyakonojo)]
    with translation.override("ja"):
        japanese = [r["label"] for r in migration_rows(miyakonojo)]
    assert english[0] == "Basic resident register" and len(english) == 20
    assert japanese[0] == "住民基本台帳"
    assert not any(any("\u3040" <= ch <= "\u9fff" for ch in label) for label in english)
