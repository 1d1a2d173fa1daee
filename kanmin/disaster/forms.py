"""Forms of the disaster staff pages (the services check everything again)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanmin.disaster import backtest, criteria, rules
from kanmin.disaster.models import DecisionAction, StationKind

_LOCAL = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A date and time picked in the browser (``datetime-local``), in local time."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_LOCAL)
        )
        kwargs.setdefault("input_formats", [_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(**kwargs)


def _now_local() -> str:
    return timezone.localtime().strftime(_LOCAL)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Issue or lift"),
        choices=DecisionAction.choices,
        widget=forms.RadioSelect,
        initial=DecisionAction.ISSUE,
    )
    kind = forms.ChoiceField(label=_("Order"))
    area = forms.CharField(
        label=_("Area"), max_length=300, help_text=_("The districts or places the order covers.")
    )
    area_codes = forms.CharField(
        label=_("Area codes"),
        required=False,
        max_length=500,
        help_text=_("Optional: district codes separated by commas."),
    )
    decided_at = LocalDateTimeField(label=_("Decided at"))
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Chosen on the page's first form (the evidence shown is of these stations).
    stations = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)
    shown_at = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, definition: rules.Definition, stations: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (lv.action_ja, f"{lv.action} ({lv.name})") for lv in definition.actions()
        ]
        station_choices = [(s.code, f"{s.code} {s.name}") for s in stations]
        self.fields["stations"].choices = station_choices  # type: ignore[attr-defined]
        self.definition = definition
        if not self.is_bound:
            self.initial.setdefault("decided_at", _now_local())

    def clean_area_codes(self) -> list[str]:
        raw = self.cleaned_data.get("area_codes") or ""
        return [c.strip() for c in raw.replace("、", ",").split(",") if c.strip()]

    def level(self) -> int:
        kind = self.cleaned_data.get("kind")
        return next((lv.level for lv in self.definition.levels if lv.action_ja == kind), 0)


class AnnotationForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class OfficialInfoForm(forms.Form):
    kind = forms.ChoiceField(label=_("Information"))
    area_codes = forms.MultipleChoiceField(
        label=_("Areas it covers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the whole municipality."),
    )
    issued_at = LocalDateTimeField(label=_("Issued at"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, definition: rules.Definition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (r.official_kind, f"{r.official_name} ({definition.level(r.level).name})")  # type: ignore[union-attr]
            for r in definition.official_kinds()
        ]
        if definition.areas:
            self.fields["area_codes"].choices = [  # type: ignore[attr-defined]
                (a.code, f"{a.name} ({a.code})") for a in definition.areas
            ]
        else:  # the rules name no areas: all information is for the whole municipality
            del self.fields["area_codes"]
        if not self.is_bound:
            self.initial.setdefault("issued_at", _now_local())


# ------------------------------------------------------------------------------------------
# Editing the rules: a new version from the one in force
# ------------------------------------------------------------------------------------------


class RuleSetForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the rules change"), widget=forms.Textarea(attrs={"rows": 2})
    )
    valid_from = LocalDateTimeField(label=_("In force from"))
    stale_after_minutes = forms.IntegerField(
        label=_("A reading counts as recent for (minutes)"), min_value=10, max_value=1440
    )


class LevelForm(forms.Form):
    level = forms.IntegerField(widget=forms.HiddenInput)
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=300)
    name_en = forms.CharField(label=_("Name (English)"), max_length=300, required=False)
    name_easy = forms.CharField(label=_("Name (easy Japanese)"), max_length=300, required=False)
    meaning_ja = forms.CharField(label=_("Meaning (Japanese)"), max_length=300, required=False)
    meaning_en = forms.CharField(label=_("Meaning (English)"), max_length=300, required=False)
    meaning_easy = forms.CharField(
        label=_("Meaning (easy Japanese)"), max_length=300, required=False
    )
    action_ja = forms.CharField(
        label=_("Order issued (Japanese)"),
        max_length=300,
        required=False,
        help_text=_("Empty for levels at which the municipality issues no order."),
    )
    action_en = forms.CharField(label=_("Order issued (English)"), max_length=300, required=False)
    action_easy = forms.CharField(
        label=_("Order issued (easy Japanese)"), max_length=300, required=False
    )
    colour = forms.CharField(
        label=_("Colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    issued_by = forms.CharField(widget=forms.HiddenInput, required=False)


_KINDS = [("", "—"), *StationKind.choices]


class RuleForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=60)
    level = forms.TypedChoiceField(
        label=_("Level"), coerce=int, choices=[(n, str(n)) for n in rules.LEVEL_NUMBERS]
    )
    hazard = forms.ChoiceField(label=_("Hazard"), choices=list(rules.HAZARDS.items()))
    trigger = forms.ChoiceField(
        label=_("Triggered by"),
        choices=[("observation", _("An observation")), ("official", _("Official information"))],
    )
    station_kind = forms.ChoiceField(label=_("Kind of station"), choices=_KINDS, required=False)
    station = forms.CharField(
        label=_("Only the station"), max_length=40, required=False, help_text=_("Its code.")
    )
    measure = forms.ChoiceField(
        label=_("Measure"),
        required=False,
        choices=[
            ("", "—"),
            ("value", _("The value")),
            ("sum", _("The sum over the window")),
            ("rise", _("The rise over the window")),
        ],
    )
    reference_level = forms.ChoiceField(
        label=_("Reference level"),
        required=False,
        choices=[("", "—"), *rules.REFERENCE_NAMES.items()],
    )
    threshold = forms.DecimalField(label=_("Or a threshold"), required=False)
    window_minutes = forms.IntegerField(
        label=_("Window (minutes)"), required=False, min_value=1, max_value=1440
    )
    official_kind = forms.CharField(
        label=_("Official information (Japanese name)"), max_length=100, required=False
    )
    official_name_en = forms.CharField(
        label=_("Official information (English name)"), max_length=100, required=False
    )


class AreaForm(forms.Form):
    """One of the municipality's areas (地区) and the stations that stand for it."""

    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("e.g. the district number, 05.")
    )
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    stations = forms.CharField(
        label=_("Stations"),
        max_length=2000,
        required=False,
        help_text=_(
            "Codes of the stations in or for this area, separated by commas: official "
            "information for the area counts for them."
        ),
    )

    def clean_stations(self) -> list[str]:
        raw = self.cleaned_data.get("stations") or ""
        return [c.strip() for c in raw.replace("、", ",").split(",") if c.strip()]


LevelFormSet = forms.formset_factory(LevelForm, extra=0, min_num=5, max_num=5)
RuleFormSet = forms.formset_factory(RuleForm, extra=2, can_delete=True, max_num=200)
AreaFormSet = forms.formset_factory(AreaForm, extra=1, can_delete=True, max_num=200)


def area_initial(definition: rules.Definition) -> list[dict[str, Any]]:
    return [{**a.as_json(), "stations": ", ".join(a.stations)} for a in definition.areas]


def definition_from_forms(
    settings_form: RuleSetForm, levels: Any, rule_forms: Any, area_forms: Any = None
) -> dict[str, Any]:
    """The JSON of a rule set from the valid forms (``rules.parse`` checks it)."""
    areas: list[dict[str, Any]] = []
    if area_forms is not None and not area_forms.is_bound:  # not sent: kept as they were
        areas = [dict(a) for a in area_forms.initial or []]
    elif area_forms is not None:
        areas = [
            {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
            for i, f in enumerate(area_forms.forms)
            if (i < area_forms.initial_form_count() or f.has_changed())
            and f.cleaned_data
            and not f.cleaned_data.get("DELETE")
        ]
    return {
        "stale_after_minutes": settings_form.cleaned_data["stale_after_minutes"],
        "areas": areas,
        "levels": [dict(f.cleaned_data) for f in levels.forms],
        "rules": [
            {
                **f.cleaned_data,
                "threshold": (
                    None
                    if f.cleaned_data.get("threshold") is None
                    else str(f.cleaned_data["threshold"])
                ),
            }
            for i, f in enumerate(rule_forms.forms)
            if (i < rule_forms.initial_form_count() or f.has_changed())
            and f.cleaned_data
            and not f.cleaned_data.get("DELETE")
        ],
    }


DESIGN_RISE_CHOICES = [
    ("max", _("the largest rise of the past events")),
    ("90", _("the 90th percentile of their rises")),
    ("75", _("the 75th percentile of their rises")),
    ("50", _("the median of their rises")),
]


class CriteriaForm(forms.Form):
    """What to try on the criteria page (sent with GET: the page changes nothing)."""

    DEFAULTS = {
        "lead_hours": f"{backtest.LEAD_HOURS_DEFAULT:g}",
        "design_rise": "max",
        "rise_hours": "1",
    }

    lead_hours = forms.DecimalField(
        label=_("Lead time needed (hours)"),
        min_value=Decimal("0.5"),
        max_value=Decimal("24"),
        decimal_places=1,
        required=False,
        help_text=_(
            "Time to open shelters and move those who need help before the level above is "
            "reached: the proposals leave this much."
        ),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    design_rise = forms.ChoiceField(
        label=_("Design rise"), choices=DESIGN_RISE_CHOICES, required=False
    )
    level = forms.DecimalField(
        label=_("Candidate threshold (m)"),
        max_digits=7,
        decimal_places=3,
        required=False,
        help_text=_("Back-test a level of your own against every past event."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    rise = forms.DecimalField(
        label=_("Or a rise of at least (m)"),
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=3,
        required=False,
        help_text=_("Optional: also fire on a fast rise, before the threshold is reached."),
        widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
    )
    rise_hours = forms.TypedChoiceField(
        label=_("Within (hours)"),
        choices=[(h, str(h)) for h in criteria.RISE_HOURS],
        coerce=int,
        required=False,
    )
    rise_from = forms.DecimalField(
        label=_("While at or above (m)"),
        max_digits=7,
        decimal_places=3,
        required=False,
        help_text=_("Empty: the flood-fighting stand-by level."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rise") is not None and data.get("level") is None:
            self.add_error("level", _("Give the threshold the rise condition goes with."))
        if data.get("rise_from") is not None and data.get("rise") is None:
            self.add_error("rise", _("Give the rise that counts from this level."))
        return data

    def _value(self, name: str) -> Any:
        if not self.is_bound:
            return None
        self.is_valid()  # the fields that are valid are used, the others shown as errors
        return self.cleaned_data.get(name)

    def lead_hours_value(self) -> float:
        value = self._value("lead_hours")
        return float(value) if value is not None else backtest.LEAD_HOURS_DEFAULT

    def percentile_value(self) -> float | None:
        value = self._value("design_rise")
        return None if value in (None, "", "max") else float(value)

    def rule(self) -> criteria.Rule | None:
        level = self._value("level")
        if level is None:
            return None
        rise = self._value("rise")
        rise_from = self._value("rise_from")
        return criteria.Rule(
            level=float(level),
            rise=None if rise is None else float(rise),
            rise_hours=float(self._value("rise_hours") or 1),
            rise_from=None if rise_from is None else float(rise_from),
        )


class RainCriteriaForm(forms.Form):
    """What to try on a rain gauge's criteria page (sent with GET: the page changes nothing)."""

    DEFAULTS = {"lead_hours": f"{backtest.LEAD_HOURS_DEFAULT:g}"}

    lead_hours = forms.DecimalField(
        label=_("Lead time needed (hours)"),
        min_value=Decimal("0.5"),
        max_value=Decimal("24"),
        decimal_places=1,
        required=False,
        help_text=_(
            "Time to open shelters and move those who need help before the order: the "
            "proposed rain thresholds leave this much."
        ),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    rain_rule = forms.CharField(
        label=_("Candidate rain rule"),
        max_length=200,
        required=False,
        help_text=_(
            "Rain over a window in mm, e.g. rain1h>=30, rain1h>=30 or rain24h>=150, "
            "rain1h>=20 and rain24h>=100 (windows in h or min)."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )

    def clean_rain_rule(self) -> criteria.RainRule | None:
        text = (self.cleaned_data.get("rain_rule") or "").strip()
        if not text:
            return None
        try:
            return criteria.parse_rain_rule(text)
        except ValueError:
            raise forms.ValidationError(
                _(
                    "Write the rule as rain, the window (1h, 3h, 24h or 10min), >= and the mm, "
                    "e.g. rain1h>=30; join two with or (either) or and (both)."
                )
            ) from None

    def _value(self, name: str) -> Any:
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)

    def lead_hours_value(self) -> float:
        value = self._value("lead_hours")
        return float(value) if value is not None else backtest.LEAD_HOURS_DEFAULT

    def percentile_value(self) -> float | None:
        return None

    def rule(self) -> criteria.RainRule | None:
        rule: criteria.RainRule | None = self._value("rain_rule")
        return rule
