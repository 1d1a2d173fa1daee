"""The plan's KPIs of the ICT governance register (Ⅴ-3..Ⅴ-6, Ⅵ-1..Ⅵ-4, Ⅳ-7), per 年度.

Every KPI has a frozen definition: a version string (``V4-platform-rate/2026-1``) and the
text of what is counted. A figure carries its version; a year's figure once frozen
(:func:`kanmin.governance.kpi_services.kpi_figures_freeze`) is kept as a :class:`KpiFigure`
row and returned as it was, so
changes to the register afterwards do not change what was reported. A change of definition
gets a new version string; the old one is never reused for a different count.

The Ⅴ-4 KPIs per 業務 count against a specification's list of 業務 (``spec`` of the
definition): the version of the list valid on 31 March of the fiscal year
(:func:`kanmin.governance.kpi_sources.spec_list_valid`); the figure names that version and a
frozen figure keeps it, so a new version of the list never changes a year already reported.

Two kinds of count:

- stock (rates of the register): the systems in operation on the last day of the fiscal year
  (31 March), or today for the year under way;
- flow (events): what happened between 1 April and 31 March, by the event's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from kanmin.core.fiscal_year import FiscalYear
from kanmin.governance import kpi_sources as src
from kanmin.governance.kpi_models import KpiFigure
from kanmin.governance.models import TrainingSession
from kanmin.governance.spec_models import Spec, SpecList

Count = tuple[int, int | None]  # numerator, denominator (None: a count, not a rate)


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    measure: str
    name_ja: str
    name_en: str
    unit: str
    version: str
    definition: str  # what is counted, frozen with the version
    count: Callable[[Any, FiscalYear, dt.date], Count]
    # The specification whose list of 業務 is the denominator (Ⅴ-4 per 業務), or None.
    spec: str | None = None

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"


@dataclass(frozen=True)
class Figure:
    key: str
    measure: str
    name: str
    unit: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    definition_version: str
    frozen: bool = False
    # The list of 業務 the denominator counted (Ⅴ-4 per 業務); None for the other KPIs.
    spec_list_id: int | None = None
    spec_list: str | None = None

    def as_json(self) -> dict[str, Any]:
        def number(d: Decimal | None) -> int | float | None:
            if d is None:
                return None
            return int(d) if d == d.to_integral_value() else float(d)

        return {
            "measure": self.measure,
            "kpi": self.key,
            "name": self.name,
            "unit": self.unit,
            "value": number(self.value),
            "numerator": number(self.numerator),
            "denominator": number(self.denominator),
            "definition_version": self.definition_version,
            "frozen": self.frozen,
            "denominator_list": self.spec_list,
        }


def as_of(fiscal_year: FiscalYear, today: dt.date | None = None) -> dt.date:
    """The day the register's stock is counted on: 31 March, or today for the year under way."""
    today = today or timezone.localdate()
    return min(fiscal_year.end, today)


DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        key="systems_consolidated",
        measure="Ⅴ-3",
        name_ja="統合したシステムの数",
        name_en="Systems consolidated",
        unit="システム",
        version="V3-consolidated/2026-1",
        definition=(
            "Systems of the register consolidated into another (consolidated_on) in the fiscal "
            "year, 1 April to 31 March."
        ),
        count=src.systems_consolidated,
    ),
    KpiDefinition(
        key="platform_rate",
        measure="Ⅴ-4",
        name_ja="地域情報プラットフォーム準拠製品の導入率（システム単位）",
        name_en="Adoption rate of Regional Information Platform-compliant products, per system",
        unit="%",
        version="V4-platform-rate/2026-1",
        definition=(
            "地域情報プラットフォーム準拠製品利用数 ÷ 標準仕様で定義されている業務数, "
            "counted on the register: systems in operation on 31 March (or today in the "
            "year under way) marked 地域情報プラットフォーム準拠 ÷ all systems in operation "
            "that day."
        ),
        count=src.platform_rate,
    ),
    KpiDefinition(
        key="intermediate_layout_rate",
        measure="Ⅴ-4",
        name_ja="中間標準レイアウト対応率",
        name_en="Intermediate Standard Layout rate",
        unit="%",
        version="V4-intermediate-layout/2026-1",
        definition=(
            "Systems in operation on 31 March marked 中間標準レイアウト対応 (able to export "
            "their data in the layout) ÷ systems in operation in the layout's scope."
        ),
        count=src.intermediate_layout_rate,
    ),
    KpiDefinition(
        key="applic_business_rate",
        measure="Ⅴ-4",
        name_ja="地域情報プラットフォーム準拠製品の導入率",
        name_en="Adoption rate of Regional Information Platform-compliant products, per business",
        unit="%",
        version="V4-applic-business-rate/2026-1",
        definition=(
            "地域情報プラットフォーム準拠製品利用数 ÷ 地域情報プラットフォーム標準仕様で定義されて"
            "いる業務数: the 業務 of the specification's list valid on 31 March that a system "
            "in operation on 31 March (or today in the year under way) marked "
            "地域情報プラットフォーム準拠 covers ÷ the 業務 of that list."
        ),
        count=src.applic_business_rate,
        spec=Spec.APPLIC,
    ),
    KpiDefinition(
        key="layout_procurement_rate",
        measure="Ⅴ-4",
        name_ja="中間標準レイアウト仕様の調達仕様書への記載率",
        name_en="Rate of procurement specifications stating the Intermediate Standard Layout",
        unit="%",
        version="V4-layout-procurement-rate/2026-1",
        definition=(
            "調達仕様書に記載した業務数 ÷ 中間標準レイアウト仕様で定義されている業務数: the 業務 "
            "of the list valid on 31 March covered by a system in operation on 31 March whose "
            "procurement specification required the layout for that 業務 ÷ the 業務 of the list."
        ),
        count=src.layout_procurement_rate,
        spec=Spec.MIDDLE_LAYOUT,
    ),
    KpiDefinition(
        key="layout_migration_rate",
        measure="Ⅴ-4",
        name_ja="中間標準レイアウト仕様によるデータ移行の実施率",
        name_en="Rate of data migrations using the Intermediate Standard Layout",
        unit="%",
        version="V4-layout-migration-rate/2026-1",
        definition=(
            "データ移行を行なう際中間標準レイアウト仕様を活用した業務数 ÷ 中間標準レイアウト仕様で"
            "定義されている業務数: the 業務 of the list valid on 31 March covered by a system in "
            "operation on 31 March into which that 業務's data was migrated through the layout "
            "÷ the 業務 of the list."
        ),
        count=src.layout_migration_rate,
        spec=Spec.MIDDLE_LAYOUT,
    ),
    KpiDefinition(
        key="cloud_rate",
        measure="Ⅴ-5",
        name_ja="クラウド導入率",
        name_en="Cloud adoption rate",
        unit="%",
        version="V5-cloud-rate/2026-1",
        definition=(
            "Systems in operation on 31 March hosted on ガバメントクラウド, another cloud (SaaS "
            "etc.) or shared with other municipalities ÷ all systems in operation."
        ),
        count=src.cloud_rate,
    ),
    KpiDefinition(
        key="shared_systems",
        measure="Ⅴ-5",
        name_ja="共同利用しているシステム数",
        name_en="Systems in shared use",
        unit="システム",
        version="V5-shared/2026-1",
        definition="Systems in operation on 31 March shared with other municipalities.",
        count=src.shared_systems,
    ),
    KpiDefinition(
        key="standard_migration",
        measure="Ⅴ-6",
        name_ja="標準準拠システムへの移行率（20業務）",
        name_en="Migration of the 20 core businesses to standard-conforming systems",
        unit="%",
        version="V6-standard-migration/2026-1",
        definition=(
            "Of the 20 基幹業務 (標準化法), those migrated (移行完了) to a 標準準拠 system by "
            "31 March ÷ 20."
        ),
        count=src.standard_migration,
    ),
    KpiDefinition(
        key="audits",
        measure="Ⅵ-1",
        name_ja="セキュリティ監査の実施回数",
        name_en="Security audits conducted",
        unit="回",
        version="VI1-audits/2026-1",
        definition=(
            "Audits and self-checks (監査・自己点検) conducted in the fiscal year, by the day "
            "conducted; planned ones are not counted."
        ),
        count=src.audits,
    ),
    KpiDefinition(
        key="security_trainings",
        measure="Ⅵ-2",
        name_ja="研修の開催回数",
        name_en="Staff training sessions held",
        unit="回",
        version="VI2-trainings/2026-1",
        definition="Staff training sessions (研修, not exercises) held in the fiscal year.",
        count=src.security_trainings,
    ),
    KpiDefinition(
        key="infosec_trainings",
        measure="Ⅵ-2",
        name_ja="研修の開催回数（情報セキュリティ）",
        name_en="Information security trainings held",
        unit="回",
        version="VI2-infosec-trainings/2026-1",
        definition=(
            "Staff training sessions (研修, not exercises) on information security held in the "
            "fiscal year (topic: 情報セキュリティ)."
        ),
        count=src.topic_trainings(TrainingSession.Topic.SECURITY),
    ),
    KpiDefinition(
        key="data_trainings",
        measure="Ⅵ-4",
        name_ja="研修の開催回数（データ活用・サイバーセキュリティ）",
        name_en="Trainings on data utilisation and cyber security held",
        unit="回",
        version="VI4-trainings/2026-1",
        definition=(
            "Staff training sessions (研修, not exercises) on data utilisation or on "
            "information security held in the fiscal year: Ⅵ-4 trains staff in データ活用の"
            "ノウハウ and サイバーセキュリティ対策."
        ),
        count=src.topic_trainings(TrainingSession.Topic.DATA_USE, TrainingSession.Topic.SECURITY),
    ),
    KpiDefinition(
        key="exercises",
        measure="Ⅵ-2",
        name_ja="訓練実施回数",
        name_en="Incident-response exercises held",
        unit="回",
        version="VI2-exercises/2026-1",
        definition="Staff incident-response exercises (訓練) held in the fiscal year.",
        count=src.exercises,
    ),
    KpiDefinition(
        key="training_attendance_rate",
        measure="Ⅵ-2",
        name_ja="研修受講率",
        name_en="Staff training attendance rate",
        unit="%",
        version="VI2-attendance-rate/2026-1",
        definition=(
            "Attendances ÷ staff required to attend, summed over the staff sessions (研修 and "
            "訓練) of the fiscal year that name how many were required."
        ),
        count=src.security_training_attendance,
    ),
    KpiDefinition(
        key="vulnerability_resolution_rate",
        measure="Ⅵ-3",
        name_ja="情報システムやネットワーク等の脆弱性解消率",
        name_en="Rate of vulnerabilities resolved",
        unit="%",
        version="VI3-resolution-rate/2026-1",
        definition=(
            "Vulnerabilities found in the fiscal year and fixed by 31 March ÷ vulnerabilities "
            "found in the fiscal year."
        ),
        count=src.vulnerability_resolution_rate,
    ),
    KpiDefinition(
        key="vulnerability_sla_rate",
        measure="Ⅵ-3",
        name_ja="脆弱性の期限内解消率",
        name_en="Rate of vulnerabilities resolved within their due date",
        unit="%",
        version="VI3-sla-rate/2026-1",
        definition=(
            "Vulnerabilities found in the fiscal year and fixed by their due date (by severity: "
            "critical 7, high 30, medium 90, low 180 days) ÷ vulnerabilities found in the year."
        ),
        count=src.vulnerability_sla_rate,
    ),
    KpiDefinition(
        key="vulnerabilities_resolved",
        measure="Ⅵ-3",
        name_ja="情報システムやネットワーク等の脆弱性解消数",
        name_en="Vulnerabilities resolved",
        unit="件",
        version="VI3-resolved/2026-1",
        definition="Vulnerabilities fixed in the fiscal year, whenever they were found.",
        count=src.vulnerabilities_resolved,
    ),
    KpiDefinition(
        key="citizen_course_participants",
        measure="Ⅳ-7",
        name_ja="パソコン教室等の参加者数",
        name_en="Participants in computer classes",
        unit="人",
        version="IV7-participants/2026-1",
        definition=(
            "Attendees of the courses for residents (パソコン教室等) held in the fiscal year."
        ),
        count=src.citizen_course_participants,
    ),
)

_BY_KEY = {d.key: d for d in DEFINITIONS}


def definition_get(key: str) -> KpiDefinition:
    return _BY_KEY[key]


def _rate(numerator: int, denominator: int | None) -> Decimal | None:
    if denominator is None:
        return Decimal(numerator)
    if denominator == 0:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def kpi_compute(
    definition: KpiDefinition,
    *,
    municipality: Any,
    fiscal_year: FiscalYear,
    today: dt.date | None = None,
) -> Figure:
    """The figure from the register as it is now (no frozen figure consulted)."""
    numerator, denominator = definition.count(municipality, fiscal_year, as_of(fiscal_year, today))
    spec_list: SpecList | None = None
    if definition.spec is not None:
        spec_list = src.spec_list_valid(municipality, definition.spec, fiscal_year)
    return Figure(
        key=definition.key,
        measure=definition.measure,
        name=definition.name_ja,
        unit=definition.unit,
        value=_rate(numerator, denominator),
        numerator=Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator),
        definition_version=definition.version,
        spec_list_id=spec_list.pk if spec_list else None,
        spec_list=spec_list.label if spec_list else None,
    )


def _from_frozen(definition: KpiDefinition, row: KpiFigure) -> Figure:
    return Figure(
        key=definition.key,
        measure=row.measure,
        name=definition.name_ja,
        unit=definition.unit,
        value=row.value,
        numerator=row.numerator,
        denominator=row.denominator,
        definition_version=row.definition_version,
        frozen=True,
        spec_list_id=row.spec_list_id,
        spec_list=row.spec_list.label if row.spec_list else None,
    )


def kpi_figure(
    key: str, *, municipality: Any, fiscal_year: FiscalYear, today: dt.date | None = None
) -> Figure:
    """The year's figure: the frozen one under the current definition version if any, else
    computed from the register."""
    definition = _BY_KEY[key]
    row = (
        KpiFigure.all_tenants.filter(
            municipality=municipality,
            fiscal_year=fiscal_year.year,
            kpi=key,
            definition_version=definition.version,
        )
        .select_related("spec_list")
        .first()
    )
    if row is not None:
        return _from_frozen(definition, row)
    return kpi_compute(definition, municipality=municipality, fiscal_year=fiscal_year, today=today)


def kpi_figures(
    *, municipality: Any, fiscal_year: FiscalYear, today: dt.date | None = None
) -> list[Figure]:
    """Every KPI's figure for the year, in the plan's order."""
    frozen = {
        (row.kpi, row.definition_version): row
        for row in KpiFigure.all_tenants.filter(
            municipality=municipality, fiscal_year=fiscal_year.year
        ).select_related("spec_list")
    }
    figures = []
    for definition in DEFINITIONS:
        row = frozen.get((definition.key, definition.version))
        if row is not None:
            figures.append(_from_frozen(definition, row))
        else:
            figures.append(
                kpi_compute(
                    definition, municipality=municipality, fiscal_year=fiscal_year, today=today
                )
            )
    return figures
