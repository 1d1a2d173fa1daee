"""Forms of the operator's pages for stations, reference levels, devices and file imports.

They check the shape of what is typed (numbers, required fields); the services check the rest
again (ranges, the order of the levels, unique codes) and their errors are shown by the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kanmin.disaster import rules
from kanmin.disaster.forms import LocalDateTimeField, _now_local
from kanmin.disaster.models import ImportFormat, ReferenceLevels, StationKind

# Station codes that would read as one of the pages' own addresses.
RESERVED_CODES = frozenset({"new"})


def _decimal_input(step: str = "any") -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": step, "inputmode": "decimal"})


class StationForm(forms.Form):
    """A station's fields; ``code`` only when it is registered (it cannot change later)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_(
            "Unique within the municipality, e.g. the 15-digit national station code. No "
            "spaces, /, + or #: it is part of the devices' MQTT topic. It cannot be changed later."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=StationKind.choices)
    unit = forms.CharField(
        label=_("Unit"), max_length=20, help_text=_("Of its readings, e.g. m, mm, %.")
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=_("Decimal degrees north, e.g. 31.7196 (up to 6 decimals)."),
        widget=_decimal_input(),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=_("Decimal degrees east, e.g. 131.0617 (up to 6 decimals)."),
        widget=_decimal_input(),
    )
    river_name = forms.CharField(
        label=_("River"), max_length=100, required=False, help_text=_("e.g. the Oyodo River")
    )
    plausible_min = forms.DecimalField(
        label=_("Lowest plausible value"),
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text=_("Readings below it are refused. Empty: the usual bound of the kind."),
        widget=_decimal_input(),
    )
    plausible_max = forms.DecimalField(
        label=_("Highest plausible value"),
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text=_("Readings above it are refused. Empty: the usual bound of the kind."),
        widget=_decimal_input(),
    )
    active = forms.BooleanField(
        label=_("Active: its readings are taken"),
        required=False,
        initial=True,
        help_text=_("Readings for a station that is not active are refused."),
    )

    def __init__(self, *args: Any, registering: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not registering:
            del self.fields["code"]

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code") or "").strip()
        if code.lower() in RESERVED_CODES:
            raise forms.ValidationError(
                _("The code %(code)s is kept for the pages' own addresses: choose another one.")
                % {"code": code}
            )
        return code


def _level_help() -> dict[str, Any]:
    return {
        "standby": _("River-information level 1: the flood-fighting teams stand by."),
        "caution": _(
            "Level 2: the flood-fighting teams turn out; flood caution information "
            "(alert level 2 equivalent)."
        ),
        "evacuation": _(
            "Level 3: leaves time to open shelters and move those who need help "
            "(alert level 3 equivalent, elderly and others evacuate)."
        ),
        "danger": _(
            "Level 4: leaves time for residents to finish evacuating before the river "
            "overflows (alert level 4 equivalent, evacuation order)."
        ),
        "overflow": _("Optional: the level at which the river starts to overflow."),
    }


class ReferenceLevelsForm(forms.Form):
    """A new entry of a river station's 基準水位 history (the earlier ones stay)."""

    valid_from = LocalDateTimeField(
        label=_("In force from"),
        help_text=_(
            "Readings from this time on are judged against these levels; earlier readings keep "
            "the levels in force then."
        ),
    )
    reason = forms.CharField(
        label=_("Why the levels are set or changed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. the river office's notice and its date; kept with the history."),
    )

    def __init__(self, *args: Any, unit: str = "m", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        helps = _level_help()
        levels = {
            name: forms.DecimalField(
                label=f"{capfirst(str(rules.REFERENCE_NAMES[name]))} ({unit})",
                required=False,
                max_digits=8,
                decimal_places=3,
                help_text=helps[name],
                widget=_decimal_input("0.001"),
            )
            for name in ReferenceLevels.LEVELS
        }
        # The levels first, lowest first, then when and why.
        self.fields = {**levels, **self.fields}  # type: ignore[assignment]
        if not self.is_bound:
            self.initial.setdefault("valid_from", _now_local())

    def levels(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in ReferenceLevels.LEVELS}


class DeviceForm(forms.Form):
    station = forms.ChoiceField(label=_("Station it sends for"))
    code = forms.CharField(
        label=_("Device code"),
        max_length=60,
        help_text=_(
            "Unique within the municipality, e.g. the serial number. No spaces, :, /, + or #: "
            "the device gives it as its user name."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=_("Name or note"),
        max_length=100,
        required=False,
        help_text=_("e.g. the maker and where it is mounted."),
    )

    def __init__(self, *args: Any, stations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((s.code, f"{s.code} {s.name}") for s in stations),
        ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File of readings"),
        help_text=_(
            "CSV (UTF-8 or Shift_JIS) with the columns station, observed_at, value and "
            "optionally quality; or an hourly .dat file of MLIT's Water Information System."
        ),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[
            ("", _("Tell from the content")),
            (ImportFormat.CSV, ImportFormat.CSV.label),
            # Named in English on English pages (the model's label is the Japanese name).
            (ImportFormat.WIS_DAT, _("Hourly file of MLIT's Water Information System (.dat)")),
        ],
    )
    station = forms.ChoiceField(
        label=_("Station"),
        required=False,
        help_text=_(
            "For a file of one station: a .dat file, or a CSV without a station column. "
            "Empty: as the file says."
        ),
    )

    def __init__(self, *args: Any, stations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [  # type: ignore[attr-defined]
            ("", _("As the file says")),
            *((s.code, f"{s.code} {s.name}") for s in stations),
        ]

    @staticmethod
    def limit() -> int:
        return int(getattr(settings, "FILE_UPLOAD_MAX_BYTES", 0) or 0)

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        limit = self.limit()
        if upload is not None and limit and upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if upload is not None and not upload.size:
            raise forms.ValidationError(_("The file is empty: choose the file of readings."))
        return upload
