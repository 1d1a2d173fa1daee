"""The demo's procedure catalog (手続一覧) of 都城市: 32 procedures of 市民課, 保険年金課,
こども課, 健康部, 福祉課, 介護保険課, 税務課, 危機管理課, 環境政策課 and 上下水道局, loaded from
``kanmin/procedures/data/demo_procedures.csv`` through the catalog's import service (the same
file staff would edit in Excel), and the plan's KPIs of online procedures (Ⅰ-1, Ⅰ-2) linked
to the figures the catalog gives.

The procedures, their legal bases and channels are those of a typical Japanese city; the fees
(住民票の写し 300円, 戸籍証明書 450円, 犬の登録 3,000円 …) are the common amounts, but
ILLUSTRATIVE: the demo's values, not the city's fee schedule. ぴったりサービス identifiers are
left empty: they are not invented. Departments the demo's list lacks (こども課, 税務課 …) are
added under their department (部), as illustrative as the rest of the demo's organization.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kanmin.core import selectors as core_selectors
from kanmin.core import services as core_services
from kanmin.core.errors import NotFound
from kanmin.core.models import Department, Municipality
from kanmin.plan import selectors as plan_selectors
from kanmin.plan import services as plan_services
from kanmin.procedures import selectors as procedures_selectors
from kanmin.procedures import services as procedures_services

DATA_FILE = Path(__file__).resolve().parent.parent / "procedures" / "data" / "demo_procedures.csv"

# (code, Japanese, English, parent code): the divisions the catalog names that the demo's
# department list does not have.
DEPARTMENTS = [
    ("hoken-nenkin", "保険年金課", "Health Insurance and Pension Division", "shimin-seikatsu"),
    ("kodomo-ka", "こども課", "Children Division", "kodomo"),
    ("kaigo-hoken", "介護保険課", "Long-term Care Insurance Division", "fukushi"),
    ("zeimu", "税務課", "Taxation Division", "somu"),
    ("kankyo-seisaku", "環境政策課", "Environmental Policy Division", "kankyo-shinrin"),
]

# The plan's KPIs (measure, KPI name as in the plan) the catalog counts.
PLAN_METRICS = {
    ("Ⅰ-1", "電子申請可能な手続数"): "procedures.online_procedures",
    ("Ⅰ-1", "電子化した申請等の利用件数"): "procedures.online_applications",
    ("Ⅰ-2", "マイナポータルを活用した電子申請可能な手続数、サービス数"): (
        "procedures.mynaportal_procedures"
    ),
}


def _departments(*, municipality: Municipality, actor: Any) -> None:
    by_code: dict[str, Department] = {
        d.code: d for d in core_selectors.department_list(municipality=municipality)
    }
    top = max((d.sort_order for d in by_code.values()), default=0)
    for order, (code, name_ja, name_en, parent) in enumerate(DEPARTMENTS, start=1):
        if code in by_code:
            continue
        by_code[code] = core_services.department_create(
            municipality=municipality,
            actor=actor,
            code=code,
            name_ja=name_ja,
            name_en=name_en,
            parent=by_code.get(parent),
            sort_order=top + order * 10,
        )


def _link_kpis(*, municipality: Municipality, actor: Any) -> None:
    """Link the plan's KPIs of online procedures to the catalog's metrics (once: a KPI that
    already names a metric, or one staff unlinked and changed, is left alone)."""
    try:
        plan = plan_selectors.plan_get(municipality=municipality)
    except NotFound:
        return
    for (number, name), metric in PLAN_METRICS.items():
        try:
            measure = plan_selectors.measure_get(plan=plan, number=number)
        except NotFound:
            continue
        kpi = measure.kpis.filter(name_ja=name).first()
        if kpi is None or kpi.metric:
            continue
        plan_services.kpi_update(municipality=municipality, actor=actor, kpi=kpi, metric=metric)


def procedures_build(*, municipality: Municipality, actor: Any = None) -> int:
    """Load the demo's catalog when the municipality has none (staff's later changes are
    never overwritten), and link the plan's KPIs. Returns the procedures added."""
    _departments(municipality=municipality, actor=actor)
    added = 0
    if not procedures_selectors.procedure_list(municipality, published_only=False).exists():
        result = procedures_services.procedures_import(
            municipality=municipality,
            actor=actor,
            data=DATA_FILE.read_bytes(),
            file_name=DATA_FILE.name,
        )
        added = len(result.created)
    _link_kpis(municipality=municipality, actor=actor)
    return added
