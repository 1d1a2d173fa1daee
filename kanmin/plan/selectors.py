"""Reads of the plan, always for one municipality."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from kanmin.accounts.selectors import department_ids_of
from kanmin.core.errors import NotFound
from kanmin.core.models import Municipality
from kanmin.plan.models import (
    GlossaryTerm,
    Kpi,
    KpiValue,
    Measure,
    MeasureReview,
    Plan,
    Policy,
    Review,
    ValueKind,
)


def plan_get(*, municipality: Municipality) -> Plan:
    plan = Plan.all_tenants.filter(municipality=municipality).first()
    if plan is None:
        raise NotFound(_("This municipality has no plan yet."), code="no_plan")
    return plan


def measure_list(*, plan: Plan, include_retired: bool = False) -> QuerySet[Measure]:
    queryset = Measure.all_tenants.filter(plan=plan)
    if not include_retired:
        queryset = queryset.filter(retired_at__isnull=True)
    active_kpis = Kpi.all_tenants.filter(retired_at__isnull=True).order_by("sort_order", "pk")
    return queryset.select_related("policy").prefetch_related(
        "departments", Prefetch("kpis", queryset=active_kpis)
    )


def measure_get(*, plan: Plan, number: str) -> Measure:
    try:
        return measure_list(plan=plan).get(number=number)
    except Measure.DoesNotExist:
        raise NotFound(
            _("No measure %(number)s in this plan.") % {"number": number}, code="no_measure"
        ) from None


def kpi_get(*, municipality: Municipality, pk: int) -> Kpi:
    try:
        return Kpi.all_tenants.select_related("measure__plan").get(municipality=municipality, pk=pk)
    except Kpi.DoesNotExist:
        raise NotFound(_("No such KPI.")) from None


def review_get(*, plan: Plan, fiscal_year: int) -> Review:
    try:
        return Review.all_tenants.get(plan=plan, fiscal_year=fiscal_year)
    except Review.DoesNotExist:
        raise NotFound(_("No review for fiscal year %(year)s.") % {"year": fiscal_year}) from None


def latest_values(
    *, plan: Plan, up_to: int | None = None
) -> dict[int, dict[str, dict[int, KpiValue]]]:
    """{kpi id: {"target"|"actual": {fiscal year: latest version}}}, in one query."""
    queryset = KpiValue.all_tenants.filter(kpi__measure__plan=plan).order_by(
        "kpi_id", "kind", "fiscal_year", "version"
    )
    if up_to is not None:
        queryset = queryset.filter(fiscal_year__lte=up_to)
    result: dict[int, dict[str, dict[int, KpiValue]]] = defaultdict(lambda: defaultdict(dict))
    for value in queryset:
        result[value.kpi_id][value.kind][value.fiscal_year] = value  # later versions win
    return result


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral() else float(value)


def kpi_status_for(
    direction: str, targets: dict[int, Any], actuals: dict[int, Any], year: int
) -> str:
    """on_target / behind / no_target / no_data for one fiscal year."""
    actual = actuals.get(year)
    target = targets.get(year)
    if actual is None:
        return "no_data"
    if target is None:
        return "no_target"
    a, t = Decimal(str(actual)), Decimal(str(target))
    ok = a >= t if direction == "higher" else a <= t
    return "on_target" if ok else "behind"


def plan_figures(
    *, plan: Plan, up_to: int | None = None, review: Review | None = None
) -> dict[str, Any]:
    """The plan with every KPI's latest targets and actuals: the export and snapshot shape."""
    values = latest_values(plan=plan, up_to=None)
    reports: dict[int, MeasureReview] = {}
    if review is not None:
        reports = {r.measure_id: r for r in review.measure_reviews.all()}
    measures = []
    for measure in measure_list(plan=plan):
        kpis = []
        for kpi in measure.kpis.all():
            by_kind = values.get(kpi.pk, {})
            targets = {
                str(y): _num(v.value) for y, v in sorted(by_kind.get(ValueKind.TARGET, {}).items())
            }
            actuals = {
                str(y): _num(v.value)
                for y, v in sorted(by_kind.get(ValueKind.ACTUAL, {}).items())
                if up_to is None or y <= up_to
            }
            kpis.append(
                {
                    "id": kpi.pk,
                    "name": kpi.name_ja,
                    "name_en": kpi.name_en,
                    "unit": kpi.unit,
                    "direction": kpi.direction,
                    "formula": kpi.formula,
                    "metric": kpi.metric,
                    "targets": targets,
                    "actuals": actuals,
                }
            )
        entry: dict[str, Any] = {
            "number": measure.number,
            "policy": measure.policy.number,
            "title": measure.title_ja,
            "title_en": measure.title_en,
            "content": measure.content_ja,
            "departments": [d.code for d in measure.departments.all()],
            "kpis": kpis,
        }
        if review is not None:
            report = reports.get(measure.pk)
            entry["progress"] = report.progress if report else None
            entry["comment"] = report.comment if report else ""
        measures.append(entry)
    result: dict[str, Any] = {
        "municipality": plan.municipality.lg_code,
        "title": plan.title_ja,
        "title_en": plan.title_en,
        "first_fiscal_year": plan.first_fiscal_year,
        "policies": [
            {"number": p.number, "area": p.area, "title": p.title_ja, "title_en": p.title_en}
            for p in plan.policies.all()
        ],
        "measures": measures,
    }
    if review is not None:
        result["fiscal_year"] = review.fiscal_year
        result["kpis"] = [k["id"] for m in measures for k in m["kpis"]]
    return result


def dashboard(*, plan: Plan, fiscal_year: int) -> dict[str, Any]:
    """What staff must look at: KPIs behind target, measures without data, silent departments."""
    values = latest_values(plan=plan)
    behind: list[tuple[Measure, Kpi, Any, Any]] = []
    no_data: list[Measure] = []
    for measure in measure_list(plan=plan):
        has_data = False
        for kpi in measure.kpis.all():
            targets = {
                y: v.value for y, v in values.get(kpi.pk, {}).get(ValueKind.TARGET, {}).items()
            }
            actuals = {
                y: v.value for y, v in values.get(kpi.pk, {}).get(ValueKind.ACTUAL, {}).items()
            }
            if actuals:
                has_data = True
            if kpi_status_for(kpi.direction, targets, actuals, fiscal_year) == "behind":
                behind.append((measure, kpi, targets[fiscal_year], actuals[fiscal_year]))
        if not has_data:
            no_data.append(measure)
    silent: list[Any] = []
    review = Review.all_tenants.filter(plan=plan, fiscal_year=fiscal_year).first()
    if review is not None:
        reported = set(review.measure_reviews.values_list("measure_id", flat=True))
        waiting: dict[Any, list[Measure]] = defaultdict(list)
        for measure in measure_list(plan=plan):
            if measure.pk in reported:
                continue
            for department in measure.departments.all():
                waiting[department].append(measure)
        silent = sorted(waiting.items(), key=lambda item: item[0].sort_order)
    return {
        "fiscal_year": fiscal_year,
        "review": review,
        "behind": behind,
        "no_data": no_data,
        "silent_departments": silent,
    }


def latest_closed_review(*, plan: Plan) -> Review | None:
    return Review.all_tenants.filter(plan=plan, status="closed").order_by("-fiscal_year").first()


def kpi_series(*, kpi: Kpi) -> dict[str, dict[str, int | float]]:
    """{"targets": {"2025": 10, …}, "actuals": {…}}: the latest version per fiscal year."""
    series: dict[str, dict[str, int | float]] = {"targets": {}, "actuals": {}}
    for value in KpiValue.all_tenants.filter(kpi=kpi).order_by("kind", "fiscal_year", "version"):
        key = "targets" if value.kind == ValueKind.TARGET else "actuals"
        series[key][str(value.fiscal_year)] = _num(value.value)
    return series


def kpi_history(*, kpi: Kpi) -> QuerySet[KpiValue]:
    """Every version, newest first: corrections never hide what was said before."""
    return (
        KpiValue.all_tenants.filter(kpi=kpi)
        .select_related("created_by")
        .order_by("-fiscal_year", "kind", "-version")
    )


def plan_exists(*, municipality: Municipality) -> bool:
    return Plan.all_tenants.filter(municipality=municipality).exists()


def plan_templates(*, exclude: Municipality) -> QuerySet[Plan]:
    """Plans another municipality may start from: every other active municipality's."""
    return (
        Plan.all_tenants.exclude(municipality=exclude)
        .filter(municipality__is_active=True)
        .select_related("municipality")
    )


def plan_as_template(plan: Plan) -> dict[str, Any]:
    """The structure of a plan, without figures, in the shape ``plan_load`` reads.

    Reads through ``all_tenants``: the copying municipality's request scopes the default
    managers to itself, and the source plan belongs to another municipality.
    """
    policies = Policy.all_tenants.filter(plan=plan).order_by("sort_order")
    measures = (
        Measure.all_tenants.filter(plan=plan, retired_at__isnull=True)
        .select_related("policy")
        .order_by("sort_order")
    )
    kpis: dict[int, list[Kpi]] = {}
    for kpi in Kpi.all_tenants.filter(measure__plan=plan, retired_at__isnull=True).order_by(
        "sort_order", "pk"
    ):
        kpis.setdefault(kpi.measure_id, []).append(kpi)
    glossary = GlossaryTerm.all_tenants.filter(plan=plan).order_by("number")
    return {
        "title": {"ja": plan.title_ja, "en": plan.title_en},
        "first_fiscal_year": plan.first_fiscal_year,
        "source": f"copy of {plan.municipality.lg_code}",
        "policies": [
            {
                "number": p.number,
                "area": p.area,
                "title": {"ja": p.title_ja, "en": p.title_en},
                "parenthetical": {"ja": p.subtitle_ja, "en": p.subtitle_en},
                "content": {"ja": p.content_ja},
            }
            for p in policies
        ],
        "measures": [
            {
                "number": m.number,
                "policy": m.policy.number,
                "title": {"ja": m.title_ja, "en": m.title_en},
                "content": {"ja": m.content_ja, "en": m.content_en},
                "kpis": [
                    {
                        "name": k.name_ja,
                        "en": k.name_en,
                        "unit": k.unit,
                        "direction": k.direction,
                        "formula": k.formula,
                        "metric": k.metric,
                    }
                    for k in kpis.get(m.pk, [])
                ],
            }
            for m in measures
        ],
        "glossary": [
            {
                "number": g.number,
                "term": {"ja": g.term_ja, "en": g.term_en},
                "reading": g.reading,
                "definition": {"ja": g.definition_ja},
            }
            for g in glossary
        ],
    }


def reports_measure(*, actor: Any, measure: Measure, review: Review) -> bool:
    """Whether ``actor`` reports this measure's progress: its responsible departments' staff,
    and whoever may close the review (the plan manager). ``None`` is the system."""
    if actor is None or actor.has_perm("plan.change_review", review):
        return True
    if not actor.has_perm("plan.add_measurereview", measure):
        return False
    responsible = {d.pk for d in measure.departments.all()}
    return bool(responsible & department_ids_of(user=actor, municipality=measure.municipality))


def review_gaps(*, review: Review) -> dict[str, Any]:
    """What an open review still lacks: the measures without a progress report, and the KPIs
    without an actual for the review's fiscal year (a computed KPI counts when it has one).

    ``{"unreported": [Measure, …], "missing_actuals": [(Measure, Kpi), …], "count": n}``.
    """
    reported = set(review.measure_reviews.values_list("measure_id", flat=True))
    with_actual = set(
        KpiValue.all_tenants.filter(
            kpi__measure__plan_id=review.plan_id,
            kind=ValueKind.ACTUAL,
            fiscal_year=review.fiscal_year,
        ).values_list("kpi_id", flat=True)
    )
    unreported: list[Measure] = []
    missing: list[tuple[Measure, Kpi]] = []
    for measure in measure_list(plan=review.plan):
        if measure.pk not in reported:
            unreported.append(measure)
        for kpi in measure.kpis.all():
            if kpi.pk not in with_actual:
                missing.append((measure, kpi))
    return {
        "unreported": unreported,
        "missing_actuals": missing,
        "count": len(unreported) + len(missing),
    }


def actuals_for_year(*, plan: Plan, fiscal_year: int) -> dict[int, KpiValue]:
    """{kpi id: latest actual} for one fiscal year."""
    result: dict[int, KpiValue] = {}
    for value in KpiValue.all_tenants.filter(
        kpi__measure__plan=plan, kind=ValueKind.ACTUAL, fiscal_year=fiscal_year
    ).order_by("kpi_id", "version"):
        result[value.kpi_id] = value
    return result
