"""Forms of notices and consultations (staff and residents)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.core.language import localized
from kanmin.procedures.notice_services import BODY_MAX, SUBJECT_MAX


def _department_label(department: Any) -> str:
    return str(department.display_name)


class NoticeForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Sending department"), queryset=None, empty_label=None
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
        field = self.fields["department"]
        field.queryset = departments
        field.label_from_instance = _department_label

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
    department = forms.ModelChoiceField(
        label=_("Department to ask"), queryset=None, empty_label=_("Choose a department")
    )
    procedure = forms.ModelChoiceField(
        label=_("About a procedure (optional)"),
        queryset=None,
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
        self.fields["department"].queryset = departments
        self.fields["department"].label_from_instance = _department_label
        self.fields["procedure"].queryset = procedures
        self.fields["procedure"].label_from_instance = lambda p: localized(p.name_ja, p.name_en)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
