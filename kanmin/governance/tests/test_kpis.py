"""The plan's KPIs from a small hand-built register: each numerator and denominator known."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from kanmin.core import metrics
from kanmin.core.fiscal_year import FiscalYear
from kanmin.governance import kpi_services, kpis
from kanmin.governance.kpi_models import KpiFigure
from kanmin.governance.models import (
    Audit,
    Business,
    Hosting,
    InformationSystem,
    StandardizationStatus,
    TrainingSession,
    Vulnerability,
)

pytestmark = pytest.mark.django_db

FY = FiscalYear(2025)  # 2025-04-01 .. 2026-03-31
LATER = dt.date(2027, 1, 1)  # "today": FY2025 is closed


def _system(m: Any, code: str, **fields: Any) -> InformationSystem:
    defaults = {"name": f"システム{code}", "network_segment": "lgwan", "classification": "2"}
    return InformationSystem.all_tenants.create(municipality=m, code=code, **{**defaults, **fields})


def _figure(m: Any, key: str, fy: FiscalYear = FY, today: dt.date = LATER) -> kpis.Figure:
    return kpis.kpi_figure(key, municipality=m, fiscal_year=fy, today=today)


def _nd(figure: kpis.Figure) -> tuple[Any, Any, Any]:
    return figure.value, figure.numerator, figure.denominator


@pytest.fixture
def register(miyakonojo: Any, miyazaki: Any) -> Any:
    m = miyakonojo
    # In operation on 2026-03-31: A, B, C, D (4). E retired in the year, F consolidated on
    # 3/31 (still counted as consolidated in FY2025, no longer in operation), G starts 4/1.
    a = _system(m, "A", applic_compliant=True, hosting=Hosting.GOVERNMENT_CLOUD)
    _system(m, "B", applic_compliant=True, middle_layout_compliant=True, hosting=Hosting.SHARED)
    _system(m, "C", middle_layout_in_scope=False, hosting=Hosting.OTHER_CLOUD)
    _system(m, "D", middle_layout_compliant=True)
    _system(m, "E", applic_compliant=True, retired_on=dt.date(2025, 10, 1))
    _system(m, "F", consolidated_on=dt.date(2026, 3, 31), consolidated_into=a)
    _system(m, "G", applic_compliant=True, contract_start=dt.date(2026, 4, 1))
    _system(m, "H", consolidated_on=dt.date(2026, 4, 1), consolidated_into=a)
    # Another municipality's register never counts.
    _system(miyazaki, "A", applic_compliant=True, hosting=Hosting.SHARED)
    return m


def test_register_rates_count_the_systems_in_operation_on_31_march(register: Any) -> None:
    m = register
    # In operation on 2026-03-31: A, B, C, D, H (H is consolidated only on 4/1).
    assert _nd(_figure(m, "platform_rate")) == (Decimal("40.0"), 2, 5)
    # Scope excludes C: A, B, D, H; compliant B, D.
    assert _nd(_figure(m, "intermediate_layout_rate")) == (Decimal("50.0"), 2, 4)
    assert _nd(_figure(m, "cloud_rate")) == (Decimal("60.0"), 3, 5)
    assert _nd(_figure(m, "shared_systems")) == (1, 1, None)
    assert _nd(_figure(m, "systems_consolidated")) == (1, 1, None)
    # FY2026 (4/1 on): G contracted, H consolidated on 4/1.
    fy2026 = FiscalYear(2026)
    assert _nd(_figure(m, "systems_consolidated", fy2026)) == (1, 1, None)
    assert _nd(_figure(m, "platform_rate", fy2026)) == (Decimal("60.0"), 3, 5)


def test_standard_migration_counts_the_20_businesses_migrated_by_31_march(miyakonojo: Any) -> None:
    m = miyakonojo
    status = StandardizationStatus.Status
    StandardizationStatus.all_tenants.create(
        municipality=m,
        business=Business.RESIDENT_REGISTER,
        status=status.MIGRATED,
        migrated_on=dt.date(2026, 3, 31),
    )
    StandardizationStatus.all_tenants.create(
        municipality=m,
        business=Business.FAMILY_REGISTER,
        status=status.MIGRATED,
        migrated_on=dt.date(2026, 4, 1),
    )
    StandardizationStatus.all_tenants.create(
        municipality=m, business=Business.NATIONAL_PENSION, status=status.MIGRATING
    )
    assert _nd(_figure(m, "standard_migration")) == (Decimal("5.0"), 1, 20)
    assert _nd(_figure(m, "standard_migration", FiscalYear(2026))) == (Decimal("10.0"), 2, 20)


def test_vulnerabilities_resolution_rate_count_and_sla(miyakonojo: Any) -> None:
    m = miyakonojo
    s = _system(m, "A")

    def vuln(ident: str, severity: str, found: dt.date, fixed: dt.date | None) -> None:
        Vulnerability.all_tenants.create(
            municipality=m,
            system=s,
            identifier=ident,
            severity=severity,
            found_on=found,
            fixed_on=fixed,
        )

    vuln("V1", "critical", dt.date(2025, 4, 1), dt.date(2025, 4, 5))  # in SLA (7 days)
    vuln("V2", "critical", dt.date(2025, 6, 1), dt.date(2025, 6, 20))  # fixed, late
    vuln("V3", "low", dt.date(2026, 3, 31), None)  # open
    vuln("V4", "high", dt.date(2026, 3, 1), dt.date(2026, 4, 1))  # fixed next year
    vuln("V5", "high", dt.date(2025, 3, 31), dt.date(2025, 4, 2))  # found last year
    vuln("V6", "high", dt.date(2026, 4, 1), dt.date(2026, 4, 2))  # next year
    # Found in FY2025: V1..V4; fixed by 3/31: V1, V2.
    assert _nd(_figure(m, "vulnerability_resolution_rate")) == (Decimal("50.0"), 2, 4)
    assert _nd(_figure(m, "vulnerability_sla_rate")) == (Decimal("25.0"), 1, 4)
    # Fixed in FY2025, whenever found: V1, V2, V5.
    assert _nd(_figure(m, "vulnerabilities_resolved")) == (3, 3, None)
    # No vulnerability found: no rate (not 0 %, not 100 %).
    assert _figure(m, "vulnerability_resolution_rate", FiscalYear(2020)).value is None


def test_audits_and_trainings_per_fiscal_year(miyakonojo: Any) -> None:
    m = miyakonojo
    Audit.all_tenants.create(
        municipality=m, kind="audit", title="外部監査", conducted_on=dt.date(2025, 4, 1)
    )
    Audit.all_tenants.create(
        municipality=m, kind="self_check", title="自己点検", conducted_on=dt.date(2026, 3, 31)
    )
    Audit.all_tenants.create(
        municipality=m, kind="audit", title="前年度", conducted_on=dt.date(2025, 3, 31)
    )
    Audit.all_tenants.create(
        municipality=m, kind="audit", title="予定のみ", planned_on=dt.date(2025, 12, 1)
    )
    session = TrainingSession.Audience
    for held, kind, audience, attended, required in [
        (dt.date(2025, 4, 1), "training", session.STAFF, 40, 50),
        (dt.date(2026, 3, 31), "training", session.STAFF, 35, 50),
        (dt.date(2026, 4, 1), "training", session.STAFF, 99, 100),  # FY2026
        (dt.date(2025, 11, 1), "exercise", session.STAFF, 15, None),
        (dt.date(2025, 8, 1), "training", session.CITIZEN, 12, None),
        (dt.date(2026, 2, 1), "training", session.CITIZEN, 8, None),
    ]:
        TrainingSession.all_tenants.create(
            municipality=m,
            title=f"研修{held}",
            held_on=held,
            kind=kind,
            audience=audience,
            attendees_count=attended,
            required_count=required,
        )
    assert _nd(_figure(m, "audits")) == (2, 2, None)
    assert _nd(_figure(m, "security_trainings")) == (2, 2, None)
    assert _nd(_figure(m, "exercises")) == (1, 1, None)
    assert _nd(_figure(m, "training_attendance_rate")) == (Decimal("75.0"), 75, 100)
    assert _nd(_figure(m, "citizen_course_participants")) == (20, 20, None)


def test_the_year_under_way_counts_up_to_today(miyakonojo: Any) -> None:
    m = miyakonojo
    _system(m, "A", applic_compliant=True)
    _system(m, "B", contract_start=dt.date(2025, 12, 1))
    today = dt.date(2025, 10, 1)
    assert _nd(_figure(m, "platform_rate", today=today)) == (Decimal("100.0"), 1, 1)
    assert _nd(_figure(m, "platform_rate")) == (Decimal("50.0"), 1, 2)


def test_a_frozen_figure_stays_when_the_register_changes(register: Any) -> None:
    m = register
    frozen = kpi_services.kpi_figures_freeze(municipality=m, fiscal_year=FY, today=LATER)
    assert all(f.frozen for f in frozen)
    row = KpiFigure.all_tenants.get(municipality=m, fiscal_year=2025, kpi="platform_rate")
    assert (row.numerator, row.denominator, row.definition_version) == (
        2,
        5,
        "V4-platform-rate/2026-1",
    )
    InformationSystem.all_tenants.filter(municipality=m).update(applic_compliant=True)
    assert _nd(_figure(m, "platform_rate")) == (Decimal("40.0"), 2, 5)
    # Freezing again keeps the first figures; the live computation has moved on.
    kpi_services.kpi_figures_freeze(municipality=m, fiscal_year=FY, today=LATER)
    assert KpiFigure.all_tenants.filter(municipality=m, fiscal_year=2025).count() == len(
        kpis.DEFINITIONS
    )
    live = kpis.kpi_compute(
        kpis.definition_get("platform_rate"), municipality=m, fiscal_year=FY, today=LATER
    )
    assert _nd(live) == (Decimal("100.0"), 5, 5)


def test_every_kpi_is_registered_for_the_plan(register: Any) -> None:
    names = {m.name for m in metrics.all_metrics()}
    for definition in kpis.DEFINITIONS:
        assert f"governance.{definition.key}" in names
    value = metrics.get("governance.cloud_rate").compute(municipality=register, fiscal_year=FY)
    assert value == Decimal("60.0")


def test_the_plan_links_its_kpis_to_the_register(register: Any) -> None:
    """The plan's KPI named in the seed computes its value from the register."""
    from kanmin.demo import data
    from kanmin.governance.metrics import PLAN_METRICS
    from kanmin.plan import selectors as plan_selectors
    from kanmin.plan import services as plan_services

    plan = plan_services.plan_load(
        municipality=register,
        actor=None,
        data={
            **json.loads(data.PLAN_FILE.read_text(encoding="utf-8")),
            "first_fiscal_year": 2025,
        },
    )
    for (number, name), metric_name in PLAN_METRICS.items():
        measure = plan_selectors.measure_get(plan=plan, number=number)
        kpi = measure.kpis.get(name_ja=name)
        plan_services.kpi_update(municipality=register, actor=None, kpi=kpi, metric=metric_name)
    measure = plan_selectors.measure_get(plan=plan, number="Ⅴ-5")
    kpi = measure.kpis.get(name_ja="共同利用しているシステム数")
    assert kpi.metric == "governance.shared_systems"


def test_cli_json_shape(register: Any) -> None:
    out = StringIO()
    call_command(
        "governance_kpis", municipality="452025", fiscal_year="令和7年度", format="json", stdout=out
    )
    payload = json.loads(out.getvalue())
    assert payload["municipality"] == "452025"
    assert payload["fiscal_year"] == 2025
    rows = {row["kpi"]: row for row in payload["kpis"]}
    assert set(rows) == {d.key for d in kpis.DEFINITIONS}
    for row in payload["kpis"]:
        assert {
            "measure",
            "name",
            "value",
            "numerator",
            "denominator",
            "definition_version",
        } <= set(row)
    cloud = rows["cloud_rate"]
    assert cloud["measure"] == "Ⅴ-5"
    assert cloud["definition_version"] == "V5-cloud-rate/2026-1"
    assert isinstance(cloud["numerator"], int) and isinstance(cloud["denominator"], int)
    assert rows["platform_rate"]["measure"] == "Ⅴ-4"
    table = StringIO()
    call_command("governance_kpis", municipality="452025", fiscal_year="2025", stdout=table)
    assert "地域情報プラットフォーム準拠製品の導入率" in table.getvalue()


def test_cli_names_an_unknown_municipality_and_year(miyakonojo: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="999999"):
        call_command("governance_kpis", municipality="999999", fiscal_year="2025")
    with pytest.raises(CommandError, match="fiscal year"):
        call_command("governance_kpis", municipality="452025", fiscal_year="来年")


def test_only_the_policy_division_freezes_figures(register: Any, make_user: Any) -> None:
    from kanmin.core.errors import PermissionDenied

    staff = make_user("kakari", "department_staff", register)
    with pytest.raises(PermissionDenied):
        kpi_services.kpi_figures_freeze(
            municipality=register, fiscal_year=FY, actor=staff, today=LATER
        )
    assert not KpiFigure.all_tenants.exists()  # all or none
    seisaku = make_user("seisaku", "ict_governance", register)
    figures = kpi_services.kpi_figures_freeze(
        municipality=register, fiscal_year=FY, actor=seisaku, today=LATER
    )
    assert all(f.frozen for f in figures)
    row = KpiFigure.all_tenants.get(municipality=register, fiscal_year=2025, kpi="cloud_rate")
    assert row.frozen_by == seisaku


def test_trainings_are_counted_by_topic_for_vi2_and_vi4(miyakonojo: Any) -> None:
    m = miyakonojo
    topic, audience = TrainingSession.Topic, TrainingSession.Audience
    sessions = [
        # (held, kind, audience, topic)
        (dt.date(2025, 5, 1), "training", audience.STAFF, topic.SECURITY),
        (dt.date(2025, 6, 1), "training", audience.STAFF, topic.SECURITY),
        (dt.date(2025, 7, 1), "training", audience.STAFF, topic.DATA_USE),
        (dt.date(2025, 8, 1), "training", audience.STAFF, topic.OTHER),
        (dt.date(2025, 9, 1), "exercise", audience.STAFF, topic.SECURITY),  # an exercise
        (dt.date(2025, 10, 1), "training", audience.CITIZEN, topic.DATA_USE),  # residents
        (dt.date(2026, 4, 1), "training", audience.STAFF, topic.DATA_USE),  # FY2026
    ]
    for held, kind, who, about in sessions:
        TrainingSession.all_tenants.create(
            municipality=m,
            title=f"研修{held}",
            held_on=held,
            kind=kind,
            audience=who,
            topic=about,
            attendees_count=10,
        )
    in_2025 = [
        s for s in sessions if s[0] < dt.date(2026, 4, 1) and s[1] == "training" and s[2] == "staff"
    ]
    security = sum(1 for s in in_2025 if s[3] == topic.SECURITY)
    data_or_security = sum(1 for s in in_2025 if s[3] in (topic.SECURITY, topic.DATA_USE))
    assert _nd(_figure(m, "infosec_trainings")) == (security, security, None)
    assert _nd(_figure(m, "data_trainings")) == (data_or_security, data_or_security, None)
    # The count of every staff training (the earlier Ⅵ-2 definition) is unchanged.
    assert _nd(_figure(m, "security_trainings")) == (len(in_2025), len(in_2025), None)
    assert _figure(m, "data_trainings").definition_version == "VI4-trainings/2026-1"
