"""Writes to municipalities and departments, each in the one shape of kanmin.core.actions."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kanmin.core.actions import Changed, Outcome, action, deleted
from kanmin.core.errors import Conflict, Invalid, full_clean
from kanmin.core.lg_code import LgCodeError, validate_lg_code
from kanmin.core.models import Department, Municipality, localized_message


@action("core.municipality.create", perm="core.add_municipality")
def municipality_create(
    *,
    actor: Any,
    lg_code: str,
    name_ja: str,
    name_kana: str = "",
    name_en: str = "",
    area: tuple[float, float, float, float] | None = None,
) -> Outcome[Municipality]:
    """Register a municipality (tenant). Only platform admins, or the system, may do this.
    ``area``: (south, west, north, east), a box around it for the check of coordinates."""
    try:
        code = validate_lg_code(lg_code)
    except LgCodeError as exc:
        raise Invalid(
            localized_message(exc), code=exc.code, fields={"lg_code": [localized_message(exc)]}
        ) from None
    if Municipality.objects.filter(lg_code=code).exists():
        raise Conflict(
            _("A municipality with the code %(code)s already exists.") % {"code": code},
            code="duplicate",
        )
    municipality = Municipality(
        lg_code=code,
        prefecture_code=code[:2],
        name_ja=name_ja.strip(),
        name_kana=name_kana.strip(),
        name_en=name_en.strip(),
    )
    if area is not None:
        (
            municipality.area_south,
            municipality.area_west,
            municipality.area_north,
            municipality.area_east,
        ) = area
    full_clean(municipality)
    municipality.save()
    return Changed(
        municipality, municipality=municipality, after=_municipality_fields(municipality)
    )


def _municipality_fields(m: Municipality) -> dict[str, Any]:
    return {
        "lg_code": m.lg_code,
        "name_ja": m.name_ja,
        "name_kana": m.name_kana,
        "name_en": m.name_en,
        "is_active": m.is_active,
        "area": list(m.area) if m.area else None,
    }


def _department_fields(d: Department) -> dict[str, Any]:
    return {
        "code": d.code,
        "name_ja": d.name_ja,
        "name_en": d.name_en,
        "parent": d.parent.code if d.parent else None,
        "sort_order": d.sort_order,
    }


@action("core.department.create", perm="core.add_department")
def department_create(
    *,
    municipality: Municipality,
    actor: Any,
    code: str,
    name_ja: str,
    name_en: str = "",
    parent: Department | None = None,
    sort_order: int = 0,
) -> Outcome[Department]:
    department = Department(
        municipality=municipality,
        code=code,
        name_ja=name_ja.strip(),
        name_en=name_en.strip(),
        parent=parent,
        sort_order=sort_order,
    )
    full_clean(department, exclude=["municipality"])
    try:
        with transaction.atomic():
            department.save()
    except IntegrityError:
        raise Conflict(
            _("A department with the code %(code)s already exists.") % {"code": code},
            code="duplicate",
            fields={"code": [_("This code is already used.")]},
        ) from None
    return Changed(department, after=_department_fields(department))


@action("core.department.update", perm="core.change_department", on="department")
def department_update(
    *,
    municipality: Municipality,
    actor: Any,
    department: Department,
    name_ja: str | None = None,
    name_en: str | None = None,
    sort_order: int | None = None,
) -> Outcome[Department]:
    before = _department_fields(Department.all_tenants.get(pk=department.pk))
    if name_ja is not None:
        department.name_ja = name_ja.strip()
    if name_en is not None:
        department.name_en = name_en.strip()
    if sort_order is not None:
        department.sort_order = sort_order
    full_clean(department, exclude=["municipality"])
    department.save()
    return Changed(department, before=before, after=_department_fields(department))


@action("core.department.delete", perm="core.delete_department", on="department")
def department_delete(
    *, municipality: Municipality, actor: Any, department: Department
) -> Outcome[None]:
    before = _department_fields(department)
    return Changed(None, target=deleted(department), before=before)
