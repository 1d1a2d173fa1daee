"""Background work of the catalog. Tasks take ids and call services."""

from __future__ import annotations

from django_tasks import task

from kanmin.catalog import services


@task()
def validate_resource(validation_id: str) -> str:
    """Check an uploaded file with the standards engine; returns the check's status."""
    return str(services.validation_run(validation_id=validation_id).status)
