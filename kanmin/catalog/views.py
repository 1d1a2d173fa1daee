"""Portal pages of the catalog. Thin: selectors read, services write."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from kanmin.catalog import licenses, selectors
from kanmin.catalog.search import QueryError
from kanmin.core.errors import NotFound
from kanmin.core.tenancy import single_tenant_code, tenant_reverse, tenant_view


@tenant_view  # type: ignore[arg-type]  # a streamed file, not an HttpResponse
def resource_download(
    request: HttpRequest, dataset_id: UUID, resource_id: UUID, filename: str
) -> HttpResponseBase:
    """An uploaded file, for anyone who may see its dataset."""
    try:
        resource = selectors.resource_get(
            municipality=request.municipality,  # type: ignore[attr-defined]
            viewer=request.user,
            id=str(resource_id),
        )
    except NotFound:
        raise Http404 from None
    if resource.dataset_id != dataset_id or not resource.file or resource.filename != filename:
        raise Http404
    return FileResponse(resource.file.open("rb"), as_attachment=True, filename=filename)


FACETS = (
    ("organization", _("Organization")),
    ("groups", _("Category")),
    ("tags", _("Tag")),
    ("res_format", _("Format")),
    ("license_id", _("License")),
    ("standard_dataset", _("Standard data set")),
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
        result = selectors.SearchResult(count=0, datasets=[], sort=sort)
    facets = []
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
            items.append({"item": item, "active": active, "query": params.urlencode()})
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
    except NotFound:
        raise Http404 from None
    resources = []
    for resource in sorted(dataset.resources.all(), key=lambda r: (r.position, r.created)):
        url = resource.url
        if resource.is_upload:
            url = tenant_reverse(
                "catalog:resource_download",
                municipality,
                {
                    "dataset_id": dataset.pk,
                    "resource_id": resource.pk,
                    "filename": resource.filename,
                },
            )
        resources.append({"resource": resource, "url": url})
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
            "api_url": tenant_reverse(
                "ckan:action_v3" if single_tenant_code() else "ckan_tenant:action_v3",
                municipality,
                {"action": "package_show"},
            )
            + f"?id={dataset.name}",
        },
    )
