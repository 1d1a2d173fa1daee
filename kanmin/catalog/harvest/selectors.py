"""Reads of harvesting, always within one municipality."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kanmin.catalog.models import (
    Dataset,
    HarvestedDataset,
    HarvestRun,
    HarvestSchedule,
    HarvestSource,
)
from kanmin.core.errors import NotFound
from kanmin.core.models import Municipality

SCHEDULE_EVERY = {
    HarvestSchedule.HOURLY: dt.timedelta(hours=1),
    HarvestSchedule.DAILY: dt.timedelta(days=1),
    HarvestSchedule.WEEKLY: dt.timedelta(days=7),
}


def harvest_source_list(*, municipality: Municipality) -> QuerySet[HarvestSource]:
    return HarvestSource.all_tenants.filter(municipality=municipality).select_related(
        "organization"
    )


def harvest_source_get(*, municipality: Municipality, id: Any) -> HarvestSource:
    source = harvest_source_list(municipality=municipality).filter(pk=id).first()
    if source is None:
        raise NotFound()
    return source


def harvest_run_list(*, source: HarvestSource, limit: int = 20) -> list[HarvestRun]:
    return list(HarvestRun.all_tenants.filter(source=source).order_by("-started")[:limit])


def harvest_run_get(*, source: HarvestSource, id: Any) -> HarvestRun:
    run = HarvestRun.all_tenants.filter(source=source, pk=id).first()
    if run is None:
        raise NotFound()
    return run


def dataset_origin(*, dataset: Dataset) -> HarvestedDataset | None:
    """Where the dataset was harvested from, or None for a dataset kept here."""
    return (
        HarvestedDataset.all_tenants.select_related("source")
        .filter(dataset=dataset, municipality_id=dataset.municipality_id)
        .first()
    )


def harvest_source_due(*, now: dt.datetime | None = None) -> list[HarvestSource]:
    """The active sources whose schedule says they should run now (what a scheduled
    ``kanmin catalog harvest`` runs)."""
    now = now or timezone.now()
    due = []
    for source in HarvestSource.all_tenants.filter(active=True).exclude(
        schedule=HarvestSchedule.MANUAL
    ):
        every = SCHEDULE_EVERY.get(HarvestSchedule(source.schedule))
        if every is None:
            continue
        # A few minutes' grace, so that an hourly cron job never misses an hourly source.
        if (
            source.last_run_at is None
            or source.last_run_at + every - dt.timedelta(minutes=5) <= now
        ):
            due.append(source)
    return due
