"""Forms of the procedure catalog's pages (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.procedures.catalog import MAX_IMPORT_BYTES, split_values
from kanmin.procedures.models import Channel, Procedure


def _label(name: str) -> Any:
    return Procedure._meta.get_field(name).verbose_name  # type: ignore[union-attr]


ONLINE_CHOICES = [("", _("Any")), ("1", _("Can be completed online")), ("0", _("Not online"))]
PUBLISHED_CHOICES = [("", _("Any")), ("1", _("Published")), ("0", _("Unpublished"))]


class ProcedureForm(forms.Form):
    """Add (with ``code``) or edit a procedure."""

    code = forms.SlugField(
        label=_label("code"),
        max_length=60,
        help_text=_(
            "Lowercase letters, digits and hyphens, e.g. juminhyo-utsushi; it is in the "
            "procedure's address and cannot be changed later."
        ),
    )
    name_ja = forms.CharField(label=_label("name_ja"), max_length=200)
    name_en = forms.CharField(label=_label("name_en"), max_length=200, required=False)
    department = forms.ChoiceField(label=_label("department"), required=False)
    description_ja = forms.CharField(
        label=_label("description_ja"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_label("description_en"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = forms.CharField(
        label=_label("legal_basis"),
        max_length=300,
        required=False,
        help_text=_("The law and article, e.g. 住民基本台帳法第12条."),
    )
    fee_yen = forms.IntegerField(
        label=_label("fee_yen"),
        min_value=0,
        required=False,
        help_text=_("In yen, per copy or per application; empty when there is no fee."),
    )
    fee_note = forms.CharField(
        label=_label("fee_note"),
        max_length=200,
        required=False,
        help_text=_("E.g. 1通につき; the fee of the online application if it differs."),
    )
    documents = forms.CharField(
        label=_label("documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One document per line."),
    )
    channels = forms.MultipleChoiceField(
        label=_label("channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Channel.COUNTER],
    )
    is_online = forms.BooleanField(
        label=_label("is_online"),
        required=False,
        help_text=_(
            "Tick when the whole procedure can be done online, without coming to the counter "
            "(counted by the plan's KPI)."
        ),
    )
    online_url = forms.URLField(
        label=_label("online_url"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "The address of the online application elsewhere (e.g. ぴったりサービス), if any; "
            "a live form of Kanmin is linked by itself."
        ),
    )
    pittari_id = forms.CharField(
        label=_label("pittari_id"),
        max_length=40,
        required=False,
        help_text=_("Only if the procedure is on ぴったりサービス: the identifier it shows."),
    )
    is_published = forms.BooleanField(
        label=_label("is_published"),
        required=False,
        initial=True,
        help_text=_("Residents see published procedures; the open data lists them."),
    )

    def __init__(
        self, *args: Any, departments: list[Any], procedure: Procedure | None = None, **kwargs: Any
    ) -> None:
        if procedure is not None:
            kwargs.setdefault("initial", self.initial_of(procedure))
        super().__init__(*args, **kwargs)
        self.departments = {d.code: d for d in departments}
        self.fields["department"].choices = [  # type: ignore[attr-defined]
            ("", _("(none)")),
            *[(d.code, d.display_name) for d in departments],
        ]
        if procedure is not None:
            del self.fields["code"]

    @staticmethod
    def initial_of(procedure: Procedure) -> dict[str, Any]:
        initial = {
            name: getattr(procedure, name)
            for name in (
                "name_ja",
                "name_en",
                "description_ja",
                "description_en",
                "legal_basis",
                "fee_yen",
                "fee_note",
                "channels",
                "is_online",
                "online_url",
                "pittari_id",
                "is_published",
            )
        }
        initial["documents"] = "\n".join(split_values(procedure.documents))
        initial["department"] = procedure.department.code if procedure.department else ""
        return initial

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("code", None)
        data["department"] = self.departments.get(data.get("department") or "")
        return data


class FilterForm(forms.Form):
    """The list's filters (public and staff): a search, a department, a channel, online."""

    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    department = forms.ChoiceField(label=_("Department"), required=False)
    channel = forms.ChoiceField(
        label=_("How"), required=False, choices=[("", _("Any")), *Channel.choices]
    )
    online = forms.ChoiceField(label=_("Online"), required=False, choices=ONLINE_CHOICES)

    def __init__(self, *args: Any, departments: list[Any], staff: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [  # type: ignore[attr-defined]
            ("", _("All departments")),
            *[(d.code, d.display_name) for d in departments],
        ]
        if staff:
            self.fields["published"] = forms.ChoiceField(
                label=_("Published"), required=False, choices=PUBLISHED_CHOICES
            )

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments (a wrong value is ignored, not an error page)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        online = data.get("online")
        return {
            "q": data.get("q") or "",
            "department": data.get("department") or None,
            "channel": data.get("channel") or "",
            "online": None if online in ("", None) else online == "1",
        }

    def published(self) -> bool | None:
        value = self.cleaned_data.get("published") if self.is_valid() else ""
        return None if value in ("", None) else value == "1"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Catalog file (CSV)"),
        help_text=_(
            "The list exported from this page, edited in Excel and saved as CSV (UTF-8 or "
            "Shift_JIS). At most 2 MB."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB: is it the right file?"))
        return upload
