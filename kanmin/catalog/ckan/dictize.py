"""Models and read rows → CKAN dicts, in the exact shape CKAN 2.12's ``package_show`` & co.
return. Nothing here reads the database: the actions read (selectors, search), then shape."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kanmin.catalog import licenses, selectors
from kanmin.catalog.models import (
    DatasetState,
    Group,
    Organization,
    Resource,
    localized,
)
from kanmin.catalog.search import SearchResult
from kanmin.catalog.selectors import PackageDetails
from kanmin.core.tenancy import tenant_reverse

# The language of the catalog's own texts in an API answer (display names): the client's when
# its Accept-Language names one, else Japanese, the catalog's language; the API's messages
# are English by default (dispatch.action_view). None outside the API: the active language.
TEXT_LANGUAGE: ContextVar[str | None] = ContextVar("ckan_text_language", default=None)


def display(ja: str, en: str) -> str:
    """The display name of a record with a Japanese and an English title."""
    language = TEXT_LANGUAGE.get()
    if language is None:
        return localized(ja, en)
    return en if language == "en" and en else ja


def ckan_time(value: datetime | None) -> str | None:
    """Naive UTC ISO-8601 with microseconds, as CKAN writes timestamps."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def ckan_state(state: str) -> str:
    return {
        DatasetState.DRAFT: "draft",
        DatasetState.WITHDRAWN: "deleted",
    }.get(DatasetState(state), "active")


def download_url(
    request: HttpRequest, lg_code: str, dataset_id: str, resource_id: str, file: str
) -> str:
    path = tenant_reverse(
        "catalog:resource_download",
        lg_code,
        kwargs={
            "dataset_id": dataset_id,
            "resource_id": resource_id,
            "filename": file.rsplit("/", 1)[-1],
        },
    )
    return request.build_absolute_uri(path)


def _resource_row(resource: Resource) -> dict[str, Any]:
    """A resource as :func:`kanmin.catalog.selectors.package_details` gives it."""
    return {
        "id": str(resource.pk),
        "dataset_id": str(resource.dataset_id),
        "url": resource.url,
        "file": resource.file.name or "",
        "name": resource.name,
        "description": resource.description,
        "format": resource.format,
        "mimetype": resource.mimetype,
        "size": resource.size,
        "hash": resource.hash,
        "extras": resource.extras,
        "position": resource.position,
        "created": resource.created,
        "modified": resource.modified,
        # datastore (issue 17)
        "datastore_active": bool(selectors.datastore_active_ids([resource.pk])),
    }


def resource_dict(request: HttpRequest, resource: Resource) -> dict[str, Any]:
    return _resource_dict(request, _resource_row(resource), resource.municipality.lg_code)


def _resource_dict(request: HttpRequest, r: dict[str, Any], lg_code: str) -> dict[str, Any]:
    upload = bool(r["file"])
    # A path of this site: the CSV or JSON of a table a Kanmin app offers (core.datasets).
    served_here = not upload and r["url"].startswith("/")
    if upload:
        url = download_url(request, lg_code, r["dataset_id"], r["id"], r["file"])
    elif served_here:
        url = request.build_absolute_uri(r["url"])
    else:
        url = r["url"]
    extras = dict(r.get("extras") or {})
    result = {
        "id": r["id"],
        "package_id": r["dataset_id"],
        "url": url,
        "format": r["format"],
        "description": r["description"],
        "hash": r.get("hash") or "",
        "position": r["position"],
        "name": r["name"],
        "resource_type": extras.pop("resource_type", None),
        "mimetype": r["mimetype"] or None,
        "mimetype_inner": extras.pop("mimetype_inner", None),
        "size": r["size"],
        "created": ckan_time(r["created"]),
        # Kanmin knows when the data of its own files changed, not that of a link elsewhere.
        "last_modified": ckan_time(r["modified"]) if upload or served_here else None,
        "metadata_modified": ckan_time(r["modified"]),
        "cache_url": None,
        "cache_last_updated": None,
        "url_type": "upload" if upload else None,
        "state": "active",
        "datastore_active": bool(r.get("datastore_active")),
    }
    # CKAN gives a resource's extras at its top level, after its own fields.
    for key, value in extras.items():
        result.setdefault(key, value)
    return result


# The keys of CKAN's default resource schema: whatever else a resource dict brings is one of
# its extras (issue 18).
RESOURCE_CORE_KEYS = frozenset(
    "id package_id url description format hash state position name resource_type url_type"
    " mimetype mimetype_inner cache_url size created last_modified metadata_modified"
    " cache_last_updated upload datastore_active tracking_summary clear_upload".split()
)
# Kanmin's dataset fields that CKAN's default schema has no field for: given at the top level
# (as ckanext-scheming does) and also as extras, so that a CKAN without Kanmin's schema keeps
# them; read back from either place on write.
KANMIN_EXTRA_KEYS = (
    "title_en",
    "notes_en",
    "update_frequency",
    "spatial_text",
    "temporal_start",
    "temporal_end",
    "standard_dataset",
)


def extras_list(stored: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Stored extras in CKAN's shape, by key."""
    return [{"key": key, "value": value} for key, value in sorted((stored or {}).items())]


def _harvest_extras(origin: dict[str, Any] | None) -> dict[str, str]:
    """Where a harvested dataset came from, in the extras ckanext-harvest writes (a harvester
    of this portal then knows not to harvest it back)."""
    if origin is None:
        return {}
    return {
        "harvest_source_id": origin["source_id"],
        "harvest_source_title": origin["source_title"],
        "harvest_url": origin["remote_url"] or origin["remote_id"],
    }


def _extras_list(
    result: dict[str, Any], stored: dict[str, Any] | None, harvest: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    pairs = {key: result[key] for key in KANMIN_EXTRA_KEYS if result.get(key)}
    pairs.update(stored or {})
    pairs.update(harvest or {})  # the origin is ours to say, not a stored extra's
    return [{"key": key, "value": pairs[key]} for key in sorted(pairs)]


def organization_dict(org: Organization, *, package_count: int | None = None) -> dict[str, Any]:
    count = package_count if package_count is not None else getattr(org, "package_count", None)
    values = {
        "id": str(org.pk),
        "name": org.name,
        "title_ja": org.title_ja,
        "title_en": org.title_en,
        "description": org.description,
        "created": org.created,
        "image_url": org.image_url,
    }
    return _organization_dict(values, count)


def _organization_dict(org: dict[str, Any], count: int | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "approval_status": "approved",
        "created": ckan_time(org["created"]),
        "description": org["description"],
        "display_name": display(org["title_ja"], org["title_en"]),
        "id": org["id"],
        "image_display_url": org.get("image_url") or "",
        "image_url": org.get("image_url") or "",
        "is_organization": True,
        "name": org["name"],
        "num_followers": 0,
        "state": "active",
        "title": org["title_ja"],
        "type": "organization",
        "title_en": org["title_en"],
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
        "display_name": display(group.title_ja, group.title_en),
        "id": str(group.pk),
        "image_display_url": group.image_url,
        "image_url": group.image_url,
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


def search_dict(
    request: HttpRequest, result: SearchResult, packages: Sequence[PackageDetails]
) -> dict[str, Any]:
    """A ``package_search`` answer: the result's count, sort and facets (``facets`` by name,
    ``search_facets`` with display names), and the page's ``packages``."""
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name, items in result.facets.items():
        facets[name] = {item.name: item.count for item in items}
        ordered = sorted(items, key=lambda i: i.display_name, reverse=True)
        search_facets[name] = {
            "title": name,
            "items": [
                {"name": i.name, "display_name": i.display_name, "count": i.count} for i in ordered
            ],
        }
    return {
        "count": result.count,
        "sort": result.sort,
        "results": [package_dict(request, details) for details in packages],
        "facets": facets,
        "search_facets": search_facets,
    }


def package_dict(request: HttpRequest, details: PackageDetails) -> dict[str, Any]:
    d = details.dataset
    lg_code = details.municipality["lg_code"]
    lic = licenses.get(d["license_id"])
    resources = details.resources
    result: dict[str, Any] = {
        "id": d["id"],
        "name": d["name"],
        "title": d["title_ja"],
        "version": d.get("version_label") or None,
        "url": d.get("source_url") or None,
        "author": d.get("author") or None,
        "author_email": d.get("author_email") or None,
        "maintainer": d["contact_name"] or None,
        "maintainer_email": d["contact_email"] or None,
        "notes": d["notes_ja"],
        "license_id": d["license_id"],
        "license_title": lic.title if lic else d["license_id"],
        "isopen": bool(lic and lic.is_open),
        "type": "dataset",
        "owner_org": d["organization_id"],
        # The user's UUID (CKAN's user ids are UUIDs), not the integer key.
        "creator_user_id": d.get("creator_uuid"),
        "metadata_created": ckan_time(d["created"]),
        "metadata_modified": ckan_time(d["modified"]),
        "private": d["state"] != DatasetState.PUBLISHED,
        "state": ckan_state(d["state"]),
        "extras": [],
        "resources": [_resource_dict(request, r, lg_code) for r in resources],
        "num_resources": len(resources),
        "tags": [
            {
                "id": t["id"],
                "name": t["name"],
                "vocabulary_id": None,
                "state": "active",
                "display_name": t["name"],
            }
            for t in details.tags
        ],
        "num_tags": len(details.tags),
        "groups": [
            {
                "id": g["id"],
                "name": g["name"],
                "title": g["title_ja"],
                "display_name": display(g["title_ja"], g["title_en"]),
                "description": g["description"],
                "image_display_url": g.get("image_url") or "",
                "image_url": g.get("image_url") or "",
                "type": "group",
                "is_organization": False,
                "state": "active",
                "approval_status": "approved",
                "capacity": "public",
            }
            for g in details.groups
        ],
        "organization": _organization_dict(details.organization, None),
        "relationships_as_subject": [],
        "relationships_as_object": [],
        # Kanmin's own fields, at the top level as ckanext-scheming puts custom fields.
        "title_en": d["title_en"],
        "notes_en": d["notes_en"],
        "update_frequency": d["update_frequency"],
        "contact_name": d["contact_name"],
        "contact_email": d["contact_email"],
        "spatial_text": d["spatial"],
        "temporal_start": _date(d["temporal_start"]),
        "temporal_end": _date(d["temporal_end"]),
        "standard_dataset": d["standard_dataset"],
        "kanmin_state": d["state"],
        # The app table the dataset publishes (kanmin.core.datasets), "" when staff keep it.
        "kanmin_provider": d["provider"],
        "kanmin_version": d["version"],
        "municipality": {"lg_code": lg_code, "name": details.municipality["name_ja"]},
    }
    result["extras"] = _extras_list(result, d.get("extras"), _harvest_extras(details.origin))
    if lic and lic.url:
        result["license_url"] = lic.url
    return result
