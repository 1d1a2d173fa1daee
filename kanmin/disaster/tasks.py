"""Background work of the disaster app. Tasks take ids and call services."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kanmin.core.worker import recoverable
from kanmin.disaster import services


def _import_failed(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    job_id = kwargs.get("job_id") or (args[0] if args else None)
    if job_id:
        services.import_job_fail(job_id=int(job_id), reason=reason)


@recoverable(attempts=3, on_failed=_import_failed)
@task()
def import_observations(job_id: int) -> str:
    """Import a file of readings; a re-run goes on after the last batch stored."""
    return str(services.import_job_run(job_id=job_id).status)


@task()
def alert_notify(alert_id: int) -> bool:
    """E-mail an alert to the municipality's disaster operators (once)."""
    return services.alert_notify(alert_id=alert_id) is not None


@task()
def levels_refresh(municipality_id: int, station_ids: list[int]) -> int:
    """Judge these stations again after the intake stored readings for them (the intake may
    enqueue this instead of calling ``services.levels_refresh`` inline); returns the number
    of alerts raised."""
    from kanmin.core.models import Municipality

    municipality = Municipality.objects.get(pk=municipality_id)
    return len(services.levels_refresh(municipality=municipality, stations=station_ids))
