"""Writes of the DataStore: queue a resource's load, run it (the task worker's), and load
every existing table (``kanmin catalog datastore-load``).

A load writes the next version of the table beside the current one and then, in one
transaction, renames it into place and moves the pointer (``DatastoreTable.path``): a reader
sees the old table or the new one; a load that fails leaves the old one in use and says why.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.audit.services import record
from kanmin.catalog.datastore import files, load
from kanmin.catalog.datastore.files import datastore_root, table_file, table_folder
from kanmin.catalog.models import (
    DatastoreStatus,
    DatastoreTable,
    Resource,
    SearchGeneration,
    Validation,
    ValidationStatus,
)
from kanmin.core.actions import Changed, Outcome, action
from kanmin.core.errors import Invalid, NotFound
from kanmin.core.models import Municipality

logger = logging.getLogger(__name__)

_PROGRESS_EVERY = 0.5  # seconds between progress writes


def datastore_queue(*, actor: Any = None, resource: Resource) -> DatastoreTable:
    """Queue a load of the resource's file (in the caller's transaction: the database task
    backend writes the task with it, so the load is queued exactly when the check is saved)."""
    from kanmin.catalog import tasks

    table, _created = DatastoreTable.all_tenants.get_or_create(
        resource=resource, defaults={"municipality_id": resource.municipality_id}
    )
    DatastoreTable.all_tenants.filter(pk=table.pk).update(
        status=DatastoreStatus.QUEUED, rows_done=0, error="", started=None, finished=None
    )
    tasks.load_datastore.enqueue(str(resource.pk))
    table.refresh_from_db()
    return table


def _schema_of(resource: Resource) -> Any:
    """The national schema whose types apply: the one the latest check found, else the
    dataset's standard data set; None when neither names a known one."""
    from kanmin.standards import SchemaError, get_schema

    slug = (
        Validation.all_tenants.filter(resource=resource, status=ValidationStatus.DONE)
        .order_by("-created")
        .values_list("schema", flat=True)
        .first()
    ) or resource.dataset.standard_dataset
    if not slug or slug in ("auto", "geojson"):
        return None
    try:
        return get_schema(slug)
    except SchemaError:
        return None


def _source_path(resource: Resource) -> str:
    try:
        return str(resource.file.path)
    except NotImplementedError:  # a storage without local paths: copy it to a local file
        folder = table_folder(resource)
        folder.mkdir(parents=True, exist_ok=True)
        local = folder / f".source-{resource.filename}{load.TEMP_SUFFIX}"
        with resource.file.open("rb") as src, open(local, "wb") as dst:
            while block := src.read(1024 * 1024):
                dst.write(block)
        return str(local)


# Plain: the task worker's, in several transactions (progress, then the pointer).
def datastore_load_run(*, actor: Any = None, resource_id: str) -> DatastoreTable | None:
    """Load the resource's file into its next table version and move the pointer to it.
    None when the resource is gone or holds no table file."""
    resource = (
        Resource.all_tenants.select_related("dataset", "municipality")
        .filter(pk=resource_id)
        .first()
    )
    if resource is None or not resource.is_tabular:
        return None
    table, _created = DatastoreTable.all_tenants.get_or_create(
        resource=resource, defaults={"municipality_id": resource.municipality_id}
    )
    source_file = resource.file.name
    DatastoreTable.all_tenants.filter(pk=table.pk).update(
        status=DatastoreStatus.LOADING, started=timezone.now(), rows_done=0, error=""
    )
    last = [time.monotonic()]

    def progress(rows: int) -> None:
        if time.monotonic() - last[0] < _PROGRESS_EVERY:
            return
        last[0] = time.monotonic()
        DatastoreTable.all_tenants.filter(pk=table.pk).update(rows_done=rows)

    folder = table_folder(resource)
    try:
        built = load.build(
            _source_path(resource), folder, schema=_schema_of(resource), progress=progress
        )
    except Exception as exc:  # noqa: BLE001 - any failure keeps the previous table and says why
        return _failed(table, resource, actor, exc)
    try:
        with transaction.atomic():
            locked = DatastoreTable.all_tenants.select_for_update().get(pk=table.pk)
            current = Resource.all_tenants.filter(pk=resource.pk).values_list("file", flat=True)
            if current.first() != source_file:
                # The file was replaced while this load ran: the load of the new file (queued
                # by its check) moves the pointer; this one's table is already stale.
                built.discard()
                return locked
            previous = locked.version
            version = previous + 1
            final = load.publish(built, folder, version)
            locked.path = str(final.relative_to(datastore_root()))
            locked.version = version
            locked.source_file = source_file
            locked.row_count = built.rows
            locked.rows_done = built.rows
            locked.fields = built.fields
            locked.schema = built.schema
            locked.encoding = built.encoding
            locked.loaded_at = locked.finished = timezone.now()
            locked.status = DatastoreStatus.DONE
            locked.pushed = False  # the file's table replaces one pushed through the API
            locked.primary_key = []
            locked.error = "\n".join(built.notes)
            locked.save()
            # resource_show/package_show now say datastore_active: no cached answer is kept.
            SearchGeneration.bump()
            record(
                actor=actor,
                municipality=resource.municipality,
                action="catalog.resource.datastore_loaded",
                target=resource,
                after={"rows": built.rows, "version": version, "schema": built.schema},
                extra={"dataset_id": str(resource.dataset_id)},
            )
            _refresh_dependents(resource)
            transaction.on_commit(partial(load.prune, folder, {version, previous}))
    except BaseException:
        built.discard()
        raise
    return locked


def table_removed(*, actor: Any, resource: Resource) -> None:
    """The resource's table goes (the resource, its dataset or the table deleted): its files
    are removed after the transaction, and the derived datasets that read it are queued for
    a refresh, which fails and says on their page that a source is gone (their last rows
    stay)."""
    files.delete_on_commit(resource)
    _refresh_dependents(resource)


def _refresh_dependents(resource: Resource) -> None:
    """The table changed: queue the recomputation of the derived datasets that read it (in
    this transaction, so that a load rolled back queues nothing)."""
    from kanmin.catalog.analysis import services as analysis_services

    analysis_services.derived_refresh_queue(resource=resource)


def _failed(
    table: DatastoreTable, resource: Resource, actor: Any, exc: BaseException
) -> DatastoreTable:
    code = getattr(exc, "code", "")
    message = f"{type(exc).__name__}: {code or exc}"[:2000]
    logger.info("DataStore load of resource %s failed: %s", resource.pk, message)
    with transaction.atomic():
        DatastoreTable.all_tenants.filter(pk=table.pk).update(
            status=DatastoreStatus.FAILED, finished=timezone.now(), error=message
        )
        record(
            actor=actor,
            municipality=resource.municipality,
            action="catalog.resource.datastore_failed",
            target=resource,
            extra={"dataset_id": str(resource.dataset_id), "error": type(exc).__name__},
        )
    table.refresh_from_db()
    return table


# Plain: the task worker's failure hook.
def datastore_load_fail(*, actor: Any = None, resource_id: str, reason: str) -> None:
    """The load's task failed for good (its worker died, too much memory): say so; the
    previous table, if any, stays in use."""
    DatastoreTable.all_tenants.filter(resource_id=resource_id).exclude(
        status=DatastoreStatus.DONE
    ).update(status=DatastoreStatus.FAILED, finished=timezone.now(), error=reason[:2000])


def datastore_load_all(
    *, municipality: Municipality | None = None, actor: Any = None, only_missing: bool = False
) -> list[DatastoreTable]:
    """Load every table file of the catalog (of one municipality) now, one after the other."""
    resources = Resource.all_tenants.exclude(file="").select_related("municipality", "dataset")
    if municipality is not None:
        resources = resources.filter(municipality=municipality)
    if only_missing:
        resources = resources.exclude(datastore__path__gt="")
    done: list[DatastoreTable] = []
    for resource in resources.order_by("municipality__lg_code", "created"):
        if not resource.is_tabular:
            continue
        table = datastore_load_run(actor=actor, resource_id=str(resource.pk))
        if table is not None:
            done.append(table)
    return done


# --------------------------------------------------------------------------------------------
# Tables pushed through the API: datastore_create, datastore_upsert, datastore_delete
# --------------------------------------------------------------------------------------------


def _publish_rows(
    locked: DatastoreTable,
    resource: Resource,
    rows: list[dict[str, Any]],
    fields: list[dict[str, str]],
) -> DatastoreTable:
    """Write ``rows`` as the table's next version and move the pointer (in the caller's
    transaction, on the row it locked)."""
    from kanmin.catalog.datastore import write

    table = write.to_table(rows, fields)
    write.check_unique(table, list(locked.primary_key))
    folder = table_folder(resource)
    temp = load.write_temp(table, folder)
    previous = locked.version
    try:
        final = load.publish(load.Built(temp, len(rows), fields, ""), folder, previous + 1)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    locked.path = str(final.relative_to(datastore_root()))
    locked.version = previous + 1
    locked.row_count = table.num_rows
    locked.rows_done = table.num_rows
    locked.fields = fields
    locked.status = DatastoreStatus.DONE
    locked.error = ""
    locked.loaded_at = locked.finished = timezone.now()
    locked.save()
    SearchGeneration.bump()
    _refresh_dependents(resource)
    transaction.on_commit(partial(load.prune, folder, {previous + 1, previous}))
    return locked


def _locked_table(resource: Resource) -> DatastoreTable:
    if resource.is_served_here and resource.dataset.is_kept_by_app:
        # Its table is the app's rows as they are (datastore.registered): not writable here.
        raise Invalid(
            _(
                "This table is kept up to date from the app's records: rows cannot be pushed "
                "to it through the API."
            ),
            code="kept_by_app",
        )
    DatastoreTable.all_tenants.get_or_create(
        resource=resource, defaults={"municipality_id": resource.municipality_id}
    )
    return DatastoreTable.all_tenants.select_for_update().get(resource=resource)


@action("catalog.resource.datastore_create", perm="catalog.change_resource", on="resource")
def datastore_create(
    *,
    municipality: Municipality,
    actor: Any,
    resource: Resource,
    fields: Any = None,
    records: list[dict[str, Any]] | None = None,
    primary_key: list[str] | None = None,
) -> Outcome[DatastoreTable]:
    """Create the resource's table from ``fields`` (and add ``records``), or add fields and
    records to the table it has."""
    from kanmin.catalog.datastore import write

    locked = _locked_table(resource)
    declared = write.declared_fields(fields)
    rows: list[dict[str, Any]] = []
    current: list[dict[str, str]] = []
    if locked.active:
        rows = write.current_rows(table_file(locked))
        current = list(locked.fields)
    if not current and not declared:
        raise Invalid(fields={"fields": [_("Give the fields of a new table")]})
    known = {f["id"] for f in current}
    merged = (current or [{"id": "_id", "type": "int"}]) + [
        f for f in declared if f["id"] not in known
    ]
    names = {f["id"] for f in merged}
    key = [str(k) for k in (primary_key or locked.primary_key or [])]
    missing = [k for k in key if k not in names]
    if missing:
        raise Invalid(
            fields={"primary_key": [_("No such field: %(f)s") % {"f": ", ".join(missing)}]}
        )
    locked.primary_key = key
    locked.pushed = True
    method = "upsert" if key and rows else "insert"
    rows = write.merge(rows, merged, list(records or []), method=method, primary_key=key)
    table = _publish_rows(locked, resource, rows, merged)
    return Changed(
        table,
        target=resource,
        after={"rows": table.row_count, "fields": [f["id"] for f in merged]},
        extra={"dataset_id": str(resource.dataset_id)},
    )


@action("catalog.resource.datastore_upsert", perm="catalog.change_resource", on="resource")
def datastore_upsert(
    *,
    municipality: Municipality,
    actor: Any,
    resource: Resource,
    records: list[dict[str, Any]],
    method: str = "upsert",
) -> Outcome[DatastoreTable]:
    """Insert, upsert or update ``records`` (by the primary key) in the resource's table."""
    from kanmin.catalog.datastore import write

    if method not in ("insert", "upsert", "update"):
        raise Invalid(fields={"method": [_("Use insert, upsert or update")]})
    locked = _locked_table(resource)
    if not locked.active:
        raise NotFound(
            _('Resource "%(id)s" was not found.') % {"id": resource.pk}, code="no_datastore"
        )
    rows = write.current_rows(table_file(locked))
    fields = list(locked.fields)
    rows = write.merge(
        rows, fields, list(records or []), method=method, primary_key=list(locked.primary_key)
    )
    table = _publish_rows(locked, resource, rows, fields)
    return Changed(
        table,
        target=resource,
        after={"rows": table.row_count, "method": method, "records": len(records or [])},
        extra={"dataset_id": str(resource.dataset_id)},
    )


@action("catalog.resource.datastore_delete", perm="catalog.change_resource", on="resource")
def datastore_delete(
    *,
    municipality: Municipality,
    actor: Any,
    resource: Resource,
    filters: dict[str, Any] | None = None,
) -> Outcome[DatastoreTable | None]:
    """Delete the rows matching ``filters``, or, without filters, the whole table."""
    from kanmin.catalog.datastore import write

    locked = _locked_table(resource)
    if not locked.active:
        raise NotFound(
            _('Resource "%(id)s" was not found.') % {"id": resource.pk}, code="no_datastore"
        )
    if not filters:
        locked.delete()
        SearchGeneration.bump()
        table_removed(actor=actor, resource=resource)
        return Changed(None, target=resource, extra={"dataset_id": str(resource.dataset_id)})
    rows = write.current_rows(table_file(locked))
    before = len(rows)
    rows = write.without(rows, list(locked.fields), filters)
    table = _publish_rows(locked, resource, rows, list(locked.fields))
    return Changed(
        table,
        target=resource,
        after={"deleted": before - len(rows), "rows": len(rows)},
        extra={"dataset_id": str(resource.dataset_id)},
    )
