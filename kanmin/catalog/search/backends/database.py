"""The database backend: every query answered in SQL, on SQLite and on PostgreSQL.

It holds nothing in memory and every web worker shares it, so it is right for a catalog
that changes all the time or for staff searches; on one machine the memory backend answers
the public searches much faster (a one-character Japanese query matches most datasets, and
no SQL index helps with ``LIKE '%町%'``).

With facets, one statement finds the matches once and counts, facets and pages them
(:func:`_statement`); without, a count and the page (which the index on ``-modified``
serves when there is no query).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet

from kanmin.catalog import quality
from kanmin.catalog.models import Dataset, DatasetState, Group, Organization, Resource, Tag
from kanmin.catalog.search import facets as facet_items
from kanmin.catalog.search import query as syntax
from kanmin.catalog.search.backends.base import SearchBackend, SearchQuery, SearchResult
from kanmin.core.jp_text import search_key
from kanmin.core.models import Municipality


class DatabaseBackend(SearchBackend):
    name = "database"

    def search(self, query: SearchQuery) -> SearchResult:
        order = query.order
        queryset = Dataset.all_tenants.filter(query.scope.q())
        for node in query.filters:
            queryset = queryset.filter(syntax.evaluate(node, QUERY_FIELDS, _everything, _between))
        start, rows = max(query.start, 0), max(query.rows, 0)
        names = [n for n in dict.fromkeys(query.facet_fields) if n in _FACET_SQL]
        if not names:
            count = queryset.count()
            page = list(
                queryset.order_by(*order).values_list("pk", flat=True)[start : start + rows]
            )
            facets = facet_items.shaped({}, query.facet_fields, query.facet_limit, 0)
            return SearchResult(count=count, ids=page, sort=query.sort_text, facets=facets)
        found: dict[int, list[tuple[str, int]]] = {}
        try:
            sql, params = _statement(queryset, names, order, start, rows)
        except EmptyResultSet:  # a filter that matches nothing (quality:nosuchband)
            sql, params = "", []
        if sql:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                for branch, key, value in cursor.fetchall():
                    found.setdefault(int(branch), []).append((key, int(value)))
        count = found[0][0][1] if found.get(0) else 0
        ranked = sorted(found.get(-1, []), key=lambda item: item[1])
        page = [uuid.UUID(key) for key, _position in ranked]
        counted = {
            name: facet_items.items(name, _named(name, found.get(n, [])))
            for n, name in enumerate(names, start=1)
        }
        facets = facet_items.shaped(
            counted, query.facet_fields, query.facet_limit, query.facet_mincount
        )
        return SearchResult(count=count, ids=page, sort=query.sort_text, facets=facets)


# --------------------------------------------------------------------------------------------
# Query fields → Q
# --------------------------------------------------------------------------------------------


def _everything() -> Q:
    return Q(pk__isnull=False)


def _nothing() -> Q:
    return Q(pk__in=[])


def _between(node: syntax.Range) -> Q:
    if node.low is None and node.high is None:
        return _everything()
    bounds = {}
    if node.low is not None:
        bounds[f"{node.column}__{'gte' if node.include_low else 'gt'}"] = node.low
    if node.high is not None:
        bounds[f"{node.column}__{'lte' if node.include_high else 'lt'}"] = node.high
    if node.column not in syntax.COUNT_COLUMNS:
        return Q(**bounds)
    # A count of related rows: the datasets whose count is in range, as a subquery.
    related = "resources" if node.column == "num_resources" else "tags"
    counted = Dataset.all_tenants.annotate(**{node.column: Count(related, distinct=True)})
    return Q(pk__in=counted.filter(**bounds).values("pk"))


def _text(value: str, prefix: bool) -> Q:
    key = search_key(value)
    if not key:
        return _everything()
    return Q(search_key__contains=key)


def _related(lookup: str) -> syntax.FieldBuilder:
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


def _plain(lookup: str) -> syntax.FieldBuilder:
    def build(value: str, prefix: bool) -> Q:
        return Q(**{f"{lookup}__{'startswith' if prefix else 'exact'}": value})

    return build


def _contains(*lookups: str) -> syntax.FieldBuilder:
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


def _id(value: str, prefix: bool) -> Q:
    if not prefix and not syntax.is_uuid(value):
        return _nothing()
    return _plain("id")(value, prefix)


def _owner_org(value: str, prefix: bool) -> Q:
    if syntax.is_uuid(value):
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
    return _nothing()


def _quality(value: str, prefix: bool) -> Q:
    """``quality:high|good|low|none``: the band of the dataset's quality score."""
    if value == "none":
        return Q(quality_score__isnull=True)
    found = quality.band_range(value)
    if found is None:
        return _nothing()
    return Q(quality_score__gte=found[0], quality_score__lte=found[1])


def _type(value: str, prefix: bool) -> Q:
    return _everything() if value == "dataset" else _nothing()


QUERY_FIELDS: dict[str, syntax.FieldBuilder] = {
    "text": _text,
    "name": _plain("name"),
    "id": _id,
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

# --------------------------------------------------------------------------------------------
# Count, facets and page in one statement
# --------------------------------------------------------------------------------------------

# Facet name → the SQL of its branch over the matches ``m``: (branch number, key, count).
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


def _statement(
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


def _named(field: str, counted: list[tuple[str, int]]) -> list[facet_items.Counted]:
    """The counted keys of a facet with their names and titles: organizations, categories,
    tags and municipalities are counted by id."""
    keys = [k for k, _c in counted]
    labels: dict[str, tuple[str, str]]
    if field in ("organization", "groups"):
        model = Organization if field == "organization" else Group
        labels = {
            str(pk): (name, title)
            for pk, name, title in model.all_tenants.filter(pk__in=keys).values_list(
                "pk", "name", "title_ja"
            )
        }
    elif field == "tags":
        labels = {
            str(pk): (name, name)
            for pk, name in Tag.all_tenants.filter(pk__in=keys).values_list("pk", "name")
        }
    elif field == "municipality":
        labels = {
            str(pk): (code, title)
            for pk, code, title in Municipality.objects.filter(pk__in=keys).values_list(
                "pk", "lg_code", "name_ja"
            )
        }
    else:
        labels = {}
    by_uuid = field in ("organization", "groups", "tags")
    named = []
    for key, count in counted:
        # An id as the database gives it: hex on SQLite, dashed text on PostgreSQL.
        value = str(uuid.UUID(key)) if by_uuid else key
        name, title = labels.get(value, (value, value))
        named.append((value, name, title, count))
    return named
