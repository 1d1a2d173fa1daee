"""Reads of the ICT governance register, always for one municipality and one viewer.

The register is sensitive: a viewer who holds ``governance.see_all_systems`` (the information
policy division, auditors, administrators) sees every system; department staff see only the
systems of their own departments (their memberships'). ``viewer=None`` is the system itself
(commands, KPIs) and sees everything.

- ``visible_department_ids(municipality, viewer)``: None (all) or the departments' ids;
- ``system_list(municipality, viewer=…, department=…, hosting=…, business=…, compliance=…,
  active=…, q=…)``; ``system_get(municipality, code, viewer=…)`` (raises ``NotFound``, also for
  a system the viewer may not see);
- ``vulnerability_list(municipality, viewer=…, state=…, severity=…, system=…)``,
  ``vulnerability_counts(…)``, ``vulnerability_get(municipality, pk, viewer=…)``: the
  vulnerabilities of the systems the viewer may see (a system without a department is seen
  only by those who see everything);
- ``standardization_list(municipality)``: the 20 基幹業務, each with its status row or None;
- ``spec_list_list(municipality)``: the versions of the specifications' lists of 業務 (Ⅴ-4),
  newest first per specification, with their 業務.
- ``audit_list(municipality, viewer=…, kind=…, fiscal_year=…)``, ``audit_get``,
  ``audit_findings(audit, viewer=…)``, ``audit_finding_get``, ``audit_fiscal_years``: audits and
  self-checks; department staff see those over one of their departments or of their systems,
  and in them the findings of their systems and the audit-wide findings (no system);
- ``incident_list(municipality, viewer=…)`` (open ones first), ``incident_get``,
  ``incident_events(incident)`` (the timeline, oldest first): incidents touching a system the
  viewer may see (one with no system only for those who see everything);
- ``training_list(municipality, fiscal_year=…, audience=…)``, ``training_get``,
  ``training_fiscal_years``, ``training_attendances(session)``, ``staff_members(municipality)``:
  trainings are not a department's records; only their pages' permission limits them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core.errors import NotFound
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.models import Department, Municipality
from kanmin.core.permissions import allowed
from kanmin.governance.models import (
    Audit,
    AuditFinding,
    Business,
    Incident,
    IncidentEvent,
    InformationSystem,
    Severity,
    StandardizationStatus,
    SystemBusiness,
    SystemCost,
    TrainingAttendance,
    TrainingSession,
    Vulnerability,
)
from kanmin.governance.spec_models import SpecBusiness, SpecList

SEE_ALL_PERM = "governance.see_all_systems"

# The compliance filter's choices: a flag that must be set.
COMPLIANCE_FIELDS = {
    "applic": "applic_compliant",
    "middle_layout": "middle_layout_compliant",
    "standard": "standard_compliant",
}


def visible_department_ids(municipality: Municipality, viewer: Any) -> set[int] | None:
    """The departments whose systems ``viewer`` may see; None means all of them."""
    if viewer is None or allowed(viewer, SEE_ALL_PERM, municipality):
        return None
    return accounts_selectors.department_ids_of(user=viewer, municipality=municipality)


def can_see(municipality: Municipality, viewer: Any, system: InformationSystem) -> bool:
    ids = visible_department_ids(municipality, viewer)
    return ids is None or system.department_id in ids


def _like(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def system_list(
    municipality: Municipality,
    *,
    viewer: Any,
    department: Department | str | None = None,
    hosting: str = "",
    business: str = "",
    compliance: str = "",
    active: bool | None = None,
    q: str = "",
) -> QuerySet[InformationSystem]:
    """The systems ``viewer`` may see, by code. ``department`` is a department or its code;
    ``hosting`` one of ``Hosting``; ``business`` one of ``Business``; ``compliance`` one of
    ``COMPLIANCE_FIELDS`` (the flag set) or ``-`` and one of them (not set); ``active`` True
    keeps systems neither retired nor consolidated, False only those; ``q`` searches the code,
    name and vendor."""
    rows = (
        InformationSystem.all_tenants.filter(municipality=municipality)
        .select_related("department", "consolidated_into")
        .prefetch_related(
            Prefetch("businesses", queryset=SystemBusiness.all_tenants.order_by("business")),
            Prefetch("costs", queryset=SystemCost.all_tenants.order_by("fiscal_year")),
        )
    )
    ids = visible_department_ids(municipality, viewer)
    if ids is not None:
        rows = rows.filter(department_id__in=ids)
    if isinstance(department, Department):
        rows = rows.filter(department=department)
    elif department:
        rows = rows.filter(department__code=department)
    if hosting:
        rows = rows.filter(hosting=hosting)
    if business:
        if business not in Business.values:
            return rows.none()
        rows = rows.filter(businesses__business=business)
    if compliance:
        negate = compliance.startswith("-")
        name = COMPLIANCE_FIELDS.get(compliance.lstrip("-"))
        if name is None:
            return rows.none()
        rows = rows.filter(**{name: not negate})
    ended = Q(retired_on__isnull=False) | Q(consolidated_on__isnull=False)
    if active is True:
        rows = rows.exclude(ended)
    elif active is False:
        rows = rows.filter(ended)
    for word in _like(q).split():
        rows = rows.filter(
            Q(code__icontains=word) | Q(name__icontains=word) | Q(vendor__icontains=word)
        )
    return rows.distinct().order_by("code")


def system_get(municipality: Municipality, code: str, *, viewer: Any) -> InformationSystem:
    try:
        return system_list(municipality, viewer=viewer).get(code=code)
    except InformationSystem.DoesNotExist:
        raise NotFound(_("No information system with the ID %(code)s.") % {"code": code}) from None


def system_vulnerabilities(system: InformationSystem) -> QuerySet[Vulnerability]:
    return Vulnerability.all_tenants.filter(
        municipality_id=system.municipality_id, system=system
    ).order_by("fixed_on", "-found_on", "identifier")


# --- vulnerabilities across the register ---

# The list's states: open (not fixed), overdue (open past its due date), fixed.
VULNERABILITY_STATES = ("open", "overdue", "fixed")


def vulnerability_list(
    municipality: Municipality,
    *,
    viewer: Any,
    state: str = "",
    severity: str = "",
    system: InformationSystem | str | None = None,
    today: dt.date | None = None,
) -> QuerySet[Vulnerability]:
    """The vulnerabilities of the systems ``viewer`` may see: open ones first (the most overdue
    first), then fixed ones, latest first. ``state`` is one of ``VULNERABILITY_STATES``;
    ``severity`` one of ``Severity``; ``system`` a system or its ID. An unknown filter value
    gives no rows."""
    today = today or timezone.localdate()
    rows = Vulnerability.all_tenants.filter(municipality=municipality).select_related(
        "system", "system__department"
    )
    ids = visible_department_ids(municipality, viewer)
    if ids is not None:
        rows = rows.filter(system__department_id__in=ids)
    if state == "open":
        rows = rows.filter(fixed_on__isnull=True)
    elif state == "overdue":
        rows = rows.filter(fixed_on__isnull=True, due_on__lt=today)
    elif state == "fixed":
        rows = rows.filter(fixed_on__isnull=False)
    elif state:
        return rows.none()
    if severity:
        if severity not in Severity.values:
            return rows.none()
        rows = rows.filter(severity=severity)
    if isinstance(system, InformationSystem):
        rows = rows.filter(system=system)
    elif system:
        rows = rows.filter(system__code=system)
    return rows.order_by(
        F("fixed_on").desc(nulls_first=True), "due_on", "-found_on", "system__code", "identifier"
    )


def vulnerability_counts(
    municipality: Municipality, *, viewer: Any, today: dt.date | None = None
) -> dict[str, int]:
    """How many vulnerabilities ``viewer`` may see: ``total``, ``open``, ``overdue``, ``fixed``
    and, for the open ones, one count per severity (``open_critical`` …)."""
    today = today or timezone.localdate()
    rows = vulnerability_list(municipality, viewer=viewer, today=today)
    counts = rows.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(fixed_on__isnull=True)),
        overdue=Count("pk", filter=Q(fixed_on__isnull=True, due_on__lt=today)),
        fixed=Count("pk", filter=Q(fixed_on__isnull=False)),
        **{
            f"open_{value}": Count("pk", filter=Q(fixed_on__isnull=True, severity=value))
            for value in Severity.values
        },
    )
    return {name: int(value or 0) for name, value in counts.items()}


def vulnerability_get(municipality: Municipality, pk: int, *, viewer: Any) -> Vulnerability:
    """One vulnerability of a system ``viewer`` may see; ``NotFound`` otherwise."""
    try:
        return vulnerability_list(municipality, viewer=viewer).get(pk=pk)
    except Vulnerability.DoesNotExist:
        raise NotFound(_("No such vulnerability.")) from None


def standardization_list(
    municipality: Municipality,
) -> list[tuple[str, StandardizationStatus | None]]:
    """The 20 基幹業務 in the law's order, each with its status row (None when not recorded)."""
    rows = {
        s.business: s
        for s in StandardizationStatus.all_tenants.filter(municipality=municipality).select_related(
            "target_system"
        )
    }
    return [(code, rows.get(code)) for code in Business.values]


def spec_list_list(municipality: Municipality) -> QuerySet[SpecList]:
    """Every version of the specifications' lists of 業務, newest first per specification."""
    return (
        SpecList.all_tenants.filter(municipality=municipality)
        .order_by("spec", "-valid_from")
        .prefetch_related(
            Prefetch("businesses", queryset=SpecBusiness.all_tenants.order_by("position", "id"))
        )
    )


# --- audits and self-checks (監査・自己点検) ---


def _fiscal_year_range(fiscal_year: FiscalYear | int) -> tuple[dt.date, dt.date]:
    year = fiscal_year if isinstance(fiscal_year, FiscalYear) else FiscalYear(fiscal_year)
    return year.start, year.end


def _visible_findings(ids: set[int] | None) -> Q:
    """The findings a viewer seeing the departments ``ids`` (None: all) may read: those of
    their systems and those of the whole audit (no system)."""
    if ids is None:
        return Q()
    return Q(system__isnull=True) | Q(system__department_id__in=ids)


def audit_list(
    municipality: Municipality,
    *,
    viewer: Any,
    kind: str = "",
    fiscal_year: FiscalYear | int | None = None,
    today: dt.date | None = None,
) -> QuerySet[Audit]:
    """The audits and self-checks ``viewer`` may see, latest first (by the day conducted, or
    planned while not conducted). ``kind`` is one of ``Audit.Kind``; ``fiscal_year`` (年度,
    April to March) keeps those whose day falls in it. Each row carries ``day``,
    ``findings_open`` and ``findings_overdue`` (open past their due date, on ``today``)
    counted over the findings the viewer may read."""
    today = today or timezone.localdate()
    rows = Audit.all_tenants.filter(municipality=municipality)
    ids = visible_department_ids(municipality, viewer)
    if ids is not None:
        mine = Audit.all_tenants.filter(municipality=municipality).filter(
            Q(systems__department_id__in=ids) | Q(departments__in=ids)
        )
        rows = rows.filter(pk__in=mine.values("pk"))
    if kind:
        if kind not in Audit.Kind.values:
            return rows.none()
        rows = rows.filter(kind=kind)
    rows = rows.annotate(day=Coalesce("conducted_on", "planned_on"))
    if fiscal_year is not None:
        start, end = _fiscal_year_range(fiscal_year)
        rows = rows.filter(day__gte=start, day__lte=end)
    seen = Q(findings__isnull=False)
    if ids is not None:
        seen &= Q(findings__system__isnull=True) | Q(findings__system__department_id__in=ids)
    still_open = seen & Q(findings__closed_on__isnull=True)
    return rows.annotate(
        findings_total=Count("findings", filter=seen, distinct=True),
        findings_open=Count("findings", filter=still_open, distinct=True),
        findings_overdue=Count(
            "findings", filter=still_open & Q(findings__due_on__lt=today), distinct=True
        ),
    ).order_by("-day", "-pk")


def audit_get(municipality: Municipality, pk: int, *, viewer: Any) -> Audit:
    """One audit ``viewer`` may see; ``NotFound`` otherwise."""
    try:
        return audit_list(municipality, viewer=viewer).get(pk=pk)
    except Audit.DoesNotExist:
        raise NotFound(_("No such audit.")) from None


def audit_fiscal_years(municipality: Municipality, *, viewer: Any) -> list[FiscalYear]:
    """The 年度 in which the viewer's audits fall, and the current one, latest first."""
    rows = audit_list(municipality, viewer=viewer).values_list("conducted_on", "planned_on")
    years = {FiscalYear.of(day) for pair in rows if (day := pair[0] or pair[1]) is not None}
    years.add(FiscalYear.of(timezone.localdate()))
    return sorted(years, reverse=True)


def audit_scope_systems(audit: Audit) -> QuerySet[InformationSystem]:
    """The systems a finding of the audit may name: the systems it covers when it names
    some; else those of the departments it covers; else (the whole organisation) any."""
    systems = InformationSystem.all_tenants.filter(municipality_id=audit.municipality_id)
    if audit.systems.exists():
        return systems.filter(audits=audit)
    departments = list(audit.departments.values_list("pk", flat=True))
    if departments:
        return systems.filter(department_id__in=departments)
    return systems


def audit_findings(audit: Audit, *, viewer: Any) -> QuerySet[AuditFinding]:
    """The findings of ``audit`` the viewer may read: open ones first, by due date."""
    ids = visible_department_ids(audit.municipality, viewer)
    return (
        AuditFinding.all_tenants.filter(municipality_id=audit.municipality_id, audit=audit)
        .filter(_visible_findings(ids))
        .select_related("system")
        .order_by(F("closed_on").desc(nulls_first=True), F("due_on").asc(nulls_last=True), "pk")
    )


def audit_finding_get(
    municipality: Municipality, audit: Audit, pk: int, *, viewer: Any
) -> AuditFinding:
    try:
        return audit_findings(audit, viewer=viewer).get(pk=pk)
    except AuditFinding.DoesNotExist:
        raise NotFound(_("No such finding.")) from None


# --- incidents (CSIRT) ---


def incident_list(
    municipality: Municipality, *, viewer: Any, state: str = ""
) -> QuerySet[Incident]:
    """The incidents ``viewer`` may see: open ones first, then closed ones, latest opened
    first. ``state`` is "open" or "closed" (another value gives no rows)."""
    rows = Incident.all_tenants.filter(municipality=municipality)
    ids = visible_department_ids(municipality, viewer)
    if ids is not None:
        mine = Incident.all_tenants.filter(
            municipality=municipality, systems__department_id__in=ids
        )
        rows = rows.filter(pk__in=mine.values("pk"))
    if state == "open":
        rows = rows.filter(closed_at__isnull=True)
    elif state == "closed":
        rows = rows.filter(closed_at__isnull=False)
    elif state:
        return rows.none()
    return rows.prefetch_related(
        Prefetch("systems", queryset=InformationSystem.all_tenants.order_by("code"))
    ).order_by(F("closed_at").desc(nulls_first=True), "-opened_at", "-pk")


def incident_get(municipality: Municipality, pk: int, *, viewer: Any) -> Incident:
    """One incident ``viewer`` may see; ``NotFound`` otherwise."""
    try:
        return incident_list(municipality, viewer=viewer).get(pk=pk)
    except Incident.DoesNotExist:
        raise NotFound(_("No such incident.")) from None


def incident_events(incident: Incident) -> QuerySet[IncidentEvent]:
    """The incident's timeline, oldest first."""
    return (
        IncidentEvent.all_tenants.filter(
            municipality_id=incident.municipality_id, incident=incident
        )
        .select_related("recorded_by")
        .order_by("occurred_at", "pk")
    )


# --- trainings and exercises (研修・訓練) ---


def training_list(
    municipality: Municipality,
    *,
    fiscal_year: FiscalYear | int | None = None,
    audience: str = "",
) -> QuerySet[TrainingSession]:
    """The training sessions, latest first; ``fiscal_year`` (年度) keeps those held in it,
    ``audience`` one of ``TrainingSession.Audience``. Never the attendees' names."""
    rows = TrainingSession.all_tenants.filter(municipality=municipality)
    if fiscal_year is not None:
        start, end = _fiscal_year_range(fiscal_year)
        rows = rows.filter(held_on__gte=start, held_on__lte=end)
    if audience:
        if audience not in TrainingSession.Audience.values:
            return rows.none()
        rows = rows.filter(audience=audience)
    return rows.order_by("-held_on", "-pk")


def training_get(municipality: Municipality, pk: int) -> TrainingSession:
    try:
        return training_list(municipality).get(pk=pk)
    except TrainingSession.DoesNotExist:
        raise NotFound(_("No such training session.")) from None


def training_fiscal_years(municipality: Municipality) -> list[FiscalYear]:
    """The 年度 of the sessions, and the current one, latest first."""
    days = training_list(municipality).values_list("held_on", flat=True)
    years = {FiscalYear.of(d) for d in days}
    years.add(FiscalYear.of(timezone.localdate()))
    return sorted(years, reverse=True)


def training_attendances(session: TrainingSession) -> QuerySet[TrainingAttendance]:
    """Who attended a session. The names are personal data for a citizens' course: only a
    staff session's page shows them."""
    return (
        TrainingAttendance.all_tenants.filter(
            municipality_id=session.municipality_id, session=session
        )
        .select_related("user", "department")
        .order_by("pk")
    )


def staff_members(municipality: Municipality) -> list[tuple[Any, int | None]]:
    """(user, department id) of the municipality's active staff, by user name: whom a staff
    session's attendance is picked from."""
    return accounts_selectors.staff_of(municipality_id=municipality.pk)
