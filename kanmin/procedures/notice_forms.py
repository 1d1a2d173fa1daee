"""Forms of notices and consultations (staff and residents)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.core.language import localized
from kanmin.core.models import Department
from kanmin.procedures.models import Procedure
from kanmin.procedures.notice_services import BODY_MAX, SUBJECT_MAX


def _choice(form: forms.Form, name: str) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return cast(forms.ModelChoiceField, form.fields[name])  # type: ignore[type-arg]


class DepartmentChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class ProcedureChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return localized(obj.name_ja, obj.name_en)


class NoticeForm(forms.Form):
    department = DepartmentChoice(
        label=_("Sending department"), queryset=Department.all_tenants.none(), empty_label=None
    )
    recipient_email = forms.EmailField(
        label=_("Resident's e-mail address"),
        required=False,
        max_length=150,
        help_text=_("The address of the resident's account, exactly. Or give an application."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    reference = forms.CharField(
        label=_("Application reference number"),
        required=False,
        max_length=40,
        help_text=_("The notice goes to the account that made the application."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Text of the notice"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Shown in the resident's inbox only; the e-mail just says a notice is there."),
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "department").queryset = departments

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email = data.get("recipient_email")
        reference = (data.get("reference") or "").strip()
        if not email and not reference and "recipient_email" not in self.errors:
            self.add_error(
                "recipient_email",
                _("Give the resident's e-mail address or an application reference number."),
            )
        elif email and reference:
            self.add_error(
                "reference",
                _("Give either an e-mail address or a reference number, not both."),
            )
        return data


class ConsultationForm(forms.Form):
    department = DepartmentChoice(
        label=_("Department to ask"),
        queryset=Department.all_tenants.none(),
        empty_label=_("Choose a department"),
    )
    procedure = ProcedureChoice(
        label=_("About a procedure (optional)"),
        queryset=Procedure.all_tenants.none(),
        required=False,
        empty_label=_("No procedure in particular"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Your question"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Do not write your My Number (the individual number) here."),
    )

    def __init__(self, *args: Any, departments: Any, procedures: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "department").queryset = departments
        _choice(self, "procedure").queryset = procedures


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
