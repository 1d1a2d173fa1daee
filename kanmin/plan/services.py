"""Writes to the plan, each in the one shape of kanmin.core.actions; a KPI value is never
overwritten (a correction is a new version)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.core import metrics
from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.errors import Conflict, Invalid, PermissionDenied
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.models import Department, Municipality
from kanmin.plan import rules, selectors
from kanmin.plan.models import (
    GlossaryTerm,
    Kpi,
    KpiValue,
    Measure,
    MeasureReview,
    Plan,
    Policy,
    Progress,
    Review,
    ReviewStatus,
    Source,
    ValueKind,
)


def _ja(entry: dict[str, Any], key: str) -> str:
    """The Japanese text of ``key`` in either shape: {"ja": …, "en": …} or a plain string."""
    value = entry.get(key, "")
    return str(value.get("ja", "")) if isinstance(value, dict) else str(value or "")


def _en(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key, "")
    if isinstance(value, dict):
        return str(value.get("en", ""))
    return str(entry.get(f"{key}_en", ""))


@action("plan.plan.load", perm="plan.add_plan")
def plan_load(*, municipality: Municipality, actor: Any, data: dict[str, Any]) -> Outcome[Plan]:
    """Create a municipality's plan from the data file's shape or an export's (policies,
    measures, KPIs, glossary). Refuses when the municipality already has a plan."""
    if Plan.objects.for_municipality(municipality).exists():
        raise Conflict(_("This municipality already has a plan."), code="plan_exists")
    first_year = data.get("first_fiscal_year") or FiscalYear.of(timezone.localdate()).year
    plan = Plan.objects.create(
        municipality=municipality,
        title_ja=_ja(data, "title"),
        title_en=_en(data, "title"),
        first_fiscal_year=int(first_year),
        source=str(data.get("source", "")),
    )
    policies: dict[str, Policy] = {}
    for order, p in enumerate(data["policies"]):
        policies[p["number"]] = Policy.objects.create(
            municipality=municipality,
            plan=plan,
            number=p["number"],
            area=p.get("area", ""),
            title_ja=_ja(p, "title"),
            title_en=_en(p, "title"),
            subtitle_ja=_ja(p, "parenthetical"),
            subtitle_en=_en(p, "parenthetical"),
            content_ja=_ja(p, "content"),
            sort_order=order,
        )
    kpis = 0
    for order, m in enumerate(data["measures"]):
        policy = policies.get(m["policy"])
        if policy is None:
            raise Invalid(
                _("Measure %(number)s names the unknown policy %(policy)s.")
                % {"number": m["number"], "policy": m["policy"]}
            )
        measure = Measure.objects.create(
            municipality=municipality,
            plan=plan,
            policy=policy,
            number=m["number"],
            title_ja=_ja(m, "title"),
            title_en=_en(m, "title"),
            content_ja=_ja(m, "content"),
            content_en=_en(m, "content"),
            sort_order=order,
        )
        for k_order, k in enumerate(m.get("kpi_examples", m.get("kpis", []))):
            Kpi.objects.create(
                municipality=municipality,
                measure=measure,
                name_ja=k.get("ja") or k["name"],
                name_en=k.get("en") or k.get("name_en", ""),
                unit=k.get("unit", ""),
                direction=k.get("direction", "higher"),
                formula=k.get("formula", ""),
                metric=k.get("metric", ""),
                from_seed="kpi_examples" in m,
                sort_order=k_order,
            )
            kpis += 1
    for g in data.get("glossary", []):
        GlossaryTerm.objects.create(
            municipality=municipality,
            plan=plan,
            number=g["number"],
            term_ja=_ja(g, "term"),
            term_en=_en(g, "term"),
            reading=g.get("reading", ""),
            definition_ja=_ja(g, "definition"),
        )
    return Changed(
        plan,
        after={
            "policies": len(policies),
            "measures": len(data["measures"]),
            "kpis": kpis,
            "glossary": len(data.get("glossary", [])),
        },
    )


# Plain: ``source`` is another municipality's plan; plan_load checks and records.
@transaction.atomic
def plan_copy(*, municipality: Municipality, actor: Any, source: Plan) -> Plan:
    """Start a municipality's own plan as a copy of another's structure (no figures)."""
    return plan_load(
        municipality=municipality, actor=actor, data=selectors.plan_as_template(source)
    )


def _measure_fields(m: Measure) -> dict[str, Any]:
    return {
        **{name: getattr(m, name) for name in ("number", "title_ja", "title_en", "content_ja")},
        "policy": m.policy.number,
        "departments": sorted(d.code for d in m.departments.all()) if m.pk else [],
        "retired": m.retired_at is not None,
    }


def _number_free(plan: Plan, number: str, measure: Measure | None = None) -> None:
    """Refuse a number that a live measure of the plan (other than ``measure``) has."""
    clash = plan.measures.filter(number=number, retired_at__isnull=True)
    if measure is not None:
        clash = clash.exclude(pk=measure.pk)
    if clash.exists():
        raise Conflict(
            _("A measure numbered %(number)s already exists.") % {"number": number},
            fields={"number": [_("This number is already used.")]},
        )


@action("plan.measure.create", perm="plan.add_measure")
def measure_create(
    *,
    municipality: Municipality,
    actor: Any,
    plan: Plan,
    policy: Policy,
    number: str,
    title_ja: str,
    title_en: str = "",
    content_ja: str = "",
    departments: list[Department] | None = None,
) -> Outcome[Measure]:
    number = number.strip()
    _number_free(plan, number)
    order = (plan.measures.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    measure = Measure.objects.create(
        municipality=municipality,
        plan=plan,
        policy=policy,
        number=number,
        title_ja=title_ja.strip(),
        title_en=title_en.strip(),
        content_ja=content_ja.strip(),
        sort_order=order,
    )
    if departments:
        measure.departments.set(departments)
    return Changed(measure, after=_measure_fields(measure))


@action("plan.measure.update", perm="plan.change_measure", on="measure")
def measure_update(
    *,
    municipality: Municipality,
    actor: Any,
    measure: Measure,
    number: str | None = None,
    title_ja: str | None = None,
    title_en: str | None = None,
    content_ja: str | None = None,
    departments: list[Department] | None = None,
) -> Outcome[Measure]:
    """Edit or renumber a measure; the audit log keeps what it was."""
    before = _measure_fields(measure)
    if number is not None and number.strip() != measure.number:
        number = number.strip()
        _number_free(measure.plan, number, measure)
        measure.number = number
    for field, value in (
        ("title_ja", title_ja),
        ("title_en", title_en),
        ("content_ja", content_ja),
    ):
        if value is not None:
            setattr(measure, field, value.strip())
    if not measure.title_ja:
        raise Invalid(fields={"title_ja": [_("Give the measure a title.")]})
    measure.save()
    if departments is not None:
        measure.departments.set(departments)
    return Changed(measure, before=before, after=_measure_fields(measure))


Retirable = TypeVar("Retirable", Measure, Kpi)


def _retire(row: Retirable) -> Retirable | Unchanged[Retirable]:
    if row.retired_at is not None:
        return Unchanged(row)
    row.retired_at = timezone.now()
    row.save(update_fields=["retired_at"])
    return row


@action("plan.measure.retire", perm="plan.change_measure", on="measure")
def measure_retire(*, municipality: Municipality, actor: Any, measure: Measure) -> Outcome[Measure]:
    return _retire(measure)


# A KPI's fields that staff edit, as the audit log keeps them.
_KPI_FIELDS = ("name_ja", "name_en", "unit", "direction", "formula", "metric")


def _kpi_fields(k: Kpi) -> dict[str, Any]:
    return {**{name: getattr(k, name) for name in _KPI_FIELDS}, "retired": k.retired_at is not None}


def _check_direction(direction: str) -> None:
    if direction not in ("higher", "lower"):
        raise Invalid(fields={"direction": [_("Choose higher or lower.")]})


def _check_metric(name: str) -> None:
    if name:
        try:
            metrics.get(name)
        except KeyError:
            raise Invalid(
                fields={"metric": [_("No metric named %(name)s is registered.") % {"name": name}]}
            ) from None


@action("plan.kpi.create", perm="plan.add_kpi")
def kpi_create(
    *,
    municipality: Municipality,
    actor: Any,
    measure: Measure,
    name_ja: str,
    name_en: str = "",
    unit: str = "",
    direction: str = "higher",
    formula: str = "",
    metric: str = "",
) -> Outcome[Kpi]:
    _check_direction(direction)
    if not name_ja.strip():
        raise Invalid(fields={"name_ja": [_("Give the KPI a name.")]})
    _check_metric(metric)
    order = (measure.kpis.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    kpi = Kpi.objects.create(
        municipality=municipality,
        measure=measure,
        name_ja=name_ja.strip(),
        name_en=name_en.strip(),
        unit=unit.strip(),
        direction=direction,
        formula=formula.strip(),
        metric=metric,
        sort_order=order,
    )
    return Changed(kpi, after=_kpi_fields(kpi))


@action("plan.kpi.update", perm="plan.change_kpi", on="kpi")
def kpi_update(*, municipality: Municipality, actor: Any, kpi: Kpi, **changes: Any) -> Outcome[Kpi]:
    unknown = set(changes) - set(_KPI_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    if "metric" in changes:
        _check_metric(changes["metric"])
    _check_direction(changes.get("direction", "higher"))
    before = _kpi_fields(kpi)
    for field, value in changes.items():
        setattr(kpi, field, value.strip() if isinstance(value, str) else value)
    kpi.save()
    return Changed(kpi, before=before, after=_kpi_fields(kpi))


@action("plan.kpi.retire", perm="plan.change_kpi", on="kpi")
def kpi_retire(*, municipality: Municipality, actor: Any, kpi: Kpi) -> Outcome[Kpi]:
    return _retire(kpi)


def _latest(municipality: Municipality, kpi: Kpi, kind: str, fiscal_year: int) -> KpiValue | None:
    return (
        KpiValue.objects.for_municipality(municipality)
        .filter(kpi=kpi, kind=kind, fiscal_year=fiscal_year)
        .order_by("-version")
        .first()
    )


# The entry is named by the kind: plan.kpi_target.record or plan.kpi_actual.record.
@action("plan.kpi_value.record", perm="plan.add_kpivalue", on="kpi")
def kpi_value_record(
    *,
    municipality: Municipality,
    actor: Any,
    kpi: Kpi,
    kind: str,
    fiscal_year: int,
    value: Any,
    comment: str = "",
    evidence_url: str = "",
    evidence_file: UploadedFile | None = None,
    source: str = Source.ENTERED,
) -> Outcome[KpiValue]:
    """Record a target or an actual for a fiscal year as a new version.

    When the latest version already says the same (value, comment and evidence), nothing is
    written and that version is returned with ``recorded_now`` False.
    """
    if kind not in ValueKind.values:
        raise Invalid(fields={"kind": [_("Choose target or actual.")]})
    if kind == ValueKind.ACTUAL and kpi.computed and source == Source.ENTERED:
        raise Invalid(
            _("This KPI is computed by the platform; its actual values cannot be typed in."),
            code="computed",
        )
    number = rules.parse_value(value)
    first, last = rules.fiscal_year_bounds(kpi.measure.plan, kind)
    if not first <= int(fiscal_year) <= last:
        raise Invalid(
            fields={
                "fiscal_year": [
                    _("%(kind)s values can be given for fiscal years %(first)s to %(last)s.")
                    % {"kind": ValueKind(kind).label, "first": first, "last": last}
                ]
            },
            code="fiscal_year_outside_plan",
        )
    latest = _latest(municipality, kpi, kind, fiscal_year)
    if (
        latest is not None
        and latest.value == number
        and latest.comment == comment.strip()
        and latest.evidence_url == evidence_url.strip()
        and evidence_file is None
    ):
        # The same figure again (a double submit, a re-sent sheet): no new version.
        latest.recorded_now = False
        return Unchanged(latest)
    entry = KpiValue(
        municipality=municipality,
        kpi=kpi,
        kind=kind,
        fiscal_year=int(fiscal_year),
        version=(latest.version + 1) if latest else 1,
        value=number,
        source=source,
        comment=comment.strip(),
        evidence_url=evidence_url.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if evidence_file is not None:
        entry.evidence_file.save(evidence_file.name or "evidence", evidence_file, save=False)
    entry.save()
    return Changed(
        entry,
        action=f"plan.kpi_{kind}.record",
        target=kpi,
        before={"value": str(latest.value), "version": latest.version} if latest else None,
        after={
            "fiscal_year": entry.fiscal_year,
            "value": str(entry.value),
            "version": entry.version,
            "source": source,
        },
    )


# Plain: the figure is the platform's; kpi_value_record checks and records a new one.
@transaction.atomic
def kpi_compute(
    *, municipality: Municipality, actor: Any, kpi: Kpi, fiscal_year: int
) -> KpiValue | None:
    """Count a computed KPI's actual for a fiscal year from the platform's data.

    Adds a version only when the figure differs from the latest one.
    """
    if not kpi.metric:
        raise Invalid(_("This KPI is entered by departments, not computed."), code="not_computed")
    metric = metrics.get(kpi.metric)
    value = metric.compute(municipality=municipality, fiscal_year=FiscalYear(int(fiscal_year)))
    if value is None:
        return None
    latest = _latest(municipality, kpi, ValueKind.ACTUAL, fiscal_year)
    if latest is not None and latest.value == value:
        return latest
    return kpi_value_record(
        municipality=municipality,
        actor=actor,
        kpi=kpi,
        kind=ValueKind.ACTUAL,
        fiscal_year=fiscal_year,
        value=value,
        source=Source.COMPUTED,
        comment=str(metric.description),
    )


@action("plan.review.open", perm="plan.add_review")
def review_open(
    *, municipality: Municipality, actor: Any, plan: Plan, fiscal_year: int
) -> Outcome[Review]:
    if (
        Review.objects.for_municipality(municipality)
        .filter(plan=plan, fiscal_year=fiscal_year)
        .exists()
    ):
        raise Conflict(
            _("A review for fiscal year %(year)s already exists.") % {"year": fiscal_year},
            code="review_exists",
        )
    first, last = rules.fiscal_year_bounds(plan, ValueKind.ACTUAL)
    if not first <= fiscal_year <= last:
        raise Invalid(
            fields={
                "fiscal_year": [
                    _("Reviews can be opened for fiscal years %(first)s to %(last)s.")
                    % {"first": first, "last": last}
                ]
            }
        )
    review = Review.objects.create(municipality=municipality, plan=plan, fiscal_year=fiscal_year)
    return Changed(review, after={"fiscal_year": fiscal_year})


@action("plan.measure_review.set", perm="plan.add_measurereview", on="measure")
def measure_review_set(
    *,
    municipality: Municipality,
    actor: Any,
    review: Review,
    measure: Measure,
    progress: str,
    comment: str = "",
) -> Outcome[MeasureReview]:
    """A department reports the progress of one of its measures in an open review.

    Staff report only the measures of their own departments; whoever may close the review
    (the plan manager) may report any measure.
    """
    if not selectors.reports_measure(actor=actor, measure=measure, review=review):
        raise PermissionDenied(
            _("Only the departments responsible for %(number)s report its progress.")
            % {"number": measure.number},
            code="not_responsible",
        )
    if review.is_closed:
        raise Conflict(_("This review is closed; its reports can no longer change."), code="closed")
    if progress not in Progress.values:
        raise Invalid(fields={"progress": [_("Choose one of the listed states.")]})
    if progress in (Progress.DELAYED, Progress.CHANGED) and not comment.strip():
        raise Invalid(fields={"comment": [_("Say why the measure is delayed or changed.")]})
    existing = (
        MeasureReview.objects.for_municipality(municipality)
        .filter(review=review, measure=measure)
        .first()
    )
    before = {"progress": existing.progress, "comment": existing.comment} if existing else None
    entry = existing or MeasureReview(municipality=municipality, review=review, measure=measure)
    entry.progress = progress
    entry.comment = comment.strip()
    entry.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    entry.save()
    return Changed(
        entry,
        target=measure,
        before=before,
        after={"review": review.fiscal_year, "progress": progress, "comment": entry.comment},
    )


@action("plan.review.close", perm="plan.change_review", on="review")
def review_close(
    *, municipality: Municipality, actor: Any, review: Review, confirm_incomplete: bool = False
) -> Outcome[Review]:
    """Close a review and freeze its figures: the report of a closed review never changes.

    While measures have no progress report or KPIs no actual for the review's fiscal year, the
    review closes only with ``confirm_incomplete=True``: the manager has been shown what is
    missing (``selectors.review_gaps``) and closes anyway.
    """
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_closed:
        raise Conflict(_("This review is already closed."), code="closed")
    gaps = selectors.review_gaps(review=review)
    if gaps["count"] and not confirm_incomplete:
        raise Conflict(
            _(
                "The review is not complete: %(measures)s measures have no progress report and "
                "%(kpis)s KPIs have no actual for fiscal year %(year)s. Fill them in, or confirm "
                "that the review closes without them."
            )
            % {
                "measures": len(gaps["unreported"]),
                "kpis": len(gaps["missing_actuals"]),
                "year": review.fiscal_year,
            },
            code="review_incomplete",
        )
    review.snapshot = selectors.plan_figures(
        plan=review.plan, up_to=review.fiscal_year, review=review
    )
    review.status = ReviewStatus.CLOSED
    review.closed_at = timezone.now()
    review.save()
    return Changed(
        review,
        after={
            "fiscal_year": review.fiscal_year,
            "kpis": len(review.snapshot.get("kpis", [])),
            "unreported_measures": [m.number for m in gaps["unreported"]],
            "kpis_without_actual": [k.pk for _m, k in gaps["missing_actuals"]],
        },
    )
