"""Forms of the shelter staff pages (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanmin.disaster.forms import LocalDateTimeField, _now_local
from kanmin.disaster.models import Shelter
from kanmin.disaster.shelters import HAZARDS, MAX_IMPORT_BYTES
from kanmin.disaster.templatetags.disaster import order_kind


def _label(name: str) -> Any:
    return getattr(Shelter._meta.get_field(name), "verbose_name", name)


def _help(name: str) -> Any:
    return getattr(Shelter._meta.get_field(name), "help_text", "")


KIND_CHOICES = [
    ("is_emergency_site", _("Designated emergency evacuation site")),
    ("is_shelter", _("Designated shelter")),
]
FEATURE_CHOICES = [
    ("welfare", _("Welfare shelter, for people who need care")),
    ("accessible", _("Step-free entrance and accessible toilet")),
]
STATUS_CHOICES = [
    ("1", _("Designated")),
    ("0", _("Designation withdrawn (kept in the history, not shown to residents)")),
]


class ShelterForm(forms.Form):
    """Register (with ``code``) or edit a shelter."""

    code = forms.CharField(
        label=_label("code"),
        max_length=40,
        help_text=_("Letters, digits, - or _ (e.g. 452025-0012); it cannot be changed later."),
    )
    name_ja = forms.CharField(label=_label("name_ja"), max_length=200)
    name_kana = forms.CharField(label=_label("name_kana"), max_length=200, required=False)
    name_en = forms.CharField(
        label=_label("name_en"),
        max_length=200,
        required=False,
        help_text=_("Latin letters without accents, e.g. Miyakonojo Civic Hall."),
    )
    address = forms.CharField(
        label=_label("address"),
        max_length=300,
        help_text=_("From the prefecture on."),
    )
    latitude = forms.DecimalField(
        label=_label("latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=_("Decimal degrees, e.g. 31.719400."),
    )
    longitude = forms.DecimalField(
        label=_label("longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=_("Decimal degrees, e.g. 131.061700."),
    )
    capacity = forms.IntegerField(
        label=_label("capacity"), required=False, min_value=0, help_text=_help("capacity")
    )
    phone = forms.CharField(
        label=_label("phone"),
        max_length=20,
        required=False,
        help_text=_("With the area code, e.g. 0986-23-2111."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Designated as"),
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["is_emergency_site"],
    )
    hazards = forms.MultipleChoiceField(
        label=_("Designated for these hazards"),
        choices=[(h.field, h.label) for h in HAZARDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    features = forms.MultipleChoiceField(
        label=_("Care and access"),
        choices=FEATURE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    neighbourhoods = forms.CharField(
        label=_label("neighbourhoods"),
        max_length=500,
        required=False,
        help_text=_("Separate several with ;"),
    )
    url = forms.URLField(label=_label("url"), max_length=500, required=False, assume_scheme="https")
    note = forms.CharField(
        label=_label("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.ChoiceField(
        label=_("Status"), choices=STATUS_CHOICES, widget=forms.RadioSelect, initial="1"
    )

    def __init__(self, *args: Any, shelter: Shelter | None = None, **kwargs: Any) -> None:
        if shelter is not None:
            kwargs.setdefault("initial", self.initial_of(shelter))
        super().__init__(*args, **kwargs)
        if shelter is not None:
            del self.fields["code"]
        else:
            del self.fields["active"]

    @staticmethod
    def initial_of(shelter: Shelter) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(shelter, name)
            for name in (
                "name_ja",
                "name_kana",
                "name_en",
                "address",
                "latitude",
                "longitude",
                "capacity",
                "phone",
                "neighbourhoods",
                "url",
                "note",
            )
        }
        initial["kinds"] = [name for name, _label in KIND_CHOICES if getattr(shelter, name)]
        initial["hazards"] = [h.field for h in HAZARDS if getattr(shelter, h.field)]
        initial["features"] = [name for name, _label in FEATURE_CHOICES if getattr(shelter, name)]
        initial["active"] = "1" if shelter.active else "0"
        return initial

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as the services take it (one flag per kind, hazard, feature)."""
        data = dict(self.cleaned_data)
        kinds, hazards, features = (
            set(data.pop("kinds", [])),
            set(data.pop("hazards", [])),
            set(data.pop("features", [])),
        )
        for name, _label in KIND_CHOICES:
            data[name] = name in kinds
        for hazard in HAZARDS:
            data[hazard.field] = hazard.field in hazards
        for name, _label in FEATURE_CHOICES:
            data[name] = name in features
        if "active" in data:
            data["active"] = data["active"] == "1"
        data.pop("code", None)
        return data


class OpenForm(forms.Form):
    opened_at = LocalDateTimeField(label=_("Opened at"))
    decision = forms.ChoiceField(
        label=_("On the evacuation order"),
        required=False,
        help_text=_("Optional: the order this opening answers."),
    )
    evacuees = forms.IntegerField(
        label=_("Evacuees now"),
        required=False,
        min_value=0,
        help_text=_("Optional: the first count, if people are already there."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, decisions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("None"))]
        for d in decisions:
            # In local time, as the form's own times are (decided_at is kept in UTC).
            when = timezone.localtime(d.decided_at)
            level = _("alert level %(level)s") % {"level": d.level}
            label = f"{when:%Y-%m-%d %H:%M} {level} {order_kind(d)} — {d.area}"
            choices.append((str(d.pk), label))
        self.fields["decision"].choices = choices  # type: ignore[attr-defined]
        self.decisions = {str(d.pk): d for d in decisions}
        if not self.is_bound:
            self.initial.setdefault("opened_at", _now_local())

    def chosen_decision(self) -> Any:
        return self.decisions.get(self.cleaned_data.get("decision") or "")


class CountForm(forms.Form):
    evacuees = forms.IntegerField(label=_("Evacuees now"), min_value=0, max_value=100_000)
    counted_at = LocalDateTimeField(
        label=_("Counted at"), required=False, help_text=_("Empty: now.")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class CloseForm(forms.Form):
    closed_at = LocalDateTimeField(label=_("Closed at"))
    close_note = forms.CharField(label=_("Note on closing"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("closed_at", _now_local())


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("List of designated emergency evacuation sites"),
        help_text=_(
            "CSV (UTF-8 or Shift_JIS) or Excel, in the national standard's layout or the older "
            "recommended-dataset layout; a CSV with only some of the standard's columns also "
            "works."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB: is it the right file?"))
        return upload
