"""Frozen KPI figures: what a fiscal year's figure was, under which definition version.

A row is written when staff freeze a year (``kanmin governance kpis --freeze``); the register
changes afterwards (a system is re-flagged, a vulnerability closed late) but the figure
reported for that year stays reproducible: the numerator, the denominator and the definition
version it was computed under are kept with it, and, for a KPI whose denominator is a
specification's list of 業務 (Ⅴ-4), the version of the list it counted.

Imported by ``kanmin.governance.models`` so that Django registers it with the app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kanmin.core.models import TenantModel


class KpiFigure(TenantModel):
    """One KPI's figure for one municipality and fiscal year under one definition version."""

    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    kpi = models.CharField(_("KPI"), max_length=60)
    measure = models.CharField(_("measure"), max_length=10)
    definition_version = models.CharField(_("definition version"), max_length=60)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True)
    numerator = models.DecimalField(_("numerator"), max_digits=14, decimal_places=2, null=True)
    denominator = models.DecimalField(_("denominator"), max_digits=14, decimal_places=2, null=True)
    spec_list = models.ForeignKey(
        "governance.SpecList",
        verbose_name=_("list of businesses counted against"),
        # A list a frozen figure counted cannot be deleted (unless with the municipality).
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The version of the specification's list of businesses the denominator counted."
        ),
    )
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        app_label = "governance"
        verbose_name = _("frozen KPI figure")
        verbose_name_plural = _("frozen KPI figures")
        ordering = ("fiscal_year", "measure", "kpi")
        constraints = [
            models.UniqueConstraint(
                fields=("municipality", "fiscal_year", "kpi", "definition_version"),
                name="governance_kpifigure_unique_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.kpi} ({self.definition_version}) = {self.value}"
