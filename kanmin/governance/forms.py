"""Forms of the register's pages (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kanmin.core.language import mark_japanese, needs_japanese_mark
from kanmin.governance.models import (
    BUSINESS_AREA_CHOICES,
    SEVERITY_DAYS,
    Audit,
    Business,
    Classification,
    Hosting,
    InformationSystem,
    NetworkSegment,
    Severity,
    TrainingSession,
)
from kanmin.governance.register import MAX_IMPORT_BYTES
from kanmin.governance.spec_models import Spec


def _label(name: str) -> Any:
    return InformationSystem._meta.get_field(name).verbose_name  # type: ignore[union-attr]


COMPLIANCE_CHOICES = [
    ("", _("Any")),
    ("applic", _("Regional Information Platform compliant")),
    ("-applic", _("Not Regional Information Platform compliant")),
    ("middle_layout", _("Exports in the Intermediate Standard Layout")),
    ("-middle_layout", _("Does not export in the Intermediate Standard Layout")),
    ("standard", _("Standard-compliant")),
    ("-standard", _("Not standard-compliant")),
]
ACTIVE_CHOICES = [
    ("", _("Any")),
    ("1", _("In use")),
    ("0", _("Retired or consolidated")),
]

_DATE = forms.DateInput(attrs={"type": "date"})


class MarkedSelect(forms.Select):
    """A select whose Japanese-only options (system names) carry ``lang="ja"`` on a page in
    another language."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if needs_japanese_mark(option["label"]):
            option["attrs"] = {**option["attrs"], "lang": "ja"}
        return option


class SystemForm(forms.Form):
    """Add (with ``code``) or edit a system."""

    code = forms.CharField(
        label=_label("code"),
        max_length=40,
        help_text=_("The register's ID of the system, e.g. SYS-001; it cannot be changed later."),
    )
    name = forms.CharField(label=_label("name"), max_length=200)
    department = forms.ChoiceField(label=_label("department"), required=False, widget=MarkedSelect)
    vendor = forms.CharField(label=_label("vendor"), max_length=200, required=False)
    businesses = forms.MultipleChoiceField(
        label=_("Businesses covered"),
        choices=BUSINESS_AREA_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The 20 core businesses of the standardization law first, then the other "
            "businesses of the Regional Information Platform and Intermediate Standard Layout "
            "lists; none for other systems."
        ),
    )
    hosting = forms.ChoiceField(label=_label("hosting"), choices=Hosting.choices)
    network_segment = forms.ChoiceField(
        label=_label("network_segment"), choices=NetworkSegment.choices
    )
    classification = forms.ChoiceField(
        label=_label("classification"), choices=Classification.choices
    )
    contract_start = forms.DateField(label=_label("contract_start"), required=False, widget=_DATE)
    contract_end = forms.DateField(label=_label("contract_end"), required=False, widget=_DATE)
    applic_compliant = forms.BooleanField(label=_label("applic_compliant"), required=False)
    middle_layout_in_scope = forms.BooleanField(
        label=_label("middle_layout_in_scope"),
        required=False,
        initial=True,
        help_text=_("Counted in the denominator of the Intermediate Standard Layout rate."),
    )
    middle_layout_compliant = forms.BooleanField(
        label=_label("middle_layout_compliant"), required=False
    )
    layout_in_procurement = forms.MultipleChoiceField(
        label=_(
            "Businesses whose procurement specification named the Intermediate Standard Layout"
        ),
        choices=BUSINESS_AREA_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The procurement specification of this system required the layout for these "
            "businesses (Ⅴ-4). Only businesses the system covers."
        ),
    )
    layout_in_migration = forms.MultipleChoiceField(
        label=_("Businesses whose data was migrated with the Intermediate Standard Layout"),
        choices=BUSINESS_AREA_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The data of these businesses came into this system through the layout (Ⅴ-4). "
            "Only businesses the system covers."
        ),
    )
    standard_compliant = forms.BooleanField(label=_label("standard_compliant"), required=False)
    consolidated_on = forms.DateField(label=_label("consolidated_on"), required=False, widget=_DATE)
    consolidated_into = forms.ChoiceField(label=_label("consolidated_into"), required=False)
    retired_on = forms.DateField(label=_label("retired_on"), required=False, widget=_DATE)
    note = forms.CharField(
        label=_label("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        departments: list[Any],
        systems: list[InformationSystem],
        system: InformationSystem | None = None,
        **kwargs: Any,
    ) -> None:
        if system is not None:
            kwargs.setdefault("initial", self.initial_of(system))
        super().__init__(*args, **kwargs)
        self.departments = {d.code: d for d in departments}
        self.systems = {s.code: s for s in systems if system is None or s.pk != system.pk}
        self.fields["department"].choices = [  # type: ignore[attr-defined]
            ("", _("(none)")),
            *[(d.code, d.display_name) for d in departments],
        ]
        self.fields["consolidated_into"].choices = [  # type: ignore[attr-defined]
            ("", _("(none)")),
            *[(code, f"{code} {s.name}") for code, s in self.systems.items()],
        ]
        if system is not None:
            del self.fields["code"]

    @staticmethod
    def initial_of(system: InformationSystem) -> dict[str, Any]:
        names = (
            "name",
            "vendor",
            "hosting",
            "network_segment",
            "classification",
            "contract_start",
            "contract_end",
            "applic_compliant",
            "middle_layout_in_scope",
            "middle_layout_compliant",
            "standard_compliant",
            "consolidated_on",
            "retired_on",
            "note",
        )
        initial = {name: getattr(system, name) for name in names}
        initial["department"] = system.department.code if system.department else ""
        initial["consolidated_into"] = (
            system.consolidated_into.code if system.consolidated_into else ""
        )
        links = list(system.businesses.all())
        initial["businesses"] = [b.business for b in links]
        initial["layout_in_procurement"] = [b.business for b in links if b.layout_in_procurement]
        initial["layout_in_migration"] = [b.business for b in links if b.layout_in_migration]
        return initial

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("code", None)
        data["department"] = self.departments.get(data.get("department") or "")
        data["consolidated_into"] = self.systems.get(data.get("consolidated_into") or "")
        return data


class FilterForm(forms.Form):
    """The list's filters: a search, a department, hosting, 業務, compliance, in use."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    department = forms.ChoiceField(label=_("Department"), required=False, widget=MarkedSelect)
    hosting = forms.ChoiceField(
        label=_("Hosting"), required=False, choices=[("", _("Any")), *Hosting.choices]
    )
    business = forms.ChoiceField(
        label=_("Core business"), required=False, choices=[("", _("Any")), *Business.choices]
    )
    compliance = forms.ChoiceField(
        label=_("Compliance"), required=False, choices=COMPLIANCE_CHOICES
    )
    active = forms.ChoiceField(label=_("In use"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [  # type: ignore[attr-defined]
            ("", _("All departments")),
            *[(d.code, d.display_name) for d in departments],
        ]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments (a wrong value is ignored, not an error page)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        active = data.get("active")
        return {
            "q": data.get("q") or "",
            "department": data.get("department") or None,
            "hosting": data.get("hosting") or "",
            "business": data.get("business") or "",
            "compliance": data.get("compliance") or "",
            "active": None if active in ("", None) else active == "1",
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Register file (Excel .xlsx)"),
        help_text=_("The register exported from this page, edited in Excel. At most 10 MB."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB: is it the right file?"))
        return upload


# --- vulnerabilities ---

STATE_CHOICES = [
    ("", _("Any")),
    ("open", pgettext_lazy("vulnerability", "Open")),
    ("overdue", _("Overdue")),
    ("fixed", _("Fixed")),
]


class SpecListForm(forms.Form):
    """A new version of a specification's list of 業務 (Ⅴ-4 denominators)."""

    spec = forms.ChoiceField(label=_("Specification"), choices=Spec.choices, widget=MarkedSelect)
    version = forms.CharField(
        label=_("Version"), max_length=60, help_text=_("As the specification names it, e.g. V2.6.")
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=_DATE,
        help_text=_(
            "A fiscal year counts against the version valid on its 31 March; years already "
            "frozen keep the version they counted."
        ),
    )
    businesses = forms.MultipleChoiceField(
        label=_("Businesses in the list"),
        choices=BUSINESS_AREA_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _system_choices(systems: list[InformationSystem], empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *[(s.code, f"{s.code} {s.name}") for s in systems]]


class VulnerabilityFilterForm(forms.Form):
    """The vulnerability list's filters: state, severity, system."""

    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any")), *Severity.choices]
    )
    system = forms.ChoiceField(label=_("System"), required=False, widget=MarkedSelect)

    def __init__(self, *args: Any, systems: list[InformationSystem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = _system_choices(  # type: ignore[attr-defined]
            systems, _("All systems")
        )

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments (a wrong value is ignored, not an error page)."""
        if not self.is_valid():
            return {}
        return {
            "state": self.cleaned_data.get("state") or "",
            "severity": self.cleaned_data.get("severity") or "",
            "system": self.cleaned_data.get("system") or None,
        }


def severity_days_text() -> str:
    """The due-date rule for people: 「Critical: 7 days, High: 30 days, …」."""
    return str(pgettext_lazy("list separator", ", ")).join(
        _("%(severity)s: %(days)s days") % {"severity": label, "days": SEVERITY_DAYS[value]}
        for value, label in Severity.choices
    )


class VulnerabilityForm(forms.Form):
    """Record a vulnerability found in a system; the due date is not typed: it follows."""

    system = forms.ChoiceField(label=_("System"), widget=MarkedSelect)
    identifier = forms.CharField(
        label=_("Identifier"),
        max_length=80,
        help_text=_("A CVE ID such as CVE-2024-3094, or the scanner's identifier."),
    )
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    found_on = forms.DateField(label=_("Found on"), widget=_DATE)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, systems: list[InformationSystem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.systems = {s.code: s for s in systems}
        self.fields["system"].choices = _system_choices(  # type: ignore[attr-defined]
            systems, _("(choose a system)")
        )
        self.fields["found_on"].help_text = _(
            "The due date follows from the severity: %(rule)s after this day."
        ) % {"rule": severity_days_text()}

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["system"] = self.systems[data["system"]]
        return data


class FixForm(forms.Form):
    fixed_on = forms.DateField(label=_("Fixed on"), widget=_DATE)

    def clean_fixed_on(self) -> Any:
        from django.utils import timezone

        day = self.cleaned_data["fixed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This day is in the future: check the date."))
        return day


class ScannerImportForm(forms.Form):
    file = forms.FileField(
        label=_("Scanner findings (CSV)"),
        help_text=_("A CSV file with a header row, UTF-8 or Shift_JIS (CP932). At most 10 MB."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB: is it the right file?"))
        return upload


class CostForm(forms.Form):
    """One 年度's cost of a system (set again to correct it)."""

    fiscal_year = forms.CharField(
        label=_("Fiscal year"),
        max_length=20,
        help_text=_("E.g. 2025; a year of the Japanese era (Reiwa 7) is read too."),
    )
    amount_yen = forms.IntegerField(label=_("Amount (yen)"), min_value=0)

    def clean_fiscal_year(self) -> int:
        from kanmin.core import wareki
        from kanmin.core.models import localized_message

        try:
            return wareki.parse_fiscal_year(self.cleaned_data["fiscal_year"])
        except wareki.WarekiError as exc:
            raise forms.ValidationError(localized_message(exc)) from None


# --- audits, incidents, trainings (the operations pages) ---

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_TEXT = forms.Textarea(attrs={"rows": 3})


def _checkbox_label(text: str) -> Any:
    """A checkbox's label with its Japanese marked ``lang="ja"`` on a page in another
    language (a checkbox's option attributes go on the input, not on its text)."""
    return mark_japanese(text)


def _system_checkboxes(systems: list[InformationSystem]) -> list[tuple[str, Any]]:
    return [(s.code, _checkbox_label(f"{s.code} {s.name}")) for s in systems]


def _fiscal_year_choices(years: list[Any]) -> list[tuple[str, str]]:
    return [("", str(_("All years"))), *[(str(y.year), y.label()) for y in years]]


class AuditFilterForm(forms.Form):
    """The audits' filters: kind and 年度."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=MarkedSelect)
    fiscal_year = forms.ChoiceField(label=_("Fiscal year"), required=False)

    def __init__(self, *args: Any, years: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any")), *Audit.Kind.choices]  # type: ignore[attr-defined]
        self.fields["fiscal_year"].choices = _fiscal_year_choices(years)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments (a wrong value is ignored, not an error page)."""
        if not self.is_valid():
            return {}
        year = self.cleaned_data.get("fiscal_year")
        return {
            "kind": self.cleaned_data.get("kind") or "",
            "fiscal_year": int(year) if year else None,
        }


class AuditForm(forms.Form):
    """Record or edit an audit (監査) or self-check (自己点検)."""

    kind = forms.ChoiceField(label=_("Kind"), widget=MarkedSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    planned_on = forms.DateField(label=_("Planned for"), required=False, widget=_DATE)
    conducted_on = forms.DateField(
        label=_("Conducted on"),
        required=False,
        widget=_DATE,
        help_text=_("Empty while it is only planned."),
    )
    auditor = forms.CharField(
        label=_("Auditor"),
        max_length=200,
        required=False,
        help_text=_("Who audits: a firm, a division, a person."),
    )
    scope = forms.CharField(label=_("Scope"), required=False, widget=_TEXT)
    systems = forms.MultipleChoiceField(
        label=_("Systems audited"), required=False, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.MultipleChoiceField(
        label=_("Departments audited"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        systems: list[InformationSystem],
        departments: list[Any],
        audit: Any = None,
        **kwargs: Any,
    ) -> None:
        if audit is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{
                        name: getattr(audit, name)
                        for name in ("kind", "title", "planned_on", "conducted_on", "auditor")
                    },
                    "scope": audit.scope,
                    "systems": [s.code for s in audit.systems.all()],
                    "departments": [d.code for d in audit.departments.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self.system_rows = {s.code: s for s in systems}
        self.department_rows = {d.code: d for d in departments}
        self.fields["kind"].choices = Audit.Kind.choices  # type: ignore[attr-defined]
        self.fields["systems"].choices = _system_checkboxes(systems)  # type: ignore[attr-defined]
        self.fields["departments"].choices = [  # type: ignore[attr-defined]
            (d.code, _checkbox_label(d.display_name)) for d in departments
        ]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["systems"] = [self.system_rows[code] for code in data.get("systems") or []]
        data["departments"] = [self.department_rows[code] for code in data.get("departments") or []]
        return data


class FindingForm(forms.Form):
    """Add a finding to an audit."""

    system = forms.ChoiceField(label=_("System"), required=False, widget=MarkedSelect)
    text = forms.CharField(label=_("Finding"), widget=_TEXT)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    follow_up = forms.CharField(
        label=_("Follow-up"),
        required=False,
        widget=_TEXT,
        help_text=_("What is to be done about it, and by whom."),
    )
    due_on = forms.DateField(label=_("Due on"), required=False, widget=_DATE)

    def __init__(self, *args: Any, systems: list[InformationSystem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.system_rows = {s.code: s for s in systems}
        self.fields["system"].choices = _system_choices(  # type: ignore[attr-defined]
            systems, _("(the whole audit, no one system)")
        )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["system"] = self.system_rows.get(data.get("system") or "")
        return data


class FindingCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=_DATE)


class IncidentForm(forms.Form):
    """Record an incident handled by the CSIRT."""

    title = forms.CharField(label=_("Title"), max_length=200)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    opened_at = forms.DateTimeField(
        label=pgettext_lazy("incident", "Opened at"),
        widget=_DATETIME,
        help_text=_("When the incident was noticed (date and time)."),
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=_TEXT)
    systems = forms.MultipleChoiceField(
        label=_("Systems concerned"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, systems: list[InformationSystem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.system_rows = {s.code: s for s in systems}
        self.fields["systems"].choices = _system_checkboxes(systems)  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["systems"] = [self.system_rows[code] for code in data.get("systems") or []]
        return data


class IncidentEventForm(forms.Form):
    """One step of the timeline: when, and what happened."""

    occurred_at = forms.DateTimeField(label=_("Time"), widget=_DATETIME)
    what = forms.CharField(label=_("What happened"), widget=_TEXT)


class IncidentCloseForm(forms.Form):
    closed_at = forms.DateTimeField(label=pgettext_lazy("incident", "Closed at"), widget=_DATETIME)


class TrainingFilterForm(forms.Form):
    """The trainings' filters: 年度 and audience."""

    fiscal_year = forms.ChoiceField(label=_("Fiscal year"), required=False)
    audience = forms.ChoiceField(label=_("Audience"), required=False)

    def __init__(self, *args: Any, years: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = _fiscal_year_choices(years)  # type: ignore[attr-defined]
        self.fields["audience"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *TrainingSession.Audience.choices,
        ]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        year = self.cleaned_data.get("fiscal_year")
        return {
            "fiscal_year": int(year) if year else None,
            "audience": self.cleaned_data.get("audience") or "",
        }


class TrainingForm(forms.Form):
    """Record a training (研修), an exercise (訓練) or a course for citizens."""

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), widget=MarkedSelect)
    audience = forms.ChoiceField(label=_("Audience"))
    topic = forms.ChoiceField(
        label=_("Topic"),
        help_text=_(
            "Information security trainings count under Ⅵ-2; data utilisation and security "
            "trainings under Ⅵ-4."
        ),
    )
    held_on = forms.DateField(label=_("Held on"), widget=_DATE)
    attendees_count = forms.IntegerField(
        label=_("Attendees"),
        min_value=0,
        help_text=_(
            "The number who attended. For a staff session, recording who attended on its page "
            "sets this number."
        ),
    )
    required_count = forms.IntegerField(
        label=_("Staff required to attend"),
        min_value=0,
        required=False,
        help_text=_(
            "For the attendance rate of a staff session; empty for a course open to anyone."
        ),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=_TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TrainingSession.Kind.choices  # type: ignore[attr-defined]
        self.fields["audience"].choices = TrainingSession.Audience.choices  # type: ignore[attr-defined]
        self.fields["topic"].choices = TrainingSession.Topic.choices  # type: ignore[attr-defined]


class AttendanceForm(forms.Form):
    """Who of the staff attended a staff session."""

    users = forms.MultipleChoiceField(
        label=_("Staff who attended"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, staff: list[tuple[Any, Any]], departments: dict[int, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {str(user.pk): user for user, _department in staff}

        def label(user: Any, department_id: Any) -> Any:
            name = user.get_full_name() or user.username
            department = departments.get(department_id)
            text = f"{name} ({department.display_name})" if department else name
            return _checkbox_label(text)

        self.fields["users"].choices = [  # type: ignore[attr-defined]
            (str(user.pk), label(user, department_id)) for user, department_id in staff
        ]

    def service_fields(self) -> dict[str, Any]:
        return {"users": [self.staff[pk] for pk in self.cleaned_data.get("users") or []]}
