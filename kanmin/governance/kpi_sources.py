"""What each KPI of :mod:`kanmin.governance.kpis` counts in the register: (numerator,
denominator) for a municipality, fiscal year and the day the stock is counted on.

A change here changes a KPI's figures: give the KPI a new definition version in ``kpis``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from kanmin.core.fiscal_year import FiscalYear
from kanmin.governance.models import (
    Audit,
    Business,
    Hosting,
    InformationSystem,
    StandardizationStatus,
    SystemBusiness,
    TrainingSession,
    Vulnerability,
)
from kanmin.governance.spec_models import Spec, SpecList

Count = tuple[int, int | None]


def systems_in_operation(municipality: Any, on: dt.date) -> QuerySet[InformationSystem]:
    """Systems in use on ``on``: contracted by then (or no contract date recorded), neither
    retired nor consolidated into another by then."""
    return InformationSystem.all_tenants.filter(municipality=municipality).filter(
        Q(contract_start__isnull=True) | Q(contract_start__lte=on),
        Q(retired_on__isnull=True) | Q(retired_on__gt=on),
        Q(consolidated_on__isnull=True) | Q(consolidated_on__gt=on),
    )


def systems_consolidated(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    n = InformationSystem.all_tenants.filter(
        municipality=municipality,
        consolidated_on__gte=fiscal_year.start,
        consolidated_on__lte=min(fiscal_year.end, on),
    ).count()
    return n, None


def platform_rate(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    systems = systems_in_operation(municipality, on)
    return systems.filter(applic_compliant=True).count(), systems.count()


def intermediate_layout_rate(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    scope = systems_in_operation(municipality, on).filter(middle_layout_in_scope=True)
    return scope.filter(middle_layout_compliant=True).count(), scope.count()


def spec_list_valid(municipality: Any, spec: str, fiscal_year: FiscalYear) -> SpecList | None:
    """The version of ``spec``'s list of 業務 valid on 31 March of the fiscal year (the latest
    one valid from that day or before); None when none is recorded."""
    return (
        SpecList.all_tenants.filter(
            municipality=municipality, spec=spec, valid_from__lte=fiscal_year.end
        )
        .order_by("-valid_from")
        .first()
    )


def _businesses_counted(
    municipality: Any, spec: str, fiscal_year: FiscalYear, on: dt.date, **flags: bool
) -> Count:
    """(業務 of the list valid on 31 March covered on ``on`` by a system in operation whose
    link or system has ``flags``, 業務 in the list). No list: (0, 0), a rate without value."""
    spec_list = spec_list_valid(municipality, spec, fiscal_year)
    if spec_list is None:
        return 0, 0
    listed = set(spec_list.businesses.values_list("business", flat=True))
    covered = set(
        SystemBusiness.all_tenants.filter(
            municipality=municipality,
            system__in=systems_in_operation(municipality, on),
            business__in=listed,
            **flags,
        ).values_list("business", flat=True)
    )
    return len(covered), len(listed)


def applic_business_rate(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    """地域情報プラットフォーム準拠製品利用数 ÷ 標準仕様で定義されている業務数, per 業務."""
    return _businesses_counted(
        municipality, Spec.APPLIC, fiscal_year, on, system__applic_compliant=True
    )


def layout_procurement_rate(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    """調達仕様書に記載した業務数 ÷ 中間標準レイアウト仕様で定義されている業務数."""
    return _businesses_counted(
        municipality, Spec.MIDDLE_LAYOUT, fiscal_year, on, layout_in_procurement=True
    )


def layout_migration_rate(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    """データ移行を行なう際中間標準レイアウト仕様を活用した業務数 ÷ 同仕様で定義されている業務数."""
    return _businesses_counted(
        municipality, Spec.MIDDLE_LAYOUT, fiscal_year, on, layout_in_migration=True
    )


def cloud_rate(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    systems = systems_in_operation(municipality, on)
    return systems.exclude(hosting=Hosting.ON_PREMISES).count(), systems.count()


def shared_systems(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    return systems_in_operation(municipality, on).filter(hosting=Hosting.SHARED).count(), None


def standard_migration(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    migrated = (
        StandardizationStatus.all_tenants.filter(
            municipality=municipality,
            status=StandardizationStatus.Status.MIGRATED,
            migrated_on__lte=on,
            business__in=Business.values,
        )
        .values("business")
        .distinct()
        .count()
    )
    return migrated, len(Business.values)


def audits(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    n = Audit.all_tenants.filter(
        municipality=municipality,
        conducted_on__gte=fiscal_year.start,
        conducted_on__lte=min(fiscal_year.end, on),
    ).count()
    return n, None


def _sessions(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> QuerySet[Any]:
    return TrainingSession.all_tenants.filter(
        municipality=municipality,
        held_on__gte=fiscal_year.start,
        held_on__lte=min(fiscal_year.end, on),
    )


def security_trainings(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    n = (
        _sessions(municipality, fiscal_year, on)
        .filter(audience=TrainingSession.Audience.STAFF, kind=TrainingSession.Kind.TRAINING)
        .count()
    )
    return n, None


def topic_trainings(*topics: str) -> Any:
    """A count of the staff training sessions (研修, not exercises) on one of ``topics``."""

    def count(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
        n = (
            _sessions(municipality, fiscal_year, on)
            .filter(
                audience=TrainingSession.Audience.STAFF,
                kind=TrainingSession.Kind.TRAINING,
                topic__in=topics,
            )
            .count()
        )
        return n, None

    return count


def exercises(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    n = (
        _sessions(municipality, fiscal_year, on)
        .filter(audience=TrainingSession.Audience.STAFF, kind=TrainingSession.Kind.EXERCISE)
        .count()
    )
    return n, None


def security_training_attendance(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    """研修受講率: attendances ÷ staff required, over the staff sessions that name how many
    were required to attend."""
    totals = (
        _sessions(municipality, fiscal_year, on)
        .filter(audience=TrainingSession.Audience.STAFF, required_count__isnull=False)
        .aggregate(attended=Sum("attendees_count"), required=Sum("required_count"))
    )
    return int(totals["attended"] or 0), int(totals["required"] or 0)


def citizen_course_participants(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    total = (
        _sessions(municipality, fiscal_year, on)
        .filter(audience=TrainingSession.Audience.CITIZEN)
        .aggregate(n=Sum("attendees_count"))["n"]
    )
    return int(total or 0), None


def _found(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> QuerySet[Any]:
    return Vulnerability.all_tenants.filter(
        municipality=municipality,
        found_on__gte=fiscal_year.start,
        found_on__lte=min(fiscal_year.end, on),
    )


def vulnerability_resolution_rate(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    found = _found(municipality, fiscal_year, on)
    return found.filter(fixed_on__lte=min(fiscal_year.end, on)).count(), found.count()


def vulnerability_sla_rate(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    found = _found(municipality, fiscal_year, on)
    within = found.filter(fixed_on__isnull=False, fixed_on__lte=F("due_on")).filter(
        fixed_on__lte=min(fiscal_year.end, on)
    )
    return within.count(), found.count()


def vulnerabilities_resolved(municipality: Any, fiscal_year: FiscalYear, on: dt.date) -> Count:
    n = Vulnerability.all_tenants.filter(
        municipality=municipality,
        fixed_on__gte=fiscal_year.start,
        fixed_on__lte=min(fiscal_year.end, on),
    ).count()
    return n, None
