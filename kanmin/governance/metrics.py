"""KPI providers for the plan: Ⅴ-3..Ⅴ-6, Ⅵ-1..Ⅵ-4 and Ⅳ-7 from the ICT governance register.

Each KPI of :mod:`kanmin.governance.kpis` is registered as ``governance.<key>``; the plan
links its KPIs to these names. The value is the year's frozen figure when there is one under
the current definition version, otherwise the figure computed from the register.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.functional import lazy

from kanmin.core.metrics import metric
from kanmin.governance import kpis


def _provider(key: str) -> Any:
    def compute(*, municipality: Any, fiscal_year: Any) -> Decimal | None:
        return kpis.kpi_figure(key, municipality=municipality, fiscal_year=fiscal_year).value

    compute.__name__ = f"governance_{key}"
    return compute


def _description(definition: kpis.KpiDefinition) -> Any:
    """The KPI's name in the page's language, its measure and definition version (the
    definition's own text, with its Japanese terms, is on the governance dashboard)."""

    def text() -> str:
        japanese = (translation.get_language() or "ja").startswith("ja")
        name = definition.name_ja if japanese else definition.name_en
        return f"{definition.measure} {name} ({definition.version})"

    return lazy(text, str)()


for _definition in kpis.DEFINITIONS:
    metric(
        f"governance.{_definition.key}",
        unit=_definition.unit,
        description=_description(_definition),
    )(_provider(_definition.key))

# The plan's KPIs (measure, KPI name as in the plan) each metric answers.
PLAN_METRICS: dict[tuple[str, str], str] = {
    ("Ⅴ-3", "統合したシステムの数"): "governance.systems_consolidated",
    # Per 業務 against the specification's list, as the plan defines it (the older count per
    # system, governance.platform_rate, stays registered for the figures already reported).
    (
        "Ⅴ-4",
        "同準拠製品の導入率（地域情報プラットフォーム準拠製品利用数／地域情報プラットフォーム"
        "標準仕様で定義されている業務数）",
    ): "governance.applic_business_rate",
    (
        "Ⅴ-4",
        "中間標準レイアウト仕様の調達仕様書への記載率（調達仕様書に記載した業務数／"
        "中間標準レイアウト仕様で定義されている業務数）",
    ): "governance.layout_procurement_rate",
    (
        "Ⅴ-4",
        "中間標準レイアウト仕様によるデータ移行の実施率（データ移行を行なう際中間標準レイアウト"
        "仕様を活用した業務数／中間標準レイアウト仕様で定義されている業務数）",
    ): "governance.layout_migration_rate",
    ("Ⅴ-5", "共同利用しているシステム数"): "governance.shared_systems",
    ("Ⅴ-6", "スケジュール通りの進捗"): "governance.standard_migration",
    ("Ⅵ-1", "セキュリティ監査の実施回数"): "governance.audits",
    # Security trainings only, now that a session has a topic (governance.security_trainings,
    # every staff training, stays registered for the figures already reported).
    ("Ⅵ-2", "研修の開催回数"): "governance.infosec_trainings",
    ("Ⅵ-4", "研修の開催回数"): "governance.data_trainings",
    (
        "Ⅵ-3",
        "情報システムやネットワーク等の脆弱性解消率",
    ): "governance.vulnerability_resolution_rate",
    ("Ⅵ-3", "情報システムやネットワーク等の脆弱性解消数"): "governance.vulnerabilities_resolved",
    ("Ⅳ-7", "パソコン教室等の参加者数・登録者数"): "governance.citizen_course_participants",
}
