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
