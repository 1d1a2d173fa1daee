"""Where the DataStore's table files live: ``KANMIN_DATA_DIR/datastore/<lg_code>/<resource
id>/<version>.parquet``."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction


def datastore_root() -> Path:
    return Path(settings.DATA_DIR) / "datastore"


def table_folder(resource: Any) -> Path:
    """``KANMIN_DATA_DIR/datastore/<lg_code>/<resource id>/``."""
    return datastore_root() / resource.municipality.lg_code / str(resource.pk)


def table_file(table: Any) -> Path:
    return datastore_root() / table.path


def delete_on_commit(resource: Any) -> None:
    """After the transaction that deleted the resource: remove its table files."""
    folder = table_folder(resource)
    transaction.on_commit(partial(shutil.rmtree, folder, ignore_errors=True))
