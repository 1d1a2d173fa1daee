"""Reads of the catalog: what a viewer may see, search with facets, organizations and groups.

``municipality=None`` means every municipality (the root portal and the root CKAN API).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from kanmin.accounts.backends import municipality_filter
from kanmin.catalog import licenses, search
from kanmin.catalog.models import Dataset, DatasetState, Group, Organization, Resource, Tag
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
    return queryset.prefetch_related("tags", "groups", "resources")


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
        raise NotFound(
            _("Dataset %(name)s was not found.") % {"name": id_or_name}, code="no_dataset"
        )
    return dataset


def dataset_for_edit(*, municipality: Municipality, id_or_name: str) -> Dataset:
    """A dataset of this municipality in any state (the service checks the permission)."""
    dataset = _by_id_or_name(
        _scoped(Dataset, municipality).select_related("organization", "municipality"), id_or_name
    )
    if dataset is None:
        raise NotFound(
            _("Dataset %(name)s was not found.") % {"name": id_or_name}, code="no_dataset"
        )
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
    """A term on a related row, as a subquery so that two terms never share one join."""

    def build(value: str, prefix: bool) -> Q:
        op = "startswith" if prefix else "exact"
        ids = Dataset.all_tenants.filter(**{f"{lookup}__{op}": value}).values("pk")
        return Q(pk__in=ids)

    return build


def _plain(lookup: str, *, ci: bool = False) -> search.FieldBuilder:
    def build(value: str, prefix: bool) -> Q:
        op = ("istartswith" if ci else "startswith") if prefix else ("iexact" if ci else "exact")
        return Q(**{f"{lookup}__{op}": value})

    return build


def _contains(*lookups: str) -> search.FieldBuilder:
    def build(value: str, prefix: bool) -> Q:
        q = Q()
        for lookup in lookups:
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
    count: int
    datasets: list[Dataset]
    sort: str
    facets: dict[str, list[FacetItem]] = field(default_factory=dict)


def _facet_counts(queryset: QuerySet[Dataset], name: str) -> list[FacetItem]:
    ids = queryset.order_by().values("pk")
    rows: Iterable[tuple[str, str, int]]
    if name == "organization":
        rows = (
            Organization.all_tenants.filter(datasets__in=ids)
            .annotate(n=Count("datasets", distinct=True))
            .values_list("name", "title_ja", "n")
        )
    elif name == "groups":
        rows = (
            Group.all_tenants.filter(datasets__in=ids)
            .annotate(n=Count("datasets", distinct=True))
            .values_list("name", "title_ja", "n")
        )
    elif name == "tags":
        rows = (
            (n, n, c)
            for n, c in Tag.all_tenants.filter(datasets__in=ids)
            .values("name")
            .annotate(c=Count("datasets", distinct=True))
            .values_list("name", "c")
        )
    elif name == "res_format":
        rows = (
            (f, f, c)
            for f, c in Resource.all_tenants.filter(dataset__in=ids)
            .exclude(format="")
            .values("format")
            .annotate(c=Count("dataset", distinct=True))
            .values_list("format", "c")
        )
    elif name in ("license_id", "standard_dataset"):
        counted = (
            Dataset.all_tenants.filter(pk__in=ids)
            .exclude(**{name: ""})
            .values(name)
            .annotate(c=Count("pk"))
            .values_list(name, "c")
        )
        if name == "license_id":
            rows = ((v, _license_title(v), c) for v, c in counted)
        else:
            rows = ((v, v, c) for v, c in counted)
    elif name == "municipality":
        rows = (
            Dataset.all_tenants.filter(pk__in=ids)
            .values("municipality__lg_code", "municipality__name_ja")
            .annotate(c=Count("pk"))
            .values_list("municipality__lg_code", "municipality__name_ja", "c")
        )
    else:
        return []
    # Per name: names repeat across municipalities at the root, so add them up.
    merged: dict[str, FacetItem] = {}
    for item_name, display, count in rows:
        if item_name in merged:
            merged[item_name].count += count
        else:
            merged[item_name] = FacetItem(item_name, display, count)
    return list(merged.values())


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
) -> SearchResult:
    """Search the datasets a viewer may see. ``q`` and each ``fq`` use the query syntax of
    :mod:`kanmin.catalog.search`; raises ``search.QueryError`` on a bad query or sort."""
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
    facets: dict[str, list[FacetItem]] = {}
    for name in facet_fields:
        items = [i for i in _facet_counts(queryset, name) if i.count >= facet_mincount]
        items.sort(key=lambda i: (-i.count, i.name))
        if facet_limit >= 0:
            items = items[:facet_limit]
        facets[name] = items
    count = queryset.count()
    page = list(dataset_with_details(queryset.order_by(*order))[start : start + rows])
    return SearchResult(count=count, datasets=page, sort=sort or DEFAULT_SORT, facets=facets)


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
