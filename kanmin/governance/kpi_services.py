"""Freezing the governance KPIs: a year's figure kept as computed, under its definition
version, so that it can always be shown again as it was (see :mod:`kanmin.governance.kpis`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.fiscal_year import FiscalYear
from kanmin.governance.kpi_models import KpiFigure
from kanmin.governance.kpis import _BY_KEY, DEFINITIONS, Figure, kpi_compute, kpi_figures


@action("governance.kpi.freeze", perm="governance.change_informationsystem")
def kpi_figure_freeze(
    *,
    municipality: Any,
    actor: Any,
    key: str,
    fiscal_year: FiscalYear,
    today: dt.date | None = None,
) -> Outcome[KpiFigure]:
    """Keep one KPI's figure for the year as computed now; a figure already frozen under the
    same definition version is kept as it was (freezing twice changes nothing)."""
    definition = _BY_KEY[key]
    existing = KpiFigure.all_tenants.filter(
        municipality=municipality,
        fiscal_year=fiscal_year.year,
        kpi=key,
        definition_version=definition.version,
    ).first()
    if existing is not None:
        return Unchanged(existing)
    figure = kpi_compute(
        definition, municipality=municipality, fiscal_year=fiscal_year, today=today
    )
    row = KpiFigure.all_tenants.create(
        municipality=municipality,
        fiscal_year=fiscal_year.year,
        kpi=key,
        measure=definition.measure,
        definition_version=definition.version,
        value=figure.value,
        numerator=figure.numerator,
        denominator=figure.denominator,
        spec_list_id=figure.spec_list_id,
        frozen_by=actor if getattr(actor, "pk", None) else None,
    )
    return Changed(row, after=figure.as_json())


@transaction.atomic
def kpi_figures_freeze(
    *, municipality: Any, fiscal_year: FiscalYear, actor: Any = None, today: dt.date | None = None
) -> list[Figure]:
    """Freeze every KPI of the year (all or none); returns the year's frozen figures."""
    for definition in DEFINITIONS:
        kpi_figure_freeze(
            municipality=municipality,
            actor=actor,
            key=definition.key,
            fiscal_year=fiscal_year,
            today=today,
        )
    return kpi_figures(municipality=municipality, fiscal_year=fiscal_year, today=today)
