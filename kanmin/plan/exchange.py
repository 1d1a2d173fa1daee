"""`kanmin plan export` and `kanmin plan import`: the whole plan with its figures as JSON,
CSV or Excel, read back with row-level messages. An import is all or nothing."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kanmin.core.errors import Invalid, KanminError, NotFound
from kanmin.core.models import Municipality
from kanmin.core.spreadsheet import safe_cell
from kanmin.plan import reports, rules, selectors, services
from kanmin.plan.models import Kpi, Plan, ValueKind

REQUIRED_COLUMNS = ["measure", "kpi", "kind", "fiscal_year", "value"]


def export_plan(plan: Plan, fmt: str) -> bytes:
    figures = selectors.plan_figures(plan=plan)
    if fmt == "json":
        for measure in figures["measures"]:
            for kpi in measure["kpis"]:
                kpi.pop("id", None)
        return json.dumps(figures, ensure_ascii=False, indent=1).encode()
    if fmt == "csv":
        return reports.snapshot_csv(figures).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(reports.figure_rows(figures), template=False)
    raise Invalid(_("Choose json, csv or xlsx."), code="format")


def department_template(plan: Plan, fiscal_year: int, department_code: str | None = None) -> bytes:
    """An Excel sheet a department fills in: one row per KPI with an empty actual to enter."""
    rows = []
    for measure in selectors.measure_list(plan=plan):
        codes = {d.code for d in measure.departments.all()}
        if department_code and department_code not in codes:
            continue
        for kpi in measure.kpis.all():
            if kpi.computed:
                continue
            rows.append(
                {
                    "municipality": plan.municipality.lg_code,
                    "measure": measure.number,
                    "policy": measure.policy.number,
                    "measure_title": measure.title_ja,
                    "kpi": kpi.name_ja,
                    "unit": kpi.unit,
                    "direction": kpi.direction,
                    "kind": "actual",
                    "fiscal_year": fiscal_year,
                    "value": None,
                }
            )
    return _xlsx(rows, template=True)


def _xlsx(rows: list[dict[str, Any]], *, template: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = "KPI"
    sheet.append(reports.CSV_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF7D6")
    for row in rows:
        sheet.append([safe_cell(row[c]) for c in reports.CSV_COLUMNS])
        if template:
            sheet.cell(row=sheet.max_row, column=len(reports.CSV_COLUMNS)).fill = fill
    for column, width in zip("ABCDEFGHIJ", (8, 8, 6, 40, 36, 8, 8, 8, 10, 12), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class ImportResult:
    created_plan: bool = False
    values: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV (UTF-8, with or without BOM, or CP932) or the first sheet of an .xlsx."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        workbook.close()
        if not values:
            return []
        header = [str(h or "").strip() for h in values[0]]
        return [dict(zip(header, row, strict=False)) for row in values[1:] if any(row)]
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid(_("The file is neither UTF-8 nor Shift_JIS (CP932) text."), code="encoding")
    return list(csv.DictReader(io.StringIO(text)))


def import_rows(
    *, municipality: Municipality, actor: Any, plan: Plan, rows: list[dict[str, Any]]
) -> ImportResult:
    """Check every row first; record nothing unless every row is good."""
    result = ImportResult()
    if rows:
        missing = [c for c in REQUIRED_COLUMNS if c not in rows[0]]
        if missing:
            result.errors.append(
                {
                    "row": 1,
                    "column": ", ".join(missing),
                    "message": _("Missing columns: %(names)s. Expected: %(expected)s.")
                    % {"names": ", ".join(missing), "expected": ", ".join(REQUIRED_COLUMNS)},
                }
            )
            return result
    kpis: dict[tuple[str, str], Kpi] = {}
    for measure in selectors.measure_list(plan=plan):
        for each in measure.kpis.all():
            kpis[(measure.number, each.name_ja)] = each
    planned = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header, as a spreadsheet counts
        key = (str(row.get("measure") or "").strip(), str(row.get("kpi") or "").strip())
        kpi = kpis.get(key)
        if kpi is None:
            result.errors.append(
                {
                    "row": number,
                    "column": "kpi",
                    "message": _("No KPI “%(kpi)s” under measure %(measure)s.")
                    % {"kpi": key[1], "measure": key[0]},
                }
            )
            continue
        if row.get("value") in (None, ""):
            continue  # an empty cell in a department template: nothing to record
        kind = str(row.get("kind") or "").strip()
        if kind not in ValueKind.values:
            result.errors.append(
                {"row": number, "column": "kind", "message": _("Write target or actual.")}
            )
            continue
        try:
            year = int(str(row.get("fiscal_year")).strip())
            value = rules.parse_value(row.get("value"))
        except (ValueError, KanminError) as exc:
            column = "fiscal_year" if isinstance(exc, ValueError) else "value"
            message = (
                _("“%(value)s” is not a fiscal year.") % {"value": row.get("fiscal_year")}
                if isinstance(exc, ValueError)
                else " ".join(str(m) for m in exc.fields.get("value", [exc.message]))
            )
            result.errors.append({"row": number, "column": column, "message": message})
            continue
        first, last = rules.fiscal_year_bounds(plan, kind)
        if not first <= year <= last:
            result.errors.append(
                {
                    "row": number,
                    "column": "fiscal_year",
                    "message": _("Fiscal year %(year)s is outside %(first)s–%(last)s.")
                    % {"year": year, "first": first, "last": last},
                }
            )
            continue
        if kind == ValueKind.ACTUAL and kpi.computed:
            result.errors.append(
                {
                    "row": number,
                    "column": "value",
                    "message": _("This KPI is computed by the platform; leave its actuals empty."),
                }
            )
            continue
        planned.append((kpi, kind, year, value))
    if result.errors:
        return result
    latest = selectors.latest_values(plan=plan)
    with transaction.atomic():
        for kpi, kind, year, value in planned:
            current = latest.get(kpi.pk, {}).get(kind, {}).get(year)
            if current is not None and current.value == value:
                result.unchanged += 1
                continue
            services.kpi_value_record(
                municipality=municipality,
                actor=actor,
                kpi=kpi,
                kind=kind,
                fiscal_year=year,
                value=value,
                source="imported",
            )
            result.values += 1
    return result


def import_file(*, municipality: Municipality, actor: Any, path: Path) -> ImportResult:
    """Import a file written by ``export_plan`` or ``department_template``.

    A JSON file creates the plan first when the municipality has none.
    """
    result = ImportResult()
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Invalid(_("The JSON file cannot be read: %(error)s") % {"error": exc}) from None
        try:
            plan = selectors.plan_get(municipality=municipality)
        except NotFound:
            plan = services.plan_load(municipality=municipality, actor=actor, data=data)
            result.created_plan = True
        rows = reports.figure_rows({**data, "municipality": municipality.lg_code})
    else:
        plan = selectors.plan_get(municipality=municipality)
        rows = read_rows(path)
    imported = import_rows(municipality=municipality, actor=actor, plan=plan, rows=rows)
    imported.created_plan = result.created_plan
    return imported
