"""Writes of the online procedures: each a staff action (``kanmin.core.actions.action``): one
transaction, the tenant and the permission checked, an audit entry written.

Each part of the app keeps its functions in a block of its own below.
"""

from __future__ import annotations

# --- procedure catalog ---
# procedure_create, procedure_update, procedure_delete (refused while the procedure has forms,
# applications or counter visits: unpublish it instead) and procedures_import (the CSV the
# staff export, edited in Excel: all rows or none). The open data of the catalog (datasets.py)
# is brought up to date after each of them (their names are its ``changed_by``).
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kanmin.core.actions import Changed, Outcome, Unchanged, action, deleted
from kanmin.core.errors import Conflict, ImportRefused, Invalid, full_clean
from kanmin.core.models import Department, Municipality
from kanmin.core.permissions import require
from kanmin.procedures import catalog, selectors
from kanmin.procedures.models import Channel, Procedure

# The fields staff set (``code`` is given once, at creation).
PROCEDURE_FIELDS = (
    "name_ja",
    "name_en",
    "department",
    "description_ja",
    "description_en",
    "legal_basis",
    "fee_yen",
    "fee_note",
    "documents",
    "channels",
    "is_online",
    "online_url",
    "pittari_id",
    "is_published",
)
CATALOG_ACTIONS = (
    "procedures.procedure.create",
    "procedures.procedure.update",
    "procedures.procedure.delete",
    "procedures.procedure.import",
)


def _procedure_dict(procedure: Procedure) -> dict[str, Any]:
    """A procedure's values as the audit log keeps them (the department by its code)."""
    values = {name: getattr(procedure, name) for name in PROCEDURE_FIELDS if name != "department"}
    values["department"] = procedure.department.code if procedure.department else None
    values["code"] = procedure.code
    return values


def _clean_values(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(PROCEDURE_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str) and name != "channels":
            value = value.strip()
        if name == "documents":
            # One document a line, whatever separated them (lines, ;).
            value = "\n".join(catalog.split_values(value or ""))
        if name == "channels":
            value = [value] if isinstance(value, str) else list(value or [])
        cleaned[name] = value
    return cleaned


def _check(procedure: Procedure) -> None:
    """Every problem of a procedure at once, per field, or nothing."""
    problems: dict[str, list[Any]] = {}
    channels = procedure.channels if isinstance(procedure.channels, list) else []
    wrong = [c for c in channels if c not in Channel.values]
    if wrong or not isinstance(procedure.channels, list):
        problems["channels"] = [
            _("Unknown channel %(value)s: choose online, counter or post.")
            % {"value": ", ".join(map(str, wrong)) or procedure.channels}
        ]
    elif not channels:
        problems["channels"] = [
            _("Choose at least one way to do the procedure: online, at the counter or by post.")
        ]
    else:
        procedure.channels = [c for c in catalog.CHANNEL_ORDER if c in channels]
    if procedure.is_online and "channels" not in problems and "online" not in channels:
        problems["is_online"] = [
            _(
                "A procedure that can be completed online must list online among its channels: "
                "tick Online, or untick this."
            )
        ]
    if procedure.pittari_id and any(ch.isspace() for ch in procedure.pittari_id):
        problems.setdefault("pittari_id", []).append(
            _("Write the identifier without spaces, as ぴったりサービス shows it.")
        )
    try:
        full_clean(procedure, exclude=["municipality", "channels"], validate_constraints=False)
    except Invalid as exc:
        for name, messages in exc.fields.items():
            problems.setdefault(name, []).extend(messages)
    if problems:
        raise Invalid(fields=problems, code="invalid_procedure")


def _check_code_free(municipality: Municipality, code: str) -> None:
    if Procedure.all_tenants.filter(municipality=municipality, code=code).exists():
        raise Invalid(
            fields={
                "code": [
                    _("A procedure with the code %(code)s exists already: choose another code.")
                    % {"code": code}
                ]
            },
            code="code_taken",
        )


@action("procedures.procedure.create", perm="procedures.add_procedure")
def procedure_create(
    *, municipality: Municipality, actor: Any, code: str, name_ja: str, **values: Any
) -> Outcome[Procedure]:
    """Add a procedure to the catalog (published unless ``is_published=False``)."""
    code = (code or "").strip()
    procedure = Procedure(municipality=municipality, code=code, channels=[Channel.COUNTER])
    for name, value in _clean_values({"name_ja": name_ja, **values}).items():
        setattr(procedure, name, value)
    _check(procedure)
    _check_code_free(municipality, code)
    procedure.save()
    return Changed(procedure, after=_procedure_dict(procedure))


@action("procedures.procedure.update", perm="procedures.change_procedure", on="procedure")
def procedure_update(
    *, municipality: Municipality, actor: Any, procedure: Procedure, **changes: Any
) -> Outcome[Procedure]:
    """Change a procedure's fields (``is_published=False`` unpublishes it: residents no longer
    see it and the open data leaves it out; its forms and history stay)."""
    before = _procedure_dict(procedure)
    working = Procedure.all_tenants.get(pk=procedure.pk)
    for name, value in _clean_values(changes).items():
        setattr(working, name, value)
    _check(working)
    if _procedure_dict(working) == before:
        return Unchanged(procedure)
    working.save()
    for name in PROCEDURE_FIELDS:
        setattr(procedure, name, getattr(working, name))
    procedure.updated_at = working.updated_at
    return Changed(procedure, before=before, after=_procedure_dict(procedure))


USE_LABELS = {
    "forms": gettext_lazy("application forms"),
    "submissions": gettext_lazy("applications"),
    "counter_visits": gettext_lazy("counter visits"),
    "notices": gettext_lazy("notices"),
    "consultations": gettext_lazy("consultations"),
}


@action("procedures.procedure.delete", perm="procedures.delete_procedure", on="procedure")
def procedure_delete(
    *, municipality: Municipality, actor: Any, procedure: Procedure
) -> Outcome[None]:
    """Delete a procedure that nothing refers to. One with forms, applications, counter
    visits, notices or consultations is refused (``Conflict``, code ``in_use``): unpublish it
    instead, so that its history stays."""
    uses = {name: count for name, count in selectors.procedure_uses(procedure).items() if count}
    if uses:
        what = ", ".join(f"{USE_LABELS[name]} {count}" for name, count in uses.items())
        raise Conflict(
            _(
                "%(name)s cannot be deleted: it has %(what)s. Unpublish it instead: residents "
                "will no longer see it, and its history stays."
            )
            % {"name": procedure.name_ja, "what": what},
            code="in_use",
        )
    before = _procedure_dict(procedure)
    return Changed(None, target=deleted(procedure), before=before)


@dataclass
class CatalogImport:
    """What an import did: the codes created, updated and left as they were."""

    file_name: str
    encoding: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _department_of(
    municipality: Municipality, cells: dict[str, str], departments: list[Department]
) -> tuple[bool, Department | None, str | None, str]:
    """(given, department, column with a problem, message)."""
    code = cells.get("department_code", "")
    name = cells.get("department", "")
    if "department_code" not in cells and "department" not in cells:
        return False, None, None, ""
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
                _("No single department is named %(name)s: give its code in 担当課コード.")
                % {"name": name},
            )
        return True, matches[0], None, ""
    return True, None, None, ""


def _row_values(cells: dict[str, str], problems: list[tuple[str, str]]) -> dict[str, Any]:
    """The procedure's fields from a row's cells; problems as (column, message)."""
    values: dict[str, Any] = {}
    for name in (
        "name_ja",
        "name_en",
        "description_ja",
        "description_en",
        "legal_basis",
        "fee_note",
        "documents",
        "online_url",
        "pittari_id",
    ):
        if name in cells:
            values[name] = cells[name]
    if "fee_yen" in cells:
        try:
            values["fee_yen"] = catalog.parse_fee(cells["fee_yen"])
        except ValueError:
            problems.append(
                ("fee_yen", _("Write the fee in yen as a number, e.g. 300; empty when free."))
            )
    if "channels" in cells:
        try:
            values["channels"] = catalog.parse_channels(cells["channels"])
        except ValueError as exc:
            problems.append(
                (
                    "channels",
                    _("Unknown channel “%(value)s”: write オンライン, 窓口 or 郵送, separated by ;")
                    % {"value": exc.args[0]},
                )
            )
    for name in ("is_online", "is_published"):
        if name in cells:
            try:
                values[name] = catalog.parse_bool(cells[name])
            except ValueError:
                problems.append((name, _("Write 1 (yes) or 0 (no).")))
    return values


@action("procedures.procedure.import", perm=None)
def procedures_import(
    *, municipality: Municipality, actor: Any, data: bytes, file_name: str = ""
) -> Outcome[CatalogImport]:
    """Add and update procedures from a CSV file of the catalog (the one the staff export, or
    the open data), matched by 手続コード. UTF-8 or CP932. Columns the file lacks are left as
    they are; procedures not in the file too. All or nothing: ``ImportRefused`` lists every
    problem with its row and column, and nothing is saved."""
    require(actor, "procedures.add_procedure", municipality)
    require(actor, "procedures.change_procedure", municipality)
    read = catalog.read_file(data)
    problems = list(read.problems)
    titles = read.titles
    result = CatalogImport(file_name=file_name, encoding=read.encoding)
    if not read.rows and not problems:
        problems.append(catalog.Problem(None, None, None, _("The file has no procedures.")))
    departments = list(Department.all_tenants.filter(municipality=municipality))
    existing = {
        p.code: p
        for p in Procedure.all_tenants.filter(
            municipality=municipality, code__in=[r.code for r in read.rows]
        ).select_related("department")
    }
    to_save: list[tuple[str, Procedure]] = []

    def problem(row: catalog.FileRow, name: str, message: Any) -> None:
        title = titles.get(name) or catalog.column_title(name)
        problems.append(catalog.Problem(row.row, title, row.cells.get(name), str(message)))

    for row in read.rows:
        cells = row.cells
        lg_code = cells.get("lg_code", "")
        if lg_code and lg_code != municipality.lg_code:
            problem(
                row,
                "lg_code",
                _("This row is of another municipality (%(code)s); this catalog is %(own)s's.")
                % {"code": lg_code, "own": municipality.lg_code},
            )
            continue
        row_problems: list[tuple[str, str]] = []
        values = _row_values(cells, row_problems)
        given, department, column, message = _department_of(municipality, cells, departments)
        if column:
            row_problems.append((column, message))
        elif given:
            values["department"] = department
        for name, text in row_problems:
            problem(row, name, text)
        if row_problems:
            continue
        current = existing.get(row.code)
        if current is None:
            procedure = Procedure(
                municipality=municipality, code=row.code, channels=[Channel.COUNTER]
            )
            before = None
        else:
            procedure = current
            before = _procedure_dict(current)
        for name, value in _clean_values(values).items():
            setattr(procedure, name, value)
        try:
            _check(procedure)
        except Invalid as exc:
            for name, messages in exc.fields.items():
                target = "department_code" if name == "department" else name
                for field_message in messages:
                    problem(row, target, str(field_message))
            continue
        if before is None:
            to_save.append(("created", procedure))
        elif _procedure_dict(procedure) != before:
            to_save.append(("updated", procedure))
        else:
            result.unchanged.append(row.code)
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    for kind, procedure in to_save:
        procedure.save()
        getattr(result, kind).append(procedure.code)
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
