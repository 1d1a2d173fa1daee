"""The form of a harvest source."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.catalog.harvest import addresses
from kanmin.catalog.models import HarvestKind, HarvestSchedule, Organization
from kanmin.core.models import Municipality


class HarvestSourceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of source"), choices=HarvestKind.choices)
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_(
            "CKAN: the portal's address (e.g. https://data.pref.example.jp). Kanmin: the "
            "municipality's address (e.g. https://example.jp/m/452025). DCAT: the catalog file "
            "(e.g. …/catalog.ttl)."
        ),
    )
    organization = forms.ModelChoiceField(
        label=_("File the datasets under"),
        queryset=Organization.all_tenants.none(),
        empty_label=None,
    )
    schedule = forms.ChoiceField(label=_("Schedule"), choices=HarvestSchedule.choices)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive source is not harvested on its schedule."),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = Organization.all_tenants.filter(municipality=municipality).order_by("name")
        self.fields["organization"].queryset = orgs  # type: ignore[attr-defined]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            addresses.check_url(url)
        except addresses.PrivateAddress as exc:
            raise forms.ValidationError(
                addresses.PrivateAddress.TEXT, code="private_address", params=exc.params
            ) from exc
        return url

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
