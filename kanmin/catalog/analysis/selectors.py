"""Reads of the analysis: the tables staff may query, their saved views, running a query, and
the provenance of derived datasets. Always scoped to one municipality. A query that reads a
table the public cannot see (private, draft) writes the audit entry ``catalog.analysis.read``
with the tables and the SQL, as a download of such a file does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kanmin.audit.services import access_record
from kanmin.catalog import selectors as catalog_selectors
from kanmin.catalog.models import DatastoreTable, Resource, SavedView
from kanmin.core.errors import NotFound
from kanmin.core.models import Municipality

# Rows of a result shown on the page (the query may give up to the sandbox's row limit).
SHOWN_ROWS = 500


@dataclass
class Table:
    """A DataStore table staff can query: named in SQL by its resource id in double quotes."""

    resource: Resource
    fields: list[dict[str, str]]
    rows: int | None

    @property
    def sql_name(self) -> str:
        return f'"{self.resource.pk}"'

    @property
    def is_public(self) -> bool:
        return self.resource.dataset.is_public


@dataclass
class Result:
    fields: list[dict[str, str]]
    records: list[dict[str, Any]]
    truncated: bool = False
    columns: list[str] = field(default_factory=list)

    @property
    def more_than_shown(self) -> bool:
        return len(self.records) > SHOWN_ROWS


def analysis_tables(*, municipality: Municipality, viewer: Any) -> list[Table]:
    """Every loaded table of the municipality's datasets the viewer may see (private ones and
    drafts too, for its staff), by dataset title then resource name."""
    visible = catalog_selectors.dataset_list(
        municipality=municipality, viewer=viewer, staff_within=municipality
    )
    tables = (
        DatastoreTable.all_tenants.filter(municipality=municipality, resource__dataset__in=visible)
        .exclude(path="")
        .select_related("resource", "resource__dataset")
    )
    found = [
        Table(
            resource=t.resource,
            fields=[f for f in t.fields if f["id"] != "_id"],
            rows=t.row_count,
        )
        for t in [*tables, *catalog_selectors.registered_tables(datasets_in=visible)]
    ]
    found.sort(key=lambda t: (t.resource.dataset.title_ja, t.resource.name))
    return found


def analysis_run(
    *, municipality: Municipality, viewer: Any, sql: str, limit: int | None = None
) -> Result:
    """Run one read-only SELECT in the DataStore's sandbox over the municipality's tables the
    viewer may see (``viewer`` None: the system, e.g. a refresh, sees all of them); another
    municipality's table is refused like a table that does not exist. Raises ``Invalid`` with
    the sandbox's message."""
    answer = _run(municipality=municipality, viewer=viewer, sql=sql, limit=limit)
    fields = list(answer["fields"])
    return Result(
        fields=fields,
        records=list(answer["records"]),
        truncated=bool(answer.get("records_truncated")),
        columns=[f["id"] for f in fields],
    )


def _run(*, municipality: Municipality, viewer: Any, sql: str, limit: int | None) -> dict[str, Any]:
    from kanmin.catalog.datastore import sql as sandbox
    from kanmin.catalog.datastore.files import table_file

    not_public: list[str] = []

    def resolve(ids: list[str]) -> dict[str, Any]:
        visible = catalog_selectors.dataset_list(
            municipality=municipality, viewer=viewer, staff_within=municipality
        )
        tables = {}
        for resource_id in ids:
            table = (
                DatastoreTable.all_tenants.filter(
                    municipality=municipality,
                    resource_id=resource_id,
                    resource__dataset__in=visible,
                )
                .exclude(path="")
                .select_related("resource__dataset")
                .first()
            )
            if table is None:
                # The CSV an app writes: its rows as they are now.
                link = Resource.all_tenants.filter(
                    municipality=municipality, pk=resource_id, dataset__in=visible, file=""
                ).first()
                table = catalog_selectors.datastore_table(resource=link) if link else None
            if table is None:
                raise sandbox.refuse(
                    _(
                        "There is no table “%(id)s” among this municipality's tables: use a "
                        "name from the list of tables."
                    )
                    % {"id": resource_id}
                )
            tables[resource_id] = table_file(table)
            if not table.resource.dataset.is_public:
                not_public.append(resource_id)
        return tables

    answer = sandbox.run(sql, resolve, limit=limit)
    if not_public and viewer is not None:
        # Rows of tables the public cannot see were read: auditors see who read which, and how.
        access_record(
            actor=viewer,
            municipality=municipality,
            action="catalog.analysis.read",
            extra={"tables": sorted(set(not_public)), "sql": sql[:4000]},
        )
    return answer


def source_ids(sql: str) -> list[str]:
    """The resource ids a query reads (its tables), in order; [] when it cannot be read."""
    from kanmin.catalog.datastore import sql as sandbox
    from kanmin.core.errors import Invalid

    try:
        return sandbox.check(sql).table_ids
    except Invalid:
        return []


def saved_view_list(*, municipality: Municipality) -> QuerySet[SavedView]:
    return SavedView.objects.for_municipality(municipality).select_related(
        "created_by", "derived_resource", "derived_resource__dataset"
    )


def saved_view_get(*, municipality: Municipality, id: Any) -> SavedView:
    try:
        pk = uuid.UUID(str(id))
    except ValueError:
        pk = None
    found = saved_view_list(municipality=municipality).filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(_("That saved view was not found."), code="no_saved_view")
    return found


@dataclass
class Source:
    id: str
    name: str
    dataset: str
    # The resource, when the viewer may see it (a link is given), else None.
    resource: Resource | None = None


@dataclass
class Provenance:
    """Where a derived dataset's table comes from: its saved view, its sources, its query and
    when it was computed; a failed refresh and why."""

    view: SavedView
    sources: list[Source]

    @property
    def sql(self) -> str:
        return self.view.derived_sql

    @property
    def computed_at(self) -> Any:
        return self.view.derived_at

    @property
    def resource(self) -> Resource | None:
        return self.view.derived_resource


def derivations_for(dataset_ids: Sequence[Any]) -> dict[str, SavedView]:
    """Of these datasets, the derived ones: dataset id (``str``) → the view it publishes."""
    if not dataset_ids:
        return {}
    views = SavedView.all_tenants.filter(
        derived_resource__dataset_id__in=list(dataset_ids)
    ).select_related("derived_resource")
    return {str(v.derived_resource.dataset_id): v for v in views if v.derived_resource}


def provenance_of(*, dataset: Any, viewer: Any) -> Provenance | None:
    """The provenance of a derived dataset (None for any other), with links to the sources
    the viewer may see."""
    view = derivations_for([dataset.pk]).get(str(dataset.pk))
    if view is None:
        return None
    ids = view.source_ids
    visible = {
        str(r.pk): r
        for r in Resource.all_tenants.filter(
            pk__in=[i for i in ids if _is_uuid(i)],
            dataset__in=catalog_selectors.dataset_list(
                municipality=dataset.municipality, viewer=viewer
            ),
        ).select_related("dataset")
    }
    sources = [
        Source(
            id=str(s.get("id", "")),
            name=str(s.get("name", "")),
            dataset=str(s.get("dataset", "")),
            resource=visible.get(str(s.get("id", ""))),
        )
        for s in view.derived_sources or []
    ]
    return Provenance(view=view, sources=sources)


def published_sources(view: SavedView) -> list[Resource]:
    """The view's sources whose datasets are public (what DCAT may name)."""
    ids = [i for i in view.source_ids if _is_uuid(i)]
    return list(
        Resource.all_tenants.filter(
            pk__in=ids, municipality_id=view.municipality_id, dataset__state="published"
        ).select_related("dataset", "municipality")
    )


def dependent_views(*, resource: Resource) -> list[SavedView]:
    """The published views that read the resource's table (not the view that makes it)."""
    views = SavedView.all_tenants.filter(
        municipality_id=resource.municipality_id, derived_resource__isnull=False
    ).exclude(derived_resource=resource)
    return [v for v in views if str(resource.pk) in v.source_ids]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
