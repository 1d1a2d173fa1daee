"""Writes of the analysis: saved views (create, update, delete), publishing one as a derived
dataset, and recomputing a derived dataset when one of its sources is reloaded. Each staff
write checks its permission and writes its audit entry in its transaction
(:func:`kanmin.core.actions.action`)."""

from __future__ import annotations

import io
import logging
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.audit.services import record
from kanmin.catalog import services as catalog_services
from kanmin.catalog.analysis import selectors
from kanmin.catalog.models import (
    ChartKind,
    Dataset,
    DatasetState,
    Organization,
    Resource,
    SavedView,
)
from kanmin.core.actions import Changed, Outcome, action, deleted
from kanmin.core.errors import Conflict, Invalid, KanminError, full_clean
from kanmin.core.models import Municipality
from kanmin.core.permissions import require
from kanmin.core.spreadsheet import write_rows

logger = logging.getLogger(__name__)

VIEW_FIELDS = ("name_ja", "name_en", "description", "sql", "chart_kind", "chart_x", "chart_y")


def _audit(view: SavedView) -> dict[str, Any]:
    return {name: getattr(view, name) for name in VIEW_FIELDS}


def _set(view: SavedView, actor: Any, values: dict[str, Any]) -> None:
    """Set, check and save a view's fields: its query must run over the municipality's tables
    that ``actor`` may read (the sandbox's refusal is the error on ``sql``)."""
    unknown = set(values) - set(VIEW_FIELDS)
    if unknown:
        raise TypeError(f"unknown saved view fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(view, name, (value or "").strip())
    if view.chart_kind not in ChartKind.values:
        raise Invalid(fields={"chart_kind": [_("Choose a bar chart, a line chart or none.")]})
    full_clean(view, exclude=["municipality", "created_by", "derived_resource"])
    selectors.analysis_run(municipality=view.municipality, viewer=actor, sql=view.sql, limit=1)
    view.save()


@action("catalog.saved_view.create", perm="catalog.add_savedview")
def saved_view_create(
    *, municipality: Municipality, actor: Any, name_ja: str, sql: str, **values: Any
) -> Outcome[SavedView]:
    """Save a query as a named view of the municipality (name, description, chart)."""
    view = SavedView(
        municipality=municipality,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _set(view, actor, {"name_ja": name_ja, "sql": sql, **values})
    return Changed(view, after=_audit(view))


@action("catalog.saved_view.update", perm="catalog.change_savedview", on="view")
def saved_view_update(
    *, municipality: Municipality, actor: Any, view: SavedView, **values: Any
) -> Outcome[SavedView]:
    """Change the fields given. A derived dataset keeps the query it was computed with until
    the view is published again (:func:`saved_view_publish`)."""
    before = _audit(view)
    _set(view, actor, values)
    return Changed(view, before=before, after=_audit(view))


@action("catalog.saved_view.delete", perm="catalog.delete_savedview", on="view")
def saved_view_delete(*, municipality: Municipality, actor: Any, view: SavedView) -> Outcome[None]:
    """Delete a view. One published as a derived dataset is kept (the dataset's provenance is
    the view's): delete the dataset first."""
    if view.derived_resource_id is not None:
        raise Conflict(
            _(
                "This view is published as a dataset, whose provenance it records: delete "
                "that dataset first."
            ),
            code="view_published",
        )
    before = _audit(view)
    gone = deleted(view)
    return Changed(None, target=gone, before=before)


# --------------------------------------------------------------------------------------------
# Derived datasets
# --------------------------------------------------------------------------------------------


def _csv(result: selectors.Result) -> bytes:
    stream = io.StringIO()
    write_rows(
        stream, [result.columns, *([r.get(c) for c in result.columns] for r in result.records)]
    )
    return stream.getvalue().encode("utf-8")


def _reads_own_table(view: SavedView, ids: list[str]) -> bool:
    """The query reads the view's own derived table, directly or through other derived
    tables (its refresh would never end)."""
    own = str(view.derived_resource_id) if view.derived_resource_id else None
    if own is None:
        return False
    by_resource = {
        str(v.derived_resource_id): v.source_ids
        for v in SavedView.all_tenants.filter(
            municipality_id=view.municipality_id, derived_resource__isnull=False
        )
    }
    stack, seen = list(ids), set()
    while stack:
        resource_id = stack.pop()
        if resource_id == own:
            return True
        if resource_id in seen:
            continue
        seen.add(resource_id)
        stack.extend(by_resource.get(resource_id, []))
    return False


def _compute(view: SavedView, actor: Any, sql: str) -> tuple[bytes, list[dict[str, str]], int]:
    """The query's whole result as CSV, its sources, its row count; ``Invalid`` (on ``sql``)
    when it is refused, fails, gives more rows than a table of the sandbox may, or reads
    the view's own table."""
    from kanmin.catalog.datastore.sql import refuse, rows_max

    ids = selectors.source_ids(sql)
    if _reads_own_table(view, ids):
        raise refuse(_("The query reads the table this view publishes; it cannot refresh itself."))
    result = selectors.analysis_run(municipality=view.municipality, viewer=actor, sql=sql)
    if result.truncated:
        raise refuse(
            _("The result has more than %(n)s rows: aggregate or filter it to publish it.")
            % {"n": rows_max()}
        )
    found = {
        str(r.pk): r
        for r in Resource.all_tenants.filter(
            municipality_id=view.municipality_id, pk__in=ids
        ).select_related("dataset")
    }
    sources = [
        {
            "id": resource_id,
            "name": found[resource_id].name if resource_id in found else "",
            "dataset": found[resource_id].dataset.name if resource_id in found else "",
            "title": found[resource_id].dataset.title_ja if resource_id in found else "",
        }
        for resource_id in ids
    ]
    return _csv(result), sources, len(result.records)


def _file_name(view: SavedView, dataset: Dataset) -> str:
    return f"{dataset.name}.csv"


@action("catalog.saved_view.publish", perm=None)
def saved_view_publish(
    *,
    municipality: Municipality,
    actor: Any,
    view: SavedView,
    organization: Organization | None = None,
    name: str = "",
    state: str = DatasetState.DRAFT,
) -> Outcome[SavedView]:
    """Publish the view's result as a derived dataset: a new dataset in ``organization`` named
    ``name`` (in ``state``; public or private needs the publish permission) whose one resource
    is the result as CSV, loaded into the DataStore as any table is, with its provenance (the
    sources, the query, the time). A view already published has its table recomputed now with
    its current query."""
    require(actor, "catalog.change_savedview", view)
    content, sources, rows = _compute(view, actor, view.sql)
    now = timezone.now()
    if view.derived_resource_id is not None:
        resource = Resource.all_tenants.select_related("dataset").get(pk=view.derived_resource_id)
        catalog_services.resource_update(
            municipality=municipality,
            actor=actor,
            resource=resource,
            upload=SimpleUploadedFile(resource.filename or "result.csv", content, "text/csv"),
        )
    else:
        if organization is None:
            raise Invalid(
                fields={"organization": [_("Choose the organization that publishes it.")]}
            )
        require(actor, "catalog.add_dataset", municipality)
        dataset = catalog_services.dataset_create(
            municipality=municipality,
            actor=actor,
            organization=organization,
            name=name,
            title_ja=view.name_ja,
            title_en=view.name_en,
            notes_ja=view.description,
            state=state,
        )
        resource = catalog_services.resource_create(
            municipality=municipality,
            actor=actor,
            dataset=dataset,
            upload=SimpleUploadedFile(_file_name(view, dataset), content, "text/csv"),
            name=view.name_ja,
            format="CSV",
        )
        view.derived_resource = resource
    view.derived_sql = view.sql
    view.derived_sources = sources
    view.derived_at = now
    view.refresh_error = ""
    view.refresh_failed_at = None
    view.save()
    return Changed(
        view,
        after={"sql": view.sql, "sources": [s["id"] for s in sources], "rows": rows},
        extra={"dataset_id": str(resource.dataset_id), "resource_id": str(resource.pk)},
    )


# Plain: the task worker's, after a source of the view was reloaded.
def derived_refresh(*, actor: Any = None, view_id: str) -> SavedView | None:
    """Recompute a derived dataset's table from its sources with the query it was published
    with. A failure (a source gone, a column renamed, too many rows) keeps the table as it
    was and records why on the view (shown on the dataset's page) and in the audit log. None
    when the view is gone or no longer published."""
    view = (
        SavedView.all_tenants.select_related("municipality", "derived_resource")
        .filter(pk=view_id, derived_resource__isnull=False)
        .first()
    )
    if view is None:
        return None
    try:
        content, sources, rows = _compute(view, None, view.derived_sql)
    except KanminError as exc:
        return derived_refresh_fail(actor=actor, view_id=str(view.pk), reason=_reason(exc))
    resource = view.derived_resource
    if resource is None:
        return None
    with transaction.atomic():
        catalog_services.resource_update(
            municipality=view.municipality,
            actor=actor,
            resource=resource,
            upload=SimpleUploadedFile(resource.filename or "result.csv", content, "text/csv"),
        )
        SavedView.all_tenants.filter(pk=view.pk).update(
            derived_sources=sources,
            derived_at=timezone.now(),
            refresh_error="",
            refresh_failed_at=None,
        )
        record(
            actor=actor,
            municipality=view.municipality,
            action="catalog.saved_view.refreshed",
            target=view,
            after={"rows": rows, "sources": [s["id"] for s in sources]},
            extra={"dataset_id": str(resource.dataset_id)},
        )
    view.refresh_from_db()
    return view


def _reason(exc: KanminError) -> str:
    messages = [str(m) for ms in exc.fields.values() for m in ms]
    return " ".join(messages) or str(exc.message)


# Plain: the task worker's failure hook, and a refresh's own failure.
def derived_refresh_fail(*, actor: Any = None, view_id: str, reason: str) -> SavedView | None:
    """Record that the view's derived table could not be recomputed, and why; the table
    published before stays."""
    with transaction.atomic():
        view = SavedView.all_tenants.select_for_update().filter(pk=view_id).first()
        if view is None:
            return None
        logger.info("Refresh of the derived table of view %s failed: %s", view.pk, reason)
        SavedView.all_tenants.filter(pk=view.pk).update(
            refresh_error=reason[:2000], refresh_failed_at=timezone.now()
        )
        record(
            actor=actor,
            municipality=view.municipality,
            action="catalog.saved_view.refresh_failed",
            target=view,
            extra={"reason": reason[:500]},
        )
    view.refresh_from_db()
    return view


# Plain: called in the transaction of a DataStore load (kanmin.catalog.datastore.services).
def derived_refresh_queue(*, actor: Any = None, resource: Resource) -> list[str]:
    """Queue the recomputation of every derived table that reads the resource's table (the
    database task backend writes the task in the load's transaction). The ids of the views."""
    from kanmin.catalog import tasks

    queued = []
    for view in selectors.dependent_views(resource=resource):
        tasks.refresh_derived.enqueue(str(view.pk))
        queued.append(str(view.pk))
    return queued
