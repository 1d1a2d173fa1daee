"""Models → CKAN dicts, in the exact shape CKAN 2.12's ``package_show`` & co. return."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kanmin.catalog import licenses
from kanmin.catalog.models import Dataset, DatasetState, Group, Organization, Resource
from kanmin.core.models import Municipality
from kanmin.core.tenancy import tenant_reverse


def ckan_time(value: datetime | None) -> str | None:
    """Naive UTC ISO-8601 with microseconds, as CKAN writes timestamps."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def ckan_state(dataset: Dataset) -> str:
    return {
        DatasetState.DRAFT: "draft",
        DatasetState.WITHDRAWN: "deleted",
    }.get(DatasetState(dataset.state), "active")


def download_url(
    request: HttpRequest, resource: Resource, municipality: Municipality | None = None
) -> str:
    path = tenant_reverse(
        "catalog:resource_download",
        municipality or resource.municipality,
        kwargs={
            "dataset_id": resource.dataset_id,
            "resource_id": resource.pk,
            "filename": resource.filename,
        },
    )
    return request.build_absolute_uri(path)


def resource_dict(
    request: HttpRequest, resource: Resource, municipality: Municipality | None = None
) -> dict[str, Any]:
    upload = resource.is_upload
    return {
        "id": str(resource.pk),
        "package_id": str(resource.dataset_id),
        "url": download_url(request, resource, municipality) if upload else resource.url,
        "format": resource.format,
        "description": resource.description,
        "hash": "",
        "position": resource.position,
        "name": resource.name,
        "resource_type": None,
        "mimetype": resource.mimetype or None,
        "mimetype_inner": None,
        "size": resource.size,
        "created": ckan_time(resource.created),
        "last_modified": ckan_time(resource.modified) if upload else None,
        "metadata_modified": ckan_time(resource.modified),
        "cache_url": None,
        "cache_last_updated": None,
        "url_type": "upload" if upload else None,
        "state": "active",
        "datastore_active": False,
    }


def organization_dict(org: Organization, *, package_count: int | None = None) -> dict[str, Any]:
    count = package_count if package_count is not None else getattr(org, "package_count", None)
    result: dict[str, Any] = {
        "approval_status": "approved",
        "created": ckan_time(org.created),
        "description": org.description,
        "display_name": org.display_name,
        "id": str(org.pk),
        "image_display_url": "",
        "image_url": "",
        "is_organization": True,
        "name": org.name,
        "num_followers": 0,
        "state": "active",
        "title": org.title_ja,
        "type": "organization",
        "title_en": org.title_en,
    }
    if count is not None:
        result["package_count"] = count
    return result


def group_dict(group: Group, *, package_count: int | None = None) -> dict[str, Any]:
    count = package_count if package_count is not None else getattr(group, "package_count", None)
    result: dict[str, Any] = {
        "approval_status": "approved",
        "created": ckan_time(group.created),
        "description": group.description,
        "display_name": group.display_name,
        "id": str(group.pk),
        "image_display_url": "",
        "image_url": "",
        "is_organization": False,
        "name": group.name,
        "num_followers": 0,
        "state": "active",
        "title": group.title_ja,
        "type": "group",
        "title_en": group.title_en,
    }
    if count is not None:
        result["package_count"] = count
    return result


def package_dict(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    lic = licenses.get(dataset.license_id)
    tags = sorted(dataset.tags.all(), key=lambda t: t.name)
    groups = sorted(dataset.groups.all(), key=lambda g: g.name)
    resources = sorted(dataset.resources.all(), key=lambda r: (r.position, r.created))
    org = dataset.organization
    result: dict[str, Any] = {
        "id": str(dataset.pk),
        "name": dataset.name,
        "title": dataset.title_ja,
        "version": None,
        "url": None,
        "author": None,
        "author_email": None,
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "notes": dataset.notes_ja,
        "license_id": dataset.license_id,
        "license_title": lic.title if lic else dataset.license_id,
        "isopen": bool(lic and lic.is_open),
        "type": "dataset",
        "owner_org": str(org.pk),
        "creator_user_id": str(dataset.creator_id) if dataset.creator_id else None,
        "metadata_created": ckan_time(dataset.created),
        "metadata_modified": ckan_time(dataset.modified),
        "private": dataset.state != DatasetState.PUBLISHED,
        "state": ckan_state(dataset),
        "extras": [],
        "resources": [resource_dict(request, r, dataset.municipality) for r in resources],
        "num_resources": len(resources),
        "tags": [
            {
                "id": str(t.pk),
                "name": t.name,
                "vocabulary_id": None,
                "state": "active",
                "display_name": t.name,
            }
            for t in tags
        ],
        "num_tags": len(tags),
        "groups": [
            {
                "id": str(g.pk),
                "name": g.name,
                "title": g.title_ja,
                "display_name": g.display_name,
                "description": g.description,
                "image_display_url": "",
            }
            for g in groups
        ],
        "organization": organization_dict(org),
        "relationships_as_subject": [],
        "relationships_as_object": [],
        # Kanmin's own fields, at the top level as ckanext-scheming puts custom fields.
        "title_en": dataset.title_en,
        "notes_en": dataset.notes_en,
        "update_frequency": dataset.update_frequency,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "spatial_text": dataset.spatial,
        "temporal_start": _date(dataset.temporal_start),
        "temporal_end": _date(dataset.temporal_end),
        "standard_dataset": dataset.standard_dataset,
        "kanmin_state": dataset.state,
        "kanmin_version": dataset.version,
        "municipality": {
            "lg_code": dataset.municipality.lg_code,
            "name": dataset.municipality.name_ja,
        },
    }
    if lic and lic.url:
        result["license_url"] = lic.url
    result["organization"].pop("package_count", None)
    return result
