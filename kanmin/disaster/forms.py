from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.disaster import backtest, criteria

DESIGN_RISE_CHOICES = [
    ("max", _("the largest rise of the past events")),
    ("90", _("the 90th percentile of their rises")),
    ("75", _("the 75th percentile of their rises")),
    ("50", _("the median of their rises")),
]


class CriteriaForm(forms.Form):
    """What to try on the criteria page (sent with GET: the page changes nothing)."""

    DEFAULTS = {
        "lead_hours": f"{backtest.LEAD_HOURS_DEFAULT:g}",
        "design_rise": "max",
        "rise_hours": "1",
    }

    lead_hours = forms.DecimalField(
        label=_("Lead time needed (hours)"),
        min_value=Decimal("0.5"),
        max_value=Decimal("24"),
        decimal_places=1,
        required=False,
        help_text=_(
            "Time to open shelters and move those who need help before the level above is "
            "reached: the proposals leave this much."
        ),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    design_rise = forms.ChoiceField(
        label=_("Design rise"), choices=DESIGN_RISE_CHOICES, required=False
    )
    level = forms.DecimalField(
        label=_("Candidate threshold (m)"),
        max_digits=7,
        decimal_places=3,
        required=False,
        help_text=_("Back-test a level of your own against every past event."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    rise = forms.DecimalField(
        label=_("Or a rise of at least (m)"),
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=3,
        required=False,
        help_text=_("Optional: also fire on a fast rise, before the threshold is reached."),
        widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
    )
    rise_hours = forms.TypedChoiceField(
        label=_("Within (hours)"),
        choices=[(h, str(h)) for h in criteria.RISE_HOURS],
        coerce=int,
        required=False,
    )
    rise_from = forms.DecimalField(
        label=_("While at or above (m)"),
        max_digits=7,
        decimal_places=3,
        required=False,
        help_text=_("Empty: the flood-fighting stand-by level."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rise") is not None and data.get("level") is None:
            self.add_error("level", _("Give the threshold the rise condition goes with."))
        if data.get("rise_from") is not None and data.get("rise") is None:
            self.add_error("rise", _("Give the rise that counts from this level."))
        return data

    def _value(self, name: str) -> Any:
        if not self.is_bound:
            return None
        self.is_valid()  # the fields that are valid are used, the others shown as errors
        return self.cleaned_data.get(name)

    def lead_hours_value(self) -> float:
        value = self._value("lead_hours")
        return float(value) if value is not None else backtest.LEAD_HOURS_DEFAULT

    def percentile_value(self) -> float | None:
        value = self._value("design_rise")
        return None if value in (None, "", "max") else float(value)

    def rule(self) -> criteria.Rule | None:
        level = self._value("level")
        if level is None:
            return None
        rise = self._value("rise")
        rise_from = self._value("rise_from")
        return criteria.Rule(
            level=float(level),
            rise=None if rise is None else float(rise),
            rise_hours=float(self._value("rise_hours") or 1),
            rise_from=None if rise_from is None else float(rise_from),
        )
