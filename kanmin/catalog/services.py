"""Writes to the catalog. Each runs in one transaction, checks its permission, writes its
audit entry (the dataset's activity history) and returns the model."""

from __future__ import annotations

import gzip
import io
import json
import mimetypes
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kanmin.audit.services import record
from kanmin.catalog import filetypes, licenses, open_data_list, quality
from kanmin.catalog.models import (
    DailyCount,
    Dataset,
    DatasetState,
    Group,
    HitKind,
    Organization,
    Resource,
    ResourceRevision,
    RevisionReason,
    SearchGeneration,
    Tag,
    UpdateFrequency,
    Validation,
    ValidationFailure,
    ValidationStatus,
)
from kanmin.catalog.uploads import standard_file_name, too_large_error, upload_limit
from kanmin.core import datasets
from kanmin.core.actions import Changed, Outcome, Unchanged, action, deleted
from kanmin.core.errors import Conflict, Invalid, full_clean
from kanmin.core.models import Department, Municipality
from kanmin.core.permissions import require, require_same_tenant
from kanmin.core.spreadsheet import write_rows

# Dataset fields a caller may set, with the value a full update falls back to.
DATASET_DEFAULTS: dict[str, Any] = {
    "title_en": "",
    "notes_ja": "",
    "notes_en": "",
    "license_id": licenses.DEFAULT_LICENSE_ID,
    "update_frequency": "",
    "contact_name": "",
    "contact_email": "",
    "spatial": "",
    "temporal_start": None,
    "temporal_end": None,
    "standard_dataset": "",
    # CKAN's default-schema fields (issue 18).
    "author": "",
    "author_email": "",
    "source_url": "",
    "version_label": "",
    "extras": {},
    "tags": [],
    "groups": [],
}
_SCALAR_FIELDS = ("name", "title_ja", *[k for k in DATASET_DEFAULTS if k not in ("tags", "groups")])
RESOURCE_FIELDS = (
    "url",
    "name",
    "description",
    "format",
    "position",
    "mimetype",
    "size",
    "hash",
    "extras",
)


def _id_taken_message(model: type[Any]) -> str:
    return {
        "Dataset": _("Dataset id already exists"),
        "Resource": _("Resource id already exists"),
        "Organization": _("Organization id already exists"),
        "Group": _("Group id already exists"),
    }[model.__name__]


def _given_id(model: type[Any], municipality: Municipality, given: Any) -> uuid.UUID | None:
    """The id a caller asked a new row to have (CKAN lets a sysadmin set it; here whoever may
    create the row in the municipality): kept when free, refused when a row of this
    municipality has it. Ids are unique across every municipality, so a copy into another
    municipality of a row that keeps its id here gets a new one (tenants never share rows)."""
    if given in (None, ""):
        return None
    try:
        wanted = given if isinstance(given, uuid.UUID) else uuid.UUID(str(given))
    except ValueError:
        raise Invalid(fields={"id": [_("An id must be a UUID.")]}, code="bad_id") from None
    taken = model.all_tenants.filter(pk=wanted).values_list("municipality_id", flat=True).first()
    if taken is None:
        return wanted
    if taken == municipality.pk:
        raise Invalid(fields={"id": [_id_taken_message(model)]}, code="id_taken")
    return None


def _name_taken(model: type[Any], municipality: Municipality, name: str, pk: Any = None) -> None:
    others = model.all_tenants.filter(municipality=municipality, name=name)
    if pk is not None:
        others = others.exclude(pk=pk)
    if others.exists():
        raise Invalid(
            _("The name %(name)s is already in use.") % {"name": name},
            code="name_taken",
            fields={"name": [_("That URL is already in use.")]},
        )


# --------------------------------------------------------------------------------------------
# Organizations and groups
# --------------------------------------------------------------------------------------------


Named = TypeVar("Named", Organization, Group)


def _named_create(
    row: Named,
    municipality: Municipality,
    name: str,
    title_ja: str,
    title_en: str,
    about: str,
    id: Any = None,
    image_url: str = "",
    extras: Any = None,
) -> Changed[Named]:
    """Check, save and record a new organization or group: they are made alike."""
    given = _given_id(type(row), municipality, id)
    if given is not None:
        row.pk = given
    row.municipality = municipality
    row.image_url = (image_url or "").strip()
    row.extras = _extras(extras)
    row.name, row.title_ja, row.title_en = name.strip(), title_ja.strip(), title_en.strip()
    row.description = about.strip()
    full_clean(row, exclude=["municipality"], validate_unique=False, validate_constraints=False)
    _name_taken(type(row), row.municipality, row.name)
    row.save()
    SearchGeneration.bump()
    return Changed(row, after={"name": row.name, "title_ja": row.title_ja})


@action("catalog.organization.create", perm="catalog.add_organization")
def organization_create(
    *,
    municipality: Municipality,
    actor: Any,
    name: str,
    title_ja: str,
    title_en: str = "",
    description: str = "",
    department: Department | None = None,
    id: Any = None,
    image_url: str = "",
    extras: Any = None,
) -> Outcome[Organization]:
    """Create a publishing unit, usually for one department. ``id``: see :func:`_given_id`."""
    return _named_create(
        Organization(department=department),
        municipality,
        name,
        title_ja,
        title_en,
        description,
        id,
        image_url,
        extras,
    )


@action("catalog.group.create", perm="catalog.add_group")
def group_create(
    *,
    municipality: Municipality,
    actor: Any,
    name: str,
    title_ja: str,
    title_en: str = "",
    description: str = "",
    id: Any = None,
    image_url: str = "",
    extras: Any = None,
) -> Outcome[Group]:
    """Create a category (CKAN group). ``id``: see :func:`_given_id`."""
    return _named_create(
        Group(), municipality, name, title_ja, title_en, description, id, image_url, extras
    )


_NAMED_FIELDS = ("name", "title_ja", "title_en", "description", "image_url", "extras")


def _named_change(row: Named, values: dict[str, Any]) -> Outcome[Named]:
    """Change the fields given of an organization or group."""
    unknown = set(values) - set(_NAMED_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    before = {k: getattr(row, k) for k in _NAMED_FIELDS}
    for key, value in values.items():
        setattr(row, key, _extras(value) if key == "extras" else str(value or "").strip())
    after = {k: getattr(row, k) for k in _NAMED_FIELDS}
    if after == before:
        return Unchanged(row)
    full_clean(row, exclude=["municipality"], validate_unique=False, validate_constraints=False)
    _name_taken(type(row), row.municipality, row.name, row.pk)
    row.save()
    # Its datasets' search keys and package dicts name it.
    SearchGeneration.bump()
    return Changed(row, before=before, after=after)


@action("catalog.organization.update", perm="catalog.change_organization", on="organization")
def organization_update(
    *, municipality: Municipality, actor: Any, organization: Organization, **values: Any
) -> Outcome[Organization]:
    """Change an organization's ``name``, ``title_ja``, ``title_en``, ``description``,
    ``image_url`` or ``extras``."""
    return _named_change(organization, values)


@action("catalog.group.update", perm="catalog.change_group", on="group")
def group_update(
    *, municipality: Municipality, actor: Any, group: Group, **values: Any
) -> Outcome[Group]:
    """Change a category's ``name``, ``title_ja``, ``title_en``, ``description``,
    ``image_url`` or ``extras``."""
    return _named_change(group, values)


@action("catalog.organization.delete", perm="catalog.delete_organization", on="organization")
def organization_delete(
    *, municipality: Municipality, actor: Any, organization: Organization
) -> Outcome[None]:
    """Delete an organization that publishes no dataset (move or delete them first)."""
    if Dataset.all_tenants.filter(organization=organization).exists():
        raise Invalid(
            _(
                "The organization still publishes datasets: move them to another organization "
                "or delete them first."
            ),
            code="organization_in_use",
        )
    before = {k: getattr(organization, k) for k in _NAMED_FIELDS}
    gone = deleted(organization)
    SearchGeneration.bump()
    return Changed(None, target=gone, before=before)


@action("catalog.group.delete", perm="catalog.delete_group", on="group")
def group_delete(*, municipality: Municipality, actor: Any, group: Group) -> Outcome[None]:
    """Delete a category; its datasets stay, without it."""
    before = {k: getattr(group, k) for k in _NAMED_FIELDS}
    datasets_of = list(group.datasets.all())
    gone = deleted(group)
    for dataset in datasets_of:
        _reindex(dataset)
    SearchGeneration.bump()
    return Changed(None, target=gone, before=before)


# --------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------


def _dataset_fields(dataset: Dataset) -> dict[str, Any]:
    """The dataset's editable values, as the audit log keeps them."""
    values = {name: getattr(dataset, name) for name in _SCALAR_FIELDS}
    values["organization"] = dataset.organization.name
    values["state"] = dataset.state
    values["version"] = dataset.version
    if not dataset._state.adding:
        values["tags"] = sorted(t.name for t in dataset.tags.all())
        values["groups"] = sorted(g.name for g in dataset.groups.all())
    return values


def _tags(municipality: Municipality, names: Iterable[str]) -> list[Tag]:
    tags: list[Tag] = []
    seen: set[str] = set()
    for raw in names:
        name = str(raw).strip()
        if not name or name in seen:
            continue
        if len(name) > 100 or "," in name:
            raise Invalid(
                fields={
                    "tags": [_("Tag %(name)s: at most 100 characters, no commas.") % {"name": name}]
                }
            )
        seen.add(name)
        tag, _created = Tag.all_tenants.get_or_create(municipality=municipality, name=name)
        tags.append(tag)
    return tags


def _check_license(license_id: str) -> None:
    if licenses.get(license_id) is None:
        raise Invalid(
            fields={"license_id": [_("Unknown license %(id)s.") % {"id": license_id}]},
        )


def _reindex(dataset: Dataset) -> None:
    dataset.search_key = dataset.build_search_key()
    Dataset.all_tenants.filter(pk=dataset.pk).update(search_key=dataset.search_key)
    SearchGeneration.bump()


def _save_dataset(dataset: Dataset, values: dict[str, Any]) -> None:
    """Set fields, validate, save, set tags and groups, and rebuild the search key."""
    municipality = dataset.municipality
    for name in _SCALAR_FIELDS:
        if name == "extras":
            if "extras" in values:
                dataset.extras = _extras(values["extras"])
            continue
        if name in values:
            value = values[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(
                dataset, name, value if value is not None or name.startswith("temporal") else ""
            )
    if "organization" in values:
        require_same_tenant(municipality, values["organization"])
        dataset.organization = values["organization"]
    if not dataset.title_ja:
        dataset.title_ja = dataset.name
    _check_license(dataset.license_id)
    full_clean(
        dataset,
        exclude=["municipality", "tags", "groups", "search_key", "creator"],
        validate_unique=False,
        validate_constraints=False,
    )
    if dataset.temporal_start and dataset.temporal_end:
        if dataset.temporal_start > dataset.temporal_end:
            raise Invalid(
                fields={"temporal_end": [_("The end of the coverage is before its start.")]}
            )
    _name_taken(Dataset, municipality, dataset.name, None if dataset._state.adding else dataset.pk)
    try:
        with transaction.atomic():
            dataset.save()
    except IntegrityError:
        raise Invalid(fields={"name": [_("That URL is already in use.")]}) from None
    if "tags" in values:
        dataset.tags.set(_tags(municipality, values["tags"] or []))
    if "groups" in values:
        groups = list(values["groups"] or [])
        require_same_tenant(municipality, *groups)
        dataset.groups.set(groups)
    _reindex(dataset)


def _extras(value: Any) -> dict[str, str]:
    """CKAN extras as Kanmin keeps them: a key → text mapping (CKAN gives a list of
    ``{"key", "value"}``; either is taken)."""
    if value in (None, ""):
        return {}
    if isinstance(value, list):
        pairs: dict[str, Any] = {}
        for item in value:
            if not isinstance(item, dict) or not str(item.get("key") or "").strip():
                raise Invalid(fields={"extras": [_("Each extra needs a key and a value.")]})
            key = str(item["key"]).strip()
            if key in pairs:
                raise Invalid(fields={"extras": [_("Duplicate key %(key)s") % {"key": key}]})
            pairs[key] = item.get("value")
        value = pairs
    if not isinstance(value, dict):
        raise Invalid(fields={"extras": [_("Not a list")]})
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _check_state_change(actor: Any, dataset: Dataset, new_state: str) -> None:
    if new_state not in DatasetState.values:
        raise Invalid(fields={"state": [_("Unknown state %(state)s.") % {"state": new_state}]})
    if new_state != dataset.state and new_state != DatasetState.DRAFT:
        require(actor, "catalog.publish_dataset", dataset)


@action("catalog.dataset.create", perm="catalog.add_dataset")
def dataset_create(
    *,
    municipality: Municipality,
    actor: Any,
    organization: Organization,
    name: str,
    title_ja: str = "",
    state: str = DatasetState.DRAFT,
    id: Any = None,
    **fields: Any,
) -> Outcome[Dataset]:
    """Create a dataset in an organization. Starts as a draft unless ``state`` says otherwise
    (publishing right away needs the publish permission). ``id``: see :func:`_given_id`."""
    unknown = set(fields) - set(DATASET_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown dataset fields: {sorted(unknown)}")
    dataset = Dataset(
        municipality=municipality,
        organization=organization,
        creator=actor if getattr(actor, "is_authenticated", False) else None,
    )
    given = _given_id(Dataset, municipality, id)
    if given is not None:
        dataset.pk = given
    _check_state_change(actor, dataset, state)
    dataset.state = state
    _save_dataset(
        dataset,
        {**DATASET_DEFAULTS, **fields, "name": name, "title_ja": title_ja},
    )
    if dataset.state == DatasetState.PUBLISHED:
        _republish_list(municipality)
    return Changed(dataset, after=_dataset_fields(dataset))


def _locked(dataset: Dataset, expected_version: int | None) -> Dataset:
    """Lock the row and refuse a stale edit (someone saved in between)."""
    current = (
        Dataset.all_tenants.select_for_update().select_related("organization").get(pk=dataset.pk)
    )
    if expected_version is not None and int(expected_version) != current.version:
        raise Conflict(
            fields={
                "version": [
                    _(
                        "This dataset was changed by someone else (version %(current)s, "
                        "you edited version %(expected)s). Reload it and edit again."
                    )
                    % {"current": current.version, "expected": expected_version}
                ]
            },
            code="stale_version",
        )
    return current


# Two pairs of dataset services differ only in a value: each pair is made by one factory.
Service = TypeVar("Service", bound=Callable[..., Any])


def _dataset_service(service: Service, verb: str, doc: str) -> Service:
    """Name a service made by a factory as its callers know it (``dataset_<verb>``)."""
    service.__name__ = service.__qualname__ = f"dataset_{verb}"
    service.__doc__ = doc
    return service


class _MetadataChange(Protocol):
    def __call__(
        self, *, municipality: Municipality, actor: Any, dataset: Dataset, **values: Any
    ) -> Dataset: ...


def _metadata_change(verb: str, defaults: dict[str, Any], doc: str) -> _MetadataChange:
    """The service that changes a dataset's metadata, recorded as ``catalog.dataset.<verb>``:
    the fields not given take ``defaults``."""

    @action(f"catalog.dataset.{verb}", perm="catalog.change_dataset", on="dataset")
    def change(
        *,
        municipality: Municipality,
        actor: Any,
        dataset: Dataset,
        expected_version: int | None = None,
        **values: Any,
    ) -> Outcome[Dataset]:
        values = {**defaults, **values}
        unknown = set(values) - {*DATASET_DEFAULTS, "name", "title_ja", "organization", "state"}
        if unknown:
            raise TypeError(f"unknown dataset fields: {sorted(unknown)}")
        current = _locked(dataset, expected_version)
        _refuse_provider_fields(current, values)
        before = _dataset_fields(current)
        if "state" in values:
            _check_state_change(actor, current, values["state"])
            current.state = values.pop("state")
        current.version += 1
        _save_dataset(current, values)
        if current.standard_dataset != before["standard_dataset"]:
            # Checked against another standard now: check the tables again.
            for resource in current.resources.all():
                if resource.is_tabular:
                    _queue_validation(resource, _schema_for(resource))
        if DatasetState.PUBLISHED in (before["state"], current.state):
            _republish_list(municipality)
        return Changed(current, before=before, after=_dataset_fields(current))

    return _dataset_service(change, verb, doc)


dataset_update = _metadata_change(
    "update",
    DATASET_DEFAULTS,
    "Replace the dataset's metadata: optional fields not given return to their defaults. "
    "Resources are kept. ``expected_version`` (when given) must be the current version.",
)
dataset_patch = _metadata_change("patch", {}, "Change only the fields given.")


def _kept_by_live_app(dataset: Dataset) -> bool:
    """Published from the table of an app that is installed (its provider is registered)."""
    return dataset.is_kept_by_app and datasets.find(dataset.provider) is not None


def _refuse_provider_fields(dataset: Dataset, values: dict[str, Any]) -> None:
    """A dataset an app keeps takes its title, description and licence from the app: a change
    to them is refused (the next sync would undo it); the same values pass."""
    if not _kept_by_live_app(dataset):
        return
    message = _("Kept up to date from the app's records: this cannot be changed here.")
    errors: dict[str, list[Any]] = {
        key: [message]
        for key in PROVIDER_FIELDS
        if key in values and str(values[key] or "").strip() != getattr(dataset, key)
    }
    if errors:
        raise Invalid(message, fields=errors, code="kept_by_app")


def _republish_list(municipality: Municipality) -> None:
    """Rewrite the catalog's own オープンデータ一覧 once this transaction has committed (once,
    however many datasets the transaction published)."""
    connection = transaction.get_connection()
    for entry in connection.run_on_commit:
        pending = entry[1]
        if isinstance(pending, _ListRefresh) and pending.municipality.pk == municipality.pk:
            if not pending.done:
                return
    transaction.on_commit(_ListRefresh(municipality))


class _ListRefresh:
    """An on-commit rewrite of one municipality's オープンデータ一覧."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        self.done = False

    def __call__(self) -> None:
        self.done = True
        open_data_list_refresh(municipality=self.municipality, actor=None)


# Plain: the system's rewrite after a commit; resource_create and resource_update check and record.
@transaction.atomic
def open_data_list_refresh(*, municipality: Municipality, actor: Any) -> bytes:
    """Regenerate the オープンデータ一覧 (``<code>_open_data_list.csv``) from what is published.
    It is stored, and when the municipality publishes it as a dataset (standard data set
    ``open_data_list``), that dataset's file is replaced and checked again."""
    content = open_data_list.render(municipality)
    open_data_list.write(municipality, content)
    listing = Dataset.all_tenants.filter(
        municipality=municipality,
        standard_dataset="open_data_list",
        state=DatasetState.PUBLISHED,
    ).first()
    if listing is None:
        return content
    upload = SimpleUploadedFile(open_data_list.file_name(municipality), content, "text/csv")
    current = next((r for r in listing.resources.all() if r.is_tabular), None)
    if current is None:
        resource_create(
            municipality=municipality,
            actor=actor,
            dataset=listing,
            upload=upload,
            name=listing.title_ja,
        )
    else:
        resource_update(municipality=municipality, actor=actor, resource=current, upload=upload)
    return content


class _StateChange(Protocol):
    def __call__(self, *, municipality: Municipality, actor: Any, dataset: Dataset) -> Dataset: ...


def _state_change(state: str, verb: str, doc: str) -> _StateChange:
    """The service that moves a dataset to ``state``, recorded as ``catalog.dataset.<verb>``."""

    @action(f"catalog.dataset.{verb}", perm="catalog.publish_dataset", on="dataset")
    def change(*, municipality: Municipality, actor: Any, dataset: Dataset) -> Outcome[Dataset]:
        current = _locked(dataset, None)
        before = current.state
        current.state = state
        current.version += 1
        current.save(update_fields=["state", "version", "modified"])
        SearchGeneration.bump()
        _republish_list(municipality)
        return Changed(current, before={"state": before}, after={"state": current.state})

    return _dataset_service(change, verb, doc)


dataset_publish = _state_change(
    DatasetState.PUBLISHED, "publish", "Make the dataset visible to everyone."
)
dataset_make_private = _state_change(
    DatasetState.PRIVATE,
    "make_private",
    "Hide the dataset from the public; the municipality's staff still see it.",
)
dataset_withdraw = _state_change(
    DatasetState.WITHDRAWN,
    "withdraw",
    "Take a published dataset down (公開停止); it stays in the staff's catalog.",
)


def _delete_on_commit(files: Iterable[FieldFile | None]) -> None:
    """Remove stored files once the rows that named them are gone for good."""
    for stored in files:
        if stored:
            transaction.on_commit(partial(stored.storage.delete, str(stored.name)))


@action("catalog.dataset.delete", perm="catalog.delete_dataset", on="dataset")
def dataset_delete(*, municipality: Municipality, actor: Any, dataset: Dataset) -> Outcome[None]:
    """Delete the dataset, its resources and their files. The audit log keeps its history.
    A dataset an installed app keeps is refused: it would come back at the next sync."""
    if _kept_by_live_app(dataset):
        raise Invalid(
            _(
                "This dataset is published from the records of a Kanmin app and kept up to "
                "date by it, so it cannot be deleted. Withdraw it (公開停止) if it should not "
                "be public."
            ),
            code="kept_by_app",
        )
    before = _dataset_fields(dataset)
    files = [f for r in dataset.resources.all() for f in (r.file, r.repair_log)]
    files += [rev.file for rev in ResourceRevision.all_tenants.filter(resource__dataset=dataset)]
    was_public = dataset.state == DatasetState.PUBLISHED
    # datastore (issue 17): the resources' DataStore tables go with them.
    from kanmin.catalog.datastore import services as datastore_services

    for resource in dataset.resources.all():
        datastore_services.table_removed(actor=actor, resource=resource)
    gone = deleted(dataset)
    SearchGeneration.bump()
    if was_public:
        _republish_list(municipality)
    _delete_on_commit(files)
    return Changed(None, target=gone, before=before)


# --------------------------------------------------------------------------------------------
# Resources
# --------------------------------------------------------------------------------------------


def _touch(dataset: Dataset) -> None:
    """A resource change is a change of its dataset: new version, new search key."""
    Dataset.all_tenants.select_for_update().filter(pk=dataset.pk).first()
    dataset.refresh_from_db(fields=["version"])
    dataset.version += 1
    dataset.save(update_fields=["version", "modified"])
    _reindex(dataset)
    _refresh_quality(dataset)


def _guess_format(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1] if "." in filename else ""
    return ext.upper()[:50]


def _check_upload(name: str, upload: UploadedFile) -> None:
    """Refuse a file that is too large or whose content does not match its extension, before
    anything is stored."""
    limit = upload_limit()
    size = int(upload.size or 0)
    if limit and size > limit:
        raise too_large_error(size)
    upload.seek(0)
    mismatch = filetypes.check(name, upload)  # type: ignore[arg-type]
    upload.seek(0)
    if mismatch is not None:
        if mismatch.kind == "executable":
            message = _("%(name)s is a program; programs cannot be published.") % {"name": name}
        else:
            message = _(
                "%(name)s does not look like a .%(ext)s file: its content is %(kind)s. "
                "Check that you chose the right file, or give it the right extension."
            ) % {"name": name, "ext": mismatch.extension, "kind": mismatch.kind_label}
        raise Invalid(message, fields={"upload": [message]}, code="type_mismatch")


def _refuse_registry_file(resource: Resource) -> None:
    """The CSV and JSON of a dataset an installed app keeps are made by Kanmin on each
    download: they cannot be changed or removed (the next sync would restore them)."""
    if _is_registry_file(resource) and _kept_by_live_app(resource.dataset):
        raise Invalid(
            _(
                "This file is made by Kanmin from the app's records each time it is "
                "downloaded, so it cannot be changed or removed. Add another file instead."
            ),
            code="kept_by_app",
        )


def _apply_upload(resource: Resource, upload: UploadedFile) -> None:
    name = (upload.name or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    _check_upload(name, upload)
    size = int(upload.size or 0)
    dataset = resource.dataset
    name = standard_file_name(dataset.municipality.lg_code, dataset.standard_dataset, name)
    resource.file.save(name, upload, save=False)
    resource.size = size
    resource.url = ""
    resource.mimetype = mimetypes.guess_type(name)[0] or ""
    if not resource.format:
        resource.format = _guess_format(name)
    if not resource.name:
        resource.name = name


def _resource_values(resource: Resource, values: dict[str, Any]) -> None:
    unknown = set(values) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown resource fields: {sorted(unknown)}")
    for name, value in values.items():
        if name == "position":
            resource.position = int(value or 0)
        elif name == "size":
            try:
                resource.size = None if value in (None, "") else int(value)
            except (TypeError, ValueError):
                raise Invalid(fields={"size": [_("Invalid integer")]}) from None
        elif name == "extras":
            resource.extras = _extras(value)
        else:
            setattr(resource, name, (value or "").strip())
    if resource.url and not resource.format:
        resource.format = _guess_format(resource.url.split("?", 1)[0].rsplit("/", 1)[-1])


def _store(resource: Resource, values: dict[str, Any], upload: UploadedFile | None) -> None:
    """Set a new or changed resource's fields and its file or link, check and save it, and
    queue the check of a new file."""
    _resource_values(resource, values)
    if upload is not None:
        _apply_upload(resource, upload)
        if "hash" not in values:  # a checksum given earlier is not this file's
            resource.hash = ""
    elif values.get("url"):  # a link in place of the file
        resource.file = None  # type: ignore[assignment]
        if "size" not in values:
            resource.size = None
    if upload is not None or resource.url:  # new content: unscored until it is checked
        resource.quality_score = None
        resource.stars = None
    if not resource.url and not resource.file:
        raise Invalid(fields={"url": [_("Give a URL or upload a file.")]}, code="no_url")
    full_clean(
        resource,
        exclude=["municipality", "dataset", "file"],
        validate_unique=False,
        validate_constraints=False,
    )
    resource.save()
    _touch(resource.dataset)
    if upload is not None and resource.is_checkable:
        _queue_validation(resource, _schema_for(resource))


@action("catalog.resource.create", perm="catalog.add_resource", on="dataset")
def resource_create(
    *,
    municipality: Municipality,
    actor: Any,
    dataset: Dataset,
    upload: UploadedFile | None = None,
    id: Any = None,
    **values: Any,
) -> Outcome[Resource]:
    """Add a file (``upload``) or a link (``url``) to a dataset. ``id``: see
    :func:`_given_id`."""
    resource = Resource(municipality=municipality, dataset=dataset)
    given = _given_id(Resource, municipality, id)
    if given is not None:
        resource.pk = given
    if "position" not in values:
        resource.position = dataset.resources.count()
    _store(resource, values, upload)
    return Changed(
        resource,
        after={"dataset": dataset.name, **resource.as_audit()},
        extra={"dataset_id": str(dataset.pk)},
    )


@action("catalog.resource.update", perm="catalog.change_resource", on="resource")
def resource_update(
    *,
    municipality: Municipality,
    actor: Any,
    resource: Resource,
    upload: UploadedFile | None = None,
    **values: Any,
) -> Outcome[Resource]:
    """Change a resource's fields given; a new ``upload`` replaces its file or link."""
    _refuse_registry_file(resource)
    before = resource.as_audit()
    old_file = resource.file.name if resource.file else ""
    _store(resource, values, upload)
    if old_file and old_file != (resource.file.name if resource.file else ""):
        transaction.on_commit(partial(resource.file.storage.delete, old_file))
    return Changed(
        resource,
        before=before,
        after=resource.as_audit(),
        extra={"dataset_id": str(resource.dataset_id)},
    )


@action("catalog.resource.delete", perm="catalog.delete_resource", on="resource")
def resource_delete(*, municipality: Municipality, actor: Any, resource: Resource) -> Outcome[None]:
    """Remove a resource and its file."""
    _refuse_registry_file(resource)
    dataset = resource.dataset
    before = {"dataset": dataset.name, **resource.as_audit()}
    files = [resource.file, resource.repair_log]
    files += [rev.file for rev in resource.revisions.all()]
    files += [v.findings_file for v in resource.validations.all()]
    # datastore (issue 17): the resource's DataStore table goes with it.
    from kanmin.catalog.datastore import services as datastore_services

    datastore_services.table_removed(actor=actor, resource=resource)
    gone = deleted(resource)
    _delete_on_commit(files)
    _touch(dataset)
    return Changed(None, target=gone, before=before, extra={"dataset_id": str(dataset.pk)})


# --------------------------------------------------------------------------------------------
# Validation by the standards engine, repair
# --------------------------------------------------------------------------------------------

# Findings kept for the page (all are counted); a report of a whole file stays readable.
MAX_KEPT_FINDINGS = 1000
# Files up to this size are checked with every finding counted (an exact quality score).
EXACT_QUALITY_BYTES = 64 * 1024 * 1024
_PROGRESS_EVERY = 0.5  # seconds between progress writes
# What a GeoJSON file is checked against (RFC 7946, not a national schema).
GEOJSON_SCHEMA = "geojson"


def _refresh_quality(dataset: Dataset) -> None:
    """The dataset's score: the lowest among its checked files (a dataset is as usable as its
    weakest file, and a bad file is never hidden behind a good one); its stars: the best
    format it offers (a CSV next to a PDF makes the data three-star)."""
    scores: list[int] = []
    stars: list[int] = []
    for resource in Resource.all_tenants.filter(dataset=dataset):
        if resource.quality_score is not None:
            scores.append(resource.quality_score)
        level = resource.stars
        if level is None:
            level = quality.format_stars(resource.format)
        if level is not None:
            stars.append(level)
    Dataset.all_tenants.filter(pk=dataset.pk).update(
        quality_score=min(scores) if scores else None, stars=max(stars) if stars else None
    )


def _queue_validation(resource: Resource, schema: str) -> Validation:
    from kanmin.catalog import tasks

    validation = Validation.all_tenants.create(
        municipality=resource.municipality,
        resource=resource,
        requested_schema=GEOJSON_SCHEMA if resource.is_geojson else (schema or "auto"),
        bytes_total=resource.size or 0,
    )
    # The database task backend writes the task in this same transaction: the check is
    # queued exactly when the upload is saved.
    tasks.validate_resource.enqueue(str(validation.pk))
    return validation


def _schema_for(resource: Resource) -> str:
    return resource.dataset.standard_dataset or "auto"


@action("catalog.resource.validate", perm="catalog.change_resource", on="resource")
def resource_validate(
    *, municipality: Municipality, actor: Any, resource: Resource, schema: str = ""
) -> Outcome[Validation]:
    """Queue a check of the resource's file (against the dataset's standard data set, or the
    one its header matches)."""
    if not resource.is_checkable:
        raise Invalid(
            _("Only CSV, TSV, Excel (.xlsx) and GeoJSON files can be checked."),
            code="not_tabular",
        )
    validation = _queue_validation(resource, schema or _schema_for(resource))
    return Changed(
        validation,
        target=resource,
        extra={"dataset_id": str(resource.dataset_id), "validation": str(validation.pk)},
    )


def _source_of(resource: Resource) -> Any:
    try:
        return resource.file.path
    except NotImplementedError:  # a storage without local paths (S3 …)
        return resource.file.open("rb")


def _not_a_standard_is_fine(report: Any) -> None:
    """A dataset that declares no standard data set may hold any table: that its header
    matches none is worth a warning, not an error. The generic checks still apply."""
    from kanmin.standards import Issue

    found = [i for i in report.errors if i.code == "schema_not_detected"]
    for issue in found:
        report.errors.remove(issue)
        report.error_count -= 1
        report.add(Issue(issue.code, "warning", issue.row, issue.column, issue.value, issue.params))


# Plain: the task worker's, in several transactions (progress, then the result).
def validation_run(*, actor: Any = None, validation_id: str) -> Validation:
    """Run a queued check (called by the task worker). Progress is written as it goes; the
    result, the file's quality score and the dataset's are saved in one transaction."""
    from kanmin.standards import Area, quality_score, validate_geojson
    from kanmin.standards import validate_table as validate

    validation = Validation.all_tenants.select_related(
        "resource", "resource__dataset", "municipality"
    ).get(pk=validation_id)
    if validation.finished_work:
        return validation
    resource = validation.resource
    now = timezone.now()
    Validation.all_tenants.filter(pk=validation.pk).update(
        status=ValidationStatus.RUNNING, started=now, bytes_total=resource.size or 0
    )
    last = [time.monotonic()]

    def progress(rows: int, done: int, total: int) -> None:
        if time.monotonic() - last[0] < _PROGRESS_EVERY:
            return
        last[0] = time.monotonic()
        Validation.all_tenants.filter(pk=validation.pk).update(
            rows_done=rows, bytes_done=done, **({"bytes_total": total} if total else {})
        )

    exact = (resource.size or 0) <= EXACT_QUALITY_BYTES
    source = _source_of(resource)
    box = resource.municipality.area
    try:
        if resource.is_geojson:
            report = validate_geojson(
                source,
                area=Area(*box) if box else None,
                max_errors=None if exact else 20 * MAX_KEPT_FINDINGS,
            )
        else:
            report = validate(
                source,
                validation.requested_schema or "auto",
                max_errors=None if exact else 20 * MAX_KEPT_FINDINGS,
                workers=1 if exact else None,
                progress=progress,
                area=Area(*box) if box else None,
            )
        if validation.requested_schema in ("", "auto") and not resource.dataset.standard_dataset:
            _not_a_standard_is_fine(report)
        score = quality_score(report)
    except Exception as exc:  # noqa: BLE001 - a bug must not leave the check "running" forever
        with transaction.atomic():
            Validation.all_tenants.filter(pk=validation.pk).update(
                status=ValidationStatus.FAILED,
                finished=timezone.now(),
                failure=f"{type(exc).__name__}: {exc}"[:2000],
                failure_reason=ValidationFailure.ERROR,
            )
            validation.refresh_from_db()
            record(
                actor=actor,
                municipality=validation.municipality,
                action="catalog.resource.validation_failed",
                target=resource,
                extra={"dataset_id": str(resource.dataset_id), "error": type(exc).__name__},
            )
        return validation
    finally:
        if not isinstance(source, str):
            source.close()
    every = [*([report.fatal] if report.fatal else []), *report.errors, *report.warnings]
    findings = [
        _finding_dict(issue)
        for issue in ([report.fatal] if report.fatal else [])
        + report.errors[:MAX_KEPT_FINDINGS]
        + report.warnings[:MAX_KEPT_FINDINGS]
    ]
    counts = _rule_counts(report, every)
    findings_file = _findings_file(every)
    with transaction.atomic():
        validation = Validation.all_tenants.select_for_update().get(pk=validation.pk)
        validation.status = ValidationStatus.DONE
        validation.finished = timezone.now()
        validation.bytes_done = validation.bytes_total
        validation.rows_done = report.rows
        validation.rows = report.rows
        validation.schema = report.schema or ""
        validation.encoding = report.encoding or ""
        validation.valid = report.valid
        validation.error_count = report.error_count + (1 if report.fatal else 0)
        validation.warning_count = report.warning_count
        validation.quality_score = score.score
        validation.stars = score.stars
        validation.quality_breakdown = dict(score.breakdown)
        validation.issues = json.loads(json.dumps(findings, cls=DjangoJSONEncoder))
        validation.rule_counts = counts
        validation.findings_file.save(f"{validation.pk}.jsonl.gz", findings_file, save=False)
        validation.save()
        newest = resource.validations.order_by("-created").values_list("pk", flat=True).first()
        if newest == validation.pk:
            Resource.all_tenants.filter(pk=resource.pk).update(
                quality_score=score.score, stars=score.stars
            )
            _refresh_quality(resource.dataset)
            # datastore (issue 17): a checked table is loaded into the DataStore.
            if resource.is_tabular and not report.fatal:
                from kanmin.catalog.datastore import services as datastore_services

                datastore_services.datastore_queue(actor=actor, resource=resource)
        record(
            actor=actor,
            municipality=validation.municipality,
            action="catalog.resource.validated",
            target=resource,
            after={
                "valid": validation.valid,
                "schema": validation.schema,
                "errors": validation.error_count,
                "warnings": validation.warning_count,
                "quality_score": validation.quality_score,
            },
            extra={"dataset_id": str(resource.dataset_id)},
        )
    return validation


# Plain: the task worker's, on a check that is gone or done it records nothing.
def validation_fail(*, actor: Any = None, validation_id: str, reason: str) -> Validation | None:
    """Mark a check that could not finish as failed, with the reason (a
    ``ValidationFailure`` code): called by the task worker when the check's task failed for
    good (its worker died on each attempt, it used too much memory, it raised). A check that
    finished meanwhile is left as it is. None when the check no longer exists."""
    if reason not in ValidationFailure.values:
        reason = ValidationFailure.ERROR
    with transaction.atomic():
        validation = (
            Validation.all_tenants.select_for_update()
            .select_related("resource", "municipality")
            .filter(pk=validation_id)
            .first()
        )
        if validation is None or validation.finished_work:
            return validation
        validation.status = ValidationStatus.FAILED
        validation.finished = timezone.now()
        validation.failure_reason = reason
        with translation.override("en"):  # for the administrators; the page translates
            validation.failure = str(ValidationFailure(reason).label)
        validation.save(update_fields=["status", "finished", "failure_reason", "failure"])
        record(
            actor=actor,
            municipality=validation.municipality,
            action="catalog.resource.validation_failed",
            target=validation.resource,
            extra={"dataset_id": str(validation.resource.dataset_id), "reason": reason},
        )
    return validation


def _finding_dict(issue: Any) -> dict[str, Any]:
    """A finding, language-neutral: the page and the CSV render its message."""
    return {
        "severity": issue.severity,
        "code": issue.code,
        "row": issue.row,
        "column": issue.column,
        "value": issue.value,
        "params": issue.params,
    }


def _rule_counts(report: Any, every: list[Any]) -> dict[str, int]:
    """Findings per rule over the whole report. When the engine kept only some of them (a file
    too large for an exact count), the rules' counts are scaled so that they add up to the
    report's totals: a group's count is never smaller than what the page lists."""
    from kanmin.standards import rule_counts

    counts = rule_counts(every)
    for severity, total in (("error", report.error_count), ("warning", report.warning_count)):
        kept = sum(n for key, n in counts.items() if key.startswith(severity + ":"))
        if kept and total > kept:
            for key, n in counts.items():
                if key.startswith(severity + ":"):
                    counts[key] = round(n * total / kept)
    return counts


def _findings_file(every: list[Any]) -> ContentFile[bytes]:
    """Every finding of a check as gzipped JSON lines (language-neutral), for the CSV."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as out:
        for issue in every:
            line = json.dumps(_finding_dict(issue), cls=DjangoJSONEncoder, ensure_ascii=False)
            out.write(line.encode("utf-8") + b"\n")
    return ContentFile(buffer.getvalue())


def _corrected_name(resource: Resource) -> str:
    stem = resource.filename.rsplit(".", 1)[0] if resource.filename else "data"
    if not stem.endswith("_corrected"):
        stem += "_corrected"
    return stem


@action("catalog.resource.repair", perm="catalog.add_resource", on="resource.dataset")
def resource_repair(
    *, municipality: Municipality, actor: Any, resource: Resource
) -> Outcome[Resource]:
    """Make a corrected copy of a tabular file (UTF-8 CSV, fixed only where it is certain) as a
    new resource of the same dataset, with its change log. The original is kept as it is."""
    from kanmin.standards import ReadError, SchemaError
    from kanmin.standards import render_message as render
    from kanmin.standards import repair_table as repair

    if not resource.is_tabular:
        raise Invalid(
            _("Only CSV, TSV and Excel (.xlsx) files can be corrected."), code="not_tabular"
        )
    lang = "en" if (get_language() or "ja").startswith("en") else "ja"
    source = _source_of(resource)
    with tempfile.TemporaryDirectory(prefix="kanmin-repair-") as tmp:
        out = Path(tmp) / "repaired.csv"
        try:
            result = repair(source, _schema_for(resource), out)
        except (ReadError, SchemaError) as exc:
            raise Invalid(render(exc.code, lang, exc.params), code="unreadable") from None
        finally:
            if not isinstance(source, str):
                source.close()
        log = io.StringIO()
        log.write("\ufeff")
        write_rows(log, [["row", "column", "before", "after", "rule"]])
        write_rows(log, (c.as_row() for c in result.changes))
        stem = _corrected_name(resource)
        copy = Resource(
            municipality=municipality,
            dataset=resource.dataset,
            name=_("%(name)s (corrected)") % {"name": resource.name or resource.filename},
            description=_(
                "A corrected copy of %(file)s made by Kanmin: %(count)s changes (see the change "
                "log). The original file is kept unchanged."
            )
            % {"file": resource.filename, "count": len(result.changes)},
            format="CSV",
            mimetype="text/csv",
            repaired_from=resource,
            repair_changes=len(result.changes),
            position=resource.dataset.resources.count(),
        )
        with out.open("rb") as fh:
            copy.file.save(f"{stem}.csv", File(fh), save=False)
        copy.size = out.stat().st_size
        copy.repair_log.save(
            f"{stem}_changes.csv", ContentFile(log.getvalue().encode("utf-8")), save=False
        )
    copy.save()
    _touch(resource.dataset)
    _queue_validation(copy, _schema_for(copy))
    return Changed(
        copy,
        after={"dataset": resource.dataset.name, **copy.as_audit(), "changes": len(result.changes)},
        extra={"dataset_id": str(resource.dataset_id), "repaired_from": str(resource.pk)},
    )


def _corrected_copy(actor: Any, copy: Resource) -> Resource:
    """The original of a corrected copy, locked; refuses anything else."""
    if copy.repaired_from_id is None:
        raise Invalid(
            _("%(name)s is not a corrected copy of another file.") % {"name": copy},
            code="not_a_copy",
        )
    original = Resource.all_tenants.select_for_update().get(pk=copy.repaired_from_id)
    require(actor, "catalog.change_resource", original)
    return original


@action("catalog.resource.replace_with_copy", perm="catalog.change_resource", on="copy")
def resource_replace_with_copy(
    *, municipality: Municipality, actor: Any, copy: Resource
) -> Outcome[Resource]:
    """Put a corrected copy in its original's place: the original resource (its address,
    name and position) now serves the corrected file and its change log; the file as it was
    uploaded is kept in the resource's history (staff only); the copy itself goes away.
    Returns the original resource."""
    original = _corrected_copy(actor, copy)
    if not copy.file:
        raise Invalid(_("The corrected copy has no file."), code="no_file")
    before = original.as_audit()
    revision = ResourceRevision.all_tenants.create(
        municipality=municipality,
        resource=original,
        file=original.file.name if original.file else "",
        format=original.format,
        size=original.size,
        quality_score=original.quality_score,
        reason=RevisionReason.REPLACED_BY_CORRECTION,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    stem = (original.filename or copy.filename).rsplit(".", 1)[0] or "data"
    dataset = original.dataset
    name = standard_file_name(dataset.municipality.lg_code, dataset.standard_dataset, f"{stem}.csv")
    folder = (
        original.file.name.rsplit("/", 1)[0]
        if original.file and "/" in original.file.name
        else (f"catalog/{municipality.lg_code}/{dataset.pk}/{original.pk}")
    )
    storage = copy.file.storage
    with copy.file.open("rb") as fh:
        # A folder per replacement: the corrected file keeps the original's file name.
        stored = storage.save(f"{folder}/{revision.pk.hex[:12]}/{name}", File(fh))
    old_copy_file = copy.file.name
    original.file.name = stored
    original.repair_log.name = copy.repair_log.name if copy.repair_log else ""
    original.repair_changes = copy.repair_changes
    original.size = copy.size
    original.format = "CSV"
    original.mimetype = "text/csv"
    original.quality_score = copy.quality_score
    original.stars = copy.stars
    original.save()
    # The copy's checks now describe the original's file.
    Validation.all_tenants.filter(resource=copy).update(resource=original)
    copy_id = str(copy.pk)
    # datastore (issue 17): the original's table is reloaded from the corrected file; the
    # copy's table goes with the copy.
    from kanmin.catalog.datastore import files as datastore_files
    from kanmin.catalog.datastore import services as datastore_services

    datastore_files.delete_on_commit(copy)
    Resource.all_tenants.filter(pk=copy.pk).delete()
    if original.is_tabular:
        datastore_services.datastore_queue(actor=actor, resource=original)
    transaction.on_commit(partial(storage.delete, old_copy_file))
    _touch(dataset)
    return Changed(
        original,
        before=before,
        after=original.as_audit(),
        extra={
            "dataset_id": str(dataset.pk),
            "copy": copy_id,
            "revision": str(revision.pk),
            "changes": original.repair_changes,
        },
    )


@action("catalog.resource.keep_both", perm="catalog.change_resource", on="copy")
def resource_keep_both(
    *, municipality: Municipality, actor: Any, copy: Resource
) -> Outcome[Resource]:
    """Keep a corrected copy beside its original (both public); the page stops asking."""
    _corrected_copy(actor, copy)
    copy.kept_with_original = True
    copy.save(update_fields=["kept_with_original", "modified"])
    return Changed(
        copy, extra={"dataset_id": str(copy.dataset_id), "original": str(copy.repaired_from_id)}
    )


# --------------------------------------------------------------------------------------------
# Page views and downloads
# --------------------------------------------------------------------------------------------


# Plain: a counter, not a change anyone made (see below).
def hit_count(
    *,
    municipality: Municipality,
    actor: Any,
    dataset: Dataset,
    kind: str,
    resource: Resource | None = None,
) -> None:
    """Count a page view or a download for today. A counter, not a change anyone made: no
    audit entry, and no visitor is identified."""
    require_same_tenant(municipality, dataset, resource)
    key = {
        "dataset": dataset,
        "resource_key": str(resource.pk) if resource is not None else "",
        "kind": HitKind(kind),
        "day": timezone.localdate(),
    }
    with transaction.atomic():
        if DailyCount.all_tenants.filter(**key).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                DailyCount.all_tenants.create(municipality=municipality, count=1, **key)
        except IntegrityError:  # another request created today's row first
            DailyCount.all_tenants.filter(**key).update(count=F("count") + 1)


# --------------------------------------------------------------------------------------------
# Tables the apps offer (kanmin.core.datasets), kept as ordinary datasets
# --------------------------------------------------------------------------------------------

# The publishing unit a provider's dataset starts in when the caller names none; staff move it
# to the department that answers for the data (the sync never moves it back).
REGISTRY_ORGANIZATION = "kanmin-apps"
# The files of a provider's dataset: /m/<code>/datasets/<slug>.<extension>.
REGISTRY_FILES = (("csv", "CSV", "text/csv"), ("json", "JSON", "application/json"))
# What the provider declares and the catalog does not let staff change (the sync would undo it).
PROVIDER_FIELDS = ("title_ja", "title_en", "notes_ja", "notes_en", "license_id")


@dataclass
class RegisteredSync:
    """What a sync did, by dataset name."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.withdrawn)


def _provider_licence(provider: datasets.Provider) -> str:
    wanted = provider.licence.strip().lower()
    known = next((lic.id for lic in licenses.LICENSES if lic.id.lower() == wanted), None)
    return known or licenses.DEFAULT_LICENSE_ID


def _provider_values(provider: datasets.Provider) -> dict[str, str]:
    """The dataset's metadata as the provider declares it; the description lists the columns."""
    columns_ja = "、".join(c.title_ja for c in provider.columns)
    columns_en = ", ".join(c.title_en or c.title_ja for c in provider.columns)
    return {
        "title_ja": provider.title_ja.strip(),
        "title_en": provider.title_en.strip(),
        "notes_ja": f"{provider.description_ja.strip()}\n\n項目: {columns_ja}",
        "notes_en": f"{provider.description_en.strip()}\n\nColumns: {columns_en}",
        "license_id": _provider_licence(provider),
    }


def _registry_path(municipality: Municipality, provider: datasets.Provider, ext: str) -> str:
    from kanmin.core.tenancy import tenant_reverse

    return tenant_reverse(
        "core:registered_dataset", municipality, {"slug": provider.slug, "fmt": ext}
    )


def _is_registry_file(resource: Resource) -> bool:
    """A file the sync makes for a provider's dataset (its CSV or JSON), not staff's."""
    return resource.is_served_here and resource.dataset.is_kept_by_app


def _registry_organization(
    municipality: Municipality, actor: Any, chosen: Organization | None
) -> Organization:
    if chosen is not None:
        require_same_tenant(municipality, chosen)
        return chosen
    found = Organization.all_tenants.filter(
        municipality=municipality, name=REGISTRY_ORGANIZATION
    ).first()
    if found is not None:
        return found
    org = Organization(
        municipality=municipality,
        name=REGISTRY_ORGANIZATION,
        title_ja="庁内業務システム（自動公開）",
        title_en="City business systems (published automatically)",
        description=(
            "Kanminの業務アプリ（防災など）が記録したデータを、オープンデータとして自動で"
            "公開するデータセットの仮の公開元です。担当課の組織へ移してください。"
        ),
    )
    org.save()
    SearchGeneration.bump()
    record(
        actor=actor,
        municipality=municipality,
        action="catalog.organization.create",
        target=org,
        after={"name": org.name, "title_ja": org.title_ja},
    )
    return org


def _sync_files(dataset: Dataset, provider: datasets.Provider) -> bool:
    """Create or correct the dataset's CSV and JSON links; True when something changed."""
    municipality = dataset.municipality
    owned = [r for r in Resource.all_tenants.filter(dataset=dataset) if r.is_served_here]
    changed = False
    columns = "、".join(c.title_ja for c in provider.columns)
    for position, (ext, fmt, mimetype) in enumerate(REGISTRY_FILES):
        suffix = f"/datasets/{provider.slug}.{ext}"
        wanted = {
            "url": _registry_path(municipality, provider, ext),
            "name": f"{municipality.lg_code}_{provider.slug}.{ext}",
            "description": (
                f"{provider.title_ja}（{fmt}）。配信のたびに最新の記録から作成します。"
                f"項目: {columns}"
            ),
            "format": fmt,
            "mimetype": mimetype,
            "position": position,
        }
        resource = next((r for r in owned if r.url.endswith(suffix)), None)
        if resource is None:
            resource = Resource(municipality=municipality, dataset=dataset, **wanted)
            resource.save()
            changed = True
        elif any(getattr(resource, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(resource, key, value)
            resource.save()
            changed = True
    return changed


def _sync_data_time(dataset: Dataset, provider: datasets.Provider) -> bool:
    """Give the dataset's files the time its rows last changed (their CKAN ``last_modified``
    and DCAT ``dct:modified``), when the provider can tell; True when it moved."""
    if provider.last_modified is None:
        return False
    when = provider.last_modified(dataset.municipality)
    if when is None:
        return False
    files = Resource.all_tenants.filter(dataset=dataset, file="", url__startswith="/")
    stale = files.exclude(modified=when)
    # A queryset update: ``modified`` is otherwise the time of the row's last save.
    return bool(stale.update(modified=when))


def _register_dataset(
    municipality: Municipality,
    actor: Any,
    provider: datasets.Provider,
    organization: Organization,
) -> Dataset:
    name = provider.slug
    taken = set(
        Dataset.all_tenants.filter(municipality=municipality, name__startswith=name).values_list(
            "name", flat=True
        )
    )
    n = 2
    while name in taken:  # a dataset staff keep already has the name
        name = f"{provider.slug}_{n}"
        n += 1
    frequency = provider.frequency if provider.frequency in UpdateFrequency.values else ""
    dataset = Dataset(
        municipality=municipality,
        organization=organization,
        provider=provider.name,
        state=DatasetState.PUBLISHED,
    )
    _save_dataset(
        dataset,
        {
            **_provider_values(provider),
            "name": name,
            "update_frequency": frequency,
            "spatial": open_data_list.full_name(municipality),
            "tags": list(provider.keywords),
        },
    )
    _sync_files(dataset, provider)
    _sync_data_time(dataset, provider)
    _reindex(dataset)
    _refresh_quality(dataset)
    _republish_list(municipality)
    record(
        actor=actor,
        municipality=municipality,
        action="catalog.dataset.create",
        target=dataset,
        after=_dataset_fields(dataset),
        extra={"provider": provider.name},
    )
    return dataset


def _update_registered(
    dataset: Dataset,
    actor: Any,
    provider: datasets.Provider,
    organization: Organization | None,
) -> bool:
    """Bring a provider's dataset up to date; True when anything changed."""
    municipality = dataset.municipality
    current = _locked(dataset, None)
    before = _dataset_fields(current)
    values: dict[str, Any] = {
        key: value
        for key, value in _provider_values(provider).items()
        if getattr(current, key) != value
    }
    tags = set(before["tags"])
    if not set(provider.keywords) <= tags:  # staff's own tags are kept
        values["tags"] = sorted(tags | set(provider.keywords))
    if (
        organization is not None
        and current.organization.name == REGISTRY_ORGANIZATION
        and organization.pk != current.organization_id
    ):
        values["organization"] = organization
    if values:
        current.version += 1
        _save_dataset(current, values)
    files_changed = _sync_files(current, provider)
    data_moved = _sync_data_time(current, provider)
    if files_changed or data_moved:
        _touch(current)
    if current.state == DatasetState.PUBLISHED and (values or files_changed or data_moved):
        _republish_list(municipality)
    if values or files_changed:
        record(
            actor=actor,
            municipality=municipality,
            action="catalog.dataset.registered_sync",
            target=current,
            before=before,
            after=_dataset_fields(current),
            extra={"provider": provider.name},
        )
    return bool(values or files_changed or data_moved)


def _withdraw_orphan(dataset: Dataset, actor: Any) -> None:
    """The app that kept the dataset is gone: withdraw it (公開停止), never delete it."""
    current = _locked(dataset, None)
    before = current.state
    current.state = DatasetState.WITHDRAWN
    current.version += 1
    current.save(update_fields=["state", "version", "modified"])
    SearchGeneration.bump()
    _republish_list(current.municipality)
    record(
        actor=actor,
        municipality=current.municipality,
        action="catalog.dataset.withdraw",
        target=current,
        before={"state": before},
        after={"state": current.state},
        extra={"provider": current.provider, "reason": "provider_gone"},
    )


# Plain: the system's (post-migrate, `kanmin catalog sync`, the demo, a provider's change); it
# checks no permission and records each dataset it creates, changes or withdraws.
def registered_datasets_sync(
    *,
    municipality: Municipality,
    actor: Any = None,
    providers: Iterable[datasets.Provider] | None = None,
    organizations: dict[str, Organization] | None = None,
) -> RegisteredSync:
    """Keep one ordinary dataset per registered provider (``kanmin.core.datasets``) in the
    municipality's catalog, so that search, facets, the CKAN API, DCAT and the オープンデータ一覧
    list it like any other: created published (in ``organizations[provider.name]``, else the
    catalog's ``kanmin-apps`` unit), its metadata and two files (CSV, JSON: links to
    ``/m/<code>/datasets/<slug>``) brought up to date, the files' time set to when the rows
    last changed. Staff keep the state, organization, categories, contact and their own tags.

    ``providers`` None means every registered one, and then a dataset whose provider is no
    longer registered (its app was removed) is withdrawn, never deleted. Running it again
    changes nothing, and moves the search generation only when something changed."""
    report = RegisteredSync()
    chosen = list(providers) if providers is not None else datasets.all_providers()
    organizations = organizations or {}
    with transaction.atomic():
        # One sync of a municipality at a time (a migrate and a command, say).
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        kept = {
            d.provider: d
            for d in Dataset.all_tenants.filter(municipality=municipality)
            .exclude(provider="")
            .select_related("organization", "municipality")
        }
        for provider in chosen:
            dataset = kept.get(provider.name)
            if dataset is None:
                org = _registry_organization(municipality, actor, organizations.get(provider.name))
                report.created.append(_register_dataset(municipality, actor, provider, org).name)
            elif _update_registered(dataset, actor, provider, organizations.get(provider.name)):
                report.updated.append(dataset.name)
        if providers is None:
            names = {p.name for p in chosen}
            for name, dataset in sorted(kept.items()):
                if name not in names and dataset.state != DatasetState.WITHDRAWN:
                    _withdraw_orphan(dataset, actor)
                    report.withdrawn.append(dataset.name)
        for provider in chosen:
            if provider.name in kept:
                _refresh_registered_dependents(kept[provider.name], provider)
    return report


def _refresh_registered_dependents(dataset: Dataset, provider: datasets.Provider) -> None:
    """The derived tables that read the app's table are computed again: a sync runs after the
    app's actions that may change its rows (``changed_by``), and when staff or a migration
    sync every table. Queued in the sync's transaction, as a load queues its dependents'."""
    from kanmin.catalog.analysis import services as analysis_services
    from kanmin.catalog.datastore import registered

    for resource in dataset.resources.all():
        if registered.is_registered_file(resource, provider):
            analysis_services.derived_refresh_queue(resource=resource)


def registered_datasets_sync_all(*, actor: Any = None) -> dict[str, RegisteredSync]:
    """:func:`registered_datasets_sync` for every active municipality, by code."""
    return {
        municipality.lg_code: registered_datasets_sync(municipality=municipality, actor=actor)
        for municipality in Municipality.objects.filter(is_active=True).order_by("lg_code")
    }
