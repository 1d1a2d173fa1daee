"""The staff's analysis page: write or build a query over the municipality's tables, see the
result as a table and a chart, save it as a named view, publish a view as a derived dataset.
Thin: the analysis' selectors read, its services write. Nothing typed is lost on an error:
every form is shown again as it was sent."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kanmin.catalog import charts, previews
from kanmin.catalog import selectors as catalog_selectors
from kanmin.catalog.analysis import selectors, services
from kanmin.catalog.analysis.builder import build
from kanmin.catalog.analysis.forms import BuilderForm, PublishForm, QueryForm
from kanmin.core.errors import Invalid, KanminError, NotFound, PageNotFound, PermissionDenied
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import staff_view, tenant_reverse


def _chart(form: QueryForm, result: selectors.Result | None) -> dict[str, Any] | None:
    """The result's chart (the catalog's one chart, drawn as an SVG data URL); None without
    one, a message when it cannot be drawn."""
    if result is None or not form.is_bound or not form.is_valid():
        return None
    kind = form.cleaned_data.get("chart_kind") or ""
    x, y = form.cleaned_data.get("chart_x") or "", form.cleaned_data.get("chart_y") or ""
    if not kind:
        return None
    if x not in result.columns or y not in result.columns:
        return {"error": _("Choose a column of the result for the labels and one for the values.")}
    drawn = result.records[: charts.POINTS_MAX]
    labels, values = charts.figures((r.get(x), r.get(y)) for r in drawn)
    if not values:
        return {"error": _("The values column holds no numbers to draw.")}
    x_type = next((f["type"] for f in result.fields if f["id"] == x), "")
    chart = charts.Chart(
        kind=kind, x=x, y=y, agg="none", labels=labels, values=values, y_label=y, x_type=x_type
    )
    return {
        "chart": chart,
        "src": "data:image/svg+xml;base64," + base64.b64encode(chart.svg()).decode(),
    }


def _table(result: selectors.Result | None) -> dict[str, Any] | None:
    """The result's first rows as the previews' table shows rows."""
    if result is None:
        return None
    columns = previews.result_columns(result.fields)
    return {
        "columns": columns,
        "rows": [previews.result_row(r, columns) for r in result.records[: selectors.SHOWN_ROWS]],
    }


def _run(request: HttpRequest, form: QueryForm) -> selectors.Result | None:
    if not form.is_valid():
        return None
    try:
        return selectors.analysis_run(
            municipality=request.municipality,  # type: ignore[attr-defined]
            viewer=request.user,
            sql=form.cleaned_data["sql"],
        )
    except KanminError as exc:
        exc.add_to_form(form)
        return None


def _page(request: HttpRequest, view: Any = None) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    tables = selectors.analysis_tables(municipality=municipality, viewer=request.user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    post = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    if view is not None:
        initial = {name: getattr(view, name) for name in services.VIEW_FIELDS}
    query_form = QueryForm(post if action in ("run", "save", "save_new") else None, initial=initial)
    builder_form = BuilderForm(post if action == "build" else None, tables=tables)
    publish_form = PublishForm(post if action == "publish" else None, municipality=municipality)
    result = None
    status = 200

    if action == "build" and builder_form.is_valid():
        try:
            sql = build(builder_form.spec(), {str(t.resource.pk): t.fields for t in tables})
        except Invalid as exc:
            exc.add_to_form(builder_form)
            status = 422
        else:
            query_form = QueryForm({**initial, "sql": sql, "chart_kind": ""})
            result = _run(request, query_form)
    elif action == "build":
        status = 422
    elif action == "run":
        result = _run(request, query_form)
    elif action in ("save", "save_new") and query_form.is_valid():
        values = query_form.view_values()
        if not values["name_ja"]:
            query_form.add_error("name_ja", _("Give the view a name to save it."))
        else:
            try:
                if view is not None and action == "save":
                    saved = services.saved_view_update(
                        municipality=municipality, actor=request.user, view=view, **values
                    )
                else:
                    saved = services.saved_view_create(
                        municipality=municipality, actor=request.user, **values
                    )
            except (PermissionDenied, NotFound):
                raise
            except KanminError as exc:
                exc.add_to_form(query_form)
            else:
                messages.success(request, _("The view was saved."))
                return redirect(_view_url(municipality, saved))
        result = _run(request, query_form)
    elif action == "publish" and view is not None:
        if view.derived_resource_id is not None or publish_form.is_valid():
            values = publish_form.cleaned_data if view.derived_resource_id is None else {}
            try:
                services.saved_view_publish(
                    municipality=municipality, actor=request.user, view=view, **values
                )
            except (PermissionDenied, NotFound):
                raise
            except KanminError as exc:
                exc.add_to_form(publish_form)  # a refused query: at the top of the form
            else:
                messages.success(
                    request,
                    _("The view's result is published as a dataset. Its table is being loaded."),
                )
                return redirect(_view_url(municipality, view))
        status = 422
    elif action == "delete" and view is not None:
        try:
            services.saved_view_delete(municipality=municipality, actor=request.user, view=view)
        except (PermissionDenied, NotFound):
            raise
        except KanminError as exc:
            messages.error(request, str(exc.message))
            return redirect(_view_url(municipality, view))
        messages.success(request, _("The view was deleted."))
        return redirect(tenant_reverse("catalog:analysis", municipality))
    elif view is not None and request.method == "GET":
        query_form = QueryForm(initial)
        result = _run(request, query_form)
    if query_form.is_bound and query_form.errors:
        status = 422
    if view is not None and not publish_form.is_bound:
        own = catalog_selectors.organization_of(municipality=municipality, user=request.user)
        publish_form.initial = {
            "organization": own,
            "name": catalog_selectors.dataset_free_name(
                municipality=municipality, base=f"{municipality.lg_code}_view"
            ),
        }
    return render(
        request,
        "catalog/analysis.html",
        {
            "municipality": municipality,
            "view": view,
            "views": selectors.saved_view_list(municipality=municipality),
            "tables": tables,
            "query_form": query_form,
            "builder_form": builder_form,
            "builder_open": action == "build",
            "publish_form": publish_form,
            "result": result,
            "result_table": _table(result),
            "chart": _chart(query_form, result),
            "can_publish": allowed(request.user, "catalog.add_dataset", municipality),
            "can_delete": view is not None
            and allowed(request.user, "catalog.delete_savedview", view),
            "derived_dataset": view.derived_resource.dataset
            if view is not None and view.derived_resource_id
            else None,
        },
        status=status,
    )


def _view_url(municipality: Any, view: Any) -> str:
    return tenant_reverse("catalog:analysis_view", municipality, {"view_id": view.pk})


@staff_view("catalog.view_savedview", methods=["GET", "POST"])
def analysis_home(request: HttpRequest) -> HttpResponse:
    """Query the municipality's tables; the saved views."""
    return _page(request)


@staff_view("catalog.view_savedview", methods=["GET", "POST"])
def analysis_view(request: HttpRequest, view_id: UUID) -> HttpResponse:
    """A saved view: its query run now, to change, save, publish or delete."""
    municipality = request.municipality  # type: ignore[attr-defined]
    try:
        view = selectors.saved_view_get(municipality=municipality, id=view_id)
    except NotFound as exc:
        raise PageNotFound(exc.message, what="page", name=str(view_id)) from None
    return _page(request, view)
