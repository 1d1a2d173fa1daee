"""The platform's own temporary folder: ``KANMIN_DATA_DIR/tmp``.

Uploads being received (Django's FILE_UPLOAD_TEMP_DIR), corrected copies being written and
backups being packed use it, not the system's temporary folder: what a crash leaves there is
Kanmin's to clean, and ``sweep`` does so when the server or a worker starts and on the
worker's schedule.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# What a running upload, repair or backup could still be using is younger than this.
MAX_AGE = timedelta(hours=6)


def temp_dir() -> Path:
    """The folder (created when missing)."""
    path = Path(settings.FILE_UPLOAD_TEMP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep(max_age: timedelta | None = MAX_AGE) -> int:
    """Remove what was left in the folder, older than ``max_age`` (everything when None).
    Returns how many entries were removed."""
    folder = temp_dir()
    limit = time.time() - max_age.total_seconds() if max_age is not None else None
    removed = 0
    for entry in folder.iterdir():
        try:
            if limit is not None and entry.lstat().st_mtime > limit:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except FileNotFoundError:
            continue  # removed by its owner meanwhile
        except OSError as exc:
            logger.warning("Could not remove the temporary file %s: %s", entry, exc)
    if removed:
        logger.info("Removed %d temporary files left in %s", removed, folder)
    return removed
