"""Forms of the staff queue (filters, actions, exports) and of the resident's status page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kanmin.procedures import queue_exports, queue_selectors, status_labels
from kanmin.procedures.models import Submission

S = Submission.Status
MESSAGE_MAX = 4000

STATUS_TABS = (
    ("open", pgettext_lazy("applications", "Open")),
    (S.RECEIVED, status_labels.LABELS[S.RECEIVED]),
    (S.REVIEWING, status_labels.LABELS[S.REVIEWING]),
    (S.CORRECTION, status_labels.LABELS[S.CORRECTION]),
    (S.COMPLETED, status_labels.LABELS[S.COMPLETED]),
    (S.REJECTED, status_labels.LABELS[S.REJECTED]),
    (S.WITHDRAWN, status_labels.LABELS[S.WITHDRAWN]),
    ("all", _("All")),
)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=pgettext_lazy("application", "Status"), required=False, choices=STATUS_TABS
    )
    department = forms.TypedChoiceField(
        label=_("Department"), required=False, coerce=int, empty_value=None
    )
    procedure = forms.TypedChoiceField(
        label=_("Procedure"), required=False, coerce=int, empty_value=None
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    submitted_from = forms.DateField(
        label=_("Submitted from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Year-month-day, e.g. 2026-04-01."),
    )
    submitted_to = forms.DateField(
        label=_("Submitted until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = forms.CharField(label=_("Reference number"), required=False, max_length=40)
    order = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=(
            ("-submitted_at", _("Newest first")),
            ("submitted_at", _("Oldest first")),
        ),
    )

    def __init__(self, data: Any, *, municipality: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        departments = queue_selectors.department_choices(municipality, user)
        self.fields["department"].choices = [("", _("All my departments"))] + [  # type: ignore[attr-defined]
            (d.pk, d.name_ja) for d in departments
        ]
        self.fields["procedure"].choices = [("", _("All procedures"))] + [  # type: ignore[attr-defined]
            (p.pk, p.name_ja) for p in queue_selectors.procedure_choices(municipality, user)
        ]
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("me", _("Assigned to me")),
            ("none", _("Nobody yet")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error(
                "submitted_to", _("The end date is before the start date: swap the two dates.")
            )
        return data

    def filters(self) -> queue_selectors.QueueFilters:
        """The filters the form was given (its valid fields; an invalid one is left out)."""
        data = self.cleaned_data if self.is_bound else {}
        assignee_choice = data.get("assignee", "")
        assignee: int | None = None
        if assignee_choice == "me":
            assignee = self.user.pk
        elif assignee_choice == "none":
            assignee = 0
        # The open applications unless a tab says otherwise; "all" is every status.
        status = data.get("status") or "open"
        return queue_selectors.QueueFilters(
            status="" if status == "all" else status,
            department=data.get("department"),
            procedure=data.get("procedure"),
            assignee=assignee,
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            q=data.get("q") or "",
            order=data.get("order") or "-submitted_at",
        )


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assign to"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data: Any = None, *, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.staff = {u.pk: u for u in staff}
        self.fields["assignee"].choices = [("", _("Nobody"))] + [  # type: ignore[attr-defined]
            (u.pk, u.get_full_name() or u.get_username()) for u in staff
        ]

    def chosen(self) -> Any:
        pk = self.cleaned_data.get("assignee")
        return self.staff.get(pk) if pk is not None else None


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the applicant"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["message"].required = required


class ExportForm(forms.Form):
    version = forms.TypedChoiceField(label=_("Form (columns)"), coerce=int)
    format = forms.ChoiceField(
        label=_("File"),
        choices=(("csv", _("CSV")), ("xlsx", _("Excel (.xlsx)"))),
        initial="csv",
        widget=forms.RadioSelect,
    )
    encoding = forms.ChoiceField(
        label=_("CSV encoding"),
        choices=(
            ("utf-8", _("UTF-8 with BOM")),
            ("cp932", _("Shift_JIS (CP932), for older systems")),
        ),
        initial="utf-8",
        required=False,
        help_text=_(
            "CP932 cannot hold some characters (e.g. 𠮟, 𠮷): they are written as 〓. Use "
            "UTF-8 to keep them."
        ),
    )

    def __init__(self, data: Any = None, *, versions: list[Any], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.versions = {v.pk: v for v in versions}
        self.fields["version"].choices = [  # type: ignore[attr-defined]
            (v.pk, f"{v.form.title_ja} (v{v.number})") for v in versions
        ]

    def chosen_version(self) -> Any:
        return self.versions[self.cleaned_data["version"]]

    def clean_encoding(self) -> str:
        value = self.cleaned_data.get("encoding") or "utf-8"
        return value if value in queue_exports.ENCODINGS else "utf-8"


class ReplyForm(forms.Form):
    message = forms.CharField(
        label=_("Your reply"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your reply to the department.")},
    )
    corrected = forms.BooleanField(
        label=_("I have made the correction asked for"),
        required=False,
        help_text=_("Tick this when you have done what was asked: the review then continues."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I want to withdraw this application"),
        error_messages={
            "required": _("Tick the box to confirm that you want to withdraw the application.")
        },
    )
