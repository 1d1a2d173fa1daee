"""Staff pages of the ICT governance register: the systems' list (filtered), a system's page
(its 業務, costs, vulnerabilities), new and edit, Excel export and import. Nothing here is
public; department staff see their own departments' systems only (the selectors decide)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core.errors import NotFound
from kanmin.core.forms import import_page, submit
from kanmin.core.permissions import allowed
from kanmin.core.selectors import department_list
from kanmin.core.tenancy import tenant_reverse
from kanmin.governance import register, selectors, services
from kanmin.governance.forms import CostForm, FilterForm, ImportForm, SystemForm
from kanmin.governance.models import InformationSystem, SystemCost

VIEW_PERM = "governance.view_informationsystem"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _can(request: HttpRequest) -> dict[str, bool]:
    municipality = _municipality(request)
    user = request.user
    return {
        "can_add": allowed(user, "governance.add_informationsystem", municipality),
        "can_change": allowed(user, "governance.change_informationsystem", municipality),
        "sees_all": allowed(user, selectors.SEE_ALL_PERM, municipality),
    }


def _list_url(municipality: Any) -> str:
    return tenant_reverse("governance:system_list", municipality)


def _detail_url(municipality: Any, code: str) -> str:
    return tenant_reverse("governance:system_detail", municipality, {"code": code})


@operator_page(VIEW_PERM)
def system_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    departments = list(department_list(municipality=municipality))
    form = FilterForm(request.GET or None, departments=departments)
    filters = form.filters() if request.GET else {}
    rows = list(selectors.system_list(municipality, viewer=request.user, **filters))
    total = selectors.system_list(municipality, viewer=request.user).count()
    return render(
        request,
        "governance/system_list.html",
        {"form": form, "systems": rows, "total": total, **_can(request)},
    )


def _system(request: HttpRequest, code: str) -> InformationSystem:
    try:
        return selectors.system_get(_municipality(request), code, viewer=request.user)
    except NotFound:
        raise Http404 from None


def _detail(
    request: HttpRequest, system: InformationSystem, cost_form: CostForm, status: int = 200
) -> HttpResponse:
    costs = SystemCost.all_tenants.filter(system=system).order_by("fiscal_year")
    vulnerabilities = selectors.system_vulnerabilities(system)
    can_cost = allowed(request.user, "governance.change_systemcost", _municipality(request))
    return render(
        request,
        "governance/system_detail.html",
        {
            "system": system,
            "businesses": [b.get_business_display() for b in system.businesses.all()],
            "business_links": list(system.businesses.all()),
            "costs": costs,
            "vulnerabilities": vulnerabilities,
            "cost_form": cost_form if can_cost else None,
            "can_record_vulnerability": allowed(
                request.user, "governance.add_vulnerability", _municipality(request)
            ),
            **_can(request),
        },
        status=status,
    )


@operator_page(VIEW_PERM)
def system_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _system(request, code), CostForm())


@operator_page("governance.change_systemcost", methods=["POST"])
def system_cost(request: HttpRequest, code: str) -> HttpResponse:
    """Record (or correct) one 年度's cost of a system, from its page."""
    municipality = _municipality(request)
    system = _system(request, code)
    form = CostForm(request.POST)
    saved = submit(
        form,
        lambda: services.system_cost_set(
            municipality=municipality,
            actor=request.user,
            system=system,
            fiscal_year=form.cleaned_data["fiscal_year"],
            amount_yen=form.cleaned_data["amount_yen"],
        ),
    )
    if saved is None:
        return _detail(request, system, form, status=422)
    messages.success(request, _("Saved: %(name)s.") % {"name": system.name})
    return redirect(_detail_url(municipality, system.code))


def _form(request: HttpRequest, system: InformationSystem | None) -> SystemForm:
    municipality = _municipality(request)
    return SystemForm(
        request.POST or None,
        departments=list(department_list(municipality=municipality)),
        systems=list(selectors.system_list(municipality, viewer=None)),
        system=system,
    )


@operator_page("governance.add_informationsystem", methods=["GET", "POST"])
def system_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    form = _form(request, None)
    status = 200
    if request.method == "POST":
        system = submit(
            form,
            lambda: services.system_create(
                municipality=municipality,
                actor=request.user,
                code=form.cleaned_data["code"],
                **form.service_fields(),
            ),
        )
        if system is not None:
            messages.success(request, _("Added: %(name)s.") % {"name": system.name})
            return redirect(_detail_url(municipality, system.code))
        status = 422
    return render(
        request, "governance/system_form.html", {"form": form, "system": None}, status=status
    )


@operator_page("governance.change_informationsystem", methods=["GET", "POST"])
def system_edit(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    system = _system(request, code)
    form = _form(request, system)
    status = 200
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.system_update(
                municipality=municipality,
                actor=request.user,
                system=system,
                **form.service_fields(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Saved: %(name)s.") % {"name": system.name})
            return redirect(_detail_url(municipality, system.code))
        status = 422
    return render(
        request, "governance/system_form.html", {"form": form, "system": system}, status=status
    )


@operator_page(VIEW_PERM)
def systems_export(request: HttpRequest) -> HttpResponse:
    """The systems the viewer may see, in the columns the import reads (.xlsx)."""
    municipality = _municipality(request)
    systems = list(selectors.system_list(municipality, viewer=request.user))
    response = HttpResponse(register.workbook_bytes(systems), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{municipality.lg_code}_information_systems.xlsx"'
    )
    return response


@operator_page("governance.change_informationsystem", methods=["GET", "POST"])
def systems_import(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    return import_page(
        request,
        ImportForm(request.POST or None, request.FILES or None),
        lambda data, file_name: services.systems_import(
            municipality=municipality, actor=request.user, data=data, file_name=file_name
        ),
        "governance/system_import.html",
    )
