"""Reads of the catalog: what a viewer may see, search with facets, organizations and groups.

``municipality=None`` means every municipality (the root portal and the root CKAN API).
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from kanmin.accounts.selectors import municipality_filter
from kanmin.audit import selectors as audit_selectors
from kanmin.audit.models import AuditEvent
from kanmin.catalog import licenses, quality, search, search_index
from kanmin.catalog.models import (
    DailyCount,
    Dataset,
    DatasetState,
    Group,
    HitKind,
    Organization,
    Resource,
    ResourceRevision,
    Tag,
    Validation,
)
from kanmin.core.errors import NotFound
from kanmin.core.models import Municipality

FACET_FIELDS = (
    "organization",
    "groups",
    "tags",
    "res_format",
    "license_id",
    "standard_dataset",
    "municipality",
    "quality",
)
SORT_FIELDS = {
    "score": "-modified",  # no relevance ranking yet: newest first
    "metadata_modified": "modified",
    "metadata_created": "created",
    "name": "name",
    "title_string": "title_ja",
    "title": "title_ja",
}
DEFAULT_SORT = "score desc, metadata_modified desc"


def _scoped(model: type[Any], municipality: Municipality | None) -> QuerySet[Any]:
    queryset: QuerySet[Any] = model.all_tenants.all()
    if municipality is not None:
        queryset = queryset.filter(municipality=municipality)
    return queryset


def staff_filter(viewer: Any, within: Municipality | None = None) -> Q:
    """Rows of the municipalities where ``viewer`` may see unpublished datasets; with
    ``within`` (an API token's municipality) only that one."""
    if viewer is None:
        return Q()  # the system itself
    q = municipality_filter(viewer, "catalog.view_dataset")
    if within is not None:
        q &= Q(municipality=within)
    return q


def dataset_list(
    *,
    municipality: Municipality | None,
    viewer: Any,
    include_private: bool = True,
    include_drafts: bool = True,
    staff_within: Municipality | None = None,
) -> QuerySet[Dataset]:
    """Datasets the viewer may see: published ones for everyone; for staff of the owning
    municipality also private ones and (``include_drafts``) drafts and withdrawn ones."""
    staff_states = [DatasetState.PUBLISHED]
    if include_private:
        staff_states.append(DatasetState.PRIVATE)
    if include_drafts:
        staff_states += [DatasetState.DRAFT, DatasetState.WITHDRAWN]
    visible = Q(state=DatasetState.PUBLISHED)
    if len(staff_states) > 1:
        visible |= Q(state__in=staff_states) & staff_filter(viewer, staff_within)
    return (
        _scoped(Dataset, municipality)
        .filter(visible)
        .select_related("organization", "municipality")
    )


def dataset_with_details(queryset: QuerySet[Dataset]) -> QuerySet[Dataset]:
    # The related rows are read in their own order, without the models' default ordering,
    # which would join the municipality (and the dataset) into every one of these queries.
    return queryset.defer("search_key").prefetch_related(
        Prefetch("tags", queryset=Tag.all_tenants.order_by("name")),
        Prefetch("groups", queryset=Group.all_tenants.order_by("name")),
        Prefetch("resources", queryset=Resource.all_tenants.order_by("position", "created")),
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


_DATASET_COLUMNS = (
    "id name title_ja title_en notes_ja notes_en license_id update_frequency contact_name"
    " contact_email spatial temporal_start temporal_end standard_dataset state version"
    " creator_id created modified organization_id municipality_id"
).split()
_ORGANIZATION_COLUMNS = "id name title_ja title_en description created".split()
_GROUP_COLUMNS = "id name title_ja title_en description".split()
_RESOURCE_COLUMNS = (
    "id dataset_id url file name description format mimetype size position created modified"
).split()
_UUIDS = {"id", "organization_id", "dataset_id"}
_TIMES = {"created", "modified"}
_DATES = {"temporal_start", "temporal_end"}


def package_details(ids: Sequence[uuid.UUID]) -> list[PackageDetails]:
    """The datasets ``ids`` (already found visible by :func:`dataset_get` or
    :func:`dataset_search`), in that order; ids not found are left out.

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
    select = ", ".join(
        [f"d.{c}" for c in _DATASET_COLUMNS]
        + [f"o.{c}" for c in _ORGANIZATION_COLUMNS]
        + ["m.lg_code", "m.name_ja"]
    )
    found: dict[str, PackageDetails] = {}
    n_dataset, n_org = len(_DATASET_COLUMNS), len(_ORGANIZATION_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM {dataset_table} d"  # noqa: S608 (names from the models)
            f" JOIN {org_table} o ON o.id = d.organization_id"
            f" JOIN {muni_table} m ON m.id = d.municipality_id WHERE d.id IN ({marks})",
            params,
        )
        for row in cursor.fetchall():
            dataset = _row_values(_DATASET_COLUMNS, row[:n_dataset])
            found[dataset["id"]] = PackageDetails(
                dataset=dataset,
                organization=_row_values(_ORGANIZATION_COLUMNS, row[n_dataset : n_dataset + n_org]),
                municipality={"lg_code": row[-2], "name_ja": row[-1]},
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
    for details in found.values():
        details.tags.sort(key=lambda t: t["name"])
        details.groups.sort(key=lambda g: g["name"])
        details.resources.sort(key=lambda r: (r["position"], r["created"]))
    return [found[key] for key in map(_uuid_text, ids) if key in found]


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
# Search
# --------------------------------------------------------------------------------------------


def _related(lookup: str) -> search.FieldBuilder:
    """A term on a related row, as a subquery so that two terms never share one join. The
    subquery reads the link table alone (dataset_id), without a join back to the datasets."""

    def build(value: str, prefix: bool) -> Q:
        op = "startswith" if prefix else "exact"
        return Q(pk__in=_dataset_ids(lookup, op, value))

    return build


def _dataset_ids(lookup: str, op: str, value: str) -> QuerySet[Any]:
    """``dataset_id`` of the rows of a related table where ``lookup`` (``tags__name``,
    ``resources__format``, ...) matches ``value`` with ``op``."""
    relation, rest = lookup.split("__", 1)
    if relation == "resources":
        return Resource.all_tenants.filter(**{f"{rest}__{op}": value}).values("dataset_id")
    through = Dataset.tags.through if relation == "tags" else Dataset.groups.through
    target = "tag" if relation == "tags" else "group"
    return through.objects.filter(**{f"{target}__{rest}__{op}": value}).values("dataset_id")


def _plain(lookup: str, *, ci: bool = False) -> search.FieldBuilder:
    def build(value: str, prefix: bool) -> Q:
        op = ("istartswith" if ci else "startswith") if prefix else ("iexact" if ci else "exact")
        return Q(**{f"{lookup}__{op}": value})

    return build


def _contains(*lookups: str) -> search.FieldBuilder:
    """Case-insensitive substring; on a related table as a subquery, so that a dataset with
    two matching resources is still one result."""

    def build(value: str, prefix: bool) -> Q:
        q = Q()
        for lookup in lookups:
            if "__" in lookup:
                q |= Q(pk__in=_dataset_ids(lookup, "icontains", value))
            else:
                q |= Q(**{f"{lookup}__icontains": value})
        return q

    return build


def _owner_org(value: str, prefix: bool) -> Q:
    if search.is_uuid(value):
        return Q(organization_id=value)
    return Q(organization__name=value)


def _state(value: str, prefix: bool) -> Q:
    states = {
        "active": [DatasetState.PUBLISHED, DatasetState.PRIVATE],
        "draft": [DatasetState.DRAFT],
        "deleted": [DatasetState.WITHDRAWN],
    }.get(value, [])
    return Q(state__in=states)


def _capacity(value: str, prefix: bool) -> Q:
    if value == "public":
        return Q(state=DatasetState.PUBLISHED)
    if value == "private":
        return ~Q(state=DatasetState.PUBLISHED)
    return Q(pk__in=[])


def _quality(value: str, prefix: bool) -> Q:
    """``quality:high|good|low|none``: the band of the dataset's quality score."""
    if value == "none":
        return Q(quality_score__isnull=True)
    found = quality.band_range(value)
    if found is None:
        return Q(pk__in=[])
    return Q(quality_score__gte=found[0], quality_score__lte=found[1])


def _type(value: str, prefix: bool) -> Q:
    return Q(pk__isnull=False) if value == "dataset" else Q(pk__in=[])


QUERY_FIELDS: dict[str, search.FieldBuilder] = {
    "text": search.text_q,
    "name": _plain("name"),
    "id": _plain("id"),
    "title": _contains("title_ja", "title_en"),
    "notes": _contains("notes_ja", "notes_en"),
    "tags": _related("tags__name"),
    "groups": _related("groups__name"),
    "organization": _plain("organization__name"),
    "owner_org": _owner_org,
    "res_format": _related("resources__format"),
    "res_name": _contains("resources__name"),
    "res_description": _contains("resources__description"),
    "res_url": _contains("resources__url"),
    "license_id": _plain("license_id"),
    "standard_dataset": _plain("standard_dataset"),
    "municipality": _plain("municipality__lg_code"),
    "state": _state,
    "capacity": _capacity,
    "dataset_type": _type,
    "type": _type,
    "maintainer": _contains("contact_name"),
    "quality": _quality,
}


def parse_sort(sort: str | None) -> list[str]:
    """CKAN's ``sort`` ("metadata_modified desc, name asc") as ``order_by`` arguments."""
    order: list[str] = []
    for part in (sort or DEFAULT_SORT).split(","):
        words = part.split()
        if not words:
            continue
        field_name = words[0]
        direction = words[1].lower() if len(words) > 1 else "asc"
        if field_name not in SORT_FIELDS or direction not in ("asc", "desc") or len(words) > 2:
            raise search.QueryError(
                _("Search Query is invalid: cannot sort by %(sort)s.") % {"sort": part.strip()}
            )
        column = SORT_FIELDS[field_name]
        if field_name == "score":
            order.append(column)
            continue
        order.append(("-" if direction == "desc" else "") + column)
    return [*order, "pk"]


@dataclass
class FacetItem:
    name: str
    display_name: str
    count: int


@dataclass
class SearchResult:
    """A page of search results: ``ids`` in order; ``datasets`` reads them (with their
    tags, groups and resources) only when asked for."""

    count: int
    ids: list[uuid.UUID]
    sort: str
    facets: dict[str, list[FacetItem]] = field(default_factory=dict)

    @cached_property
    def datasets(self) -> list[Dataset]:
        return _datasets_in_order(self.ids)


# Facet name → (branch number, the SQL of its branch over the matches ``m``).
_FACET_SQL: dict[str, str] = {
    "organization": "SELECT {n}, CAST(m.org AS TEXT), COUNT(*) FROM m GROUP BY m.org",
    "groups": (
        "SELECT {n}, CAST(l.group_id AS TEXT), COUNT(*) FROM m JOIN {groups} l"
        " ON l.dataset_id = m.id GROUP BY l.group_id"
    ),
    "tags": (
        "SELECT {n}, CAST(l.tag_id AS TEXT), COUNT(*) FROM m JOIN {tags} l"
        " ON l.dataset_id = m.id GROUP BY l.tag_id"
    ),
    "res_format": (
        "SELECT {n}, r.format, COUNT(DISTINCT r.dataset_id) FROM m JOIN {resources} r"
        " ON r.dataset_id = m.id WHERE r.format <> '' GROUP BY r.format"
    ),
    "license_id": "SELECT {n}, m.lic, COUNT(*) FROM m WHERE m.lic <> '' GROUP BY m.lic",
    "standard_dataset": ("SELECT {n}, m.std, COUNT(*) FROM m WHERE m.std <> '' GROUP BY m.std"),
    "municipality": "SELECT {n}, CAST(m.muni AS TEXT), COUNT(*) FROM m GROUP BY m.muni",
    # The bands are constants in code (quality.BANDS), not input.
    "quality": "SELECT {n}, b.band, COUNT(*) FROM (SELECT "  # noqa: S608
    + quality.band_sql("m.quality")
    + " AS band FROM m) b GROUP BY b.band",
}
# The columns of ``m``: Dataset fields, in order, and their names in the statement.
_MATCH_COLUMNS = (
    ("pk", "id"),
    ("organization_id", "org"),
    ("license_id", "lic"),
    ("standard_dataset", "std"),
    ("municipality_id", "muni"),
    ("modified", "modified"),
    ("created", "created"),
    ("name", "name"),
    ("title_ja", "title"),
    ("quality_score", "quality"),
)
_ORDER_COLUMNS = dict(_MATCH_COLUMNS)


def _search_statement(
    queryset: QuerySet[Dataset],
    facet_fields: Sequence[str],
    order: Sequence[str],
    start: int,
    rows: int,
) -> tuple[str, list[Any]]:
    """One statement for the count, the facet counts and the ids of the page: the matches are
    found once (a materialized ``WITH``) and every part reads them, instead of a scan of the
    datasets for each facet. Branch 0 is the count, 1.. the facets in ``facet_fields`` order,
    and the last (-1) the page: (id, position)."""
    matches = queryset.order_by().values_list(*(f for f, _c in _MATCH_COLUMNS))
    inner, inner_params = matches.query.sql_with_params()
    tables = {
        "groups": Dataset.groups.through._meta.db_table,
        "tags": Dataset.tags.through._meta.db_table,
        "resources": Resource._meta.db_table,
    }
    columns = ", ".join(c for _f, c in _MATCH_COLUMNS)
    parts = ["SELECT 0, NULL, COUNT(*) FROM m"]
    for n, name in enumerate(facet_fields, start=1):
        parts.append(_FACET_SQL[name].format(n=n, **tables))
    params: list[Any] = list(inner_params)
    if rows > 0:
        order_sql = ", ".join(
            f"{_ORDER_COLUMNS[o.lstrip('-')]} {'DESC' if o.startswith('-') else 'ASC'}"
            for o in order
        )
        parts.append(
            f"SELECT -1, CAST(p.id AS TEXT), ROW_NUMBER() OVER (ORDER BY {order_sql}) FROM"  # noqa: S608 (column names from _ORDER_COLUMNS)
            f" (SELECT * FROM m ORDER BY {order_sql} LIMIT %s OFFSET %s) p"
        )
        params += [rows, start]
    sql = f"WITH m ({columns}) AS MATERIALIZED ({inner}) " + " UNION ALL ".join(parts)
    return sql, params


def _facet_counts(
    facet_fields: Sequence[str], found: dict[int, list[tuple[str, int]]]
) -> dict[str, list[FacetItem]]:
    """Name the counted ids (organizations, categories, tags, municipalities) and add up the
    items of the same name: names repeat across municipalities at the root."""
    facets: dict[str, list[FacetItem]] = {}
    for n, name in enumerate(facet_fields, start=1):
        counted = found.get(n, [])
        keys = [k for k, _c in counted]
        labels: dict[str, tuple[str, str]]
        if name in ("organization", "groups"):
            model = Organization if name == "organization" else Group
            labels = {
                str(pk): (item_name, title)
                for pk, item_name, title in model.all_tenants.filter(pk__in=keys).values_list(
                    "pk", "name", "title_ja"
                )
            }
        elif name == "tags":
            labels = {
                str(pk): (tag, tag)
                for pk, tag in Tag.all_tenants.filter(pk__in=keys).values_list("pk", "name")
            }
        elif name == "municipality":
            labels = {
                str(pk): (code, title)
                for pk, code, title in Municipality.objects.filter(pk__in=keys).values_list(
                    "pk", "lg_code", "name_ja"
                )
            }
        elif name == "license_id":
            labels = {k: (k, _license_title(k)) for k in keys}
        elif name == "quality":
            labels = {k: (k, quality.band_label(k)) for k in keys}
        else:
            labels = {k: (k, k) for k in keys}
        merged: dict[str, FacetItem] = {}
        by_uuid = name in ("organization", "groups", "tags")
        for key, count in sorted(counted):  # the same display name whatever the row order
            item_name, display = labels.get(_uuid_text(key) if by_uuid else key, (key, key))
            if item_name in merged:
                merged[item_name].count += count
            else:
                merged[item_name] = FacetItem(item_name, display, count)
        facets[name] = list(merged.values())
    return facets


def _license_title(license_id: str) -> str:
    lic = licenses.get(license_id)
    return lic.title if lic else license_id


def dataset_search(
    *,
    municipality: Municipality | None,
    viewer: Any,
    q: str = "",
    fq: Sequence[str] = (),
    sort: str | None = None,
    rows: int = 10,
    start: int = 0,
    facet_fields: Sequence[str] = (),
    facet_limit: int = 50,
    facet_mincount: int = 1,
    include_private: bool = False,
    include_drafts: bool = False,
    staff_within: Municipality | None = None,
    use_index: bool = True,
) -> SearchResult:
    """Search the datasets a viewer may see. ``q`` and each ``fq`` use the query syntax of
    :mod:`kanmin.catalog.search`; raises ``search.QueryError`` on a bad query or sort.

    With facets, one statement finds the matches once and counts, facets and pages them
    (:func:`_search_statement`); without, a count and the page (which the index on
    ``-modified`` serves when there is no query)."""
    public_only = not (include_private or include_drafts) or (
        viewer is not None and not getattr(viewer, "is_authenticated", False)
    )
    if public_only and use_index:
        try:
            return _search_in_index(
                municipality=municipality,
                queries=[q, *fq],
                order=parse_sort(sort),
                sort=sort or DEFAULT_SORT,
                rows=rows,
                start=start,
                facet_fields=facet_fields,
                facet_limit=facet_limit,
                facet_mincount=facet_mincount,
            )
        except search_index.Unsupported:
            pass  # a field or sort the index does not hold: SQL answers
    queryset = dataset_list(
        municipality=municipality,
        viewer=viewer,
        include_private=include_private,
        include_drafts=include_drafts,
        staff_within=staff_within,
    )
    for text in [q, *fq]:
        if text and text.strip():
            queryset = queryset.filter(search.parse(text, QUERY_FIELDS))
    order = parse_sort(sort)
    names = [n for n in dict.fromkeys(facet_fields) if n in _FACET_SQL]
    if not names:
        count = queryset.count()
        page = list(queryset.order_by(*order).values_list("pk", flat=True)[start : start + rows])
        return SearchResult(count=count, ids=page, sort=sort or DEFAULT_SORT)
    sql, params = _search_statement(queryset, names, order, max(start, 0), max(rows, 0))
    found: dict[int, list[tuple[str, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for branch, key, value in cursor.fetchall():
            found.setdefault(int(branch), []).append((key, int(value)))
    count = found[0][0][1] if found.get(0) else 0
    ranked = sorted(found.get(-1, []), key=lambda item: item[1])
    page = [uuid.UUID(key) for key, _position in ranked]
    facets = _shaped_facets(_facet_counts(names, found), facet_fields, facet_limit, facet_mincount)
    return SearchResult(count=count, ids=page, sort=sort or DEFAULT_SORT, facets=facets)


def _datasets_in_order(ids: Sequence[uuid.UUID]) -> list[Dataset]:
    """A result page: the datasets with their details, in the order of ``ids``."""
    position = {pk: i for i, pk in enumerate(ids)}
    rows = Dataset.all_tenants.filter(pk__in=list(ids)).select_related(
        "organization", "organization__department", "municipality"
    )
    return sorted(dataset_with_details(rows), key=lambda d: position[d.pk])


def _shaped_facets(
    counted: dict[str, list[FacetItem]],
    facet_fields: Sequence[str],
    facet_limit: int,
    facet_mincount: int,
) -> dict[str, list[FacetItem]]:
    """Facets as CKAN gives them: most frequent first, at least ``mincount``, ``limit`` each."""
    facets: dict[str, list[FacetItem]] = {}
    for name in facet_fields:
        items = [i for i in counted.get(name, []) if i.count >= facet_mincount]
        items.sort(key=lambda i: (-i.count, i.name))
        if facet_limit >= 0:
            items = items[:facet_limit]
        facets[name] = items
    return facets


def _search_in_index(
    *,
    municipality: Municipality | None,
    queries: Sequence[str],
    order: Sequence[str],
    sort: str,
    rows: int,
    start: int,
    facet_fields: Sequence[str],
    facet_limit: int,
    facet_mincount: int,
) -> SearchResult:
    """A public search answered by the in-process index (:mod:`search_index`); the page's
    datasets are then read from the database like the SQL path does."""
    index = search_index.current()
    selected = index.select(municipality.pk if municipality is not None else None, queries)
    page_ids = index.page(selected, order, max(start, 0), max(rows, 0))
    counted: dict[str, list[FacetItem]] = {}
    for name in dict.fromkeys(facet_fields):
        if name not in _FACET_SQL:
            continue
        merged: dict[str, FacetItem] = {}
        # Sorted by value, as _facet_counts does: the same display name whatever the order.
        for value, item_name, title, count in sorted(index.facet(name, selected)):
            if name == "license_id":
                title = _license_title(value)
            elif name == "quality":
                title = quality.band_label(value)
            if item_name in merged:
                merged[item_name].count += count
            else:
                merged[item_name] = FacetItem(item_name, title, count)
        counted[name] = list(merged.values())
    facets = _shaped_facets(counted, facet_fields, facet_limit, facet_mincount)
    return SearchResult(count=int(selected.sum()), ids=list(page_ids), sort=sort, facets=facets)


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
