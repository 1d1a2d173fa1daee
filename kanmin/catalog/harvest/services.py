"""Writes of harvesting: sources, and runs that import a source's datasets.

A run reads the source (:mod:`.remote`) and decides, per remote dataset:

- **create** — not imported before: a published dataset of the source's organization, with
  the remote links as its resources, marked with its origin (:class:`HarvestedDataset`);
- **update** — imported before and changed on the remote: the imported fields and links are
  replaced (fields the source does not give, and the dataset's state, are kept);
- **unchanged** — the remote values hash as they did at the last import;
- **skipped** — staff edited the local copy since the last import (its values no longer hash
  to what the import wrote): it is left alone and reported as "locally edited";
- **failed** — the dataset could not be imported (a name in use here, a value the catalog
  refuses…): reported with the reason, and the run goes on with the next one.

Each dataset is written in its own transaction through the catalog's services (permission,
audit entry). A source that cannot be read fails the run with a message in Japanese and
English. A dry run decides the same way and tries each write in a transaction it rolls
back, so it reports what would be refused and writes nothing: it returns an unsaved run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from kanmin.audit import services as audit_services
from kanmin.catalog import services as catalog_services
from kanmin.catalog.harvest import remote
from kanmin.catalog.harvest.remote import Record, SourceUnreachable, bilingual
from kanmin.catalog.models import (
    Dataset,
    DatasetState,
    HarvestedDataset,
    HarvestKind,
    HarvestRun,
    HarvestRunStatus,
    HarvestSchedule,
    HarvestSource,
    Organization,
)
from kanmin.core.actions import Changed, Outcome, action, deleted
from kanmin.core.errors import Conflict, KanminError, full_clean
from kanmin.core.models import Municipality
from kanmin.core.permissions import require, require_same_tenant

logger = logging.getLogger("kanmin.harvest")

SOURCE_FIELDS = ("title", "kind", "url", "organization", "schedule", "active")
# How long a run may stay "running" before another run of the source is allowed (a worker
# that died leaves its run behind).
RUN_LEASE = dt.timedelta(hours=1)
RESOURCE_KEYS = ("url", "name", "description", "format")
OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


# --- sources ----------------------------------------------------------------------------------


def _source_values(source: HarvestSource) -> dict[str, Any]:
    return {
        "title": source.title,
        "kind": source.kind,
        "url": source.url,
        "organization": source.organization.name,
        "schedule": source.schedule,
        "active": source.active,
    }


def _save_source(source: HarvestSource, values: dict[str, Any]) -> None:
    unknown = set(values) - set(SOURCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown harvest source fields: {sorted(unknown)}")
    for name, value in values.items():
        if name == "organization":
            require_same_tenant(source.municipality, value)
        setattr(source, name, value.strip() if isinstance(value, str) else value)
    full_clean(source, exclude=["municipality"])
    source.save()


@action("catalog.harvest_source.create", perm="catalog.add_harvestsource")
def harvest_source_create(
    *,
    municipality: Municipality,
    actor: Any,
    title: str,
    kind: str,
    url: str,
    organization: Organization,
    schedule: str = HarvestSchedule.DAILY,
    active: bool = True,
) -> Outcome[HarvestSource]:
    """Register another catalog to import datasets from, filed under ``organization``."""
    source = HarvestSource(municipality=municipality)
    _save_source(
        source,
        {
            "title": title,
            "kind": kind,
            "url": url,
            "organization": organization,
            "schedule": schedule,
            "active": active,
        },
    )
    return Changed(source, after=_source_values(source))


@action("catalog.harvest_source.update", perm="catalog.change_harvestsource", on="source")
def harvest_source_update(
    *, municipality: Municipality, actor: Any, source: HarvestSource, **values: Any
) -> Outcome[HarvestSource]:
    """Change the fields given. A new URL or kind starts over with a full listing."""
    current = HarvestSource.all_tenants.select_for_update().get(pk=source.pk)
    before = _source_values(current)
    _save_source(current, values)
    if (current.url, current.kind) != (before["url"], before["kind"]):
        current.harvested_until = None
        current.save(update_fields=["harvested_until"])
    return Changed(current, before=before, after=_source_values(current))


@action("catalog.harvest_source.delete", perm="catalog.delete_harvestsource", on="source")
def harvest_source_delete(
    *, municipality: Municipality, actor: Any, source: HarvestSource
) -> Outcome[None]:
    """Remove a source and its runs. The datasets it imported stay, as datasets kept here
    (they lose their origin)."""
    before = _source_values(source)
    gone = deleted(source)
    return Changed(None, target=gone, before=before)


# --- the values of a local dataset, as a run compares them ------------------------------------


def _local_values(dataset: Dataset, keys: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in keys:
        if key == "tags":
            values[key] = sorted(t.name for t in dataset.tags.all())
        else:
            values[key] = getattr(dataset, key)
    return values


def _local_resources(dataset: Dataset) -> list[dict[str, str]]:
    return [
        {key: str(getattr(r, key) or "") for key in RESOURCE_KEYS}
        for r in dataset.resources.order_by("position", "created")
    ]


def _local_hash(dataset: Dataset, record: Record) -> str:
    """The hash of the dataset's current values of the fields the record imports."""
    return remote.content_hash(
        _local_values(dataset, sorted(record.values)), _local_resources(dataset)
    )


# --- runs -------------------------------------------------------------------------------------


def _result(record: Record, outcome: str, reason: str = "", message: Any = None) -> dict[str, Any]:
    return {
        "remote_id": record.remote_id,
        "name": record.name,
        "title": record.title,
        "remote_url": record.remote_url,
        "outcome": outcome,
        "reason": reason,
        "message": message or {},
    }


def _decide(source: HarvestSource, record: Record) -> tuple[str, str, Any, Any]:
    """(outcome, reason, message, origin) for one record; nothing is written."""
    if record.problem:
        return "failed", "unreadable", record.problem, None
    origin = (
        HarvestedDataset.all_tenants.select_related("dataset")
        .filter(source=source, remote_id=record.remote_id)
        .first()
    )
    if origin is None:
        taken = Dataset.all_tenants.filter(
            municipality=source.municipality, name=record.name
        ).first()
        if taken is not None:
            return (
                "failed",
                "name_taken",
                bilingual(
                    _(
                        "A dataset named %(name)s already exists in this catalog and was not "
                        "imported from this source: rename one of them."
                    ),
                    name=record.name,
                ),
                None,
            )
        return "created", "", None, None
    if _local_hash(origin.dataset, record) != origin.content_hash:
        return (
            "skipped",
            "locally_edited",
            bilingual(
                _(
                    "Locally edited since the last import: not overwritten. Undo the local "
                    "edits, or delete the dataset to import it again."
                )
            ),
            origin,
        )
    if record.content_hash() == origin.remote_hash:
        return "unchanged", "", None, origin
    return "updated", "", None, origin


def _sync_resources(
    municipality: Municipality, actor: Any, dataset: Dataset, wanted: list[dict[str, str]]
) -> None:
    current = list(dataset.resources.order_by("position", "created"))
    for position, link in enumerate(wanted):
        values: dict[str, Any] = dict(link)
        if position < len(current):
            catalog_services.resource_update(
                municipality=municipality,
                actor=actor,
                resource=current[position],
                position=position,
                **values,
            )
        else:
            catalog_services.resource_create(
                municipality=municipality,
                actor=actor,
                dataset=dataset,
                position=position,
                **values,
            )
    for surplus in current[len(wanted) :]:
        catalog_services.resource_delete(municipality=municipality, actor=actor, resource=surplus)


@transaction.atomic
def _import(
    source: HarvestSource, actor: Any, record: Record, outcome: str, origin: Any
) -> Dataset:
    municipality = source.municipality
    if outcome == "created":
        dataset = catalog_services.dataset_create(
            municipality=municipality,
            actor=actor,
            organization=source.organization,
            name=record.name,
            state=DatasetState.PUBLISHED,
            **record.values,
        )
        origin = HarvestedDataset(municipality=municipality, dataset=dataset, source=source)
    else:
        dataset = catalog_services.dataset_patch(
            municipality=municipality, actor=actor, dataset=origin.dataset, **record.values
        )
    _sync_resources(municipality, actor, dataset, record.resources)
    dataset.refresh_from_db()
    origin.remote_id = record.remote_id
    origin.remote_url = record.remote_url[:2000]
    origin.remote_modified = record.modified
    origin.remote_hash = record.content_hash()
    origin.content_hash = _local_hash(dataset, record)
    origin.harvested = timezone.now()
    origin.save()
    return dataset


class _Rollback(Exception):
    """Undoes a dry run's write."""


def _import_or_try(
    source: HarvestSource, actor: Any, record: Record, outcome: str, origin: Any, *, dry_run: bool
) -> None:
    """Import the record; in a dry run, import it in a transaction that is then rolled back,
    so that the run reports what the catalog would refuse (a bad e-mail address, a missing
    permission) and writes nothing."""
    if not dry_run:
        _import(source, actor, record, outcome, origin)
        return
    try:
        with transaction.atomic():
            _import(source, actor, record, outcome, origin)
            raise _Rollback
    except _Rollback:
        pass


def _error_message(exc: Exception) -> dict[str, str]:
    """What a refused write said, in both languages where its messages were translatable
    (a service's message already rendered stays in the language it was rendered in)."""
    if not isinstance(exc, KanminError):
        text = f"{type(exc).__name__}: {exc}"
        return {"ja": text, "en": text}
    parts = [exc.message, *[m for msgs in exc.fields.values() for m in msgs]]
    texts = {}
    for language in ("ja", "en"):
        with override(language):
            texts[language] = " ".join(dict.fromkeys(str(p) for p in parts))
    return texts


def _records(source: HarvestSource, run: HarvestRun) -> Iterator[Record]:
    if source.kind == HarvestKind.DCAT:
        return remote.dcat_records(source.url)
    listing: dict[str, Any] = {}

    def read() -> Iterator[Record]:
        records = remote.ckan_records(source.url, source.kind, source.harvested_until, listing)
        first = True
        for record in records:
            if first:
                run.incremental = bool(listing.get("incremental"))
                first = False
            yield record
        run.incremental = bool(listing.get("incremental"))

    return read()


def _gone(source: HarvestSource, seen: set[str]) -> Iterator[dict[str, Any]]:
    """The results for datasets imported from the source that it no longer lists."""
    origins = (
        HarvestedDataset.all_tenants.filter(source=source)
        .exclude(remote_id__in=seen)
        .select_related("dataset")
    )
    for origin in origins:
        yield {
            "remote_id": origin.remote_id,
            "name": origin.dataset.name,
            "title": origin.dataset.title_ja,
            "remote_url": origin.remote_url,
            "outcome": "skipped",
            "reason": "gone",
            "message": bilingual(
                _("No longer in the source: kept here. Withdraw or delete it if it should go too.")
            ),
        }


def _count(run: HarvestRun, outcome: str) -> None:
    name = f"{outcome}_count"
    setattr(run, name, getattr(run, name) + 1)


def harvest_run(
    *, municipality: Municipality, actor: Any, source: HarvestSource, dry_run: bool = False
) -> HarvestRun:
    """Import the source's datasets (only those changed since the last successful run, for a
    CKAN or Kanmin source). Returns the run, saved — or, for a dry run, unsaved and nothing
    written: what would be created, updated, left unchanged or skipped."""
    require_same_tenant(municipality, source)
    require(actor, "catalog.change_harvestsource", source)
    user = actor if getattr(actor, "is_authenticated", False) else None
    run = HarvestRun(municipality=municipality, source=source, actor=user)
    if not dry_run:
        with transaction.atomic():
            HarvestSource.all_tenants.select_for_update().get(pk=source.pk)
            busy = HarvestRun.all_tenants.filter(
                source=source,
                status=HarvestRunStatus.RUNNING,
                started__gt=timezone.now() - RUN_LEASE,
            ).exists()
            if busy:
                raise Conflict(
                    _("This source is being harvested already; wait for that run to finish."),
                    code="harvest_running",
                )
            run.save()
    run.started = run.started or timezone.now()
    results: list[dict[str, Any]] = []
    newest: dt.datetime | None = None
    oldest_failed: dt.datetime | None = None
    seen: set[str] = set()
    try:
        for record in _records(source, run):
            if record.remote_id in seen:  # a record listed twice (it changed while paging)
                continue
            seen.add(record.remote_id)
            outcome, reason, message, origin = _decide(source, record)
            if outcome in ("created", "updated"):
                try:
                    _import_or_try(source, actor, record, outcome, origin, dry_run=dry_run)
                except Exception as exc:
                    if not isinstance(exc, KanminError):
                        logger.exception("harvest: %s could not be imported", record.remote_id)
                    outcome, reason, message = "failed", "refused", _error_message(exc)
            if outcome == "failed" and record.modified is not None:
                oldest_failed = min(filter(None, [oldest_failed, record.modified]))
            if record.modified is not None:
                newest = max(filter(None, [newest, record.modified]))
            _count(run, outcome)
            results.append(_result(record, outcome, reason, message))
    except SourceUnreachable as exc:
        run.status = HarvestRunStatus.FAILED
        run.error = exc.message
    else:
        run.status = HarvestRunStatus.DONE
        if not run.incremental:
            # A full listing shows what the source no longer has: kept here, and said.
            for gone in _gone(source, seen):
                _count(run, "skipped")
                results.append(gone)
    run.results = results
    run.finished = timezone.now()
    if dry_run:
        return run
    updates: dict[str, Any] = {"last_run_at": run.finished}
    if run.status == HarvestRunStatus.DONE and source.kind != HarvestKind.DCAT:
        # The next run asks from here; from the oldest failure, so that it is tried again.
        until = oldest_failed or newest
        if until is not None:
            updates["harvested_until"] = until
    with transaction.atomic():
        run.save()
        HarvestSource.all_tenants.filter(pk=source.pk).update(**updates)
        audit_services.record(
            actor=actor,
            municipality=municipality,
            action="catalog.harvest_source.run",
            target=source,
            after={
                "status": run.status,
                "run": str(run.pk),
                **{o: getattr(run, f"{o}_count") for o in OUTCOMES},
            },
        )
    for key, value in updates.items():
        setattr(source, key, value)
    return run


def harvest_run_fail(*, actor: Any = None, source_id: str, reason: str) -> None:
    """The running run of a source whose task failed for good (its worker died, say) says
    so, rather than "running" for ever."""
    HarvestRun.all_tenants.filter(
        source_id=UUID(str(source_id)), status=HarvestRunStatus.RUNNING
    ).update(
        status=HarvestRunStatus.FAILED,
        finished=timezone.now(),
        error=bilingual(_("The run stopped before it finished (%(reason)s)."), reason=reason),
    )
