"""The catalog's REST API under /api/v1/m/{lg_code}/catalog/: what CKAN's Action API does not
cover — file checks (validation reports), quality and corrected copies.

Two routers, so that ``kanmin/api.py`` gives them different authentication: ``public_router``
(reads) lets anyone in and shows staff more, ``router`` (writes) needs an API token of that
municipality or a signed-in session. Thin: selectors read, services write; errors are the
``KanminError`` the REST API maps to 422/404/403/409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kanmin.accounts import selectors as accounts_selectors
from kanmin.catalog import quality, search, selectors, services
from kanmin.catalog.activity import activity_label
from kanmin.catalog.models import Dataset, Resource, Validation, ValidationStatus
from kanmin.catalog.schemas import (
    ActivityOut,
    DatasetListItemOut,
    DatasetListOut,
    DatasetOut,
    FindingOut,
    Lang,
    OrganizationRef,
    QualityBand,
    ResourceOut,
    ResourceSummaryOut,
    ValidationOut,
)
from kanmin.core import selectors as core_selectors
from kanmin.core.errors import NotFound, PermissionDenied
from kanmin.core.models import Municipality
from kanmin.core.permissions import allowed
from kanmin.core.schemas import ErrorOut
from kanmin.core.tenancy import tenant_reverse

public_router = Router(tags=["catalog"])
router = Router(tags=["catalog"])

T = TypeVar("T")

PREFIX = "/m/{lg_code}/catalog"
# An offset beyond this is no page at all (and SQLite answered one past 64 bits with a 500).
MAX_OFFSET = 1_000_000_000
READ_ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


# --------------------------------------------------------------------------------------------
# Helpers: who is asking, and the shapes of the answers
# --------------------------------------------------------------------------------------------


def _token_municipality(request: HttpRequest) -> Municipality | None:
    """The municipality of the API token the request came with (None for a session)."""
    return accounts_selectors.token_municipality(auth=getattr(request, "auth", None))


def _lang(requested: str | None) -> str:
    if requested in ("ja", "en"):
        return requested
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _is_staff(request: HttpRequest, obj: Any) -> bool:
    user = request.user
    return bool(user.is_authenticated and allowed(user, "catalog.change_dataset", obj))


def _org(dataset: Dataset) -> OrganizationRef:
    org = dataset.organization
    return OrganizationRef(name=org.name, title_ja=org.title_ja, title_en=org.title_en)


def _sorted_resources(dataset: Dataset) -> list[Resource]:
    return sorted(dataset.resources.all(), key=lambda r: (r.position, r.created))


def _resource_out(request: HttpRequest, municipality: Municipality, r: Resource) -> ResourceOut:
    if r.is_upload:
        download = request.build_absolute_uri(
            tenant_reverse(
                "catalog:resource_download",
                municipality,
                {"dataset_id": r.dataset_id, "resource_id": r.pk, "filename": r.filename},
            )
        )
    elif r.is_served_here:  # a table a Kanmin app offers
        download = request.build_absolute_uri(r.url)
    else:
        download = str(r.url)
    log_url = ""
    if r.repair_log:
        log_url = request.build_absolute_uri(
            tenant_reverse(
                "catalog:repair_log",
                municipality,
                {"dataset_id": r.dataset_id, "resource_id": r.pk},
            )
        )
    return ResourceOut(
        id=r.pk,
        dataset_id=r.dataset_id,
        name=r.name or r.filename,
        description=r.description,
        format=r.format,
        mimetype=r.mimetype,
        size=r.size,
        position=r.position,
        is_upload=r.is_upload,
        is_tabular=r.is_tabular,
        download_url=download,
        quality_score=r.quality_score,
        stars=r.stars,
        repaired_from=r.repaired_from_id,
        repair_log_url=log_url,
        created=r.created,
        modified=r.modified,
    )


def _failure_message(v: Validation, lang: str) -> str:
    if v.status != ValidationStatus.FAILED:
        return ""
    with translation.override(lang):
        return v.failure_message


def _validation_out(request: HttpRequest, v: Validation, lang: str) -> ValidationOut:
    return ValidationOut(
        id=v.pk,
        resource_id=v.resource_id,
        status=v.status,
        status_display=str(v.get_status_display()),
        finished=v.finished_work,
        failure_reason=v.failure_reason,
        failure_message=_failure_message(v, lang),
        percent=v.percent,
        rows_done=v.rows_done,
        bytes_done=v.bytes_done,
        bytes_total=v.bytes_total,
        requested_schema=v.requested_schema,
        schema_found=v.schema,
        encoding=v.encoding,
        rows=v.rows,
        valid=v.valid,
        error_count=v.error_count,
        warning_count=v.warning_count,
        quality_score=v.quality_score,
        stars=v.stars,
        quality_breakdown={k: float(n) for k, n in (v.quality_breakdown or {}).items()},
        lang=lang,  # type: ignore[arg-type]
        findings=[
            FindingOut(
                severity=f.severity,
                code=f.code,
                row=f.row,
                column=f.column,
                value=None if f.value is None else str(f.value),
                message=f.message,
            )
            for f in selectors.validation_findings(v, lang)
        ],
        created=v.created,
        started=v.started,
        finished_at=v.finished,
    )


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


# --------------------------------------------------------------------------------------------
# Reads: anyone sees published datasets; staff of the municipality also their drafts
# --------------------------------------------------------------------------------------------


class DatasetFilters(Schema):
    q: str = Field("", description="Search words, or the query syntax of CKAN's q.")
    organization: str = Field("", description="Organization name.")
    tag: list[str] = Field(default_factory=list, description="Tag names (all must match).")
    standard_dataset: str = Field("", description="Slug of a national standard data set.")
    quality: QualityBand | None = Field(
        None, description="Quality band of the dataset's best file: high, good, low or none."
    )
    sort: str | None = Field(None, description='CKAN sort, e.g. "metadata_modified desc".')
    limit: int = Field(20, ge=0, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@public_router.get(
    PREFIX + "/datasets",
    response={200: DatasetListOut, **READ_ERRORS},
    operation_id="catalog_dataset_list",
)
def dataset_list(
    request: HttpRequest, lg_code: str, filters: Query[DatasetFilters]
) -> DatasetListOut:
    """Search a municipality's datasets. Anyone sees the published ones; staff of the
    municipality also its drafts, private and withdrawn ones."""
    municipality = core_selectors.municipality_get(lg_code=lg_code)
    fq = []
    if filters.organization:
        fq.append(f"organization:{_quoted(filters.organization)}")
    fq += [f"tags:{_quoted(tag)}" for tag in filters.tag if tag]
    if filters.standard_dataset:
        fq.append(f"standard_dataset:{_quoted(filters.standard_dataset)}")
    if filters.quality is not None:
        fq.append(f"quality:{filters.quality}")
    result = search.dataset_search(
        municipality=municipality,
        viewer=request.user,
        q=filters.q,
        fq=fq,
        sort=filters.sort,
        rows=filters.limit,
        start=filters.offset,
        include_private=True,
        include_drafts=True,
        staff_within=_token_municipality(request),
    )
    count, datasets = result.count, selectors.datasets_in_order(result.ids)
    items = [
        DatasetListItemOut(
            id=d.pk,
            name=d.name,
            title_ja=d.title_ja,
            title_en=d.title_en,
            state=d.state,
            organization=_org(d),
            standard_dataset=d.standard_dataset,
            quality_score=d.quality_score,
            stars=d.stars,
            quality_band=quality.band(d.quality_score),  # type: ignore[arg-type]
            modified=d.modified,
            resources=[
                ResourceSummaryOut(
                    id=r.pk,
                    name=r.name or r.filename,
                    format=r.format,
                    quality_score=r.quality_score,
                    stars=r.stars,
                )
                for r in _sorted_resources(d)
            ],
        )
        for d in datasets
    ]
    return DatasetListOut(count=count, limit=filters.limit, offset=filters.offset, items=items)


def _visible(
    request: HttpRequest, lg_code: str, get: Callable[..., T], **key: Any
) -> tuple[Municipality, T]:
    """The municipality, and the row ``get`` finds there by ``key`` if the request may see it
    (a staff token of the municipality sees its drafts too)."""
    municipality = core_selectors.municipality_get(lg_code=lg_code)
    row = get(
        municipality=municipality,
        viewer=request.user,
        staff_within=_token_municipality(request),
        **key,
    )
    return municipality, row


def _dataset(request: HttpRequest, lg_code: str, name: str) -> tuple[Municipality, Dataset]:
    return _visible(request, lg_code, selectors.dataset_get, id_or_name=name)


@public_router.get(
    PREFIX + "/datasets/{name}",
    response={200: DatasetOut, **READ_ERRORS},
    operation_id="catalog_dataset_get",
)
def dataset_get(request: HttpRequest, lg_code: str, name: str) -> DatasetOut:
    """A dataset's metadata and its files, with their quality and download addresses."""
    municipality, d = _dataset(request, lg_code, name)
    return DatasetOut(
        id=d.pk,
        name=d.name,
        title_ja=d.title_ja,
        title_en=d.title_en,
        notes_ja=d.notes_ja,
        notes_en=d.notes_en,
        state=d.state,
        organization=_org(d),
        license_id=d.license_id,
        tags=sorted(t.name for t in d.tags.all()),
        groups=sorted(g.name for g in d.groups.all()),
        update_frequency=d.update_frequency,
        contact_name=d.contact_name,
        contact_email=d.contact_email,
        spatial=d.spatial,
        temporal_start=d.temporal_start,
        temporal_end=d.temporal_end,
        standard_dataset=d.standard_dataset,
        version=d.version,
        quality_score=d.quality_score,
        stars=d.stars,
        quality_band=quality.band(d.quality_score),  # type: ignore[arg-type]
        page_url=request.build_absolute_uri(
            tenant_reverse("catalog:dataset_detail", municipality, {"name": d.name})
        ),
        created=d.created,
        modified=d.modified,
        resources=[_resource_out(request, municipality, r) for r in _sorted_resources(d)],
    )


@public_router.get(
    PREFIX + "/datasets/{name}/activity",
    response={200: list[ActivityOut], **READ_ERRORS},
    operation_id="catalog_dataset_activity",
)
def dataset_activity(
    request: HttpRequest, lg_code: str, name: str, limit: int = Query(50, ge=1, le=500)
) -> list[ActivityOut]:
    """Who changed what in a dataset and its files, newest first (who: for staff only)."""
    _municipality, dataset = _dataset(request, lg_code, name)
    staff = _is_staff(request, dataset)
    return [
        ActivityOut(
            time=event.created_at,
            action=event.action,
            label=activity_label(event),
            object_type=event.object_type,
            object_id=event.object_id,
            object=event.object_repr,
            actor=event.actor_name if staff else None,
        )
        for event in selectors.dataset_activity(dataset=dataset, limit=limit)
    ]


def _resource(request: HttpRequest, lg_code: str, id: UUID) -> tuple[Municipality, Resource]:
    return _visible(request, lg_code, selectors.resource_get, id=str(id))


@public_router.get(
    PREFIX + "/resources/{id}/validation",
    response={200: ValidationOut, **READ_ERRORS},
    operation_id="catalog_validation_latest",
)
def validation_latest(
    request: HttpRequest, lg_code: str, id: UUID, lang: Lang | None = None
) -> ValidationOut:
    """The latest check of a file: progress, result, quality and findings in ``lang``
    (default: the request's language)."""
    _municipality, resource = _resource(request, lg_code, id)
    validation = selectors.validation_latest(resource=resource)
    if validation is None:
        raise NotFound(_("This file has not been checked yet."), code="no_validation")
    return _validation_out(request, validation, _lang(lang))


@public_router.get(
    PREFIX + "/resources/{id}/validations/{validation_id}",
    response={200: ValidationOut, **READ_ERRORS},
    operation_id="catalog_validation_get",
)
def validation_get(
    request: HttpRequest, lg_code: str, id: UUID, validation_id: UUID, lang: Lang | None = None
) -> ValidationOut:
    """One check of a file, by id."""
    _municipality, resource = _resource(request, lg_code, id)
    validation = selectors.validation_get(resource=resource, id=str(validation_id))
    return _validation_out(request, validation, _lang(lang))


# --------------------------------------------------------------------------------------------
# Writes: an API token of the municipality, or a signed-in session
# --------------------------------------------------------------------------------------------


def _require_signed_in(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied()


@router.post(
    PREFIX + "/resources/{id}/validate",
    response={202: ValidationOut, **WRITE_ERRORS},
    operation_id="catalog_resource_validate",
)
def resource_validate(
    request: HttpRequest, lg_code: str, id: UUID, lang: Lang | None = None
) -> Status[ValidationOut]:
    """Queue a new check of a file (CSV, TSV, Excel or GeoJSON) by the standards engine."""
    _require_signed_in(request)
    municipality, resource = _resource(request, lg_code, id)
    validation = services.resource_validate(
        municipality=municipality, actor=request.user, resource=resource
    )
    return Status(202, _validation_out(request, validation, _lang(lang)))


@router.post(
    PREFIX + "/resources/{id}/repair",
    response={201: ResourceOut, **WRITE_ERRORS},
    operation_id="catalog_resource_repair",
)
def resource_repair(request: HttpRequest, lg_code: str, id: UUID) -> Status[ResourceOut]:
    """Make a corrected copy of a tabular file as a new file of the same dataset; the original
    is kept. The copy is queued for a check."""
    _require_signed_in(request)
    municipality, resource = _resource(request, lg_code, id)
    copy = services.resource_repair(
        municipality=municipality, actor=request.user, resource=resource
    )
    return Status(201, _resource_out(request, municipality, copy))
