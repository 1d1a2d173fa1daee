"""Forms of the counter pages: reception, the desk, the managers' filters and BPR changes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.procedures.models import BprChange, Channel, Procedure


def _procedures(municipality: Any) -> Any:
    return Procedure.all_tenants.filter(municipality=municipality).order_by("code")


class ProcedureChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Procedure) -> str:
        return obj.name_ja if not obj.name_en else f"{obj.name_ja} ({obj.name_en})"


class ReceptionForm(forms.Form):
    procedures = ProcedureChoice(
        label=_("What did the resident come for?"),
        queryset=Procedure.all_tenants.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one procedure.")},
        help_text=_("Choose every procedure; one ticket covers them all."),
    )
    channel = forms.ChoiceField(
        label=_("How did the resident come?"),
        choices=[
            (Channel.COUNTER, _("In person")),
            *[c for c in Channel.choices if c[0] != Channel.COUNTER],
        ],
        initial=Channel.COUNTER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedures"].queryset = _procedures(municipality)  # type: ignore[attr-defined]


class CallNextForm(forms.Form):
    desk = forms.CharField(
        label=_("Desk"),
        max_length=40,
        help_text=_("The name or number shown on the display, e.g. 3."),
    )
    procedure = forms.ModelChoiceField(
        label=_("Only residents waiting for"),
        queryset=Procedure.all_tenants.none(),
        required=False,
        empty_label=_("Any procedure"),
        to_field_name="code",
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = _procedures(municipality)  # type: ignore[attr-defined]


class StatsFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    procedure = forms.ModelChoiceField(
        label=_("Procedure"),
        queryset=Procedure.all_tenants.none(),
        required=False,
        empty_label=_("All procedures"),
        to_field_name="code",
    )
    change = forms.ModelChoiceField(
        label=_("Compare before and after"),
        queryset=BprChange.all_tenants.none(),
        required=False,
        empty_label=_("No comparison"),
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = _procedures(municipality)  # type: ignore[attr-defined]
        self.fields["change"].queryset = BprChange.all_tenants.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )


class BprChangeForm(forms.Form):
    effective_on = forms.DateField(
        label=_("In effect from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("What changed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the certificate request form is no longer filled in by hand."),
    )
    procedures = ProcedureChoice(
        label=_("Procedures concerned"),
        queryset=Procedure.all_tenants.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty when the change concerns the whole counter."),
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedures"].queryset = _procedures(municipality)  # type: ignore[attr-defined]
