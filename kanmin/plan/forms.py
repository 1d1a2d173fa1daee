from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from kanmin.core.models import Department
from kanmin.plan.models import Direction, Progress, ValueKind


def _with_japanese(message: str, **examples: str) -> SafeString:
    """A help text whose examples are Japanese input (令和7年度, 件): they are marked
    ``lang="ja"``, so an English page does not mix languages unmarked."""
    return format_html(
        gettext(message),
        **{name: format_html('<span lang="ja">{}</span>', text) for name, text in examples.items()},
    )


_help = lazy(_with_japanese, SafeString)
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


class KpiValueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ValueKind.choices)
    fiscal_year = forms.CharField(
        label=_("Fiscal year"),
        max_length=20,
        help_text=_help(gettext_noop("For example 2025, {wareki} or R7."), wareki="令和7年度"),
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


class ReviewActualForm(forms.Form):
    """The year's actual of one KPI, entered on the review page."""

    value = forms.CharField(label=_("Actual"), max_length=40, help_text=_("A number, e.g. 1,200"))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)


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
        label=_("Fiscal year"),
        max_length=20,
        help_text=_help(gettext_noop("e.g. 2025 or {wareki}"), wareki="令和7年度"),
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
    title_ja = forms.CharField(
        label=_("Title (Japanese)"),
        max_length=200,
        widget=forms.TextInput(attrs={"lang": "ja"}),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    content_ja = forms.CharField(
        label=_("Content (Japanese)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "lang": "ja"}),
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Responsible departments"), queryset=Department.all_tenants.none(), required=False
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kanmin.core.selectors import department_list

        departments = department_list(municipality=municipality)
        field = self.fields["departments"]
        field.queryset = departments  # type: ignore[attr-defined]
        field.label_from_instance = lambda d: d.display_name  # type: ignore[attr-defined]
        if any(not d.name_en for d in departments):
            field.widget.attrs["lang"] = "ja"  # names without an English version


class KpiForm(forms.Form):
    name_ja = forms.CharField(
        label=_("Name (Japanese)"), max_length=200, widget=forms.TextInput(attrs={"lang": "ja"})
    )
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    unit = forms.CharField(
        label=_("Unit"),
        max_length=20,
        required=False,
        help_text=_help(gettext_noop("As the plan writes it, e.g. {units}, %"), units="件, 人, 分"),
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
        formula = str(self["formula"].value() or "")
        if _JAPANESE.search(formula):
            self.fields["formula"].widget.attrs["lang"] = "ja"


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
