"""Portal pages of the catalog. Thin: selectors read, services write."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods
from rdflib import Graph

from kanmin.audit.services import access_record
from kanmin.catalog import (
    dcat,
    filetypes,
    licenses,
    open_data_list,
    selectors,
    services,
    uploads,
)
from kanmin.catalog.analysis import selectors as analysis_selectors
from kanmin.catalog.forms import DatasetForm, ResourceForm, StartFromStandardForm
from kanmin.catalog.harvest import selectors as harvest_selectors
from kanmin.catalog.models import DatasetState, HitKind
from kanmin.catalog.search import QueryError, SearchResult, dataset_search
from kanmin.core.errors import Invalid, KanminError, NotFound, PageNotFound
from kanmin.core.forms import submit
from kanmin.core.language import has_japanese, mark_japanese, page_is_japanese
from kanmin.core.permissions import allowed
from kanmin.core.spreadsheet import safe_cell
from kanmin.core.tenancy import single_tenant_code, staff_view, tenant_reverse, tenant_view
from kanmin.standards import ERROR_CAP, PASS_MARK, schema_label


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
    _audit_non_public_read(request, resource, "catalog.resource.download", filename=filename)
    return FileResponse(resource.file.open("rb"), as_attachment=True, filename=filename)


def _audit_non_public_read(request: HttpRequest, obj: Any, action: str, **extra: Any) -> None:
    """Staff reading a file or the metadata of a dataset that is not published leave an entry
    in the audit log (a published one is anyone's to read)."""
    dataset = getattr(obj, "dataset", obj)
    if dataset.is_public:
        return
    access_record(
        actor=request.user,
        municipality=dataset.municipality,
        action=action,
        target=obj,
        extra={"dataset": dataset.name, "state": dataset.state, **extra},
    )


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
        result = dataset_search(
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
        result = SearchResult(count=0, ids=[], sort=sort)
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
            if name == "standard_dataset":  # a human name, never the slug
                display = schema_label(item.name, _lang())
                english = schema_label(item.name, "en")
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
            "datasets": selectors.datasets_in_order(result.ids),
            "facets": facets,
            "active_filters": sum(len([v for v in values if v]) for values in selected.values()),
            "error": error,
            "page": page,
            "has_next": page * PAGE_SIZE < result.count,
            "base_query": base.urlencode(),
            "can_add_dataset": request.user.is_authenticated
            and allowed(request.user, "catalog.add_dataset", municipality),
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
            "made_here": resource.is_served_here,
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
            "preview": selectors.registered_preview(dataset=dataset),
            # Cross-dataset analysis (issue 17): where a derived dataset comes from.
            "provenance": analysis_selectors.provenance_of(dataset=dataset, viewer=request.user),
            # Harvesting (issue 18): the catalog the dataset was imported from.
            "origin": harvest_selectors.dataset_origin(dataset=dataset),
            "kept_by_app": dataset.is_kept_by_app,
            "app_installed": selectors.dataset_provider(dataset=dataset) is not None,
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
    """Refuse an upload larger than the limit before its body is read (the middleware does
    it first when it is installed; this covers a deployment whose MIDDLEWARE lacks it)."""
    limit = uploads.upload_limit()
    if request.method == "POST" and filetypes.body_too_large(request.META, limit):
        return uploads.refused_response(request, filetypes.declared_size(request.META))
    return None


def _prefill_from_standard(municipality: Any, slug: str) -> dict[str, Any]:
    from kanmin.standards import SchemaError, get_schema

    try:
        schema = get_schema(slug)
    except SchemaError:
        return {}
    return {
        "standard_dataset": slug,
        "title_ja": schema.japanese_name,
        "title_en": schema.title,
        # The file-name rule's stem (452025_aed), or the first free name after it.
        "name": selectors.dataset_free_name(
            municipality=municipality, base=f"{municipality.lg_code}_{slug.split('/')[-1]}"
        ),
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


@staff_view("catalog.add_dataset", methods=["GET", "POST"])
def dataset_new(request: HttpRequest) -> HttpResponse:
    """A new dataset, blank or started from a national standard data set."""
    municipality = request.municipality  # type: ignore[attr-defined]
    standard = request.GET.get("standard", "")
    initial = _prefill_from_standard(municipality, standard) if standard else {}
    own = selectors.organization_of(municipality=municipality, user=request.user)
    if own is not None:
        initial["organization"] = own
    start_form = StartFromStandardForm(initial={"standard": standard})
    form = DatasetForm(request.POST or None, initial=initial, municipality=municipality)
    status = 200
    if request.method == "POST":
        dataset = submit(
            form,
            lambda: services.dataset_create(
                municipality=municipality, actor=request.user, **form.values()
            ),
        )
        if dataset is not None:
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


def _refused(request: HttpRequest, municipality: Any, dataset: Any) -> HttpResponse:
    """Refuse a staff page of a dataset: 403 only to someone who may see the dataset, else the
    same 404 as for a name that does not exist (a private name must not be confirmed)."""
    visible = selectors.dataset_list(municipality=municipality, viewer=request.user)
    if not visible.filter(pk=dataset.pk).exists():
        raise Http404
    return render(request, "403.html", status=403)


@staff_view("catalog.change_dataset")
def dataset_unpublished(request: HttpRequest) -> HttpResponse:
    """The staff's list of datasets not public yet (drafts first of all), their own first."""
    municipality = request.municipality  # type: ignore[attr-defined]
    return render(
        request,
        "catalog/dataset_unpublished.html",
        {
            "municipality": municipality,
            "datasets": selectors.dataset_unpublished_list(
                municipality=municipality, viewer=request.user
            ),
            "can_add_dataset": allowed(request.user, "catalog.add_dataset", municipality),
        },
    )


# The state changes a steward can make, each with what it does to visitors, search, the
# APIs and the dataset's address (shown beside its button).
STATE_OPTIONS = (
    (
        "publish",
        DatasetState.PUBLISHED,
        _("Publish"),
        _(
            "Everyone can see it: it is found by the catalog search, listed by the APIs "
            "(CKAN, REST, DCAT) and in the open data list, and its address opens for anyone."
        ),
    ),
    (
        "make_private",
        DatasetState.PRIVATE,
        _("Make private"),
        _(
            "Finished, but for the municipality's staff only: visitors, search, the public APIs "
            "and the open data list leave it out, and its address answers “not found” to them. "
            "Staff and the municipality's API tokens still see it."
        ),
    ),
    (
        "withdraw",
        DatasetState.WITHDRAWN,
        _("Withdraw"),
        _(
            "Take a published dataset down (公開停止), e.g. when its data turned out wrong: "
            "visitors, search, the APIs and the open data list no longer show it and its address "
            "answers “not found”. The history records that it was withdrawn; publish it again "
            "when it is fixed."
        ),
    ),
    (
        "draft",
        DatasetState.DRAFT,
        _("Back to draft"),
        _(
            "Work on it again as a draft: hidden from visitors, search and the APIs like a "
            "private dataset, and listed among the drafts on the staff pages. Not needed to "
            "edit it: a published dataset can be edited while it stays public."
        ),
    ),
)
STATE_NOW: dict[str, Any] = {
    DatasetState.DRAFT: _("Only staff see it; it is being prepared."),
    DatasetState.PUBLISHED: _("Everyone can see, search and download it."),
    DatasetState.PRIVATE: _("Only the municipality's staff see it."),
    DatasetState.WITHDRAWN: _("It was taken down: only the municipality's staff see it."),
}


def _state_options(dataset: Any) -> list[dict[str, Any]]:
    """The state changes offered for the dataset's present state."""
    offered = []
    for action, state, label, text in STATE_OPTIONS:
        if state == dataset.state:
            continue
        if action == "withdraw" and dataset.state != DatasetState.PUBLISHED:
            continue  # only what is public can be taken down
        offered.append({"action": action, "label": label, "text": text})
    return offered


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
        return _refused(request, municipality, dataset)
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
    form = DatasetForm(
        request.POST or None,
        initial=initial,
        municipality=municipality,
        kept_by_app=selectors.dataset_provider(dataset=dataset) is not None,
    )
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
            "state_options": _state_options(dataset),
            "state_now": STATE_NOW.get(dataset.state, ""),
            "can_delete": allowed(request.user, "catalog.delete_dataset", dataset),
            "file_name_rule": _file_name_rule(municipality, dataset.standard_dataset),
        },
        status=status,
    )


@uploads.refuses_large_bodies
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
        return _refused(request, municipality, dataset)
    form = ResourceForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":

        def create() -> Any:
            data = dict(form.cleaned_data)
            upload = data.pop("upload")
            values = {k: v for k, v in data.items() if v}
            return services.resource_create(
                municipality=municipality,
                actor=request.user,
                dataset=dataset,
                upload=upload,
                **values,
            )

        resource = submit(form, create)
        if resource is not None:
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
                messages.success(
                    request,
                    _(
                        "A corrected copy was made with %(count)s changes. The original is "
                        "kept as it is: choose below whether the copy replaces it."
                    )
                    % {"count": copy.repair_changes or 0},
                )
                here = tenant_reverse(
                    "catalog:resource_detail",
                    municipality,
                    {"name": name, "resource_id": copy.pk},
                )
            elif action == "replace_original":
                original = services.resource_replace_with_copy(
                    municipality=municipality, actor=request.user, copy=resource
                )
                messages.success(
                    request,
                    _(
                        "The corrected file now takes the original's place. The file as it "
                        "was uploaded is kept in this file's history, for staff only."
                    ),
                )
                here = tenant_reverse(
                    "catalog:resource_detail",
                    municipality,
                    {"name": name, "resource_id": original.pk},
                )
            elif action == "keep_both":
                services.resource_keep_both(
                    municipality=municipality, actor=request.user, copy=resource
                )
                messages.success(request, _("Both files stay public, side by side."))
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
    groups = selectors.validation_groups(validation, _lang()) if validation else []
    separator = ", " if _lang() == "en" else "、"
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
            "findings": findings,
            "groups": [
                {
                    "group": g,
                    "columns": separator.join(g.columns),
                    "rows": ", ".join(str(r) for r in g.rows),
                }
                for g in groups
            ],
            "error_cap": ERROR_CAP,
            "pass_mark": PASS_MARK,
            "findings_csv_url": tenant_reverse(
                "catalog:validation_findings_csv",
                municipality,
                {"name": name, "resource_id": resource.pk, "validation_id": validation.pk},
            )
            if validation is not None and validation.finished_work and findings
            else "",
            "can_change": can_change,
            "can_repair": can_change and resource.is_tabular,
            "copies": [
                {
                    "resource": copy,
                    "url": tenant_reverse(
                        "catalog:resource_detail",
                        municipality,
                        {"name": name, "resource_id": copy.pk},
                    ),
                }
                for copy in resource.repairs.all()
            ]
            if can_change
            else [],
            "offer_replace": can_change
            and resource.repaired_from_id is not None
            and not resource.kept_with_original,
            "revisions": list(selectors.resource_revision_list(resource=resource))
            if can_change
            else [],
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
            **_preview_context(request, resource),
            "map_preview": _map_preview(municipality, name, resource),  # mapview (issue 17)
        },
    )


# --- map preview (issue 17) --------------------------------------------------------------------


def _map_preview(municipality: Any, name: str, resource: Any) -> dict[str, Any] | None:
    """What ``catalog/_preview_map.html`` shows: the places of the resource's table or
    GeoJSON file (the list, server-side) and where the map reads them; None without any."""
    found = selectors.resource_points(resource=resource)
    if found is None or not found.total:
        return None
    return {
        "points": found,
        "points_url": tenant_reverse(
            "catalog:resource_points", municipality, {"name": name, "resource_id": resource.pk}
        ),
        "tile_url": settings.KANMIN_MAP_TILE_URL,
        "attribution": settings.KANMIN_MAP_ATTRIBUTION,
    }


@tenant_view
def resource_points(request: HttpRequest, name: str, resource_id: UUID) -> HttpResponse:
    """The places of a resource's table (or GeoJSON file) as GeoJSON, for its map (at most
    ``points.POINTS_MAX``; ``total`` and ``capped`` say whether there are more)."""
    from kanmin.catalog.datastore.points import feature_collection

    resource = _resource_for(request, name, resource_id)
    found = selectors.resource_points(resource=resource)
    if found is None:
        raise PageNotFound(what="resource", name=str(resource_id))
    return HttpResponse(
        json.dumps(feature_collection(found), ensure_ascii=False),
        content_type="application/geo+json",
    )


@tenant_view  # type: ignore[arg-type]  # a streamed file, not an HttpResponse
@login_required
def resource_revision_download(
    request: HttpRequest, name: str, resource_id: UUID, revision_id: UUID, filename: str
) -> HttpResponseBase:
    """An earlier file of a resource (e.g. the upload a corrected copy replaced): staff only."""
    resource = _resource_for(request, name, resource_id)
    if not allowed(request.user, "catalog.change_resource", resource):
        return render(request, "403.html", status=403)
    try:
        revision = selectors.resource_revision_get(resource=resource, id=str(revision_id))
    except NotFound:
        raise Http404 from None
    if not revision.file or revision.filename != filename:
        raise Http404
    # An earlier file is never public, whatever the dataset's state: every download is audited.
    access_record(
        actor=request.user,
        municipality=resource.municipality,
        action="catalog.resource.download",
        target=resource,
        extra={
            "dataset": resource.dataset.name,
            "state": resource.dataset.state,
            "filename": filename,
            "revision": str(revision.pk),
        },
    )
    return FileResponse(revision.file.open("rb"), as_attachment=True, filename=filename)


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


class _Echo:
    """A file-like object whose write returns the line, for csv.writer into a stream."""

    def write(self, value: str) -> str:
        return value


@tenant_view  # type: ignore[arg-type]  # a streamed file, not an HttpResponse
def validation_findings_csv(
    request: HttpRequest, name: str, resource_id: UUID, validation_id: UUID
) -> HttpResponseBase:
    """Every finding of a check as CSV (UTF-8 with BOM, so that Excel opens it), messages in
    the reader's language; for whoever may see the file (staff only for datasets that are not
    public)."""
    resource = _resource_for(request, name, resource_id)
    try:
        validation = selectors.validation_get(resource=resource, id=str(validation_id))
    except NotFound:
        raise Http404 from None
    lang = _lang()
    geojson = validation.schema == "geojson"
    kinds = {"error": str(_("Error")), "warning": str(_("Warning"))}
    header = [
        str(_("Kind")),
        str(_("Feature")) if geojson else str(_("Row")),
        str(_("Place in the feature")) if geojson else str(_("Column")),
        str(_("Value")),
        str(_("Rule")),
        str(_("What to do")),
    ]

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(header)
        for f in selectors.validation_findings_all(validation, lang):
            yield writer.writerow(
                [
                    kinds.get(f.severity, f.severity),
                    "" if f.row is None else f.row,
                    safe_cell(f.column or ""),
                    safe_cell(f.value or ""),
                    f.code,
                    safe_cell(f.message),
                ]
            )

    stem = resource.filename.rsplit(".", 1)[0] if resource.filename else "resource"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=f"{stem}_findings.csv") or ""
    )
    return response


@tenant_view  # type: ignore[arg-type]  # a streamed file, not an HttpResponse
def repair_log(request: HttpRequest, dataset_id: UUID, resource_id: UUID) -> HttpResponseBase:
    """The change log of a corrected copy (row, column, before, after, rule)."""
    resource = _visible_resource(request, resource_id)
    if resource.dataset_id != dataset_id or not resource.repair_log:
        raise Http404
    filename = resource.repair_log.name.rsplit("/", 1)[-1]
    _audit_non_public_read(request, resource, "catalog.resource.download", filename=filename)
    return FileResponse(resource.repair_log.open("rb"), as_attachment=True, filename=filename)


# --------------------------------------------------------------------------------------------
# DCAT for harvesters: catalog.<fmt> and dataset/<name>.<fmt> (fmt: ttl, jsonld, rdf)
# --------------------------------------------------------------------------------------------


def _rdf_response(graph: Graph, fmt: str) -> HttpResponse:
    return HttpResponse(dcat.serialize(graph, fmt), content_type=dcat.FORMATS[fmt].content_type)


@tenant_view
def dcat_catalog(request: HttpRequest, fmt: str) -> HttpResponse:
    """The catalog's published datasets as DCAT, one page (``?page=``) at a time, optionally
    only those modified at or after ``?modified_since=`` and matching ``?q=``/``?fq=`` (the
    package_search syntax). All municipalities at the root."""
    if fmt not in dcat.FORMATS:
        raise Http404
    try:
        page = dcat.parse_page(request.GET.get("page"))
        since = dcat.parse_modified_since(request.GET.get("modified_since"))
    except Invalid as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    try:
        result = dcat.catalog_page(
            municipality=request.municipality,  # type: ignore[attr-defined]
            viewer=request.user,
            page=page,
            modified_since=since,
            q=request.GET.get("q", ""),
            fq=request.GET.get("fq", ""),
        )
    except QueryError as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    return _rdf_response(dcat.catalog_graph(request, result), fmt)


def standard_schema(request: HttpRequest, slug: str) -> HttpResponse:
    """A national standard data set (自治体標準オープンデータセット) as a Frictionless Table
    Schema, with its sources and confidence grade: what a conforming file must look like."""
    from kanmin.standards import SchemaError, get_schema

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
    _audit_non_public_read(request, dataset, "catalog.dataset.export", format=fmt)
    return _rdf_response(dcat.dataset_graph(request, dataset), fmt)


# --------------------------------------------------------------------------------------------
# Previews of a resource's DataStore table (issue 17): a table on the resource's page, a chart
# builder and its embeddable chart. Everything is in the GET parameters: links work, and the
# pages work without JavaScript.
# --------------------------------------------------------------------------------------------


def _preview_context(request: HttpRequest, resource: Any) -> dict[str, Any]:
    """The resource page's table preview and the chart builder's first form, when the
    resource has a DataStore table (else nothing)."""
    # Lazily: previews bring matplotlib, DuckDB and Arrow (~100 MB), which the task
    # worker (it loads the URLs) must not carry.
    from kanmin.catalog import previews

    table = selectors.datastore_table(resource=resource)
    if table is None:
        return {}
    load = previews.load_state(table)
    context: dict[str, Any] = {"preview_load": load}
    if load["state"] == "ready":
        context["preview"] = previews.table_preview(
            request=request, resource=resource, table=table, params=request.GET
        )
        context["chart_form"] = previews.chart_form(table, QueryDict())
        context["chart_url"] = _chart_url(request, resource, "catalog:resource_chart")
    return context


@tenant_view  # type: ignore[arg-type]  # a streamed file, not an HttpResponse
def resource_rows_csv(request: HttpRequest, name: str, resource_id: UUID) -> HttpResponseBase:
    """Every row of a resource's table that the preview's search and filters match, in its
    order, as CSV (UTF-8 with BOM, so that Excel opens it). A parameter that cannot be used
    sends the reader back to the preview, which says why."""
    from kanmin.catalog import previews

    resource = _resource_for(request, name, resource_id)
    table = selectors.datastore_table(resource=resource)
    if table is None or previews.load_state(table)["state"] != "ready":
        raise PageNotFound(
            _("This file has no table ready to download rows from."),
            what="resource",
            name=str(resource_id),
        )
    try:
        names, rows = previews.rows_download(
            request=request, resource=resource, table=table, params=request.GET
        )
    except Invalid:
        back = _chart_url(request, resource, "catalog:resource_detail", request.GET.urlencode())
        return redirect(back + "#preview-table")

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo(), lineterminator="\r\n")
        yield "\ufeff" + writer.writerow([safe_cell(n) for n in names])
        for row in rows:
            yield writer.writerow(["" if v is None else safe_cell(v) for v in row])

    stem = resource.filename.rsplit(".", 1)[0] if resource.filename else str(resource.pk)
    filtered = "_rows" if request.GET.get("q") or request.GET.get("value") else ""
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=f"{stem}{filtered}.csv") or ""
    )
    return response


def _chart_url(request: HttpRequest, resource: Any, view: str, query: str = "") -> str:
    url = tenant_reverse(
        view,
        request.municipality,  # type: ignore[attr-defined]
        {"name": resource.dataset.name, "resource_id": resource.pk},
    )
    return f"{url}?{query}" if query else url


def _chart_context(request: HttpRequest, name: str, resource_id: UUID) -> dict[str, Any]:
    """The chart page's and the embed page's context: the form, and the chart when the form
    is valid (its errors otherwise)."""
    # Lazily: previews bring matplotlib, DuckDB and Arrow (~100 MB), which the task
    # worker (it loads the URLs) must not carry.
    from kanmin.catalog import previews

    resource = _resource_for(request, name, resource_id)
    context: dict[str, Any] = {
        "municipality": request.municipality,  # type: ignore[attr-defined]
        "dataset": resource.dataset,
        "resource": resource,
        "resource_name": mark_japanese(str(resource)),
        "resource_url": _chart_url(request, resource, "catalog:resource_detail"),
    }
    table = selectors.datastore_table(resource=resource)
    if table is None:
        raise PageNotFound(
            _("This file has no table to chart: only checked tables are loaded."),
            what="resource",
            name=str(resource_id),
        )
    load = previews.load_state(table)
    context["preview_load"] = load
    if load["state"] != "ready":
        return context
    form = previews.chart_form(table, request.GET)
    context["form"] = form
    if not form.is_bound or not form.is_valid():
        return context
    try:
        chart = previews.chart(request=request, resource=resource, table=table, form=form)
    except KanminError as exc:
        context["chart_errors"] = previews.error_messages(exc)
        return context
    query = previews.chart_query(form)
    embed_url = request.build_absolute_uri(
        _chart_url(request, resource, "catalog:resource_chart_embed", query)
    )
    context.update(
        {
            "chart": chart,
            "svg_url": _chart_url(request, resource, "catalog:resource_chart_svg", query),
            "page_url": request.build_absolute_uri(
                _chart_url(request, resource, "catalog:resource_chart", query)
            ),
            "embed_url": embed_url,
        }
    )
    return context


@tenant_view
@require_http_methods(["GET"])
def resource_chart(request: HttpRequest, name: str, resource_id: UUID) -> HttpResponse:
    """The chart builder: pick the kind, the columns and how rows combine; the chart, its
    figures as a table, its link and the code that embeds it elsewhere."""
    context = _chart_context(request, name, resource_id)
    status = 200 if "form" not in context or not context["form"].errors else 400
    return render(request, "catalog/resource_chart.html", context, status=status)


@tenant_view  # type: ignore[arg-type]  # django-csp's decorator types a one-argument view
@require_http_methods(["GET"])
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type]
def resource_chart_embed(request: HttpRequest, name: str, resource_id: UUID) -> HttpResponse:
    """The chart alone, for other sites to show in an iframe: the only page that may be
    framed (no X-Frame-Options, CSP frame-ancestors *)."""
    context = _chart_context(request, name, resource_id)
    status = 200 if "form" not in context or not context["form"].errors else 400
    return render(request, "catalog/resource_chart_embed.html", context, status=status)


@tenant_view
@require_http_methods(["GET"])
def resource_chart_svg(request: HttpRequest, name: str, resource_id: UUID) -> HttpResponse:
    """The chart as an SVG image (with its title and description inside)."""
    context = _chart_context(request, name, resource_id)
    chart = context.get("chart")
    if chart is None:
        return HttpResponse(
            str(_("This chart cannot be drawn: open its page to see why.")),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(chart.svg(), content_type="image/svg+xml")
