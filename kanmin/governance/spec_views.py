"""Staff pages of the specifications' lists of 業務 (the Ⅴ-4 denominators): every version with
its 業務 and the day it is valid from, which one the current fiscal year counts, and a form
for a new version (a list is never edited: a new specification is a new version)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.forms import submit
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse
from kanmin.governance import kpi_sources, selectors, spec_services
from kanmin.governance.forms import SpecListForm
from kanmin.governance.spec_models import Spec

CHANGE_PERM = "governance.change_informationsystem"


@operator_page("governance.view_informationsystem")
def spec_lists(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    fiscal_year = FiscalYear.of(timezone.localdate())
    counted = {
        spec: kpi_sources.spec_list_valid(municipality, spec, fiscal_year) for spec in Spec.values
    }
    return render(
        request,
        "governance/spec_lists.html",
        {
            "lists": list(selectors.spec_list_list(municipality)),
            "counted_ids": {s.pk for s in counted.values() if s is not None},
            "fiscal_year": fiscal_year,
            "can_change": allowed(request.user, CHANGE_PERM, municipality),
        },
    )


def _initial(request: HttpRequest, municipality: Any) -> dict[str, Any]:
    """A new version starts from the list named by ``?from=<id>`` (its 業務 ticked)."""
    start = next(
        (s for s in selectors.spec_list_list(municipality) if str(s.pk) == request.GET.get("from")),
        None,
    )
    if start is None:
        return {}
    return {"spec": start.spec, "businesses": [b.business for b in start.businesses.all()]}


@operator_page(CHANGE_PERM, methods=["GET", "POST"])
def spec_list_new(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    form = SpecListForm(request.POST or None, initial=_initial(request, municipality))
    status = 200
    if request.method == "POST":
        created = submit(
            form,
            lambda: spec_services.spec_list_create(
                municipality=municipality, actor=request.user, **form.cleaned_data
            ),
        )
        if created is not None:
            messages.success(request, _("Saved: %(name)s.") % {"name": created.label})
            return redirect(tenant_reverse("governance:spec_lists", municipality))
        status = 422
    return render(request, "governance/spec_list_form.html", {"form": form}, status=status)
