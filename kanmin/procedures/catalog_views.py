"""Pages of the procedure catalog: the residents' list and a procedure's page, the open data
files (public); the staff's list, new, edit, unpublish/delete, import and export."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core import views as core_views
from kanmin.core.errors import Conflict, NotFound
from kanmin.core.forms import import_page, perform, submit
from kanmin.core.language import localized
from kanmin.core.permissions import allowed
from kanmin.core.selectors import department_list
from kanmin.core.spreadsheet import write_rows
from kanmin.core.tenancy import tenant_reverse, tenant_view
from kanmin.procedures import catalog, selectors, services
from kanmin.procedures.catalog_forms import FilterForm, ImportForm, ProcedureForm
from kanmin.procedures.models import Channel, Procedure

VIEW_PERM = "procedures.view_procedure"


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------
# What a page shows of a procedure
# ------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """A procedure as the pages show it, in the page's language."""

    procedure: Procedure
    apply_url: str

    @property
    def code(self) -> str:
        return self.procedure.code

    @property
    def name(self) -> str:
        return localized(self.procedure.name_ja, self.procedure.name_en)

    @property
    def description(self) -> str:
        return localized(self.procedure.description_ja, self.procedure.description_en)

    @property
    def documents(self) -> list[str]:
        return catalog.documents_list(self.procedure)

    @property
    def channels(self) -> list[Any]:
        return [Channel(c).label for c in catalog.CHANNEL_ORDER if c in self.procedure.channels]


def apply_url(municipality: Any, procedure: Procedure, form_slug: str | None) -> str:
    """Where a resident applies online: the apply flow of a live form of Kanmin, else the
    address staff gave (ぴったりサービス …), else nothing."""
    if form_slug:
        try:
            return tenant_reverse("procedures:apply_start", municipality, {"slug": form_slug})
        except NoReverseMatch:  # the apply flow is not installed in this deployment
            pass
    return procedure.online_url


def entries(municipality: Any, procedures: list[Procedure]) -> list[Entry]:
    slugs = selectors.live_form_slugs(municipality, procedures)
    return [Entry(p, apply_url(municipality, p, slugs.get(p.pk))) for p in procedures]


# ------------------------------------------------------------------------------------------
# Public: the list, a procedure, the open data
# ------------------------------------------------------------------------------------------


@tenant_view
def procedure_index(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    departments = selectors.procedure_departments(municipality)
    form = FilterForm(request.GET or None, departments=departments)
    filters = form.filters() if request.GET else {}
    rows = list(selectors.procedure_list(municipality, published_only=True, **filters))
    total = selectors.procedure_list(municipality, published_only=True).count()
    online_total = selectors.procedure_list(municipality, published_only=True, online=True)
    return render(
        request,
        "procedures/catalog/public_list.html",
        {
            "form": form,
            "departments": departments,
            "entries": entries(municipality, rows),
            "filtered": any(v not in ("", None) for v in filters.values()),
            "total": total,
            "online_total": online_total.count(),
        },
    )


@tenant_view
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    try:
        procedure = selectors.procedure_get(municipality, code, published_only=True)
    except NotFound:
        raise Http404 from None
    entry = entries(municipality, [procedure])[0]
    return render(request, "procedures/catalog/public_detail.html", {"entry": entry})


@tenant_view
def procedures_file(request: HttpRequest, fmt: str) -> HttpResponse:
    """The catalog as open data (CSV or JSON), as the registry serves it."""
    return core_views.registered_dataset(request, slug="procedures", fmt=fmt)


# ------------------------------------------------------------------------------------------
# Staff: the list, export and import
# ------------------------------------------------------------------------------------------


def _can(request: HttpRequest) -> dict[str, bool]:
    municipality = _municipality(request)
    user = request.user
    return {
        "can_add": allowed(user, "procedures.add_procedure", municipality),
        "can_change": allowed(user, "procedures.change_procedure", municipality),
        "can_delete": allowed(user, "procedures.delete_procedure", municipality),
    }


@operator_page(VIEW_PERM)
def catalog_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    departments = list(department_list(municipality=municipality))
    form = FilterForm(request.GET or None, departments=departments, staff=True)
    filters = form.filters() if request.GET else {}
    rows = selectors.procedure_list(municipality, published_only=False, **filters)
    published = form.published() if request.GET else None
    if published is not None:
        rows = rows.filter(is_published=published)
    listed = list(rows)
    return render(
        request,
        "procedures/catalog/staff_list.html",
        {
            "form": form,
            "entries": entries(municipality, listed),
            "total": selectors.procedure_list(municipality, published_only=False).count(),
            **_can(request),
        },
    )


@operator_page(VIEW_PERM)
def catalog_export(request: HttpRequest) -> HttpResponse:
    """Every procedure, published or not, in the columns the import reads (UTF-8 with BOM, so
    that Excel opens it)."""
    municipality = _municipality(request)
    stream = io.StringIO()
    rows = [
        catalog.row_of(p, municipality.lg_code, staff=True)
        for p in selectors.procedure_list(municipality, published_only=False)
    ]
    write_rows(stream, [[c.title_ja for c in catalog.STAFF_COLUMNS], *rows])
    response = HttpResponse(
        ("\ufeff" + stream.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{municipality.lg_code}_procedures_all.csv"'
    )
    return response


@operator_page("procedures.change_procedure", methods=["GET", "POST"])
def catalog_import(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    return import_page(
        request,
        ImportForm(request.POST or None, request.FILES or None),
        lambda data, file_name: services.procedures_import(
            municipality=municipality, actor=request.user, data=data, file_name=file_name
        ),
        "procedures/catalog/staff_import.html",
    )


# ------------------------------------------------------------------------------------------
# Staff: new, edit, publish, delete
# ------------------------------------------------------------------------------------------


def _list_url(municipality: Any) -> str:
    return tenant_reverse("procedures:catalog_list", municipality)


def _edit_url(municipality: Any, code: str) -> str:
    return tenant_reverse("procedures:catalog_edit", municipality, {"code": code})


@operator_page("procedures.add_procedure", methods=["GET", "POST"])
def catalog_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    departments = list(department_list(municipality=municipality))
    form = ProcedureForm(request.POST or None, departments=departments)
    status = 200
    if request.method == "POST":
        procedure = submit(
            form,
            lambda: services.procedure_create(
                municipality=municipality,
                actor=request.user,
                code=form.cleaned_data["code"],
                **form.service_fields(),
            ),
        )
        if procedure is not None:
            messages.success(request, _("Added: %(name)s.") % {"name": procedure.name_ja})
            return redirect(_list_url(municipality))
        status = 422
    return render(
        request,
        "procedures/catalog/staff_form.html",
        {"form": form, "procedure": None},
        status=status,
    )


def _staff_procedure(request: HttpRequest, code: str) -> Procedure:
    try:
        return selectors.procedure_get(_municipality(request), code)
    except NotFound:
        raise Http404 from None


@operator_page("procedures.change_procedure", methods=["GET", "POST"])
def catalog_edit(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    procedure = _staff_procedure(request, code)
    departments = list(department_list(municipality=municipality))
    form = ProcedureForm(request.POST or None, departments=departments, procedure=procedure)
    status = 200
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.procedure_update(
                municipality=municipality,
                actor=request.user,
                procedure=procedure,
                **form.service_fields(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Saved: %(name)s.") % {"name": procedure.name_ja})
            return redirect(_list_url(municipality))
        status = 422
    entry = entries(municipality, [procedure])[0]
    return render(
        request,
        "procedures/catalog/staff_form.html",
        {"form": form, "procedure": procedure, "entry": entry, **_can(request)},
        status=status,
    )


@operator_page("procedures.change_procedure", methods=["POST"])
def catalog_publish(request: HttpRequest, code: str) -> HttpResponse:
    """Publish (``published=1``) or unpublish (``published=0``) a procedure."""
    municipality = _municipality(request)
    procedure = _staff_procedure(request, code)
    published = request.POST.get("published") == "1"
    saved = perform(
        request,
        lambda: services.procedure_update(
            municipality=municipality,
            actor=request.user,
            procedure=procedure,
            is_published=published,
        ),
    )
    if saved is None:
        return redirect(_edit_url(municipality, code))
    if published:
        messages.success(request, _("Published: %(name)s.") % {"name": procedure.name_ja})
    else:
        messages.success(
            request,
            _("Unpublished: %(name)s. Residents no longer see it; its history stays.")
            % {"name": procedure.name_ja},
        )
    return redirect(_list_url(municipality))


@operator_page("procedures.delete_procedure", methods=["GET", "POST"])
def catalog_delete(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    procedure = _staff_procedure(request, code)
    refusal: Conflict | None = None
    if request.method == "POST":
        try:
            services.procedure_delete(
                municipality=municipality, actor=request.user, procedure=procedure
            )
        except Conflict as exc:  # still in use: the page says where
            refusal = exc
        else:
            messages.success(request, _("Deleted: %(name)s.") % {"name": procedure.name_ja})
            return redirect(_list_url(municipality))
    uses = {
        services.USE_LABELS[name]: count
        for name, count in selectors.procedure_uses(procedure).items()
        if count
    }
    return render(
        request,
        "procedures/catalog/staff_delete.html",
        {"procedure": procedure, "uses": uses, "refusal": refusal, **_can(request)},
        status=409 if refusal else 200,
    )
