"""Reads for the staff form builder, always within one municipality."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

# --- form builder ---
from kanmin.core.errors import NotFound
from kanmin.core.models import Municipality
from kanmin.procedures.models import Form, FormVersion, Procedure


def form_list(
    *, municipality: Municipality, procedure: Procedure | None = None, status: str = ""
) -> QuerySet[Form]:
    forms = Form.all_tenants.filter(municipality=municipality).select_related(
        "procedure", "live_version"
    )
    if procedure is not None:
        forms = forms.filter(procedure=procedure)
    if status:
        forms = forms.filter(status=status)
    return forms.order_by("procedure__code", "slug")


def form_get(*, municipality: Municipality, slug: str) -> Form:
    try:
        return Form.all_tenants.select_related("procedure", "live_version").get(
            municipality=municipality, slug=slug
        )
    except Form.DoesNotExist:
        raise NotFound(_("No such form."), code="no_form") from None


def form_versions(*, form: Form) -> QuerySet[FormVersion]:
    return (
        FormVersion.all_tenants.filter(municipality_id=form.municipality_id, form=form)
        .select_related("published_by")
        .order_by("-number")
    )


def form_version_get(*, form: Form, number: int) -> FormVersion:
    try:
        return FormVersion.all_tenants.get(
            municipality_id=form.municipality_id, form=form, number=number
        )
    except FormVersion.DoesNotExist:
        raise NotFound(_("No such version of the form."), code="no_version") from None


def procedures_for_forms(*, municipality: Municipality) -> QuerySet[Procedure]:
    """The procedures a new form can belong to."""
    return Procedure.all_tenants.filter(municipality=municipality).order_by("code")


def procedure_get_by_pk(*, municipality: Municipality, pk: int) -> Procedure:
    try:
        return Procedure.all_tenants.get(municipality=municipality, pk=pk)
    except Procedure.DoesNotExist:
        raise NotFound(_("No such procedure."), code="no_procedure") from None
