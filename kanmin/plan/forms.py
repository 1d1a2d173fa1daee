from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.plan.models import Progress, ValueKind


class KpiValueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ValueKind.choices)
    fiscal_year = forms.CharField(
        label=_("Fiscal year"),
        max_length=20,
        help_text=_("For example 2025, 令和7年度 or R7."),
    )
    value = forms.CharField(label=_("Value"), max_length=40, help_text=_("A number, e.g. 1,200"))
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, assume_scheme="https")
    evidence_file = forms.FileField(label=_("Evidence file"), required=False)

    def clean_fiscal_year(self) -> int:
        from kanmin.core.wareki import WarekiError, parse_fiscal_year

        raw = self.cleaned_data["fiscal_year"]
        try:
            return parse_fiscal_year(raw)
        except WarekiError as exc:
            from kanmin.core.models import localized_message

            raise forms.ValidationError(localized_message(exc)) from None


class MeasureReviewForm(forms.Form):
    progress = forms.ChoiceField(label=_("Progress"), choices=Progress.choices)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the measure is delayed or changed."),
    )


class ReviewOpenForm(forms.Form):
    fiscal_year = forms.CharField(
        label=_("Fiscal year"), max_length=20, help_text=_("e.g. 2025 or 令和7年度")
    )

    def clean_fiscal_year(self) -> int:
        from kanmin.core.models import localized_message
        from kanmin.core.wareki import WarekiError, parse_fiscal_year

        try:
            return parse_fiscal_year(self.cleaned_data["fiscal_year"])
        except WarekiError as exc:
            raise forms.ValidationError(localized_message(exc)) from None
