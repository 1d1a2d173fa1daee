from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kanmin.audit.selectors import KINDS


class LogFilterForm(forms.Form):
    """The auditor's filters: a kind of entry and a period (local dates, both included)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", pgettext_lazy("audit log", "All entries")),
            *[(k.slug, k.label) for k in KINDS],
        ],
    )
    since = forms.DateField(
        label=pgettext_lazy("audit log", "From"),
        required=False,
        help_text=_("Date, for example 2026-04-01."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=pgettext_lazy("audit log", "To"),
        required=False,
        help_text=pgettext_lazy("audit log", "Date, included."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error(
                "until",
                _("The end date is before the start date: choose a date on or after %(date)s.")
                % {"date": since.isoformat()},
            )
        return data
