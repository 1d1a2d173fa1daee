"""Writes of the ICT governance register: each a staff action (``kanmin.core.actions.action``):
one transaction, the tenant and the permission checked, an audit entry written.

- ``system_create`` / ``system_update`` (``businesses`` is the list of 業務 codes it covers:
  the 20 基幹業務 and the specifications' other 業務; ``layout_in_procurement`` and
  ``layout_in_migration`` the 業務 among them whose 調達仕様書 named the 中間標準レイアウト and
  whose data was migrated through it, Ⅴ-4),
  ``systems_import`` (the exported workbook, edited in Excel: all rows or none);
- ``system_cost_set`` (one 年度's cost of a system; set again to correct it);
- ``standardization_set`` (the migration status of one 基幹業務);
- ``vulnerability_record`` / ``vulnerability_fix`` (the due date follows from the severity),
  ``vulnerabilities_import`` (a scanner's CSV: all rows or none; a finding still open is
  updated, not added twice);
- ``audit_record``, ``audit_update``, ``audit_finding_add``, ``audit_finding_close`` (not in the
  future, not before the audit);
- ``incident_open``, ``incident_event_add`` (the timeline is append-only: no service changes
  or removes a step), ``incident_close`` (not before it opened, not in the future);
- ``training_record`` (with an optional list of attendees), ``training_attendance_set`` (the
  staff who attended a staff session; the count follows the list).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.errors import ImportRefused, Invalid, full_clean
from kanmin.core.models import Department, Municipality
from kanmin.core.permissions import require
from kanmin.governance import register, scanner, selectors
from kanmin.governance.models import (
    BUSINESS_AREA_NAMES_JA,
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
    due_date,
)

# ------------------------------------------------------------------------------------------
# Systems
# ------------------------------------------------------------------------------------------

# The fields staff set (``code`` is given once, at creation; ``businesses`` is a list of codes).
SYSTEM_FIELDS = (
    "name",
    "department",
    "vendor",
    "hosting",
    "network_segment",
    "classification",
    "contract_start",
    "contract_end",
    "applic_compliant",
    "middle_layout_in_scope",
    "middle_layout_compliant",
    "standard_compliant",
    "consolidated_on",
    "consolidated_into",
    "retired_on",
    "note",
)


# The 中間標準レイアウト flags of a system's 業務 (SystemBusiness), each given as the list of
# the 業務 codes that have it.
LAYOUT_FIELDS = ("layout_in_procurement", "layout_in_migration")


def _system_dict(
    system: InformationSystem,
    businesses: list[str],
    layout: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """A system's values as the audit log keeps them (links by their codes, dates as ISO)."""
    values: dict[str, Any] = {"code": system.code}
    for name in SYSTEM_FIELDS:
        value = getattr(system, name)
        if name == "department":
            value = value.code if value else None
        elif name == "consolidated_into":
            value = value.code if value else None
        elif isinstance(value, dt.date):
            value = value.isoformat()
        values[name] = value
    values["businesses"] = sorted(businesses)
    for name, codes in (layout or {}).items():
        values[name] = sorted(codes)
    return values


def _layout_of(system: InformationSystem) -> dict[str, list[str]]:
    links = [] if system.pk is None else list(SystemBusiness.all_tenants.filter(system=system))
    return {name: sorted(b.business for b in links if getattr(b, name)) for name in LAYOUT_FIELDS}


def _businesses_of(system: InformationSystem) -> list[str]:
    if system.pk is None:
        return []
    return sorted(
        SystemBusiness.all_tenants.filter(system=system).values_list("business", flat=True)
    )


def _clean_businesses(businesses: Any, *, any_area: bool = False) -> list[str]:
    """The codes, sorted, once each; only the 20 基幹業務 unless ``any_area`` (then also the
    other 業務 of the specifications' lists)."""
    codes = [businesses] if isinstance(businesses, str) else list(businesses or [])
    known = BUSINESS_AREA_NAMES_JA if any_area else Business.values
    unknown = [c for c in codes if c not in known]
    if unknown and any_area:
        raise Invalid(
            fields={
                "businesses": [
                    _(
                        "Unknown business: %(codes)s. Choose among the 20 core businesses and the "
                        "other businesses of the specifications."
                    )
                    % {"codes": ", ".join(map(str, unknown))}
                ]
            },
            code="unknown_business",
        )
    if unknown:
        raise Invalid(
            fields={
                "businesses": [
                    _("Unknown core business: %(codes)s. Choose among the 20 of the law.")
                    % {"codes": ", ".join(map(str, unknown))}
                ]
            },
            code="unknown_business",
        )
    return sorted(set(codes))


def _set_values(system: InformationSystem, values: dict[str, Any]) -> None:
    unknown = set(values) - set(SYSTEM_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(system, name, value)


def _check_system(system: InformationSystem) -> None:
    """Every problem of a system at once, per field, or nothing."""
    problems: dict[str, list[Any]] = {}
    if (
        system.contract_start
        and system.contract_end
        and system.contract_end < system.contract_start
    ):
        problems["contract_end"] = [_("The contract ends before it starts: check the two dates.")]
    if system.consolidated_into_id is not None and system.consolidated_into_id == system.pk:
        problems["consolidated_into"] = [_("A system cannot be consolidated into itself.")]
    if system.consolidated_into_id is not None and system.consolidated_on is None:
        problems["consolidated_on"] = [
            _("Give the day the system was consolidated into the other one.")
        ]
    try:
        full_clean(system, exclude=["municipality"], validate_constraints=False)
    except Invalid as exc:
        for name, messages in exc.fields.items():
            problems.setdefault(name, []).extend(messages)
    taken = InformationSystem.all_tenants.filter(municipality_id=system.municipality_id).exclude(
        pk=system.pk
    )
    if system.code and taken.filter(code=system.code).exists():
        problems.setdefault("code", []).append(
            _("A system with the ID %(code)s exists already: choose another ID.")
            % {"code": system.code}
        )
    if system.name and taken.filter(name=system.name).exists():
        problems.setdefault("name", []).append(
            _("A system named %(name)s exists already: the register lists each system once.")
            % {"name": system.name}
        )
    if problems:
        raise Invalid(fields=problems, code="invalid_system")


def _clean_layout(layout: dict[str, Any], codes: list[str]) -> dict[str, list[str]]:
    """The 中間標準レイアウト flags as lists of 業務 codes, each among those the system covers."""
    cleaned: dict[str, list[str]] = {}
    problems: dict[str, list[Any]] = {}
    for name, given in layout.items():
        flagged = sorted(set([given] if isinstance(given, str) else list(given or [])))
        outside = [c for c in flagged if c not in codes]
        if outside:
            problems[name] = [
                _(
                    "%(codes)s: the system does not cover these businesses. Tick them under the "
                    "businesses covered too, or untick them here."
                )
                % {"codes": ", ".join(BUSINESS_AREA_NAMES_JA.get(c, str(c)) for c in outside)}
            ]
        cleaned[name] = flagged
    if problems:
        raise Invalid(fields=problems, code="layout_business_not_covered")
    return cleaned


def _save_businesses(
    system: InformationSystem, codes: list[str], layout: dict[str, list[str]] | None = None
) -> None:
    SystemBusiness.all_tenants.filter(system=system).exclude(business__in=codes).delete()
    have = set(_businesses_of(system))
    SystemBusiness.all_tenants.bulk_create(
        [
            SystemBusiness(municipality_id=system.municipality_id, system=system, business=code)
            for code in codes
            if code not in have
        ]
    )
    for name, flagged in (layout or {}).items():
        links = SystemBusiness.all_tenants.filter(system=system)
        links.filter(business__in=flagged).update(**{name: True})
        links.exclude(business__in=flagged).update(**{name: False})


@action("governance.system.create", perm="governance.add_informationsystem")
def system_create(
    *,
    municipality: Municipality,
    actor: Any,
    code: str,
    name: str,
    businesses: list[str] | None = None,
    layout_in_procurement: list[str] | None = None,
    layout_in_migration: list[str] | None = None,
    **values: Any,
) -> Outcome[InformationSystem]:
    """Add a system to the register (``layout_in_*``: the 業務 among ``businesses`` with the
    中間標準レイアウト flag)."""
    system = InformationSystem(municipality=municipality, code=(code or "").strip())
    _set_values(system, {"name": name, **values})
    codes = _clean_businesses(businesses, any_area=True)
    layout = _clean_layout(
        {
            "layout_in_procurement": layout_in_procurement,
            "layout_in_migration": layout_in_migration,
        },
        codes,
    )
    _check_system(system)
    system.save()
    _save_businesses(system, codes, layout)
    return Changed(system, after=_system_dict(system, codes, layout))


@action("governance.system.update", perm="governance.change_informationsystem", on="system")
def system_update(
    *,
    municipality: Municipality,
    actor: Any,
    system: InformationSystem,
    businesses: list[str] | None = None,
    layout_in_procurement: list[str] | None = None,
    layout_in_migration: list[str] | None = None,
    **changes: Any,
) -> Outcome[InformationSystem]:
    """Change a system's fields (``businesses``, when given, replaces the 業務 it covers;
    ``layout_in_*``, when given, the 業務 among them with the 中間標準レイアウト flag)."""
    current = _businesses_of(system)
    current_layout = _layout_of(system)
    before = _system_dict(system, current, current_layout)
    working = InformationSystem.all_tenants.get(pk=system.pk)
    _set_values(working, changes)
    codes = current if businesses is None else _clean_businesses(businesses, any_area=True)
    given = {
        "layout_in_procurement": layout_in_procurement,
        "layout_in_migration": layout_in_migration,
    }
    layout = _clean_layout(
        {
            # Not given: kept for the 業務 the system still covers.
            name: [c for c in current_layout[name] if c in codes] if value is None else value
            for name, value in given.items()
        },
        codes,
    )
    _check_system(working)
    after = _system_dict(working, codes, layout)
    if after == before:
        return Unchanged(system)
    working.save()
    _save_businesses(working, codes, layout)
    for name in (*SYSTEM_FIELDS, "updated_at"):
        setattr(system, name, getattr(working, name))
    return Changed(system, before=before, after=after)


# --- the register as Excel ---


@dataclass
class SystemsImport:
    """What an import did: the system IDs created, updated and left as they were."""

    file_name: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _department_from(
    cells: dict[str, Any], departments: list[Department]
) -> tuple[bool, Department | None, str | None, str]:
    """(given, department, column key with a problem, message)."""
    if "department_code" not in cells and "department" not in cells:
        return False, None, None, ""
    code = register._text(cells.get("department_code"))
    name = register._text(cells.get("department"))
    if code:
        found = next((d for d in departments if d.code == code), None)
        if found is None:
            return (
                True,
                None,
                "department_code",
                _("No department with the code %(code)s. Use one of: %(codes)s.")
                % {"code": code, "codes": ", ".join(d.code for d in departments)},
            )
        return True, found, None, ""
    if name:
        matches = [d for d in departments if name in (d.name_ja, d.name_en)]
        if len(matches) != 1:
            return (
                True,
                None,
                "department",
                _("No single department is named %(name)s: give its code in 所管課コード.")
                % {"name": name},
            )
        return True, matches[0], None, ""
    return True, None, None, ""


def _row_values(row: register.FileRow, problems: list[tuple[str, str]]) -> dict[str, Any]:
    """A system's fields from a row's cells; problems as (column key, message)."""
    cells = row.cells
    values: dict[str, Any] = {}
    for name in ("name", "vendor", "note"):
        if name in cells:
            values[name] = register._text(cells[name])
    for name, labels in (
        ("hosting", register.HOSTING_JA),
        ("network_segment", register.SEGMENT_JA),
        ("classification", register.CLASSIFICATION_JA),
    ):
        if name not in cells:
            continue
        text = register._text(cells[name])
        if not text and name == "hosting":
            continue
        choice = register.parse_choice(text, labels)
        if choice is None:
            problems.append(
                (
                    name,
                    _("Unknown value: write one of %(labels)s.")
                    % {"labels": "、".join(labels.values())},
                )
            )
        else:
            values[name] = choice
    for name in register.DATE_COLUMNS:
        if name in cells:
            try:
                values[name] = register.parse_date_cell(cells[name])
            except ValueError as exc:
                problems.append((name, str(exc)))
    for name in register.FLAG_COLUMNS:
        if name in cells:
            try:
                values[name] = register.parse_flag(cells[name])
            except ValueError as exc:
                problems.append((name, str(exc)))
    if "businesses" in cells:
        codes, unknown = register.parse_businesses(cells["businesses"])
        if unknown:
            problems.append(
                (
                    "businesses",
                    _(
                        "Unknown 基幹業務: %(names)s. Write the names of the law, separated by "
                        "「;」: %(known)s."
                    )
                    % {
                        "names": "、".join(unknown),
                        "known": "、".join(register.BUSINESS_AREA_NAMES_JA.values()),
                    },
                )
            )
        values["businesses"] = codes
    for name in register.LAYOUT_COLUMNS:
        if name in cells:
            flagged, unknown = register.parse_businesses(cells[name])
            if unknown:
                problems.append(
                    (
                        name,
                        _("Unknown business: %(names)s. Write names of the row's businesses.")
                        % {"names": "、".join(unknown)},
                    )
                )
            values[name] = flagged
    costs: dict[int, int] = {}
    this_year = timezone.localdate().year
    for year, cell in row.costs().items():
        key = f"{register.COST_PREFIX}{year}"
        if not 1989 <= year <= this_year + 10:
            problems.append(
                (key, _("%(year)s is not a fiscal year of the register.") % {"year": year})
            )
            continue
        try:
            amount = register.parse_amount(cell)
        except ValueError as exc:
            problems.append((key, str(exc)))
            continue
        if amount is not None:
            costs[year] = amount
    values["costs"] = costs
    return values


def _save_costs(
    municipality: Municipality, system: InformationSystem, costs: dict[int, int]
) -> bool:
    """Set the yearly costs an import gives (other years stay); whether any changed."""
    changed = False
    current = {
        c.fiscal_year: c
        for c in SystemCost.all_tenants.filter(system=system, fiscal_year__in=list(costs))
    }
    for year, amount in costs.items():
        cost = current.get(year)
        if cost is None:
            SystemCost.all_tenants.create(
                municipality=municipality, system=system, fiscal_year=year, amount_yen=amount
            )
            changed = True
        elif cost.amount_yen != amount:
            cost.amount_yen = amount
            cost.save(update_fields=["amount_yen"])
            changed = True
    return changed


@action("governance.system.import", perm=None)
def systems_import(
    *, municipality: Municipality, actor: Any, data: bytes, file_name: str = ""
) -> Outcome[SystemsImport]:
    """Add and update systems from an Excel workbook of the register (the one the staff
    export), matched by システムID. Columns the file lacks are left as they are; systems not in
    the file too. All or nothing: ``ImportRefused`` lists every problem with its row and
    column, and nothing is saved."""
    require(actor, "governance.add_informationsystem", municipality)
    require(actor, "governance.change_informationsystem", municipality)
    read = register.read_workbook(data)
    problems = list(read.problems)
    result = SystemsImport(file_name=file_name)
    if not read.rows and not problems:
        problems.append(register.Problem(None, None, None, _("The file has no systems.")))
    departments = list(Department.all_tenants.filter(municipality=municipality))
    existing = {
        s.code: s
        for s in InformationSystem.all_tenants.filter(municipality=municipality).select_related(
            "department", "consolidated_into"
        )
    }

    def problem(row: register.FileRow, key: str, message: Any) -> None:
        value = row.cells.get(key)
        text = value.isoformat() if isinstance(value, dt.date) else register._text(value)
        problems.append(register.Problem(row.row, row.column(key), text, str(message)))

    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    parsed: list[tuple[register.FileRow, str, dict[str, Any]]] = []
    for row in read.rows:
        code = register._text(row.cells.get("code"))
        name = register._text(row.cells.get("name"))
        row_problems: list[tuple[str, str]] = []
        if not code:
            row_problems.append(("code", _("Give the system's ID.")))
        elif code in seen_codes:
            row_problems.append(
                (
                    "code",
                    _("The ID %(code)s is also in row %(row)s: each system is listed once.")
                    % {"code": code, "row": seen_codes[code]},
                )
            )
        else:
            seen_codes[code] = row.row
        if not name:
            row_problems.append(("name", _("Give the system's name.")))
        elif name in seen_names:
            row_problems.append(
                (
                    "name",
                    _("The name %(name)s is also in row %(row)s: each system is listed once.")
                    % {"name": name, "row": seen_names[name]},
                )
            )
        else:
            seen_names[name] = row.row
        values = _row_values(row, row_problems)
        given, department, column, message = _department_from(row.cells, departments)
        if column:
            row_problems.append((column, message))
        elif given:
            values["department"] = department
        for key, text in row_problems:
            problem(row, key, text)
        if not row_problems:
            parsed.append((row, code, values))

    # Links to other systems (統合先) may name a system of the same file.
    known_codes = set(existing) | set(seen_codes)
    to_save: list[
        tuple[
            InformationSystem,
            list[str],
            str | None,
            dict[str, Any] | None,
            dict[int, int],
            dict[str, list[str]],
        ]
    ] = []
    for row, code, values in parsed:
        target = register._text(row.cells.get("consolidated_into"))
        values.pop("consolidated_into", None)
        if target and target not in known_codes:
            problem(
                row,
                "consolidated_into",
                _("No system with the ID %(code)s, in the register or in this file.")
                % {"code": target},
            )
            continue
        if target == code:
            problem(row, "consolidated_into", _("A system cannot be consolidated into itself."))
            continue
        current = existing.get(code)
        businesses = values.pop("businesses", None)
        costs = values.pop("costs")
        given_layout = {name: values.pop(name, None) for name in LAYOUT_FIELDS}
        if current is None:
            system = InformationSystem(municipality=municipality, code=code)
            before = None
            codes = businesses or []
            layout_before: dict[str, list[str]] = {name: [] for name in LAYOUT_FIELDS}
        else:
            system = InformationSystem.all_tenants.get(pk=current.pk)
            codes_before = _businesses_of(current)
            layout_before = _layout_of(current)
            before = _system_dict(current, codes_before, layout_before)
            codes = codes_before if businesses is None else businesses
        # A column the file lacks keeps the flags of the 業務 the system still covers.
        layout = {
            name: [c for c in layout_before[name] if c in codes] if flagged is None else flagged
            for name, flagged in given_layout.items()
        }
        outside = sorted({c for flagged in layout.values() for c in flagged} - set(codes))
        if outside:
            for name, flagged in layout.items():
                if set(flagged) - set(codes):
                    problem(
                        row,
                        name,
                        _(
                            "%(names)s: not among this row's businesses. Add them to the "
                            "businesses too, or leave them out here."
                        )
                        % {
                            "names": "、".join(
                                register.BUSINESS_AREA_NAMES_JA.get(c, c)
                                for c in sorted(set(flagged) - set(codes))
                            )
                        },
                    )
            continue
        for name, value in values.items():
            setattr(system, name, value)
        if "consolidated_into" not in row.cells:
            target = system.consolidated_into.code if system.consolidated_into else ""
        if target and system.consolidated_on is None:
            problem(
                row,
                "consolidated_on",
                _("Give the day the system was consolidated into the other one."),
            )
            continue
        # Names are checked against the register except the rows this file renames.
        taken_names = {s.name for c, s in existing.items() if c != code and c not in seen_codes}
        if system.name in taken_names:
            problem(
                row,
                "name",
                _("A system named %(name)s exists already: the register lists each system once.")
                % {"name": system.name},
            )
            continue
        try:
            full_clean(
                system, exclude=["municipality", "consolidated_into"], validate_constraints=False
            )
        except Invalid as exc:
            for name, messages in exc.fields.items():
                key = name if name in register.BY_TITLE else "code"
                for field_message in messages:
                    problem(row, key, field_message)
            continue
        if (
            system.contract_start
            and system.contract_end
            and system.contract_end < system.contract_start
        ):
            problem(
                row, "contract_end", _("The contract ends before it starts: check the two dates.")
            )
            continue
        to_save.append((system, codes, target or None, before, costs, layout))

    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: (p.row or 0, p.column or "", p.message)))
    # First the rows, then the links between them (統合先 may be a system of the same file).
    saved: dict[str, InformationSystem] = {}
    costs_changed: set[str] = set()
    for system, codes, _target, _before, costs, layout in to_save:
        system.consolidated_into = None
        system.save()
        saved[system.code] = system
        _save_businesses(system, codes, layout)
        if _save_costs(municipality, system, costs):
            costs_changed.add(system.code)
    everything = {**existing, **saved}
    for system, codes, link, before, _costs, layout in to_save:
        if link:
            system.consolidated_into = everything[link]
            system.save(update_fields=["consolidated_into"])
        if before is None:
            result.created.append(system.code)
        elif _system_dict(system, codes, layout) != before or system.code in costs_changed:
            result.updated.append(system.code)
        else:
            result.unchanged.append(system.code)
    if not result.created and not result.updated:
        return Unchanged(result)
    return Changed(
        result,
        extra={
            "file": file_name,
            "created": result.created,
            "updated": result.updated,
            "unchanged": len(result.unchanged),
        },
    )


# ------------------------------------------------------------------------------------------
# Costs and standardization
# ------------------------------------------------------------------------------------------


@action("governance.cost.set", perm="governance.change_systemcost", on="system")
def system_cost_set(
    *,
    municipality: Municipality,
    actor: Any,
    system: InformationSystem,
    fiscal_year: int,
    amount_yen: int,
    note: str = "",
) -> Outcome[SystemCost]:
    """Set a system's cost in one 年度 (the year April starts in)."""
    if amount_yen is None or amount_yen < 0:
        raise Invalid(fields={"amount_yen": [_("Write the cost in yen, 0 or more.")]})
    cost, created = SystemCost.all_tenants.get_or_create(
        municipality=municipality,
        system=system,
        fiscal_year=fiscal_year,
        defaults={"amount_yen": amount_yen, "note": note},
    )
    before = None if created else {"amount_yen": cost.amount_yen, "note": cost.note}
    if not created:
        if (cost.amount_yen, cost.note) == (amount_yen, note):
            return Unchanged(cost)
        cost.amount_yen, cost.note = amount_yen, note
        cost.save()
    return Changed(
        cost,
        before=before,
        after={"system": system.code, "fiscal_year": fiscal_year, "amount_yen": amount_yen},
    )


@action("governance.standardization.set", perm="governance.change_standardizationstatus")
def standardization_set(
    *,
    municipality: Municipality,
    actor: Any,
    business: str,
    status: str,
    planned_on: dt.date | None = None,
    migrated_on: dt.date | None = None,
    target_system: InformationSystem | None = None,
    special_support: bool = False,
    note: str = "",
) -> Outcome[StandardizationStatus]:
    """Record the migration status of one 基幹業務 (a row per municipality and 業務)."""
    _clean_businesses([business])
    if status not in StandardizationStatus.Status.values:
        raise Invalid(fields={"status": [_("Unknown status %(value)s.") % {"value": status}]})
    if status == StandardizationStatus.Status.MIGRATED and migrated_on is None:
        raise Invalid(fields={"migrated_on": [_("Give the day the migration was completed.")]})
    row, _created = StandardizationStatus.all_tenants.get_or_create(
        municipality=municipality, business=business
    )
    row.status = status
    row.planned_on = planned_on
    row.migrated_on = migrated_on
    row.target_system = target_system
    row.special_support = special_support
    row.note = note
    row.save()
    return Changed(
        row,
        after={
            "business": business,
            "status": status,
            "planned_on": planned_on.isoformat() if planned_on else None,
            "migrated_on": migrated_on.isoformat() if migrated_on else None,
            "target_system": target_system.code if target_system else None,
        },
    )


# ------------------------------------------------------------------------------------------
# Vulnerabilities
# ------------------------------------------------------------------------------------------


@action("governance.vulnerability.record", perm="governance.add_vulnerability", on="system")
def vulnerability_record(
    *,
    municipality: Municipality,
    actor: Any,
    system: InformationSystem,
    identifier: str,
    severity: str,
    found_on: dt.date,
    title: str = "",
    fixed_on: dt.date | None = None,
    source: str = Vulnerability.Source.MANUAL,
    note: str = "",
) -> Outcome[Vulnerability]:
    """Record a vulnerability found in a system; its due date follows from the severity."""
    vuln = Vulnerability(
        municipality=municipality,
        system=system,
        identifier=(identifier or "").strip(),
        severity=severity,
        found_on=found_on,
        title=title,
        fixed_on=fixed_on,
        source=source,
        note=note,
    )
    problems: dict[str, list[Any]] = {}
    try:
        full_clean(vuln, exclude=["municipality", "due_on"], validate_constraints=False)
    except Invalid as exc:
        problems.update(exc.fields)
    if fixed_on is not None and found_on is not None and fixed_on < found_on:
        problems.setdefault("fixed_on", []).append(
            _("It was fixed before it was found: check the two dates.")
        )
    if Vulnerability.all_tenants.filter(
        system=system, identifier=vuln.identifier, found_on=found_on
    ).exists():
        problems.setdefault("identifier", []).append(
            _("%(identifier)s found on that day is recorded for this system already.")
            % {"identifier": vuln.identifier}
        )
    if problems:
        raise Invalid(fields=problems, code="invalid_vulnerability")
    vuln.save()
    return Changed(
        vuln,
        after={
            "system": system.code,
            "identifier": vuln.identifier,
            "severity": severity,
            "found_on": found_on.isoformat(),
            "due_on": vuln.due_on.isoformat(),
        },
    )


@action("governance.vulnerability.fix", perm="governance.change_vulnerability", on="vulnerability")
def vulnerability_fix(
    *, municipality: Municipality, actor: Any, vulnerability: Vulnerability, fixed_on: dt.date
) -> Outcome[Vulnerability]:
    """Mark a vulnerability fixed on a day (not before it was found)."""
    if fixed_on < vulnerability.found_on:
        raise Invalid(
            fields={"fixed_on": [_("It was fixed before it was found: check the two dates.")]}
        )
    if vulnerability.fixed_on == fixed_on:
        return Unchanged(vulnerability)
    before = {"fixed_on": vulnerability.fixed_on.isoformat() if vulnerability.fixed_on else None}
    vulnerability.fixed_on = fixed_on
    vulnerability.save()
    return Changed(vulnerability, before=before, after={"fixed_on": fixed_on.isoformat()})


# --- a scanner's findings as CSV ---


@dataclass
class ScannerRow:
    """What the import does (or, checked only, would do) with one row of the file."""

    row: int
    system: str
    identifier: str
    severity: str
    found_on: dt.date
    due_on: dt.date
    fixed_on: dt.date | None
    outcome: str  # "created", "updated" or "unchanged"

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)


@dataclass
class VulnerabilitiesImport:
    """The rows of a scanner's CSV and what became of each; ``saved`` is False when the file
    was only checked."""

    file_name: str
    encoding: str = ""
    saved: bool = False
    rows: list[ScannerRow] = field(default_factory=list)

    def _count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> int:
        return self._count("created")

    @property
    def updated(self) -> int:
        return self._count("updated")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")


def _identifier(text: str) -> str:
    """A finding's identifier as stored: NFKC, trimmed, a CVE ID in upper case."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    return value.upper() if value.upper().startswith("CVE-") else value


@action("governance.vulnerability.import", perm=None)
def vulnerabilities_import(
    *,
    municipality: Municipality,
    actor: Any,
    data: bytes,
    file_name: str = "",
    dry_run: bool = False,
) -> Outcome[VulnerabilitiesImport]:
    """Record the findings of a scanner's CSV (``kanmin.governance.scanner`` reads it). A
    finding of a system that is recorded and still open under the same identifier is not added
    again: that record is updated (severity, title, note, and the fixed date when the file
    gives one), and the day it was first found stays, so its due date does not move with each
    scan. All or nothing: ``ImportRefused`` lists every problem with its row and column, and
    nothing is saved. ``dry_run`` checks the file and says what would happen, saving nothing."""
    require(actor, "governance.add_vulnerability", municipality)
    require(actor, "governance.change_vulnerability", municipality)
    read = scanner.read_csv(data)
    problems = list(read.problems)
    result = VulnerabilitiesImport(file_name=file_name, encoding=read.encoding)
    systems = list(InformationSystem.all_tenants.filter(municipality=municipality))
    by_code = {s.code: s for s in systems}
    by_name = {s.name: s for s in systems}
    recorded = list(
        Vulnerability.all_tenants.filter(municipality=municipality).order_by("found_on", "pk")
    )
    open_by_key: dict[tuple[int, str], Vulnerability] = {}
    by_day: dict[tuple[int, str, dt.date], Vulnerability] = {}
    for vuln in recorded:
        if vuln.fixed_on is None:
            open_by_key.setdefault((vuln.system_id, vuln.identifier), vuln)
        by_day[(vuln.system_id, vuln.identifier, vuln.found_on)] = vuln
    today = timezone.localdate()

    def problem(row: scanner.FileRow, key: str, message: Any) -> None:
        problems.append(
            register.Problem(row.row, row.column(key), row.cells.get(key, ""), str(message))
        )

    seen: dict[tuple[int, str], int] = {}
    to_save: list[tuple[Vulnerability, ScannerRow]] = []
    for row in read.rows:
        cells = row.cells
        bad: list[tuple[str, Any]] = []
        code = cells.get("system", "")
        system = by_code.get(code) or by_name.get(code)
        if not code:
            bad.append(("system", _("Give the system's ID (システムID) as in the register.")))
        elif system is None:
            bad.append(
                (
                    "system",
                    _(
                        "No system with the ID %(code)s in the register: correct the ID, or "
                        "add the system to the register first."
                    )
                    % {"code": code},
                )
            )
        identifier = _identifier(cells.get("identifier", ""))
        if not identifier:
            bad.append(("identifier", _("Give the finding's identifier, e.g. CVE-2024-3094.")))
        elif len(identifier) > 80:
            bad.append(("identifier", _("An identifier has at most 80 characters.")))
        elif system is not None:
            if (system.pk, identifier) in seen:
                bad.append(
                    (
                        "identifier",
                        _(
                            "%(identifier)s of %(system)s is also in row %(row)s: list each "
                            "finding of a system once."
                        )
                        % {
                            "identifier": identifier,
                            "system": system.code,
                            "row": seen[(system.pk, identifier)],
                        },
                    )
                )
            else:
                seen[(system.pk, identifier)] = row.row
        severity = ""
        try:
            severity = scanner.parse_severity(cells.get("severity", ""))
        except ValueError as exc:
            bad.append(("severity", str(exc)))
        found_on: dt.date | None = None
        try:
            found_on = scanner.parse_date(cells.get("found_on", ""))
            if found_on is None:
                bad.append(("found_on", _("Give the day it was found.")))
            elif found_on > today:
                bad.append(("found_on", _("This day is in the future: check the date.")))
        except ValueError as exc:
            bad.append(("found_on", str(exc)))
        fixed_on: dt.date | None = None
        try:
            fixed_on = scanner.parse_date(cells.get("fixed_on", ""))
            if fixed_on is not None and fixed_on > today:
                bad.append(("fixed_on", _("This day is in the future: check the date.")))
        except ValueError as exc:
            bad.append(("fixed_on", str(exc)))
        title = cells.get("title", "")
        if len(title) > 300:
            bad.append(("title", _("A title has at most 300 characters.")))
        for key, message in bad:
            problem(row, key, message)
        if bad or system is None or found_on is None:
            continue
        match = open_by_key.get((system.pk, identifier)) or by_day.get(
            (system.pk, identifier, found_on)
        )
        if fixed_on is not None and fixed_on < (match.found_on if match else found_on):
            problem(row, "fixed_on", _("It was fixed before it was found: check the two dates."))
            continue
        if match is None:
            vuln = Vulnerability(
                municipality=municipality,
                system=system,
                identifier=identifier,
                severity=severity,
                found_on=found_on,
                title=title,
                fixed_on=fixed_on,
                source=Vulnerability.Source.SCANNER,
                note=cells.get("note", ""),
            )
            outcome = "created"
        else:
            vuln = Vulnerability.all_tenants.get(pk=match.pk)
            vuln.severity = severity
            vuln.title = title or vuln.title
            vuln.note = cells.get("note") or vuln.note
            vuln.fixed_on = fixed_on or vuln.fixed_on
            keys = ("severity", "title", "note", "fixed_on")
            same = all(getattr(vuln, k) == getattr(match, k) for k in keys)
            outcome = "unchanged" if same else "updated"
        try:
            full_clean(
                vuln, exclude=["municipality", "system", "due_on"], validate_constraints=False
            )
        except Invalid as exc:
            for name, messages in exc.fields.items():
                key = name if name in scanner.BY_KEY else "identifier"
                for field_message in messages:
                    problem(row, key, field_message)
            continue
        vuln.due_on = due_date(vuln.severity, vuln.found_on)
        to_save.append(
            (
                vuln,
                ScannerRow(
                    row=row.row,
                    system=system.code,
                    identifier=identifier,
                    severity=severity,
                    found_on=vuln.found_on,
                    due_on=vuln.due_on,
                    fixed_on=vuln.fixed_on,
                    outcome=outcome,
                ),
            )
        )

    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: (p.row or 0, p.column or "", p.message)))
    result.rows = [r for _vuln, r in to_save]
    if dry_run:
        return Unchanged(result)
    for vuln, r in to_save:
        if r.outcome != "unchanged":
            vuln.save()
    result.saved = True
    if not result.created and not result.updated:
        return Unchanged(result)
    return Changed(
        result,
        extra={
            "file": file_name,
            "created": [
                f"{r.system} {r.identifier}" for r in result.rows if r.outcome == "created"
            ],
            "updated": [
                f"{r.system} {r.identifier}" for r in result.rows if r.outcome == "updated"
            ],
            "unchanged": result.unchanged,
        },
    )


# ------------------------------------------------------------------------------------------
# Audits, incidents, trainings
# ------------------------------------------------------------------------------------------


# The fields of an audit staff set (``systems`` and ``departments`` are lists of rows).
AUDIT_FIELDS = ("kind", "title", "planned_on", "conducted_on", "auditor", "scope")


def _future(day: dt.date | dt.datetime | None) -> bool:
    if day is None:
        return False
    if isinstance(day, dt.datetime):
        return day > timezone.now()
    return day > timezone.localdate()


_FUTURE_DAY = gettext_lazy("This day is in the future: check the date.")
_FUTURE_TIME = gettext_lazy("This time is in the future: check the date and time.")


def _audit_dict(
    audit: Audit, systems: list[InformationSystem], departments: list[Department]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in AUDIT_FIELDS:
        value = getattr(audit, name)
        values[name] = value.isoformat() if isinstance(value, dt.date) else value
    values["systems"] = sorted(s.code for s in systems)
    values["departments"] = sorted(d.code for d in departments)
    return values


def _check_audit(audit: Audit) -> None:
    """Every problem of an audit at once, per field, or nothing."""
    problems: dict[str, list[Any]] = {}
    try:
        full_clean(audit, exclude=["municipality"], validate_constraints=False)
    except Invalid as exc:
        problems.update(exc.fields)
    if audit.planned_on is None and audit.conducted_on is None:
        problems.setdefault("conducted_on", []).append(
            _("Give the day it is planned for or the day it was conducted.")
        )
    if _future(audit.conducted_on):
        problems.setdefault("conducted_on", []).append(
            _(
                "This day is in the future: an audit planned for later has only its planned "
                "day; give the day it was conducted once it is."
            )
        )
    if problems:
        raise Invalid(fields=problems, code="invalid_audit")


def _audit_links(
    municipality: Municipality,
    systems: list[InformationSystem] | None,
    departments: list[Department] | None,
) -> tuple[list[InformationSystem], list[Department]]:
    return (
        [s for s in systems or [] if s.municipality_id == municipality.pk],
        [d for d in departments or [] if d.municipality_id == municipality.pk],
    )


@action("governance.audit.record", perm="governance.add_audit")
def audit_record(
    *,
    municipality: Municipality,
    actor: Any,
    kind: str,
    title: str,
    planned_on: dt.date | None = None,
    conducted_on: dt.date | None = None,
    auditor: str = "",
    scope: str = "",
    systems: list[InformationSystem] | None = None,
    departments: list[Department] | None = None,
) -> Outcome[Audit]:
    """Record an audit (監査) or self-check (自己点検), planned or conducted (not in the
    future)."""
    audit = Audit(
        municipality=municipality,
        kind=kind,
        title=(title or "").strip(),
        planned_on=planned_on,
        conducted_on=conducted_on,
        auditor=(auditor or "").strip(),
        scope=(scope or "").strip(),
    )
    _check_audit(audit)
    audit.save()
    linked_systems, linked_departments = _audit_links(municipality, systems, departments)
    audit.systems.set(linked_systems)
    audit.departments.set(linked_departments)
    return Changed(audit, after=_audit_dict(audit, linked_systems, linked_departments))


@action("governance.audit.update", perm="governance.change_audit", on="audit")
def audit_update(
    *,
    municipality: Municipality,
    actor: Any,
    audit: Audit,
    systems: list[InformationSystem] | None = None,
    departments: list[Department] | None = None,
    **changes: Any,
) -> Outcome[Audit]:
    """Change an audit's fields; ``systems`` and ``departments``, when given, replace its
    lists. A conducted day before one of its findings was closed is refused."""
    unknown = set(changes) - set(AUDIT_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    current_systems = list(audit.systems.order_by("code"))
    current_departments = list(audit.departments.order_by("code"))
    before = _audit_dict(audit, current_systems, current_departments)
    working = Audit.all_tenants.get(pk=audit.pk)
    for name, value in changes.items():
        setattr(working, name, value.strip() if isinstance(value, str) else value)
    _check_audit(working)
    day = working.conducted_on or working.planned_on
    earliest = (
        AuditFinding.all_tenants.filter(audit=audit, closed_on__isnull=False)
        .order_by("closed_on")
        .values_list("closed_on", flat=True)
        .first()
    )
    if day is not None and earliest is not None and earliest < day:
        raise Invalid(
            fields={
                "conducted_on" if working.conducted_on else "planned_on": [
                    _(
                        "A finding of this audit was closed on %(day)s, before this day: "
                        "check the date."
                    )
                    % {"day": earliest.isoformat()}
                ]
            },
            code="invalid_audit",
        )
    new_systems, new_departments = _audit_links(
        municipality,
        current_systems if systems is None else systems,
        current_departments if departments is None else departments,
    )
    after = _audit_dict(working, new_systems, new_departments)
    if after == before:
        return Unchanged(audit)
    working.save()
    working.systems.set(new_systems)
    working.departments.set(new_departments)
    for name in AUDIT_FIELDS:
        setattr(audit, name, getattr(working, name))
    return Changed(audit, before=before, after=after)


@action("governance.audit.finding_add", perm="governance.add_auditfinding", on="audit")
def audit_finding_add(
    *,
    municipality: Municipality,
    actor: Any,
    audit: Audit,
    text: str,
    severity: str,
    follow_up: str = "",
    due_on: dt.date | None = None,
    system: InformationSystem | None = None,
) -> Outcome[AuditFinding]:
    """Add a finding to an audit, with its follow-up and the day it is due. Its system, if
    any, must be one the audit covers (``selectors.audit_scope_systems``)."""
    if (
        system is not None
        and not selectors.audit_scope_systems(audit).filter(pk=system.pk).exists()
    ):
        raise Invalid(
            fields={
                "system": [
                    _(
                        "This audit does not cover the system %(code)s: choose one of the "
                        "systems or departments it covers, or none."
                    )
                    % {"code": system.code}
                ]
            }
        )
    finding = AuditFinding(
        municipality=municipality,
        audit=audit,
        text=(text or "").strip(),
        severity=severity,
        follow_up=(follow_up or "").strip(),
        due_on=due_on,
        system=system,
    )
    full_clean(finding, exclude=["municipality"], validate_constraints=False)
    finding.save()
    return Changed(
        finding,
        after={
            "audit": audit.pk,
            "severity": severity,
            "text": finding.text,
            "system": system.code if system else None,
            "due_on": due_on.isoformat() if due_on else None,
        },
    )


@action("governance.audit.finding_close", perm="governance.change_auditfinding", on="finding")
def audit_finding_close(
    *,
    municipality: Municipality,
    actor: Any,
    finding: AuditFinding,
    closed_on: dt.date,
    follow_up: str | None = None,
) -> Outcome[AuditFinding]:
    """Close a finding on a day: not in the future, not before the audit (the day it was
    conducted, or planned for while it is not)."""
    if _future(closed_on):
        raise Invalid(fields={"closed_on": [_FUTURE_DAY]}, code="invalid_finding")
    audit = finding.audit
    audit_day = audit.conducted_on or audit.planned_on
    if audit_day is not None and closed_on < audit_day:
        raise Invalid(
            fields={
                "closed_on": [
                    _("The audit was on %(day)s: a finding cannot be closed before it.")
                    % {"day": audit_day.isoformat()}
                ]
            },
            code="invalid_finding",
        )
    if finding.closed_on == closed_on and follow_up in (None, finding.follow_up):
        return Unchanged(finding)
    before = {"closed_on": finding.closed_on.isoformat() if finding.closed_on else None}
    finding.closed_on = closed_on
    if follow_up is not None:
        finding.follow_up = follow_up.strip()
    finding.save()
    return Changed(finding, before=before, after={"closed_on": closed_on.isoformat()})


@action("governance.audit.finding_reopen", perm="governance.change_auditfinding", on="finding")
def audit_finding_reopen(
    *, municipality: Municipality, actor: Any, finding: AuditFinding
) -> Outcome[AuditFinding]:
    """Open a closed finding again (closed by mistake, or the follow-up did not hold): it
    counts as open, and past due when its due day has passed."""
    if finding.closed_on is None:
        return Unchanged(finding)
    before = {"closed_on": finding.closed_on.isoformat()}
    finding.closed_on = None
    finding.save(update_fields=["closed_on"])
    return Changed(finding, before=before, after={"closed_on": None})


@action("governance.incident.open", perm="governance.add_incident")
def incident_open(
    *,
    municipality: Municipality,
    actor: Any,
    title: str,
    severity: str,
    opened_at: dt.datetime | None = None,
    summary: str = "",
    systems: list[InformationSystem] | None = None,
) -> Outcome[Incident]:
    """Open an incident handled by the CSIRT (not in the future); the first step of its
    timeline is written."""
    incident = Incident(
        municipality=municipality,
        title=(title or "").strip(),
        severity=severity,
        summary=(summary or "").strip(),
        opened_at=opened_at or timezone.now(),
    )
    problems: dict[str, list[Any]] = {}
    try:
        full_clean(incident, exclude=["municipality"], validate_constraints=False)
    except Invalid as exc:
        problems.update(exc.fields)
    if _future(incident.opened_at):
        problems.setdefault("opened_at", []).append(_FUTURE_TIME)
    if problems:
        raise Invalid(fields=problems, code="invalid_incident")
    incident.save()
    linked = [s for s in systems or [] if s.municipality_id == municipality.pk]
    incident.systems.set(linked)
    IncidentEvent.all_tenants.create(
        municipality=municipality,
        incident=incident,
        occurred_at=incident.opened_at,
        what=_("Incident opened: %(title)s") % {"title": incident.title},
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    return Changed(
        incident,
        after={
            "title": incident.title,
            "severity": severity,
            "opened_at": incident.opened_at.isoformat(),
            "systems": sorted(s.code for s in linked),
        },
    )


@action("governance.incident.event_add", perm="governance.add_incidentevent", on="incident")
def incident_event_add(
    *,
    municipality: Municipality,
    actor: Any,
    incident: Incident,
    what: str,
    occurred_at: dt.datetime | None = None,
) -> Outcome[IncidentEvent]:
    """Add a step to an incident's timeline, recorded by ``actor``. The timeline is
    append-only: there is no service that changes or removes a step."""
    problems: dict[str, list[Any]] = {}
    if not (what or "").strip():
        problems["what"] = [_("Write what happened.")]
    if _future(occurred_at):
        problems["occurred_at"] = [_FUTURE_TIME]
    if problems:
        raise Invalid(fields=problems, code="invalid_incident_event")
    event = IncidentEvent.all_tenants.create(
        municipality=municipality,
        incident=incident,
        occurred_at=occurred_at or timezone.now(),
        what=what.strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    return Changed(
        event,
        after={
            "incident": incident.pk,
            "occurred_at": event.occurred_at.isoformat(),
            "what": event.what,
        },
    )


@action("governance.incident.close", perm="governance.change_incident", on="incident")
def incident_close(
    *,
    municipality: Municipality,
    actor: Any,
    incident: Incident,
    closed_at: dt.datetime | None = None,
) -> Outcome[Incident]:
    """Close an incident: not before it opened, not in the future, and once."""
    closed_at = closed_at or timezone.now()
    if incident.closed_at is not None:
        raise Invalid(
            fields={
                "closed_at": [
                    _("This incident was closed already, at %(time)s.")
                    % {"time": timezone.localtime(incident.closed_at).strftime("%Y-%m-%d %H:%M")}
                ]
            },
            code="incident_closed",
        )
    if closed_at < incident.opened_at:
        raise Invalid(fields={"closed_at": [_("It closes before it opened: check the time.")]})
    if _future(closed_at):
        raise Invalid(fields={"closed_at": [_FUTURE_TIME]})
    incident.closed_at = closed_at
    incident.save()
    IncidentEvent.all_tenants.create(
        municipality=municipality,
        incident=incident,
        occurred_at=closed_at,
        what=_("Incident closed"),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    return Changed(incident, after={"closed_at": closed_at.isoformat()})


TRAINING_FIELDS = (
    "title",
    "kind",
    "audience",
    "topic",
    "held_on",
    "attendees_count",
    "required_count",
    "note",
)


def _check_training(session: TrainingSession, names_listed: int) -> None:
    """Refuse a session a record or a change would leave wrong (``names_listed``: the
    attendances recorded with it)."""
    problems: dict[str, list[Any]] = {}
    try:
        full_clean(session, exclude=["municipality"], validate_constraints=False)
    except Invalid as exc:
        problems.update(exc.fields)
    if session.required_count is not None and session.audience != TrainingSession.Audience.STAFF:
        problems.setdefault("required_count", []).append(
            _("Staff required to attend is for staff sessions only: leave it empty.")
        )
    if names_listed and session.attendees_count < names_listed:
        problems.setdefault("attendees_count", []).append(
            _("Fewer attendees than names in the list: correct the count.")
        )
    if problems:
        raise Invalid(fields=problems, code="invalid_training")


def _training_dict(session: TrainingSession) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in TRAINING_FIELDS:
        value = getattr(session, name)
        values[name] = value.isoformat() if isinstance(value, dt.date) else value
    return values


@action("governance.training.update", perm="governance.change_trainingsession", on="session")
def training_update(
    *, municipality: Municipality, actor: Any, session: TrainingSession, **changes: Any
) -> Outcome[TrainingSession]:
    """Correct a recorded session's fields (a typo in its title, the day, the counts); its
    attendance list stays, and the count may not fall below it."""
    unknown = set(changes) - set(TRAINING_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    before = _training_dict(session)
    working = TrainingSession.all_tenants.get(pk=session.pk)
    for name, value in changes.items():
        setattr(working, name, value.strip() if isinstance(value, str) else value)
    _check_training(working, TrainingAttendance.all_tenants.filter(session=session).count())
    after = _training_dict(working)
    if after == before:
        return Unchanged(working)
    working.save()
    return Changed(working, before=before, after=after)


@action("governance.training.record", perm="governance.add_trainingsession")
def training_record(
    *,
    municipality: Municipality,
    actor: Any,
    title: str,
    held_on: dt.date,
    kind: str = TrainingSession.Kind.TRAINING,
    audience: str = TrainingSession.Audience.STAFF,
    topic: str = TrainingSession.Topic.OTHER,
    attendees_count: int | None = None,
    required_count: int | None = None,
    attendees: list[dict[str, Any]] | None = None,
    note: str = "",
) -> Outcome[TrainingSession]:
    """Record a training, exercise or citizens' course. ``attendees`` (optional) is a list of
    ``{"name", "user", "department"}``; without ``attendees_count`` the count is theirs."""
    attendees = attendees or []
    session = TrainingSession(
        municipality=municipality,
        title=title,
        held_on=held_on,
        kind=kind,
        audience=audience,
        topic=topic,
        attendees_count=attendees_count if attendees_count is not None else len(attendees),
        required_count=required_count,
        note=note,
    )
    _check_training(session, len(attendees))
    session.save()
    TrainingAttendance.all_tenants.bulk_create(
        [
            TrainingAttendance(
                municipality=municipality,
                session=session,
                name=str(a.get("name") or ""),
                user=a.get("user"),
                department=a.get("department"),
            )
            for a in attendees
        ]
    )
    return Changed(
        session,
        after={
            "title": title,
            "held_on": held_on.isoformat(),
            "audience": audience,
            "attendees_count": session.attendees_count,
        },
    )


@action(
    "governance.training.attendance_set", perm="governance.add_trainingattendance", on="session"
)
def training_attendance_set(
    *, municipality: Municipality, actor: Any, session: TrainingSession, users: list[Any]
) -> Outcome[TrainingSession]:
    """Record who of the staff attended a staff session (replacing the list recorded before);
    the session's ``attendees_count`` becomes the list's length. Each attendance keeps the
    member's name and department as they are today."""
    require(actor, "governance.delete_trainingattendance", session)
    require(actor, "governance.change_trainingsession", session)
    if session.audience != TrainingSession.Audience.STAFF:
        raise Invalid(
            fields={
                "users": [
                    _(
                        "Attendance by name is kept for staff sessions only: for a citizens’ "
                        "course, record the number who attended."
                    )
                ]
            },
            code="not_staff_session",
        )
    staff = dict(selectors.staff_members(municipality))
    strangers = [u for u in users if u not in staff]
    if strangers:
        raise Invalid(
            fields={
                "users": [
                    _("Not staff of this municipality: %(names)s.")
                    % {"names": ", ".join(u.username for u in strangers)}
                ]
            },
            code="not_staff",
        )
    unique = list(dict.fromkeys(users))
    existing = list(
        TrainingAttendance.all_tenants.filter(session=session).values_list("user_id", flat=True)
    )
    before = {"users": sorted(str(pk) for pk in existing), "count": session.attendees_count}
    departments = {
        d.pk: d
        for d in Department.all_tenants.filter(
            municipality=municipality, pk__in=[staff[u] for u in unique if staff[u]]
        )
    }
    after = {"users": sorted(str(u.pk) for u in unique), "count": len(unique)}
    if after == before:
        return Unchanged(session)
    TrainingAttendance.all_tenants.filter(session=session).delete()
    TrainingAttendance.all_tenants.bulk_create(
        [
            TrainingAttendance(
                municipality=municipality,
                session=session,
                user=u,
                name=u.get_full_name() or u.username,
                department=departments.get(staff[u]) if staff[u] else None,
            )
            for u in unique
        ]
    )
    session.attendees_count = len(unique)
    session.save(update_fields=["attendees_count"])
    return Changed(session, before=before, after=after)
