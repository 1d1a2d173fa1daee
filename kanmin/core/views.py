from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from kanmin.core import selectors, services, staff_actions
from kanmin.core.errors import NotFound
from kanmin.core.forms import DepartmentForm, submit
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import single_tenant_code, staff_view, tenant_reverse, tenant_view


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def portal(request: HttpRequest) -> HttpResponse:
    if single_tenant_code():
        return redirect("core:home")
    municipalities = selectors.municipality_list()
    return render(request, "core/portal.html", {"municipalities": municipalities})


# The platform's parts, each tracing back to measures of the plan.
PARTS = (
    ("catalog", _("Open data"), _("Find, preview and download open data (Ⅱ-1, Ⅱ-2).")),
    ("plan", _("Data utilization plan"), _("The plan's measures and their KPIs (Ⅰ–Ⅵ).")),
    (
        "services",
        _("Online services"),
        _("Applications, notices, consultations and counter waits (Ⅰ-1, Ⅰ-3)."),
    ),
    (
        "disaster",
        _("Disaster information"),
        _("Shelters, evacuation information and supplies (Ⅲ)."),
    ),
    (
        "governance",
        _("ICT governance"),
        _("Information systems, standardization and security (Ⅵ)."),
    ),
)


def _part_url(slug: str, municipality: Any) -> str:
    """The part's page when its app is installed; parts not built yet have none."""
    try:
        return tenant_reverse(f"{slug}:home", municipality)
    except NoReverseMatch:
        return ""


# NotFound codes of the domain apps → what the 404 page says was not found.
_NOT_FOUND_CODES = {
    "no_municipality": "municipality",
    "no_dataset": "dataset",
    "no_resource": "resource",
    "no_measure": "measure",
}


def not_found_response(
    request: HttpRequest, *, what: str = "page", name: str = "", message: Any = ""
) -> HttpResponse:
    """The 404 page, saying what was not found (a municipality, a dataset, a file, a measure or
    any page) and offering the way on: the search of the municipality's open data, the
    dataset of a missing file, the plan, the list of municipalities."""
    municipality = getattr(request, "municipality", None)
    if municipality is None and what == "page":
        # An address inside a municipality's pages that matched no page: still offer its
        # home page and search.
        municipality = _municipality_of_path(request.path)
        request.municipality = municipality  # type: ignore[attr-defined]
    context: dict[str, Any] = {"what": what, "name": name, "message": message}
    if municipality is not None:
        for key, viewname in (("catalog_url", "catalog:home"), ("plan_url", "plan:home")):
            try:
                context[key] = tenant_reverse(viewname, municipality)
            except NoReverseMatch:
                context[key] = ""
        dataset_name = getattr(request, "resolver_match", None)
        dataset_name = dataset_name.kwargs.get("name", "") if dataset_name else ""
        if what == "resource" and dataset_name:
            context["dataset_url"] = tenant_reverse(
                "catalog:dataset_detail", municipality, {"name": dataset_name}
            )
    return render(request, "404.html", context, status=404)


def _municipality_of_path(path: str) -> Any:
    code = single_tenant_code()
    if not code:
        parts = path.split("/")
        code = parts[2] if len(parts) > 3 and parts[1] == "m" else ""
    if not code:
        return None
    try:
        return selectors.municipality_get(lg_code=code)
    except NotFound:
        return None


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: Http404 from anywhere; :class:`PageNotFound` tells what was missing."""
    what = getattr(exception, "what", "page")
    name = getattr(exception, "name", "")
    message = getattr(exception, "message", "") if what != "page" else ""
    return not_found_response(request, what=what, name=name, message=message)


def not_found_what(code: str) -> str:
    return _NOT_FOUND_CODES.get(code, "page")


@tenant_view
def home(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    parts = [
        {"slug": slug, "title": title, "text": text, "url": _part_url(slug, municipality)}
        for slug, title, text in PARTS
    ]
    # The search box searches the catalog; other parts may join it later.
    search_url = next((part["url"] for part in parts if part["slug"] == "catalog"), "")
    return render(request, "core/home.html", {"parts": parts, "search_url": search_url})


@staff_view("core.view_department")
def staff_home(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    can_add = allowed(request.user, "core.add_department", municipality)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST":
        if not can_add:
            return render(request, "403.html", status=403)
        department = submit(
            form,
            lambda: services.department_create(
                municipality=municipality, actor=request.user, **form.cleaned_data
            ),
        )
        if department is not None:
            return redirect(tenant_reverse("core:staff_home", municipality))
    departments = selectors.department_list(municipality=municipality)
    return render(
        request,
        "core/staff_home.html",
        {
            "departments": departments,
            "form": form,
            "can_add": can_add,
            "action_groups": staff_actions.for_user(request.user, municipality),
        },
        status=422 if request.method == "POST" else 200,
    )


@tenant_view
def registered_dataset(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A table an app offers as open data through ``kanmin.core.datasets`` (CSV or JSON)."""
    from kanmin.core import datasets

    provider = datasets.by_slug(slug)
    if provider is None or fmt not in ("csv", "json"):
        raise Http404
    municipality = request.municipality  # type: ignore[attr-defined]
    if fmt == "json":
        response: HttpResponse = JsonResponse(
            {
                "name": provider.name,
                "title": provider.title_ja,
                "title_en": provider.title_en,
                "license": provider.licence,
                "columns": [
                    {"name": c.name, "title": c.title_ja, "title_en": c.title_en}
                    for c in provider.columns
                ],
                "rows": datasets.rows_json(provider, municipality),
            },
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(
            datasets.rows_csv(provider, municipality), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{municipality.lg_code}_{provider.slug}.csv"'
        )
    response["Access-Control-Allow-Origin"] = "*"
    return response
