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
