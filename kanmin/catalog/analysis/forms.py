"""Forms of the analysis page: the query (with its chart and its name when saved), the
query builder, and publishing a saved view as a derived dataset."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.catalog.analysis.builder import AGGREGATES, OPERATORS, Spec, column_key
from kanmin.catalog.datastore.names import SQL_MAX_CHARS
from kanmin.catalog.models import NAME_PATTERN, ChartKind, DatasetState, Organization


class QueryForm(forms.Form):
    sql = forms.CharField(
        label=_("Query (SQL)"),
        max_length=SQL_MAX_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "sql-editor"}),
        help_text=_(
            "One SELECT statement. Name each table by its resource id in double quotes, as "
            "listed beside the editor."
        ),
    )
    chart_kind = forms.ChoiceField(label=_("Chart"), choices=ChartKind.choices, required=False)
    chart_x = forms.CharField(
        label=_("Labels (x axis)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "result-columns"}),
        help_text=_("A column of the result."),
    )
    chart_y = forms.CharField(
        label=_("Values (y axis)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "result-columns"}),
        help_text=_("A column of numbers of the result."),
    )
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    QUERY_FIELDS = ("sql", "chart_kind", "chart_x", "chart_y")
    NAME_FIELDS = ("name_ja", "name_en", "description")

    def view_values(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) or "" for k in (*self.QUERY_FIELDS, *self.NAME_FIELDS)}


def _column_choices(tables: list[Any]) -> list[Any]:
    """Columns grouped by table (an optgroup per table)."""
    return [
        (
            f"{t.resource.dataset.display_title} · {t.resource.name}",
            [
                (column_key(str(t.resource.pk), f["id"]), f"{f['id']} ({f['type']})")
                for f in t.fields
            ],
        )
        for t in tables
    ]


class BuilderForm(forms.Form):
    """A simple query without writing SQL; it is written into the editor, then run."""

    table = forms.ChoiceField(label=_("Table"))
    columns = forms.MultipleChoiceField(
        label=_("Columns"),
        required=False,
        help_text=_("None chosen: every column."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    join_table = forms.ChoiceField(label=_("Join with the table"), required=False)
    join_left = forms.ChoiceField(label=_("Column of the first table"), required=False)
    join_right = forms.ChoiceField(
        label=_("Equal to the column of the joined table"), required=False
    )
    filter_column = forms.ChoiceField(label=_("Filter: column"), required=False)
    filter_op = forms.ChoiceField(
        label=_("Filter: comparison"),
        required=False,
        choices=[(op, _("contains") if op == "contains" else op) for op in OPERATORS],
    )
    filter_value = forms.CharField(label=_("Filter: value"), max_length=200, required=False)
    group_by = forms.ChoiceField(label=_("Group by"), required=False)
    aggregate = forms.ChoiceField(
        label=_("Summary of each group"),
        required=False,
        choices=[("", _("None")), *[(a, a) for a in AGGREGATES]],
    )
    aggregate_column = forms.ChoiceField(label=_("Column to sum or average"), required=False)
    limit = forms.IntegerField(
        label=_("At most this many rows"), min_value=1, max_value=100_000, initial=1000
    )

    def __init__(self, *args: Any, tables: list[Any], **kwargs: Any) -> None:
        kwargs["prefix"] = "b"
        super().__init__(*args, **kwargs)
        table_choices = [
            (str(t.resource.pk), f"{t.resource.dataset.display_title} · {t.resource.name}")
            for t in tables
        ]
        columns = _column_choices(tables)
        choices: dict[str, list[Any]] = {
            "table": table_choices,
            "join_table": [("", _("No join")), *table_choices],
            "columns": columns,
        }
        for name in ("join_left", "join_right", "filter_column", "group_by", "aggregate_column"):
            choices[name] = [("", "—"), *columns]
        choices["aggregate"] = [
            ("", _("None")),
            ("count", _("count")),
            ("sum", _("sum")),
            ("avg", _("average")),
        ]
        for name, values in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = values

    def spec(self) -> Spec:
        data = self.cleaned_data
        return Spec(
            table=data["table"],
            columns=list(data.get("columns") or []),
            join_table=data.get("join_table") or "",
            join_left=data.get("join_left") or "",
            join_right=data.get("join_right") or "",
            filter_column=data.get("filter_column") or "",
            filter_op=data.get("filter_op") or "=",
            filter_value=data.get("filter_value") or "",
            group_by=data.get("group_by") or "",
            aggregate=data.get("aggregate") or "",
            aggregate_column=data.get("aggregate_column") or "",
            limit=data.get("limit") or 1000,
        )


class PublishForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )
    name = forms.RegexField(
        label=_("Name (URL)"),
        regex=NAME_PATTERN,
        max_length=100,
        help_text=_("Lowercase letters, digits, - and _ (2 to 100 characters)."),
    )
    state = forms.ChoiceField(
        label=_("Visibility"),
        choices=[
            (DatasetState.DRAFT, _("Draft (publish it later)")),
            (DatasetState.PRIVATE, _("Private (the municipality's staff only)")),
            (DatasetState.PUBLISHED, _("Published (everyone)")),
        ],
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        kwargs["prefix"] = "p"
        super().__init__(*args, **kwargs)
        queryset = Organization.objects.for_municipality(municipality)
        self.fields["organization"].queryset = queryset  # type: ignore[attr-defined]
