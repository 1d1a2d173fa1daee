"""What the catalog's tests share: a realistic AED file, an upload, and running queued checks."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from kanmin.catalog import services
from kanmin.catalog.models import Dataset, Resource
from kanmin.standards.tests.factories import aed_rows, csv_bytes


def aed_csv(bad: dict[int, dict[str, str]] | None = None, encoding: str = "utf-8") -> bytes:
    """Six valid AED rows; ``bad`` replaces cells: {row index: {column: value}}."""
    header, rows = aed_rows(6)
    for index, changes in (bad or {}).items():
        for column, value in changes.items():
            rows[index][header.index(column)] = value
    return csv_bytes(header, rows, encoding=encoding)


def upload(dataset: Dataset, actor: Any, data: bytes, name: str = "aed.csv") -> Resource:
    return services.resource_create(
        municipality=dataset.municipality,
        actor=actor,
        dataset=dataset,
        upload=SimpleUploadedFile(name, data),
    )


def run_queued_tasks() -> None:
    """Run every queued task the way the worker does: through the task's own function."""
    for result in DBTaskResult.objects.ready():
        args = result.args_kwargs
        result.task.call(*args["args"], **args["kwargs"])
        result.set_successful(None)
