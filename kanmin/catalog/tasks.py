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


# --- harvesting (issue 18) --------------------------------------------------------------------


def _harvest_failed(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    from kanmin.catalog.harvest import services as harvest_services

    source_id = kwargs.get("source_id") or (args[0] if args else None)
    if source_id:
        harvest_services.harvest_run_fail(source_id=str(source_id), reason=reason)


@recoverable(attempts=1, on_failed=_harvest_failed)
@task()
def harvest_source(source_id: str, actor_id: int | None = None) -> str:
    """Run a harvest of one source (the staff's "run now"); returns the run's status."""
    from django.contrib.auth import get_user_model

    from kanmin.catalog.harvest import services as harvest_services
    from kanmin.catalog.models import HarvestSource

    source = HarvestSource.all_tenants.select_related("municipality", "organization").get(
        pk=source_id
    )
    from kanmin.core.errors import Conflict

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        run = harvest_services.harvest_run(
            municipality=source.municipality, actor=actor, source=source
        )
    except Conflict:
        # Another run of the source is under way: this one is not needed (and must not fail
        # that run through _harvest_failed).
        return "busy"
    return str(run.status)
