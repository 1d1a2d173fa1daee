"""Reads of the online procedures, always for one municipality.

The procedure catalog:

- ``procedure_list(municipality, published_only=…, department=…, channel=…, online=…, q=…)``:
  the catalog, filtered; ``procedure_get(municipality, code)`` (raises ``NotFound``);
  ``procedure_departments(municipality, published_only=…)``: the departments that have
  procedures (the filters' choices); ``live_form_slugs(municipality, procedures)``: for each
  procedure the address name of a live form, if any (the "apply online" link);
  ``procedure_uses(procedure)``: what refers to a procedure (and keeps it from being deleted).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kanmin.core.errors import NotFound
from kanmin.core.models import Department
from kanmin.procedures.models import (
    Channel,
    Consultation,
    CounterVisit,
    Form,
    Notice,
    Procedure,
    Submission,
)

# --- procedure catalog ---


def _like(value: str) -> str:
    """What a search matches: full-width letters and digits as half-width, spaces trimmed."""
    return unicodedata.normalize("NFKC", value or "").strip()


def procedure_list(
    municipality: Any,
    *,
    published_only: bool = True,
    department: Department | str | None = None,
    channel: str = "",
    online: bool | None = None,
    q: str = "",
) -> QuerySet[Procedure]:
    """The municipality's procedures in their department's order, then by code.

    ``department`` is a department or its code; ``channel`` one of ``Channel``; ``online``
    True/False keeps only those that can (cannot) be completed online; ``q`` searches the
    names (Japanese and English) and the descriptions, each word of it."""
    rows = Procedure.all_tenants.filter(municipality=municipality).select_related("department")
    if published_only:
        rows = rows.filter(is_published=True)
    if isinstance(department, Department):
        rows = rows.filter(department=department)
    elif department:
        rows = rows.filter(department__code=department)
    if channel:
        if channel not in Channel.values:
            return rows.none()
        # channels is a JSON list; the codes are plain words, so a quoted match is exact and
        # works on SQLite and PostgreSQL alike.
        rows = rows.filter(channels__icontains=f'"{channel}"')
    if online is not None:
        rows = rows.filter(is_online=online)
    for word in _like(q).split():
        rows = rows.filter(
            Q(name_ja__icontains=word)
            | Q(name_en__icontains=word)
            | Q(description_ja__icontains=word)
            | Q(description_en__icontains=word)
            | Q(code__icontains=word)
        )
    return rows.order_by("department__sort_order", "department__code", "code")


def procedure_get(municipality: Any, code: str, *, published_only: bool = False) -> Procedure:
    try:
        return procedure_list(municipality, published_only=published_only).get(code=code)
    except Procedure.DoesNotExist:
        raise NotFound(_("No procedure with the code %(code)s.") % {"code": code}) from None


def procedure_departments(municipality: Any, *, published_only: bool = True) -> list[Department]:
    """The departments that have (published) procedures, in the municipality's order."""
    rows = Procedure.all_tenants.filter(municipality=municipality, department__isnull=False)
    if published_only:
        rows = rows.filter(is_published=True)
    ids = rows.values("department_id")
    return list(
        Department.all_tenants.filter(municipality=municipality, pk__in=ids).order_by(
            "sort_order", "code"
        )
    )


def live_form_slugs(municipality: Any, procedures: Iterable[Procedure]) -> dict[int, str]:
    """{procedure id: slug of a live form} for those of ``procedures`` that have one."""
    ids = [p.pk for p in procedures]
    result: dict[int, str] = {}
    forms = (
        Form.all_tenants.filter(
            municipality=municipality,
            procedure_id__in=ids,
            status=Form.Status.LIVE,
            live_version__isnull=False,
        )
        .order_by("procedure_id", "slug")
        .values_list("procedure_id", "slug")
    )
    for procedure_id, slug in forms:
        result.setdefault(procedure_id, slug)
    return result


def procedure_uses(procedure: Procedure) -> dict[str, int]:
    """What refers to a procedure (and keeps it from being deleted): forms, applications,
    counter visits, notices and consultations, counted."""
    return {
        "forms": Form.all_tenants.filter(procedure=procedure).count(),
        "submissions": Submission.all_tenants.filter(procedure=procedure).count(),
        "counter_visits": CounterVisit.all_tenants.filter(procedures=procedure).count(),
        "notices": Notice.all_tenants.filter(procedure=procedure).count(),
        "consultations": Consultation.all_tenants.filter(procedure=procedure).count(),
    }
