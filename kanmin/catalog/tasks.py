"""Background work of the catalog. Tasks take ids and call services."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kanmin.catalog import services
from kanmin.core.worker import recoverable


def _check_failed(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    """The check's task failed for good: its row says so, with the reason, rather than
    "being checked" for ever."""
    validation_id = kwargs.get("validation_id") or (args[0] if args else None)
    if validation_id:
        services.validation_fail(validation_id=str(validation_id), reason=reason)


@recoverable(attempts=2, on_failed=_check_failed)
@task()
def validate_resource(validation_id: str) -> str:
    """Check an uploaded file with the standards engine; returns the check's status."""
    return str(services.validation_run(validation_id=validation_id).status)


# --- datastore (issue 17) -------------------------------------------------------------------


def _load_failed(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    from kanmin.catalog.datastore import services as datastore_services

    resource_id = kwargs.get("resource_id") or (args[0] if args else None)
    if resource_id:
        datastore_services.datastore_load_fail(resource_id=str(resource_id), reason=reason)


@recoverable(attempts=2, on_failed=_load_failed)
@task()
def load_datastore(resource_id: str) -> str:
    """Load a resource's table into the DataStore (a typed Parquet file); returns the status."""
    from kanmin.catalog.datastore import services as datastore_services

    table = datastore_services.datastore_load_run(resource_id=resource_id)
    return str(table.status) if table is not None else "skipped"


# --- cross-dataset analysis (issue 17, Ⅱ-3 EBPM) ---------------------------------------------


def _refresh_failed(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    from kanmin.catalog.analysis import services as analysis_services

    view_id = kwargs.get("view_id") or (args[0] if args else None)
    if view_id:
        analysis_services.derived_refresh_fail(view_id=str(view_id), reason=reason)


@recoverable(attempts=2, on_failed=_refresh_failed)
@task()
def refresh_derived(view_id: str) -> str:
    """Recompute the derived dataset of a saved view after one of its sources was reloaded;
    returns "refreshed", "failed" or "skipped"."""
    from kanmin.catalog.analysis import services as analysis_services

    view = analysis_services.derived_refresh(view_id=view_id)
    if view is None:
        return "skipped"
    return "failed" if view.refresh_error else "refreshed"
