"""The versioned lists of 業務 that the 地域情報プラットフォーム標準仕様 and the 中間標準レイアウト
仕様 define: the denominators of the Ⅴ-4 KPIs (…で定義されている業務数).

A list is a version: once entered it is not edited (a change of the specification is a new
``SpecList`` with its own ``valid_from``). A year's KPI counts against the list valid on
31 March of the fiscal year, and a frozen figure keeps the list it used, so the year's figure
can be reproduced after the specification (or, after standardisation, the register) changes.

Imported by ``kanmin.governance.models`` so that Django registers the models with the app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kanmin.core.models import TenantModel


class Spec(models.TextChoices):
    APPLIC = "applic", _("Regional Information Platform standard specification")
    MIDDLE_LAYOUT = "middle_layout", _("Intermediate Standard Layout specification")


class SpecList(TenantModel):
    """One version of a specification's list of 業務, as the municipality counts against it."""

    spec = models.CharField(_("specification"), max_length=20, choices=Spec.choices)
    version = models.CharField(
        _("version"), max_length=60, help_text=_("As the specification names it, e.g. V2.6.")
    )
    valid_from = models.DateField(
        _("valid from"), help_text=_("The first day the KPIs count against this list.")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        app_label = "governance"
        verbose_name = _("specification's list of businesses")
        verbose_name_plural = _("specifications' lists of businesses")
        ordering = ["municipality", "spec", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "spec", "version"], name="governance_speclist_version"
            ),
            models.UniqueConstraint(
                fields=["municipality", "spec", "valid_from"], name="governance_speclist_from"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The list as a figure names it: ``中間標準レイアウト仕様 V2.4 (2024-04-01)``."""
        return f"{self.get_spec_display()} {self.version} ({self.valid_from.isoformat()})"


class SpecBusiness(TenantModel):
    """One 業務 of a list: the name as the specification writes it, and the register's code
    of the 業務 (what ``SystemBusiness.business`` holds) it is counted by."""

    spec_list = models.ForeignKey(
        SpecList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="businesses"
    )
    business = models.CharField(_("business"), max_length=40)
    name = models.CharField(_("name in the specification"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        app_label = "governance"
        verbose_name = _("business of a list")
        verbose_name_plural = _("business of a list")
        ordering = ["spec_list", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["spec_list", "business"], name="governance_specbusiness_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
