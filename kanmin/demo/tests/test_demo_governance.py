"""The demo's ICT register: about 60 systems, the 20 業務, a year of vulnerabilities, two
audits and trainings, generated the same every time, so that every KPI shows a number."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kanmin.core import metrics
from kanmin.core.fiscal_year import FiscalYear
from kanmin.demo import data
from kanmin.demo.governance import governance_build, link_plan_kpis
from kanmin.governance import kpis
from kanmin.governance.metrics import PLAN_METRICS
from kanmin.governance.models import (
    Audit,
    Business,
    InformationSystem,
    StandardizationStatus,
    Vulnerability,
)
from kanmin.plan import services as plan_services
from kanmin.plan.models import Kpi

pytestmark = pytest.mark.django_db


def test_the_demo_register_gives_every_kpi_a_number(miyakonojo: Any, miyazaki: Any) -> None:
    added = governance_build(municipality=miyakonojo, departments={})
    assert 55 <= added <= 65
    assert governance_build(municipality=miyakonojo, departments={}) == 0  # once
    statuses = StandardizationStatus.all_tenants.filter(municipality=miyakonojo)
    assert sorted(statuses.values_list("business", flat=True)) == sorted(Business.values)
    assert (
        Audit.all_tenants.filter(municipality=miyakonojo, conducted_on__isnull=False).count() == 2
    )
    assert Vulnerability.all_tenants.filter(municipality=miyakonojo).count() > 150
    for year in (FiscalYear(2025), FiscalYear(2026)):
        for figure in kpis.kpi_figures(municipality=miyakonojo, fiscal_year=year):
            assert figure.value is not None, (year, figure.key)
            if figure.denominator is not None:
                assert 0 < figure.value < 100, (year, figure.key, figure.value)
    # Deterministic: a second municipality built from the same seed has the same figures.
    governance_build(municipality=miyazaki, departments={})
    a = kpis.kpi_figures(municipality=miyakonojo, fiscal_year=FiscalYear(2025))
    b = kpis.kpi_figures(municipality=miyazaki, fiscal_year=FiscalYear(2025))
    assert [f.as_json() for f in a] == [f.as_json() for f in b]
    assert InformationSystem.all_tenants.filter(municipality=miyazaki).count() == added


def test_the_demo_plan_links_its_kpis_to_the_register(miyakonojo: Any) -> None:
    source = json.loads(data.PLAN_FILE.read_text(encoding="utf-8"))
    plan_services.plan_load(
        municipality=miyakonojo, actor=None, data={**source, "first_fiscal_year": 2025}
    )
    governance_build(municipality=miyakonojo, departments={})
    link_plan_kpis(municipality=miyakonojo)
    kpi = Kpi.all_tenants.get(
        municipality=miyakonojo, name_ja="情報システムやネットワーク等の脆弱性解消率"
    )
    assert kpi.metric == "governance.vulnerability_resolution_rate"
    value = metrics.get(kpi.metric).compute(municipality=miyakonojo, fiscal_year=FiscalYear(2025))
    assert value is not None and 50 < value < 100
    linked = Kpi.all_tenants.filter(municipality=miyakonojo, metric__startswith="governance.")
    assert linked.count() == len(PLAN_METRICS) == 12


def test_the_demo_counts_the_v4_kpis_per_business_against_its_lists(miyakonojo: Any) -> None:
    """Each Ⅴ-4 KPI per 業務 has a number for fiscal 2025 and 2026, against the list valid on
    31 March: the 中間標準レイアウト list has a new version from fiscal 2026."""
    governance_build(municipality=miyakonojo, departments={})
    keys = ("applic_business_rate", "layout_procurement_rate", "layout_migration_rate")
    for year in (FiscalYear(2025), FiscalYear(2026)):
        for key in keys:
            figure = kpis.kpi_figure(key, municipality=miyakonojo, fiscal_year=year)
            assert figure.value is not None and 0 < figure.value < 100, (year, key)
            assert figure.spec_list, (year, key)
    layout_2025 = kpis.kpi_figure(
        "layout_migration_rate", municipality=miyakonojo, fiscal_year=FiscalYear(2025)
    )
    layout_2026 = kpis.kpi_figure(
        "layout_migration_rate", municipality=miyakonojo, fiscal_year=FiscalYear(2026)
    )
    assert "V1.4" in layout_2025.spec_list and layout_2025.denominator == 23
    assert "V2.0" in layout_2026.spec_list and layout_2026.denominator == 24
    applic = kpis.kpi_figure(
        "applic_business_rate", municipality=miyakonojo, fiscal_year=FiscalYear(2025)
    )
    assert applic.denominator == 26
