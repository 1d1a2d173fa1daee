"""Forms of the staff pages: they read and check input; services do the writing."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.catalog import licenses
from kanmin.catalog.datastore.names import NUMBER_TYPES
from kanmin.catalog.models import NAME_PATTERN, Group, Organization, UpdateFrequency
from kanmin.core.models import Municipality


def standard_choices() -> list[tuple[str, Any]]:
    """The national standard data sets (current layout) a dataset may follow."""
    from kanmin.standards import all_schemas

    choices: list[tuple[str, Any]] = [("", _("None"))]
    for slug, schema in sorted(all_schemas().items()):
        if schema.legacy or not schema.fields:
            continue
        choices.append((slug, f"{schema.japanese_name} ({slug})"))
    return choices


_TAG_SPLIT = re.compile(r"[,、，\n]")


class DatasetForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.all_tenants.none(), empty_label=None
    )
    title_ja = forms.CharField(label=_("Title (Japanese)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    name = forms.RegexField(
        label=_("Name in the URL"),
        regex=NAME_PATTERN,
        max_length=100,
        help_text=_("Lowercase letters, digits, - and _ (2 to 100 characters), e.g. aed."),
        error_messages={
            "invalid": _("Use lowercase letters, digits, - and _ only (2 to 100 characters).")
        },
    )
    notes_ja = forms.CharField(
        label=_("Description (Japanese)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, lists, links. HTML is not allowed."),
    )
    notes_en = forms.CharField(
        label=_("Description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    standard_dataset = forms.ChoiceField(
        label=_("Standard data set"),
        required=False,
        help_text=_(
            "When the data follows a national standard data set, its files are checked against it."
        ),
    )
    license_id = forms.ChoiceField(label=_("License"), initial=licenses.DEFAULT_LICENSE_ID)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas (、 or ,)."),
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Group.all_tenants.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    update_frequency = forms.ChoiceField(
        label=_("Update frequency"), choices=UpdateFrequency.choices, required=False
    )
    contact_name = forms.CharField(label=_("Contact"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    spatial = forms.CharField(
        label=_("Spatial coverage"),
        max_length=300,
        required=False,
        help_text=_("e.g. 宮崎県都城市"),
    )
    temporal_start = forms.DateField(
        label=_("Temporal coverage from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    temporal_end = forms.DateField(
        label=_("Temporal coverage to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Taken from the app that keeps the dataset (catalog.services.PROVIDER_FIELDS).
    KEPT_BY_APP = ("title_ja", "title_en", "notes_ja", "notes_en", "license_id")

    def __init__(
        self, *args: Any, municipality: Municipality, kept_by_app: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kept = self.KEPT_BY_APP if kept_by_app else ()
        for name in self.kept:
            self.fields[name].disabled = True
            self.fields[name].help_text = _("Kept up to date from the app's records.")
        orgs = Organization.all_tenants.filter(municipality=municipality).order_by("name")
        self.fields["organization"].queryset = orgs  # type: ignore[attr-defined]
        groups = Group.all_tenants.filter(municipality=municipality).order_by("name")
        self.fields["groups"].queryset = groups  # type: ignore[attr-defined]
        self.fields["license_id"].choices = [  # type: ignore[attr-defined]
            (lic.id, lic.display_title) for lic in licenses.LICENSES
        ]
        self.fields["standard_dataset"].choices = standard_choices()  # type: ignore[attr-defined]

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in _TAG_SPLIT.split(raw) if t.strip()]

    def values(self) -> dict[str, Any]:
        """The cleaned values as the dataset services take them."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        for name in self.kept:  # not the staff's to change
            data.pop(name, None)
        return data


class StartFromStandardForm(forms.Form):
    """A GET form: ``?standard=<slug>`` fills the new dataset's form."""

    standard = forms.ChoiceField(label=_("Standard data set"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "start_%s")
        super().__init__(*args, **kwargs)
        self.fields["standard"].choices = standard_choices()[1:]  # type: ignore[attr-defined]


class ResourceForm(forms.Form):
    upload = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("CSV, TSV and Excel files are checked against the standard data set."),
    )
    url = forms.URLField(
        label=_("…or a link"), required=False, assume_scheme="https", max_length=2000
    )
    name = forms.CharField(label=_("Name"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    format = forms.CharField(
        label=_("Format"),
        max_length=50,
        required=False,
        help_text=_("Leave empty to take it from the file name."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("upload") and not data.get("url"):
            raise forms.ValidationError(_("Choose a file or give a link."))
        if data.get("upload") and data.get("url"):
            raise forms.ValidationError(_("Give either a file or a link, not both."))
        return data


# --------------------------------------------------------------------------------------------
# Previews of a DataStore table (issue 17): read from the page's GET parameters
# --------------------------------------------------------------------------------------------

PREVIEW_ROWS = (25, 50, 100)


def _column_choices(fields: list[dict[str, str]], *, numbers_only: bool = False) -> list[Any]:
    return [
        (f["id"], f["id"])
        for f in fields
        if f["id"] != "_id" and (not numbers_only or f["type"] in NUMBER_TYPES)
    ]


class TablePreviewForm(forms.Form):
    """The table preview's state: page, rows per page, sort and a text search (its column
    filters, repeated ``column``/``value`` pairs, are read by ``previews``). A bad value is
    reported and its default used (the table still shows)."""

    q = forms.CharField(label=_("Search the rows"), max_length=200, required=False)
    rows = forms.TypedChoiceField(
        label=_("Rows per page"),
        coerce=int,
        choices=[(n, n) for n in PREVIEW_ROWS],
        required=False,
        empty_value=None,
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    dir = forms.ChoiceField(
        label=_("Sort direction"),
        choices=[("asc", _("ascending")), ("desc", _("descending"))],
        required=False,
    )
    page = forms.IntegerField(label=_("Page"), min_value=1, required=False)

    def __init__(self, *args: Any, fields: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = _column_choices(fields)
        self.fields["sort"].choices = [("", _("file order")), *columns]  # type: ignore[attr-defined]


CHART_KINDS = (("bar", _("Bar chart")), ("line", _("Line chart")))
CHART_AGGREGATIONS = (
    ("count", _("Count of rows")),
    ("sum", _("Sum")),
    ("mean", _("Mean")),
    ("none", _("Each row's value")),
)


class ChartForm(forms.Form):
    """A chart of a DataStore table: kind, the x column, the y column (a number column) and
    how the rows that share an x are combined."""

    kind = forms.ChoiceField(label=_("Chart type"), choices=CHART_KINDS, initial="bar")
    x = forms.ChoiceField(label=_("X axis (categories)"))
    y = forms.ChoiceField(
        label=_("Y axis (a number column)"),
        required=False,
        help_text=_("Not needed for a count of rows."),
    )
    agg = forms.ChoiceField(
        label=_("Combine the rows of each category"),
        choices=CHART_AGGREGATIONS,
        initial="count",
    )

    def __init__(self, *args: Any, fields: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        numbers = _column_choices(fields, numbers_only=True)
        self.fields["x"].choices = _column_choices(fields)  # type: ignore[attr-defined]
        self.fields["y"].choices = [("", _("none")), *numbers]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("agg") not in (None, "count") and not data.get("y"):
            self.add_error(
                "y",
                _("Choose a number column for the y axis, or count the rows instead."),
            )
        return data
