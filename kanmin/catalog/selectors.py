"""Reads of the catalog: what a viewer may see, datasets by id (a search's page), organizations
and groups, checks, activity. Searching is :mod:`kanmin.catalog.search`.

``municipality=None`` means every municipality (the root portal and the root CKAN API).
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from kanmin.audit import selectors as audit_selectors
from kanmin.audit.models import AuditEvent
from kanmin.catalog import search
from kanmin.catalog.models import (
    DailyCount,
    Dataset,
    DatasetState,
    Group,
    HarvestedDataset,
    HarvestSource,
    HitKind,
    Organization,
    Resource,
    ResourceRevision,
    Tag,
    Validation,
)
from kanmin.core import datasets
from kanmin.core.errors import NotFound
from kanmin.core.language import localized
from kanmin.core.models import Municipality


def _scoped(model: type[Any], municipality: Municipality | None) -> QuerySet[Any]:
    queryset: QuerySet[Any] = model.all_tenants.all()
    if municipality is not None:
        queryset = queryset.filter(municipality=municipality)
    return queryset


def dataset_list(
    *,
    municipality: Municipality | None,
    viewer: Any,
    include_private: bool = True,
    include_drafts: bool = True,
    staff_within: Municipality | None = None,
) -> QuerySet[Dataset]:
    """Datasets the viewer may see: published ones for everyone; for staff of the owning
    municipality also private ones and (``include_drafts``) drafts and withdrawn ones (the
    rule is :meth:`kanmin.catalog.search.Scope.of`, which searches follow too)."""
    scope = search.Scope.of(
        viewer,
        municipality=municipality,
        include_private=include_private,
        include_drafts=include_drafts,
        staff_within=staff_within,
    )
    return Dataset.all_tenants.filter(scope.q()).select_related("organization", "municipality")


def dataset_with_details(queryset: QuerySet[Dataset]) -> QuerySet[Dataset]:
    # The related rows are read in their own order, without the models' default ordering,
    # which would join the municipality (and the dataset) into every one of these queries.
    # The harvest origin (a one-to-one link) is joined: DCAT says where a dataset came from.
    return (
        queryset.defer("search_key")
        .select_related("origin")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.all_tenants.order_by("name")),
            Prefetch("groups", queryset=Group.all_tenants.order_by("name")),
            Prefetch("resources", queryset=Resource.all_tenants.order_by("position", "created")),
        )
    )


@dataclass
class PackageDetails:
    """A dataset with its organization, municipality, tags, groups and resources as plain
    values (ids as ``str(uuid)``, times as datetimes), for the CKAN API's package dicts."""

    dataset: dict[str, Any]
    organization: dict[str, Any]
    municipality: dict[str, Any]
    tags: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    # A harvested dataset's origin: remote_id, remote_url, source_id, source_title.
    origin: dict[str, Any] | None = None


_DATASET_COLUMNS = (
    "id name title_ja title_en notes_ja notes_en license_id update_frequency contact_name"
    " contact_email spatial temporal_start temporal_end standard_dataset state version"
    " creator_id created modified organization_id municipality_id provider"
    " author author_email source_url version_label extras"
).split()
_ORGANIZATION_COLUMNS = "id name title_ja title_en description created image_url".split()
_GROUP_COLUMNS = "id name title_ja title_en description image_url".split()
_RESOURCE_COLUMNS = (
    "id dataset_id url file name description format mimetype size position created modified"
    " hash extras"
).split()
_UUIDS = {"id", "organization_id", "dataset_id", "creator_uuid"}
_TIMES = {"created", "modified"}
_DATES = {"temporal_start", "temporal_end"}
_JSON = {"extras"}


def package_details(ids: Sequence[uuid.UUID]) -> list[PackageDetails]:
    """The datasets ``ids`` (already found visible by :func:`dataset_id_get` or a search), in
    that order; ids not found are left out.

    The API answers these on every uncached read: four plain statements, since compiling
    querysets and building model instances cost several times the reads themselves."""
    if not ids:
        return []
    prep = Dataset._meta.pk.get_db_prep_value
    params = [prep(pk, connection) for pk in dict.fromkeys(ids)]
    marks = ", ".join(["%s"] * len(params))
    dataset_table, org_table = Dataset._meta.db_table, Organization._meta.db_table
    muni_table = Municipality._meta.db_table
    tags_link, groups_link = (
        Dataset.tags.through._meta.db_table,
        Dataset.groups.through._meta.db_table,
    )
    user_table = get_user_model()._meta.db_table
    harvested_table = HarvestedDataset._meta.db_table
    harvest_source_table = HarvestSource._meta.db_table
    select = ", ".join(
        [f"d.{c}" for c in _DATASET_COLUMNS]
        + ["u.uuid"]
        + [f"o.{c}" for c in _ORGANIZATION_COLUMNS]
        + ["m.lg_code", "m.name_ja"]
        + ["h.remote_id", "h.remote_url", "s.id", "s.title"]
    )
    found: dict[str, PackageDetails] = {}
    n_dataset, n_org = len(_DATASET_COLUMNS) + 1, len(_ORGANIZATION_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM {dataset_table} d"  # noqa: S608 (names from the models)
            f" JOIN {org_table} o ON o.id = d.organization_id"
            f" JOIN {muni_table} m ON m.id = d.municipality_id"
            f" LEFT JOIN {user_table} u ON u.id = d.creator_id"
            # Where a harvested dataset came from (at most one row: a one-to-one link).
            f" LEFT JOIN {harvested_table} h ON h.dataset_id = d.id"
            f" LEFT JOIN {harvest_source_table} s ON s.id = h.source_id"
            f" WHERE d.id IN ({marks})",
            params,
        )
        for row in cursor.fetchall():
            dataset = _row_values((*_DATASET_COLUMNS, "creator_uuid"), row[:n_dataset])
            lg_code, name_ja, remote_id, remote_url, source_id, source_title = row[-6:]
            found[dataset["id"]] = PackageDetails(
                dataset=dataset,
                organization=_row_values(_ORGANIZATION_COLUMNS, row[n_dataset : n_dataset + n_org]),
                municipality={"lg_code": lg_code, "name_ja": name_ja},
                origin=(
                    {
                        "remote_id": remote_id,
                        "remote_url": remote_url,
                        "source_id": _uuid_text(source_id),
                        "source_title": source_title,
                    }
                    if source_id is not None
                    else None
                ),
            )
        cursor.execute(
            f"SELECT l.dataset_id, t.id, t.name FROM {tags_link} l"  # noqa: S608
            f" JOIN {Tag._meta.db_table} t ON t.id = l.tag_id WHERE l.dataset_id IN ({marks})",
            params,
        )
        for dataset_id, *tag in cursor.fetchall():
            found[_uuid_text(dataset_id)].tags.append(_row_values(("id", "name"), tag))
        group_columns = ", ".join(f"g.{c}" for c in _GROUP_COLUMNS)
        cursor.execute(
            f"SELECT l.dataset_id, {group_columns} FROM {groups_link} l"  # noqa: S608
            f" JOIN {Group._meta.db_table} g ON g.id = l.group_id"
            f" WHERE l.dataset_id IN ({marks})",
            params,
        )
        for dataset_id, *group in cursor.fetchall():
            found[_uuid_text(dataset_id)].groups.append(_row_values(_GROUP_COLUMNS, group))
        cursor.execute(
            f"SELECT {', '.join(_RESOURCE_COLUMNS)} FROM {Resource._meta.db_table}"  # noqa: S608
            f" WHERE dataset_id IN ({marks})",
            params,
        )
        for row in cursor.fetchall():
            resource = _row_values(_RESOURCE_COLUMNS, row)
            found[resource["dataset_id"]].resources.append(resource)
    # datastore (issue 17): which resources have a loaded table (ckanapi dump -d reads it).
    active = datastore_active_ids([r["id"] for d in found.values() for r in d.resources])
    for details in found.values():
        for resource in details.resources:
            resource["datastore_active"] = resource["id"] in active
    for details in found.values():
        details.tags.sort(key=lambda t: t["name"])
        details.groups.sort(key=lambda g: g["name"])
        details.resources.sort(key=lambda r: (r["position"], r["created"]))
    return [found[key] for key in map(_uuid_text, ids) if key in found]


def datasets_in_order(ids: Sequence[uuid.UUID]) -> list[Dataset]:
    """A page of search results (ids already found visible): the datasets with their details,
    in the order of ``ids``."""
    position = {pk: i for i, pk in enumerate(ids)}
    rows = Dataset.all_tenants.filter(pk__in=list(ids)).select_related(
        "organization", "organization__department", "municipality"
    )
    return sorted(dataset_with_details(rows), key=lambda d: position[d.pk])


def _uuid_text(value: Any) -> str:
    """``str(uuid)`` of an id as the database gives it (hex on SQLite, dashed text or a UUID
    on PostgreSQL)."""
    return str(value) if isinstance(value, uuid.UUID) else str(uuid.UUID(value))


def _row_values(columns: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    """One row as a dict, with ids and times the same whatever the database."""
    row = dict(zip(columns, values, strict=True))
    for name, value in row.items():
        if value is None:
            continue
        if name in _UUIDS:
            row[name] = _uuid_text(value)
        elif name in _TIMES and isinstance(value, str):
            row[name] = parse_datetime(value)
        elif name in _DATES and isinstance(value, str):
            row[name] = parse_date(value)
        elif name in _JSON and isinstance(value, str | bytes):
            row[name] = json.loads(value)
    return row


def _no_dataset(id_or_name: str) -> NotFound:
    return NotFound(_("Dataset %(name)s was not found.") % {"name": id_or_name}, code="no_dataset")


def _by_id_or_name(queryset: QuerySet[Any], id_or_name: str) -> Any:
    value = (id_or_name or "").strip()
    if search.is_uuid(value):
        found = queryset.filter(pk=value).first()
        if found is not None:
            return found
    return queryset.filter(name=value).order_by("municipality__lg_code").first()


def dataset_get(
    *,
    municipality: Municipality | None,
    viewer: Any,
    id_or_name: str,
    staff_within: Municipality | None = None,
) -> Dataset:
    """A dataset by id or name, if the viewer may see it."""
    queryset = dataset_with_details(
        dataset_list(municipality=municipality, viewer=viewer, staff_within=staff_within)
    )
    dataset = _by_id_or_name(queryset, id_or_name)
    if dataset is None:
        raise _no_dataset(id_or_name)
    return dataset


def dataset_id_get(
    *,
    municipality: Municipality | None,
    viewer: Any,
    id_or_name: str,
    staff_within: Municipality | None = None,
) -> uuid.UUID:
    """The id of a dataset given by id or name, if the viewer may see it (for
    :func:`package_details`, which reads the rest)."""
    if viewer is not None and not viewer.is_authenticated and staff_within is None:
        found = _published_id(municipality, id_or_name)
    else:
        queryset = dataset_list(municipality=municipality, viewer=viewer, staff_within=staff_within)
        found = _by_id_or_name(queryset.values_list("pk", flat=True), id_or_name)
    if found is None:
        raise _no_dataset(id_or_name)
    return uuid.UUID(_uuid_text(found))


def _published_id(municipality: Municipality | None, id_or_name: str) -> Any:
    """What :func:`_by_id_or_name` finds among published datasets, in plain statements: an
    anonymous package_show does this on every uncached read."""
    value = (id_or_name or "").strip()
    table, muni_table = Dataset._meta.db_table, Municipality._meta.db_table
    where = "d.state = %s"
    params: list[Any] = [str(DatasetState.PUBLISHED)]
    if municipality is not None:
        where += " AND d.municipality_id = %s"
        params.append(municipality.pk)
    with connection.cursor() as cursor:
        if search.is_uuid(value):
            pk = Dataset._meta.pk.get_db_prep_value(uuid.UUID(value), connection)
            cursor.execute(
                f"SELECT d.id FROM {table} d WHERE {where} AND d.id = %s",  # noqa: S608
                [*params, pk],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0]
        cursor.execute(
            f"SELECT d.id FROM {table} d JOIN {muni_table} m ON m.id = d.municipality_id"  # noqa: S608
            f" WHERE {where} AND d.name = %s ORDER BY m.lg_code LIMIT 1",
            [*params, value],
        )
        row = cursor.fetchone()
    return row[0] if row is not None else None


def dataset_for_edit(*, municipality: Municipality, id_or_name: str) -> Dataset:
    """A dataset of this municipality in any state (the service checks the permission)."""
    dataset = _by_id_or_name(
        _scoped(Dataset, municipality).select_related("organization", "municipality"), id_or_name
    )
    if dataset is None:
        raise _no_dataset(id_or_name)
    return dataset


def resource_get(
    *,
    municipality: Municipality | None,
    viewer: Any,
    id: str,
    staff_within: Municipality | None = None,
) -> Resource:
    """A resource of a dataset the viewer may see."""
    visible = dataset_list(municipality=municipality, viewer=viewer, staff_within=staff_within)
    resource = None
    if search.is_uuid(id):
        resource = (
            Resource.all_tenants.filter(pk=id, dataset__in=visible)
            .select_related("dataset", "municipality")
            .first()
        )
    if resource is None:
        raise NotFound(_('Resource "%(id)s" was not found.') % {"id": id}, code="no_resource")
    return resource


# --------------------------------------------------------------------------------------------
# Organizations, groups, tags
# --------------------------------------------------------------------------------------------


def organization_list(*, municipality: Municipality | None) -> QuerySet[Organization]:
    return _scoped(Organization, municipality).annotate(
        package_count=Count(
            "datasets", filter=Q(datasets__state=DatasetState.PUBLISHED), distinct=True
        )
    )


def organization_get(*, municipality: Municipality | None, id_or_name: str) -> Organization:
    org = _by_id_or_name(organization_list(municipality=municipality), id_or_name)
    if org is None:
        raise NotFound(
            _("Organization %(name)s was not found.") % {"name": id_or_name}, code="no_org"
        )
    return org


def group_list(*, municipality: Municipality | None) -> QuerySet[Group]:
    return _scoped(Group, municipality).annotate(
        package_count=Count(
            "datasets", filter=Q(datasets__state=DatasetState.PUBLISHED), distinct=True
        )
    )


def group_get(*, municipality: Municipality | None, id_or_name: str) -> Group:
    group = _by_id_or_name(group_list(municipality=municipality), id_or_name)
    if group is None:
        raise NotFound(_("Group %(name)s was not found.") % {"name": id_or_name}, code="no_group")
    return group


def tag_names(*, municipality: Municipality | None, query: str = "") -> list[str]:
    """Names of the tags on published datasets (drafts never leak their tags)."""
    queryset = _scoped(Tag, municipality).filter(datasets__state=DatasetState.PUBLISHED)
    if query:
        queryset = queryset.filter(name__icontains=query)
    return sorted(set(queryset.values_list("name", flat=True)))


def public_dataset_names(
    *, municipality: Municipality | None, limit: int | None = None, offset: int = 0
) -> list[str]:
    """Names of published datasets, sorted by name. At the root, a name that several
    municipalities use is given as the dataset id instead, so that it stays unambiguous."""
    queryset = (
        _scoped(Dataset, municipality)
        .filter(state=DatasetState.PUBLISHED)
        .order_by("name", "pk")
        .values_list("name", "pk")
    )
    rows = list(queryset[offset : offset + limit] if limit is not None else queryset[offset:])
    if municipality is not None:
        return [name for name, _pk in rows]
    duplicated = set(
        _scoped(Dataset, None)
        .values("name")
        .annotate(c=Count("pk"))
        .filter(c__gt=1)
        .values_list("name", flat=True)
    )
    return [str(pk) if name in duplicated else name for name, pk in rows]


# --------------------------------------------------------------------------------------------
# Validation reports and activity
# --------------------------------------------------------------------------------------------


def validation_latest(*, resource: Resource) -> Validation | None:
    """The newest check of a resource's file, if any."""
    return Validation.all_tenants.filter(resource=resource).order_by("-created").first()


def validation_get(*, resource: Resource, id: str) -> Validation:
    validation = None
    if search.is_uuid(id):
        validation = Validation.all_tenants.filter(resource=resource, pk=id).first()
    if validation is None:
        raise NotFound(_("That check was not found."), code="no_validation")
    return validation


@dataclass
class Finding:
    severity: str
    code: str
    row: int | None
    column: str | None
    value: str | None
    message: str


def _issue(item: dict[str, Any]) -> Any:
    from kanmin.standards import Issue

    return Issue(
        item["code"],
        item.get("severity", "error"),
        item.get("row"),
        item.get("column"),
        item.get("value"),
        params=item.get("params") or {},
    )


def _finding(issue: Any, lang: str) -> Finding:
    return Finding(
        severity=issue.severity,
        code=issue.code,
        row=issue.row,
        column=issue.column,
        value=issue.value,
        message=issue.message(lang, "web"),
    )


def validation_findings(validation: Validation, lang: str) -> list[Finding]:
    """The kept findings of a check, with their messages in ``lang`` (``ja`` or ``en``),
    worded for the web (the button that fixes a finding, not the command)."""
    return [_finding(_issue(item), lang) for item in validation.issues or []]


@dataclass
class FindingGroup:
    """One line of the grouped report: a rule, how often it was broken, where, and how to
    fix it (the message of its first finding)."""

    key: str
    severity: str
    code: str
    count: int
    columns: list[str]
    rows: list[int]
    more_rows: bool
    leading: bool
    message: str


def validation_groups(validation: Validation, lang: str) -> list[FindingGroup]:
    """The findings of a check grouped by rule, layout and encoding first, then errors, then
    warnings (see :func:`kanmin.standards.report.group_issues`)."""
    from kanmin.standards import group_issues

    issues = [_issue(item) for item in validation.issues or []]
    return [
        FindingGroup(
            key=g.key,
            severity=g.severity,
            code=g.code,
            count=g.count,
            columns=g.columns,
            rows=g.rows,
            more_rows=g.more_rows,
            leading=g.leading,
            message=g.first.message(lang, "web"),
        )
        for g in group_issues(issues, validation.rule_counts or None)
    ]


def validation_findings_all(validation: Validation, lang: str) -> Iterator[Finding]:
    """Every finding of a check (not only the kept ones), one at a time, for the CSV. A check
    saved before every finding was stored gives its kept findings."""
    if not validation.findings_file:
        yield from validation_findings(validation, lang)
        return
    with validation.findings_file.open("rb") as raw, gzip.GzipFile(fileobj=raw) as lines:
        for line in lines:
            if line.strip():
                yield _finding(_issue(json.loads(line)), lang)


def dataset_activity(*, dataset: Dataset, limit: int = 50) -> list[AuditEvent]:
    """Who changed what in a dataset and its files, newest first."""
    return list(
        audit_selectors.event_list(
            municipality_code=dataset.municipality.lg_code,
            targets=[("catalog.dataset", str(dataset.pk))],
            extra={"dataset_id": str(dataset.pk)},
            limit=limit,
        )
    )


RECENT_DAYS = 14  # CKAN's tracking counts "recent" over the last 14 days


def dataset_hits(*, dataset_id: uuid.UUID, today: date) -> dict[str, Any]:
    """Page views of a dataset and downloads of its files (in all and per file), each as
    ``{"total", "recent"}``: recent is the last :data:`RECENT_DAYS` days, today included
    (CKAN's ``tracking_summary``)."""
    since = today - timedelta(days=RECENT_DAYS - 1)
    views = {"total": 0, "recent": 0}
    downloads = {"total": 0, "recent": 0}
    by_resource: dict[str, dict[str, int]] = {}
    rows = DailyCount.all_tenants.filter(dataset_id=dataset_id).values_list(
        "kind", "resource_key", "day", "count"
    )
    for kind, resource_key, day, count in rows:
        if kind == HitKind.VIEW:
            counters = [views]
        else:
            counters = [downloads]
            if resource_key:
                counters.append(by_resource.setdefault(resource_key, {"total": 0, "recent": 0}))
        for counter in counters:
            counter["total"] += count
            if day >= since:
                counter["recent"] += count
    return {"views": views, "downloads": downloads, "by_resource": by_resource}


# --------------------------------------------------------------------------------------------
# Staff: their unpublished datasets, a free name, their organization (issue 13, steward)
# --------------------------------------------------------------------------------------------


def dataset_unpublished_list(*, municipality: Municipality, viewer: Any) -> list[Dataset]:
    """The municipality's datasets not public (draft, private, withdrawn): the viewer's own
    first, then the most recently changed."""
    datasets = list(
        _scoped(Dataset, municipality)
        .exclude(state=DatasetState.PUBLISHED)
        .select_related("organization", "creator")
        .order_by("-modified")
    )
    viewer_id = getattr(viewer, "pk", None)
    datasets.sort(key=lambda d: d.creator_id != viewer_id or viewer_id is None)
    return datasets


def dataset_free_name(*, municipality: Municipality, base: str) -> str:
    """``base`` if no dataset of the municipality has that name, else ``base_2``, ``base_3`` …"""
    taken = set(
        _scoped(Dataset, municipality).filter(name__startswith=base).values_list("name", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def organization_of(*, municipality: Municipality, user: Any) -> Organization | None:
    """The publishing unit of the user's own department (from their memberships), if any."""
    from kanmin.accounts.selectors import department_ids_of

    departments = department_ids_of(user=user, municipality=municipality)
    if not departments:
        return None
    return (
        _scoped(Organization, municipality)
        .filter(department_id__in=departments)
        .order_by("name")
        .first()
    )


def resource_revision_list(*, resource: Resource) -> QuerySet[ResourceRevision]:
    """The earlier files of a resource, newest first (for its staff)."""
    return ResourceRevision.all_tenants.filter(
        municipality_id=resource.municipality_id, resource=resource
    ).select_related("actor")


def resource_revision_get(*, resource: Resource, id: str) -> ResourceRevision:
    found = (
        resource_revision_list(resource=resource).filter(pk=id).first()
        if search.is_uuid(id)
        else None
    )
    if found is None:
        raise NotFound(_("That earlier file was not found."), code="no_revision")
    return found


# --------------------------------------------------------------------------------------------
# Datasets the apps keep (kanmin.core.datasets)
# --------------------------------------------------------------------------------------------

PREVIEW_ROWS = 10


@dataclass
class PreviewColumn:
    title_ja: str
    title_en: str

    @property
    def display_name(self) -> str:
        return localized(self.title_ja, self.title_en)


@dataclass
class Preview:
    """The first rows of a table an app offers, as its dataset's page shows them."""

    columns: list[PreviewColumn]
    rows: list[list[str]]
    more: bool


def dataset_provider(*, dataset: Dataset) -> datasets.Provider | None:
    """The registered table the dataset publishes; None for staff's datasets and for those
    whose app is no longer installed."""
    return datasets.find(dataset.provider) if dataset.provider else None


def registered_preview(*, dataset: Dataset, limit: int = PREVIEW_ROWS) -> Preview | None:
    """The first ``limit`` rows of the table the dataset publishes, read now (the files are
    made from the same rows on each download); None when it publishes none."""
    provider = dataset_provider(dataset=dataset)
    if provider is None:
        return None
    rows = list(islice(provider.rows(dataset.municipality), limit + 1))
    return Preview(
        columns=[PreviewColumn(c.title_ja, c.title_en) for c in provider.columns],
        rows=[["" if v is None else str(v) for v in row] for row in rows[:limit]],
        more=len(rows) > limit,
    )


# --------------------------------------------------------------------------------------------
# datastore (issue 17): the tables of resources, for the CKAN actions and the previews
# --------------------------------------------------------------------------------------------


def datastore_table(*, resource: Resource) -> Any:
    """The resource's DataStore row (status, progress, fields), or None when it was never
    queued. The CSV an app writes has a table of its rows as they are now (unsaved: see
    ``datastore.registered``)."""
    from kanmin.catalog.models import DatastoreTable

    found = DatastoreTable.all_tenants.filter(resource=resource).first()
    return found if found is not None else _registered_table(resource)


def registered_tables(*, datasets_in: QuerySet[Dataset]) -> list[Any]:
    """The tables of the CSV files the apps write, among these datasets' resources (see
    ``datastore.registered``: each is the app's rows as they are now)."""
    links = (
        Resource.all_tenants.filter(dataset__in=datasets_in, file="", url__startswith="/")
        .exclude(dataset__provider="")
        .select_related("dataset", "municipality")
    )
    tables = [_registered_table(resource) for resource in links]
    return [t for t in tables if t is not None]


def _read_again(table: Any) -> Any:
    """The table's pointer read again (its version was pruned while it was read); an app's
    table (unsaved) is found again from the app's rows."""
    if table.pk is None:
        return _registered_table(table.resource)
    table.refresh_from_db()
    return table


def _registered_table(resource: Resource) -> Any:
    """The table of the app's rows when the resource is the CSV an app writes; else None."""
    from kanmin.catalog.datastore import registered

    if resource.file or not resource.dataset.provider:
        return None
    provider = dataset_provider(dataset=resource.dataset)
    if provider is None or not registered.is_registered_file(resource, provider):
        return None
    return registered.table(resource, provider)


# What the DataStore's reads use of a table's row (its progress and errors are the page's).
_TABLE_COLUMNS = (
    "id",
    "municipality_id",
    "resource_id",
    "path",
    "version",
    "fields",
    "row_count",
    "loaded_at",
    "encoding",
    "schema",
)


def _loaded_table(
    *, municipality: Municipality | None, viewer: Any, resource_id: str, staff_within: Any
) -> Any:
    """A visible resource's loaded table (its ``resource_id`` names the resource); NotFound as
    for ``resource_show`` when the viewer may not see it (private, draft, another
    municipality) or it holds no table."""
    from kanmin.catalog.models import DatastoreTable

    if search.is_uuid(resource_id):
        # One query for what every datastore_search asks, of the table's own columns only
        # (compiling more joins cost more than running them); the two below say which is
        # missing. The scope is dataset_list's.
        scope = search.Scope.of(
            viewer,
            municipality=municipality,
            include_private=True,
            include_drafts=True,
            staff_within=staff_within,
        )
        found = list(
            DatastoreTable.all_tenants.filter(
                scope.q(prefix="resource__dataset__"), resource_id=resource_id
            )
            .exclude(path="")
            .only(*_TABLE_COLUMNS)
            .order_by()[:1]
        )
        if found:
            return found[0]
    resource = resource_get(
        municipality=municipality, viewer=viewer, id=resource_id, staff_within=staff_within
    )
    table = DatastoreTable.all_tenants.filter(resource=resource).exclude(path="").first()
    if table is None:
        table = _registered_table(resource)
    if table is None:
        raise NotFound(
            _('Resource "%(id)s" was not found.') % {"id": resource_id}, code="no_datastore"
        )
    return table


def _audit_datastore_read(viewer: Any, tables: Sequence[Any], **extra: Any) -> None:
    """A person reading rows of tables the public cannot see (private, draft) leaves an entry
    ``catalog.datastore.read`` with the tables and what was asked, as a download of such a
    file does. Published tables are anyone's to read; anonymous readers see only those."""
    from kanmin.audit.services import access_record
    from kanmin.catalog.models import Resource

    if viewer is None or not viewer.is_authenticated or not tables:
        return
    resources = Resource.all_tenants.filter(pk__in=[t.resource_id for t in tables]).select_related(
        "dataset", "municipality"
    )
    hidden = [r for r in resources if not r.dataset.is_public]
    for municipality in {r.municipality for r in hidden}:
        mine = sorted(
            (r for r in hidden if r.municipality == municipality), key=lambda r: str(r.pk)
        )
        access_record(
            actor=viewer,
            municipality=municipality,
            action="catalog.datastore.read",
            target=mine[0] if len(mine) == 1 else None,
            extra={
                "tables": [str(r.pk) for r in mine],
                "datasets": sorted({r.dataset.name for r in mine}),
                **extra,
            },
        )


def _searched_table(
    municipality: Municipality | None,
    viewer: Any,
    data: dict[str, Any],
    staff_within: Municipality | None,
) -> Any:
    """The table a search names (``resource_id``, or CKAN's alias ``id``)."""
    from kanmin.core.errors import Invalid

    resource_id = data.get("resource_id") or data.get("id")
    if not resource_id:
        raise Invalid(fields={"resource_id": [_("Missing value")]})
    return _loaded_table(
        municipality=municipality,
        viewer=viewer,
        resource_id=str(resource_id),
        staff_within=staff_within,
    )


def datastore_search(
    *,
    municipality: Municipality | None,
    viewer: Any,
    data: dict[str, Any],
    staff_within: Municipality | None = None,
) -> dict[str, Any]:
    """Rows of a resource's table, with CKAN's ``datastore_search`` parameters (``data``:
    resource_id or id, q, filters, fields, sort, limit, offset, distinct, include_total,
    records_format, include_next_page); unknown keys and bad values raise ``Invalid``.
    Returns ``resource_id``, ``fields``, ``records``, ``total`` (and ``next_page``)."""
    import duckdb

    from kanmin.catalog.datastore import query
    from kanmin.catalog.datastore.files import table_file

    params = query.parse(data)
    table = _searched_table(municipality, viewer, data, staff_within)
    try:
        result = query.search(query.Table(path=table_file(table), fields=table.fields), params)
    except duckdb.IOException:
        # Two reloads since the pointer was read pruned its version: read it again.
        table = _read_again(table)
        result = query.search(query.Table(path=table_file(table), fields=table.fields), params)
    _audit_datastore_read(viewer, [table], query=_logged_query(data))
    return {"resource_id": str(table.resource_id), **result}


def _logged_query(data: dict[str, Any]) -> dict[str, Any]:
    """What a search asked, as the audit log keeps it (values cut to a readable size)."""
    kept = ("q", "filters", "fields", "sort", "limit", "offset", "distinct", "records_format")
    return {k: str(data[k])[:1000] for k in kept if data.get(k) not in (None, "")}


# Rows a download of a search's rows holds at most.
DATASTORE_DOWNLOAD_ROWS_MAX = 1_000_000


def datastore_rows(
    *,
    municipality: Municipality | None,
    viewer: Any,
    data: dict[str, Any],
    staff_within: Municipality | None = None,
) -> tuple[list[str], Iterator[list[Any]]]:
    """Every row a search matches (``data``: resource_id, q, filters, sort), not one page:
    the column names (``_id`` left out) and the rows as lists of JSON-ready values, read a
    page at a time, at most ``DATASTORE_DOWNLOAD_ROWS_MAX``. Visibility and the audit entry
    are ``datastore_search``'s."""
    from kanmin.catalog.datastore import query
    from kanmin.catalog.datastore.files import table_file

    table = _searched_table(municipality, viewer, data, staff_within)
    names = [f["id"] for f in table.fields if f["id"] != "_id"]
    # _id last in the order: pages of equal sort values do not overlap.
    sort = f"{data['sort']}, _id" if data.get("sort") else "_id"
    base = {
        **{k: v for k, v in data.items() if k in ("resource_id", "q", "full_text", "filters")},
        "fields": names,
        "sort": sort,
        "include_total": False,
        "records_format": "lists",
    }
    step = query.rows_max()
    source = query.Table(path=table_file(table), fields=table.fields)

    def page(offset: int) -> tuple[list[list[Any]], int]:
        limit = min(step, DATASTORE_DOWNLOAD_ROWS_MAX - offset)
        params = query.parse({**base, "limit": limit, "offset": offset})
        return query.search(source, params)["records"], limit

    first = page(0)  # a value that cannot be used is refused now, not mid-download
    _audit_datastore_read(viewer, [table], query=_logged_query(data), download=True)

    def rows() -> Iterator[list[Any]]:
        records, limit = first
        offset = 0
        while True:
            yield from records
            offset += limit
            if len(records) < limit or offset >= DATASTORE_DOWNLOAD_ROWS_MAX:
                return
            records, limit = page(offset)

    return names, rows()


def datastore_info(
    *,
    municipality: Municipality | None,
    viewer: Any,
    resource_id: str,
    staff_within: Municipality | None = None,
) -> dict[str, Any]:
    """A table's columns (CKAN types, ``_id`` left out as in CKAN) and meta: rows, size,
    when and from which encoding and schema it was loaded."""
    from kanmin.catalog.datastore.files import table_file

    table = _loaded_table(
        municipality=municipality,
        viewer=viewer,
        resource_id=resource_id,
        staff_within=staff_within,
    )
    try:
        size = table_file(table).stat().st_size
    except OSError:
        size = None
    return {
        "meta": {
            "id": str(table.resource_id),
            "count": table.row_count,
            "table_type": "BASE TABLE",
            "aliases": [],
            "size": size,
            "loaded_at": table.loaded_at.isoformat() if table.loaded_at else None,
            "encoding": table.encoding,
            "schema": table.schema,
        },
        "fields": [
            {"id": f["id"], "type": f["type"], "schema": {"native_type": f["type"]}}
            for f in table.fields
            if f["id"] != "_id"
        ],
    }


def datastore_search_sql(
    *,
    municipality: Municipality | None,
    viewer: Any,
    sql: str,
    staff_within: Municipality | None = None,
) -> dict[str, Any]:
    """One read-only SELECT over tables named by resource id in double quotes; a table the
    viewer may not see (private, another municipality's) is refused as not found."""
    from kanmin.catalog.datastore import sql as sandbox
    from kanmin.catalog.datastore.files import table_file

    read: list[Any] = []

    def resolve(ids: list[str]) -> dict[str, Any]:
        tables = {}
        for resource_id in ids:
            table = _loaded_table(
                municipality=municipality,
                viewer=viewer,
                resource_id=resource_id,
                staff_within=staff_within,
            )
            read.append(table)
            tables[resource_id] = table_file(table)
        return tables

    answer = sandbox.run(sql, resolve)
    _audit_datastore_read(viewer, read, sql=sql[:4000])
    return answer


def datastore_active_ids(resource_ids: Sequence[Any]) -> set[str]:
    """Of these resources, the ids (``str(uuid)``) of those with a loaded table."""
    from kanmin.catalog.models import DatastoreTable

    if not resource_ids:
        return set()
    found = (
        DatastoreTable.all_tenants.filter(resource_id__in=list(resource_ids))
        .exclude(path="")
        .values_list("resource_id", flat=True)
    )
    active = {_uuid_text(pk) for pk in found}
    # The CSV an app writes is always a table (see datastore.registered).
    links = Resource.all_tenants.filter(
        pk__in=list(resource_ids), file="", url__startswith="/", url__endswith=".csv"
    ).exclude(dataset__provider="")
    for pk, url, provider_name in links.values_list("pk", "url", "dataset__provider"):
        provider = datasets.find(provider_name)
        if provider is not None and url.endswith(f"/datasets/{provider.slug}.csv"):
            active.add(_uuid_text(pk))
    return active


def resource_points(*, resource: Resource, limit: int | None = None) -> Any:
    """The places of a resource for its map preview
    (:class:`kanmin.catalog.datastore.points.MapPoints`): the rows of its loaded DataStore
    table that have a latitude and longitude, or the Point features of a GeoJSON file (up to
    ``points.GEOJSON_BYTES_MAX``). None when it has neither. The caller has checked that the
    viewer may see the resource."""
    import duckdb

    from kanmin.catalog.datastore import points
    from kanmin.catalog.datastore.files import table_file

    cap = points.POINTS_MAX if limit is None else limit
    if resource.is_geojson:
        if (resource.size or 0) > points.GEOJSON_BYTES_MAX:
            return None
        try:
            with resource.file.open("rb") as f:
                data = f.read(points.GEOJSON_BYTES_MAX + 1)
        except OSError:
            return None
        if len(data) > points.GEOJSON_BYTES_MAX:
            return None
        return points.from_geojson(data, limit=cap)
    # A loaded table, or the CSV an app writes (指定緊急避難場所一覧 …) as its rows are now.
    table = datastore_table(resource=resource)
    if table is None or not table.active:
        return None
    columns = points.map_columns(table.fields)
    if columns is None:
        return None
    try:
        return points.read(table_file(table), columns, limit=cap)
    except duckdb.IOException:
        # A reload moved the pointer and pruned the version read: read it again.
        table = _read_again(table)
        return points.read(table_file(table), columns, limit=cap)
