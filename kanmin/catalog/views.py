"""Portal pages of the catalog. Thin: selectors read, services write."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from rdflib import Graph

from kanmin.catalog import (
    dcat,
    filetypes,
    licenses,
    open_data_list,
    selectors,
    services,
    uploads,
)
from kanmin.catalog.forms import DatasetForm, ResourceForm, StartFromStandardForm
from kanmin.catalog.models import DatasetState, HitKind
from kanmin.catalog.search import QueryError
from kanmin.core.errors import Invalid, KanminError, NotFound, PageNotFound
from kanmin.core.language import has_japanese, page_is_japanese
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import single_tenant_code, tenant_reverse, tenant_view


def _visible_resource(request: HttpRequest, resource_id: UUID) -> Any:
    """A resource of a dataset the viewer may see, or 404."""
    try:
        return selectors.resource_get(
            municipality=request.municipality,  # type: ignore[attr-defined]
            viewer=request.user,
            id=str(resource_id),
        )
    except NotFound as exc:
        raise PageNotFound(exc.message, what="resource", name=str(resource_id)) from None


@tenant_view  # type: ignore[arg-type]  # a streamed file, not an HttpResponse
def resource_download(
    request: HttpRequest, dataset_id: UUID, resource_id: UUID, filename: str
) -> HttpResponseBase:
    """An uploaded file, for anyone who may see its dataset."""
    resource = _visible_resource(request, resource_id)
    if resource.dataset_id != dataset_id or not resource.file or resource.filename != filename:
        raise Http404
    services.hit_count(
        municipality=resource.municipality,
        actor=request.user,
        dataset=resource.dataset,
        resource=resource,
        kind=HitKind.DOWNLOAD,
    )
    return FileResponse(resource.file.open("rb"), as_attachment=True, filename=filename)


FACETS = (
    ("organization", _("Organization")),
    ("groups", _("Category")),
    ("tags", _("Tag")),
    ("res_format", _("Format")),
    ("license_id", _("License")),
    ("standard_dataset", _("Standard data set")),
    ("quality", _("Quality")),
)
SORTS = (
    ("score desc, metadata_modified desc", _("Relevance")),
    ("metadata_modified desc", _("Last modified")),
    ("title_string asc", _("Title")),
    ("metadata_created desc", _("Newest")),
)
PAGE_SIZE = 20


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


@tenant_view
def open_data_list_csv(request: HttpRequest, code: str) -> HttpResponse:
    """The オープンデータ一覧 (standard data set) of this municipality's published datasets."""
    municipality = request.municipality  # type: ignore[attr-defined]
    if code != municipality.lg_code:
        raise Http404
    name = open_data_list.file_name(municipality)
    response = HttpResponse(
        open_data_list.render(municipality), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _facet_names(municipality: Any) -> dict[tuple[str, str], tuple[str, str]]:
    """(facet, value) → (the name to show in the page's language, its English name or "" when
    there is none): the search's facets carry the Japanese titles the CKAN API gives."""
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for org in selectors.organization_list(municipality=municipality).select_related("department"):
        names["organization", org.name] = (org.display_name, org.english_name)
    for group in selectors.group_list(municipality=municipality):
        names["groups", group.name] = (group.display_name, group.title_en)
    for lic in licenses.LICENSES:
        title = lic.display_title
        names["license_id", lic.id] = (title, "" if has_japanese(title) else title)
    return names


@tenant_view
def catalog_home(request: HttpRequest) -> HttpResponse:
    """Search the catalog, with facets; staff also see their drafts and private datasets."""
    municipality = request.municipality  # type: ignore[attr-defined]
    q = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", SORTS[0][0])
    if sort not in dict(SORTS):
        sort = SORTS[0][0]
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    selected = {name: request.GET.getlist(name) for name, _label in FACETS}
    fq = [f"{name}:{_quoted(v)}" for name, values in selected.items() for v in values if v]
    error = ""
    try:
        result = selectors.dataset_search(
            municipality=municipality,
            viewer=request.user,
            q=q,
            fq=fq,
            sort=sort,
            rows=PAGE_SIZE,
            start=(page - 1) * PAGE_SIZE,
            facet_fields=[name for name, _label in FACETS],
            facet_limit=20,
            include_private=True,
            include_drafts=True,
        )
    except QueryError as exc:
        error = str(exc.message)
        result = selectors.SearchResult(count=0, ids=[], sort=sort)
    facets = []
    names = _facet_names(municipality)
    for name, label in FACETS:
        items = []
        for item in result.facets.get(name, []):
            params = request.GET.copy()
            params.pop("page", None)
            values = params.getlist(name)
            active = item.name in values
            params.setlist(
                name, [v for v in values if v != item.name] if active else [*values, item.name]
            )
            display, english = names.get((name, item.name), (item.display_name, ""))
            items.append(
                {
                    "item": item,
                    "label": display,
                    "english": english,
                    "active": active,
                    "query": params.urlencode(),
                }
            )
        if items:
            open_ = any(entry["active"] for entry in items)
            facets.append({"name": name, "label": label, "items": items, "open": open_})
    base = request.GET.copy()
    base.pop("page", None)
    return render(
        request,
        "catalog/catalog_home.html",
        {
            "municipality": municipality,
            "q": q,
            "sort": sort,
            "sorts": SORTS,
            "selected": selected,
            "result": result,
            "facets": facets,
            "active_filters": sum(len([v for v in values if v]) for values in selected.values()),
            "error": error,
            "page": page,
            "has_next": page * PAGE_SIZE < result.count,
            "base_query": base.urlencode(),
        },
    )


@tenant_view
def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    """A dataset's page: its description, metadata and resources."""
    municipality = request.municipality  # type: ignore[attr-defined]
    try:
        dataset = selectors.dataset_get(
            municipality=municipality, viewer=request.user, id_or_name=name
        )
    except NotFound as exc:
        raise PageNotFound(exc.message, what="dataset", name=name) from None
    hits = selectors.dataset_hits(dataset_id=dataset.pk, today=timezone.localdate())
    resources = [
        {
            "resource": resource,
            "downloads": hits["by_resource"].get(str(resource.pk), {}).get("total", 0),
            "url": _download_url(municipality, resource),
            "page": tenant_reverse(
                "catalog:resource_detail",
                municipality,
                {"name": dataset.name, "resource_id": resource.pk},
            ),
        }
        for resource in sorted(dataset.resources.all(), key=lambda r: (r.position, r.created))
    ]
    is_staff = allowed(request.user, "catalog.change_dataset", dataset) and (
        request.user.is_authenticated
    )
    if dataset.is_public and not is_staff:
        services.hit_count(
            municipality=municipality, actor=request.user, dataset=dataset, kind=HitKind.VIEW
        )
    page_url = request.build_absolute_uri(
        tenant_reverse("catalog:dataset_detail", municipality, {"name": dataset.name})
    )
    return render(
        request,
        "catalog/dataset_detail.html",
        {
            "municipality": municipality,
            "dataset": dataset,
            "license": licenses.get(dataset.license_id),
            "resources": resources,
            "tags": sorted(t.name for t in dataset.tags.all()),
            "groups": sorted(dataset.groups.all(), key=lambda g: g.name),
            "is_staff": is_staff,
            "activity": selectors.dataset_activity(dataset=dataset, limit=30),
            "hits": hits,
            "citation": _citation(municipality, dataset, page_url),
            "api_url": tenant_reverse(
                "ckan:action_v3" if single_tenant_code() else "ckan_tenant:action_v3",
                municipality,
                {"action": "package_show"},
            )
            + f"?id={dataset.name}",
        },
    )


def _in_language(text: str, english: str) -> str:
    """``english`` on pages in English when there is one; else ``text``, marked as Japanese
    on pages in another language when it is Japanese (see the ``lang_ja`` template tag)."""
    if page_is_japanese():
        return conditional_escape(text)
    if english:
        return conditional_escape(english)
    if has_japanese(text):
        return format_html('<span lang="ja">{}</span>', text)
    return conditional_escape(text)


def _citation(municipality: Any, dataset: Any, page_url: str) -> SafeString:
    """How to cite the dataset, in the page's language; names and a title that exist only in
    Japanese are marked as Japanese."""
    template = _(
        "%(municipality)s, %(organization)s (%(year)s). “%(title)s”. %(url)s (accessed %(date)s)"
    )
    values = {
        "municipality": _in_language(municipality.name_ja, municipality.name_en),
        "organization": _in_language(
            dataset.organization.title_ja, dataset.organization.english_name
        ),
        "year": f"{dataset.modified:%Y}",
        "title": _in_language(dataset.title_ja, dataset.title_en),
        "url": conditional_escape(page_url),
        "date": f"{timezone.localdate():%Y-%m-%d}",
    }
    return mark_safe(str(template) % values)  # noqa: S308 - every value escaped above


# --------------------------------------------------------------------------------------------
# Staff pages: create and edit datasets, add files, follow their checks
# --------------------------------------------------------------------------------------------


def _lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _too_large(request: HttpRequest) -> HttpResponse | None:
    """Refuse an upload larger than the limit before its body is read."""
    limit = uploads.upload_limit()
    if request.method == "POST" and filetypes.body_too_large(request.META, limit):
        message = uploads.too_large_error(filetypes.declared_size(request.META)).message
        return render(request, "catalog/refused.html", {"message": message}, status=413)
    return None


def _prefill_from_standard(municipality: Any, slug: str) -> dict[str, Any]:
    from kanmin.standards.schemas import SchemaError, get_schema

    try:
        schema = get_schema(slug)
    except SchemaError:
        return {}
    return {
        "standard_dataset": slug,
        "title_ja": schema.japanese_name,
        "title_en": schema.title,
        "name": slug.replace("_", "-"),
        "notes_ja": _(
            "%(municipality)s's %(dataset)s, in the format of the national standard data set "
            "(自治体標準オープンデータセット)."
        )
        % {"municipality": municipality.name_ja, "dataset": schema.japanese_name},
        "tags": schema.japanese_name,
        "spatial": open_data_list.full_name(municipality),
    }


def _file_name_rule(municipality: Any, slug: str) -> str:
    """e.g. ``452025_aed.csv`` for the AED standard data set, else empty."""
    return uploads.standard_file_name(municipality.lg_code, slug, "data.csv") if slug else ""


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def dataset_new(request: HttpRequest) -> HttpResponse:
    """A new dataset, blank or started from a national standard data set."""
    municipality = request.municipality  # type: ignore[attr-defined]
    if not allowed(request.user, "catalog.add_dataset", municipality):
        return render(request, "403.html", status=403)
    standard = request.GET.get("standard", "")
    initial = _prefill_from_standard(municipality, standard) if standard else {}
    start_form = StartFromStandardForm(initial={"standard": standard})
    form = DatasetForm(request.POST or None, initial=initial, municipality=municipality)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                dataset = services.dataset_create(
                    municipality=municipality, actor=request.user, **form.values()
                )
            except KanminError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, _("The dataset was saved as a draft. Add its files."))
                return redirect(
                    tenant_reverse("catalog:resource_new", municipality, {"name": dataset.name})
                )
        status = 422
    return render(
        request,
        "catalog/dataset_form.html",
        {
            "municipality": municipality,
            "form": form,
            "start_form": start_form,
            "creating": True,
            "file_name_rule": _file_name_rule(municipality, standard),
        },
        status=status,
    )


_STATE_ACTIONS = {
    "publish": services.dataset_publish,
    "make_private": services.dataset_make_private,
    "withdraw": services.dataset_withdraw,
}


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request: HttpRequest, name: str) -> HttpResponse:
    """Edit a dataset's metadata, change its state or delete it."""
    municipality = request.municipality  # type: ignore[attr-defined]
    try:
        dataset = selectors.dataset_for_edit(municipality=municipality, id_or_name=name)
    except NotFound:
        raise Http404 from None
    if not allowed(request.user, "catalog.change_dataset", dataset):
        return render(request, "403.html", status=403)
    action = request.POST.get("action", "update")
    detail_url = tenant_reverse("catalog:dataset_detail", municipality, {"name": dataset.name})
    if request.method == "POST" and action in _STATE_ACTIONS:
        try:
            _STATE_ACTIONS[action](municipality=municipality, actor=request.user, dataset=dataset)
        except KanminError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The dataset's state was changed."))
        return redirect(detail_url)
    if request.method == "POST" and action == "draft":
        try:
            services.dataset_patch(
                municipality=municipality,
                actor=request.user,
                dataset=dataset,
                state=DatasetState.DRAFT,
            )
        except KanminError as exc:
            messages.error(request, str(exc.message))
        return redirect(detail_url)
    if request.method == "POST" and action == "delete":
        try:
            services.dataset_delete(municipality=municipality, actor=request.user, dataset=dataset)
        except KanminError as exc:
            messages.error(request, str(exc.message))
            return redirect(detail_url)
        messages.success(request, _("The dataset was deleted."))
        return redirect(tenant_reverse("catalog:home", municipality))
    initial = {
        "organization": dataset.organization,
        "title_ja": dataset.title_ja,
        "title_en": dataset.title_en,
        "name": dataset.name,
        "notes_ja": dataset.notes_ja,
        "notes_en": dataset.notes_en,
        "standard_dataset": dataset.standard_dataset,
        "license_id": dataset.license_id,
        "tags": "、".join(sorted(t.name for t in dataset.tags.all())),
        "groups": list(dataset.groups.all()),
        "update_frequency": dataset.update_frequency,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "spatial": dataset.spatial,
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "version": dataset.version,
    }
    form = DatasetForm(request.POST or None, initial=initial, municipality=municipality)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                dataset = services.dataset_patch(
                    municipality=municipality,
                    actor=request.user,
                    dataset=dataset,
                    expected_version=form.cleaned_data.get("version"),
                    **form.values(),
                )
            except KanminError as exc:
                exc.add_to_form(form)
                status = exc.status if exc.status == 409 else 422
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    tenant_reverse("catalog:dataset_detail", municipality, {"name": dataset.name})
                )
        else:
            status = 422
    return render(
        request,
        "catalog/dataset_form.html",
        {
            "municipality": municipality,
            "form": form,
            "dataset": dataset,
            "creating": False,
            "can_publish": allowed(request.user, "catalog.publish_dataset", dataset),
            "can_delete": allowed(request.user, "catalog.delete_dataset", dataset),
            "file_name_rule": _file_name_rule(municipality, dataset.standard_dataset),
        },
        status=status,
    )


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest, name: str) -> HttpResponse:
    """Add a file or a link to a dataset; a tabular file is then checked in the background."""
    municipality = request.municipality  # type: ignore[attr-defined]
    refused = _too_large(request)
    if refused is not None:
        return refused
    try:
        dataset = selectors.dataset_for_edit(municipality=municipality, id_or_name=name)
    except NotFound:
        raise Http404 from None
    if not allowed(request.user, "catalog.add_resource", dataset):
        return render(request, "403.html", status=403)
    form = ResourceForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("upload")
            values = {k: v for k, v in data.items() if v}
            try:
                resource = services.resource_create(
                    municipality=municipality,
                    actor=request.user,
                    dataset=dataset,
                    upload=upload,
                    **values,
                )
            except KanminError as exc:
                exc.add_to_form(form)
            else:
                return redirect(
                    tenant_reverse(
                        "catalog:resource_detail",
                        municipality,
                        {"name": dataset.name, "resource_id": resource.pk},
                    )
                )
        status = 422
    return render(
        request,
        "catalog/resource_form.html",
        {
            "municipality": municipality,
            "dataset": dataset,
            "form": form,
            "file_name_rule": _file_name_rule(municipality, dataset.standard_dataset),
            "limit": uploads.upload_limit(),
        },
        status=status,
    )


def _resource_for(request: HttpRequest, name: str, resource_id: UUID) -> Any:
    resource = _visible_resource(request, resource_id)
    if resource.dataset.name != name:
        raise PageNotFound(what="resource", name=str(resource_id))
    return resource


def _download_url(municipality: Any, resource: Any) -> str:
    if not resource.is_upload:
        return str(resource.url)
    return tenant_reverse(
        "catalog:resource_download",
        municipality,
        {
            "dataset_id": resource.dataset_id,
            "resource_id": resource.pk,
            "filename": resource.filename,
        },
    )


@tenant_view
@require_http_methods(["GET", "POST"])
def resource_detail(request: HttpRequest, name: str, resource_id: UUID) -> HttpResponse:
    """A file's page: download, its check by the standards engine and its quality; staff can
    check it again or make a corrected copy."""
    municipality = request.municipality  # type: ignore[attr-defined]
    resource = _resource_for(request, name, resource_id)
    can_change = allowed(request.user, "catalog.change_resource", resource)
    if request.method == "POST":
        if not can_change:
            return render(request, "403.html", status=403)
        action = request.POST.get("action")
        here = request.path
        try:
            if action == "validate":
                services.resource_validate(
                    municipality=municipality, actor=request.user, resource=resource
                )
                messages.success(request, _("The file will be checked again."))
            elif action == "repair":
                copy = services.resource_repair(
                    municipality=municipality, actor=request.user, resource=resource
                )
                messages.success(request, _("A corrected copy was made. The original is kept."))
                here = tenant_reverse(
                    "catalog:resource_detail",
                    municipality,
                    {"name": name, "resource_id": copy.pk},
                )
            elif action == "delete":
                services.resource_delete(
                    municipality=municipality, actor=request.user, resource=resource
                )
                messages.success(request, _("The file was removed."))
                here = tenant_reverse("catalog:dataset_detail", municipality, {"name": name})
        except KanminError as exc:
            messages.error(request, str(exc.message))
        return redirect(here)
    validation = selectors.validation_latest(resource=resource)
    findings = selectors.validation_findings(validation, _lang()) if validation else []
    return render(
        request,
        "catalog/resource_detail.html",
        {
            "municipality": municipality,
            "dataset": resource.dataset,
            "resource": resource,
            "download_url": _download_url(municipality, resource),
            "validation": validation,
            "errors": [f for f in findings if f.severity == "error"],
            "warnings": [f for f in findings if f.severity != "error"],
            "can_change": can_change,
            "can_repair": can_change and resource.is_tabular,
            "status_url": tenant_reverse(
                "catalog:validation_status",
                municipality,
                {"name": name, "resource_id": resource.pk, "validation_id": validation.pk},
            )
            if validation is not None and not validation.finished_work
            else "",
            "log_url": tenant_reverse(
                "catalog:repair_log",
                municipality,
                {"dataset_id": resource.dataset_id, "resource_id": resource.pk},
            )
            if resource.repair_log
            else "",
        },
    )


@tenant_view
def validation_status(
    request: HttpRequest, name: str, resource_id: UUID, validation_id: UUID
) -> JsonResponse:
    """A check's progress, for the page to follow while it runs."""
    resource = _resource_for(request, name, resource_id)
    try:
        validation = selectors.validation_get(resource=resource, id=str(validation_id))
    except NotFound:
        raise Http404 from None
    return JsonResponse(
        {
            "status": validation.status,
            "status_display": str(validation.get_status_display()),
            "percent": validation.percent,
            "rows_done": validation.rows_done,
            "finished": validation.finished_work,
        }
    )


@tenant_view  # type: ignore[arg-type]  # a streamed file, not an HttpResponse
def repair_log(request: HttpRequest, dataset_id: UUID, resource_id: UUID) -> HttpResponseBase:
    """The change log of a corrected copy (row, column, before, after, rule)."""
    resource = _visible_resource(request, resource_id)
    if resource.dataset_id != dataset_id or not resource.repair_log:
        raise Http404
    filename = resource.repair_log.name.rsplit("/", 1)[-1]
    return FileResponse(resource.repair_log.open("rb"), as_attachment=True, filename=filename)


# --------------------------------------------------------------------------------------------
# DCAT for harvesters: catalog.<fmt> and dataset/<name>.<fmt> (fmt: ttl, jsonld, rdf)
# --------------------------------------------------------------------------------------------


def _rdf_response(graph: Graph, fmt: str) -> HttpResponse:
    return HttpResponse(dcat.serialize(graph, fmt), content_type=dcat.FORMATS[fmt].content_type)


@tenant_view
def dcat_catalog(request: HttpRequest, fmt: str) -> HttpResponse:
    """The catalog's published datasets as DCAT, one page (``?page=``) at a time, optionally
    only those modified at or after ``?modified_since=``. All municipalities at the root."""
    if fmt not in dcat.FORMATS:
        raise Http404
    try:
        page = dcat.parse_page(request.GET.get("page"))
        since = dcat.parse_modified_since(request.GET.get("modified_since"))
    except Invalid as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    result = dcat.catalog_page(
        municipality=request.municipality,  # type: ignore[attr-defined]
        viewer=request.user,
        page=page,
        modified_since=since,
    )
    return _rdf_response(dcat.catalog_graph(request, result), fmt)


def standard_schema(request: HttpRequest, slug: str) -> HttpResponse:
    """A national standard data set (自治体標準オープンデータセット) as a Frictionless Table
    Schema, with its sources and confidence grade: what a conforming file must look like."""
    from kanmin.standards.schemas import SchemaError, get_schema

    try:
        schema = get_schema(slug)
    except SchemaError:
        raise Http404 from None
    response = HttpResponse(
        json.dumps(schema.to_descriptor(), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@tenant_view
def dcat_dataset(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One dataset as DCAT; who may see it is as on its page (staff also see their drafts)."""
    if fmt not in dcat.FORMATS:
        raise Http404
    try:
        dataset = selectors.dataset_get(
            municipality=request.municipality,  # type: ignore[attr-defined]
            viewer=request.user,
            id_or_name=name,
        )
    except NotFound:
        raise Http404 from None
    return _rdf_response(dcat.dataset_graph(request, dataset), fmt)
