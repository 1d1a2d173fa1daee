from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.core.models import Department
from kanmin.plan.models import Direction, Progress, ValueKind


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


class MeasureForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=10, help_text=_("e.g. Ⅱ-5"))
    title_ja = forms.CharField(label=_("Title (Japanese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    content_ja = forms.CharField(
        label=_("Content (Japanese)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Responsible departments"), queryset=Department.all_tenants.none(), required=False
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kanmin.core.selectors import department_list

        self.fields["departments"].queryset = department_list(municipality=municipality)  # type: ignore[attr-defined]


class KpiForm(forms.Form):
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    unit = forms.CharField(
        label=_("Unit"), max_length=20, required=False, help_text=_("e.g. 件, 人, %, 分")
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    formula = forms.CharField(
        label=_("Formula"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    metric = forms.ChoiceField(
        label=_("Computed by"),
        required=False,
        help_text=_("Leave empty when departments enter the actual values."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kanmin.core import metrics

        self.fields["metric"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (m.name, f"{m.name} — {m.description}") for m in metrics.all_metrics()
        ]


class PlanCopyForm(forms.Form):
    source = forms.ChoiceField(label=_("Start from the plan of"))

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = sources  # type: ignore[attr-defined]


class FiguresUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in Excel sheet or CSV"),
        help_text=_("The sheet downloaded above, with the values filled in (.xlsx or .csv)."),
    )
