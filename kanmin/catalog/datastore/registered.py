"""The tables the apps publish (``kanmin.core.datasets``: the shelters lists, the evacuation
orders …) in the DataStore. Their files are written from the app's rows on each download, and
an app does not always say when its rows change; so the table is the rows as they are now:
each read writes the CSV the download would give, and loads it into a Parquet file named by
the CSV's hash when no file of that hash exists yet. A reader never sees an earlier state of
the rows than the download would give, and rows that did not change are not loaded again.

The tables are small (an app's register, not a city's sensor archive): loading one is a few
tens of milliseconds, done only when the rows changed."""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from django.utils import timezone

from kanmin.catalog.datastore import live
from kanmin.catalog.datastore.files import datastore_root, table_folder
from kanmin.core import datasets

PREFIX = "rows-"
# Files of earlier states of the rows are removed once this old (a reader that opened one
# just before the rows changed is done with it by then).
KEEP_SECONDS = 600


def is_registered_file(resource: Any, provider: datasets.Provider | None) -> bool:
    """Whether the resource is the CSV an app writes (the one of its two files that is a
    table; the JSON holds the same rows)."""
    return (
        provider is not None
        and resource.is_served_here
        and resource.url.endswith(f"/datasets/{provider.slug}.csv")
    )


def table(resource: Any, provider: datasets.Provider) -> Any:
    """An unsaved :class:`DatastoreTable` over the app's rows as they are now (see above)."""
    from kanmin.catalog.models import DatastoreStatus, DatastoreTable

    live.note_read(str(resource.pk))  # the API does not keep an answer made of these rows
    data = datasets.rows_csv(provider, resource.municipality)
    digest = hashlib.sha256(data).hexdigest()[:32]
    folder = table_folder(resource)
    final = folder / f"{PREFIX}{digest}.parquet"
    meta_path = folder / f"{PREFIX}{digest}.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        meta = _load(data, folder, final, meta_path)
    return DatastoreTable(
        municipality_id=resource.municipality_id,
        resource=resource,
        path=str(final.relative_to(datastore_root())),
        fields=meta["fields"],
        row_count=meta["rows"],
        rows_done=meta["rows"],
        encoding=meta["encoding"],
        status=DatastoreStatus.DONE,
        loaded_at=timezone.now(),
    )


def _load(data: bytes, folder: Path, final: Path, meta_path: Path) -> dict[str, Any]:
    """Write the rows' table and then its description (so that a description found means
    its table is there); two readers doing so at once write the same files."""
    # Here, not at the top: the catalog's sync asks is_registered_file, and the processes
    # that only sync (the worker, a web process answering a staff action) need no Arrow.
    from kanmin.catalog.datastore import load

    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f".{uuid.uuid4().hex}-rows.csv"
    source.write_bytes(data)
    try:
        built = load.build(source, folder)
    finally:
        source.unlink(missing_ok=True)
    try:
        if built.clustered_temp is not None:
            os.replace(built.clustered_temp, load.clustered_path(final))
        os.replace(built.temp_path, final)
    except BaseException:
        built.discard()
        raise
    meta = {"fields": built.fields, "rows": built.rows, "encoding": built.encoding}
    temp_meta = folder / f".{uuid.uuid4().hex}.json{load.TEMP_SUFFIX}"
    temp_meta.write_text(json.dumps(meta, ensure_ascii=False))
    os.replace(temp_meta, meta_path)
    _prune(folder, keep=final.name.removesuffix(".parquet"))
    return meta


def _prune(folder: Path, keep: str) -> None:
    now = time.time()
    for entry in folder.iterdir():
        if not entry.name.startswith(PREFIX) or entry.name.startswith(keep):
            continue
        try:
            if now - entry.stat().st_mtime > KEEP_SECONDS:
                entry.unlink(missing_ok=True)
        except OSError:
            continue
