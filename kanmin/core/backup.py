"""Backups: the database (as Django's portable JSON) and the stored files, in one archive.

A backup made on SQLite restores onto PostgreSQL and back. Encrypted fields stay encrypted in
the archive, so restoring needs the same KANMIN_ENCRYPTION_KEYS.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import kanmin
from kanmin.core import tempfiles

FORMAT = "kanmin-backup"
VERSION = 1
# Rebuilt by `migrate` or worthless after a restore.
EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "auth.group",  # the roles' groups are rebuilt by migrations from accounts/roles.py
    "sessions",
    "admin.logentry",
    "axes",
    "django_tasks_database",
]


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    objects: int
    files: int
    # Background tasks that were waiting or running when the backup was made (restored as
    # waiting: a task running then is run again), as (task, arguments) for the operator.
    pending_tasks: tuple[tuple[str, str], ...] = ()
    # False for a backup made before pending tasks were kept: what was queued then is unknown.
    tasks_recorded: bool = True


TASKS_FILE = "tasks.json"


def _pending_tasks() -> list[dict[str, Any]]:
    """Tasks not finished yet, as portable JSON. The task table itself is not backed up (its
    finished rows are worthless after a restore); a task running now is recorded as waiting,
    never as running: the worker running it does not exist on the restored instance."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    never = get_date_max()
    return [
        {
            "id": str(row.pk),
            "task_path": row.task_path,
            "args_kwargs": row.args_kwargs,
            "queue_name": row.queue_name,
            "priority": row.priority,
            "backend_name": row.backend_name,
            "run_after": None if row.run_after == never else row.run_after.isoformat(),
            "enqueued_at": row.enqueued_at.isoformat(),
            "was": "running" if row.status == TaskResultStatus.RUNNING else "waiting",
        }
        for row in DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).order_by("enqueued_at")
    ]


def _requeue(tasks: list[dict[str, Any]]) -> None:
    from datetime import datetime

    from django_tasks_db.models import DBTaskResult, get_date_max

    for item in tasks:
        DBTaskResult.objects.create(
            id=item["id"],
            args_kwargs=item["args_kwargs"],
            priority=item["priority"],
            task_path=item["task_path"],
            queue_name=item["queue_name"],
            backend_name=item["backend_name"],
            run_after=datetime.fromisoformat(item["run_after"])
            if item["run_after"]
            else get_date_max(),
        )


def _describe(item: dict[str, Any]) -> tuple[str, str]:
    args = item["args_kwargs"]
    shown = [json.dumps(a, ensure_ascii=False) for a in args.get("args", [])]
    shown += [f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.get("kwargs", {}).items()]
    return item["task_path"], ", ".join(shown)


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _dump(out: io.TextIOBase) -> None:
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=False,  # keep primary keys: audit entries refer to them
        exclude=EXCLUDED,
        format="json",
        indent=None,
        stdout=out,
        use_base_manager=True,
    )


def create_backup(path: Path) -> BackupSummary:
    """Write one consistent snapshot of the database and the stored files to ``path``."""
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=tempfiles.temp_dir()) as tmp:
        data_path = Path(tmp) / "data.json"
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            with data_path.open("w", encoding="utf-8") as out:
                _dump(out)
            migrations = _migrations()
            pending = _pending_tasks()
        data = data_path.read_bytes()
        tasks = json.dumps(pending, ensure_ascii=False, indent=1).encode()
        objects = len(json.loads(data))
        files = (
            sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []
        )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "kanmin_version": getattr(kanmin, "__version__", "0"),
            "database_vendor": connection.vendor,
            "migrations": migrations,
            "objects": objects,
            "data_sha256": hashlib.sha256(data).hexdigest(),
            "pending_tasks": len(pending),
            "tasks_sha256": hashlib.sha256(tasks).hexdigest(),
            "files": {
                str(p.relative_to(media_root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in files
            },
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(
                archive,
                "manifest.json",
                json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
            )
            archive.add(data_path, arcname="data.json")
            _add_bytes(archive, TASKS_FILE, tasks)
            for p in files:
                archive.add(p, arcname="media/" + str(p.relative_to(media_root)))
        partial.replace(path)
    return BackupSummary(path, objects, len(files), tuple(_describe(t) for t in pending))


def _add_bytes(archive: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(payload))


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(path, "r:gz") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.loads(member.read())
    except (tarfile.TarError, KeyError, json.JSONDecodeError, OSError) as exc:
        raise BackupError(f"{path} is not a Kanmin backup: {exc}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{path} is not a Kanmin backup of version {VERSION}.")
    return manifest


def _is_empty() -> bool:
    """True when no user, municipality or audit entry exists yet (only migrations ran)."""
    for label in ("core.Municipality", "accounts.User", "audit.AuditEvent"):
        if apps.get_model(label)._base_manager.exists():
            return False
    return True


def restore_backup(path: Path) -> BackupSummary:
    """Load a backup into an empty, migrated database and put the files back."""
    manifest = read_manifest(path)
    if not _is_empty():
        raise BackupError(
            "The database is not empty. Restore only onto a new instance (migrate an empty "
            "database first), so nothing is overwritten."
        )
    ours = _migrations()
    for app, names in manifest["migrations"].items():
        missing = set(names) - set(ours.get(app, []))
        if missing:
            raise BackupError(
                f"The backup needs migrations this installation does not have ({app}: "
                f"{', '.join(sorted(missing))}). Upgrade Kanmin first."
            )
    media_root = Path(settings.MEDIA_ROOT)
    scratch = tempfiles.temp_dir()
    with tempfile.TemporaryDirectory(dir=scratch) as tmp, tarfile.open(path, "r:gz") as archive:
        _extract_safely(archive, tmp)
        data_path = Path(tmp) / "data.json"
        if hashlib.sha256(data_path.read_bytes()).hexdigest() != manifest["data_sha256"]:
            raise BackupError("The backup's data does not match its checksum: it is damaged.")
        tasks_path = Path(tmp) / TASKS_FILE
        recorded = "tasks_sha256" in manifest
        pending: list[dict[str, Any]] = []
        if recorded:
            if hashlib.sha256(tasks_path.read_bytes()).hexdigest() != manifest["tasks_sha256"]:
                raise BackupError("The backup's task list does not match its checksum.")
            pending = json.loads(tasks_path.read_bytes())
        with transaction.atomic():
            call_command("loaddata", str(data_path), verbosity=0)
            # In the same transaction: the records these tasks work on and the tasks.
            _requeue(pending)
        restored = 0
        for relative, digest in manifest["files"].items():
            source = Path(tmp) / "media" / relative
            if hashlib.sha256(source.read_bytes()).hexdigest() != digest:
                raise BackupError(f"The stored file {relative} is damaged in the backup.")
            target = media_root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            restored += 1
    return BackupSummary(
        path,
        int(manifest["objects"]),
        restored,
        tuple(_describe(t) for t in pending),
        recorded,
    )


def _extract_safely(archive: tarfile.TarFile, folder: str) -> None:
    """Extract a backup refusing links, devices and paths that leave ``folder``. Python's own
    ``filter="data"`` does this from 3.11.4; Debian 12's python3 is 3.11.2, so the same check is
    written here where the filter is missing."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(folder, filter="data")
        return
    root = Path(folder).resolve()
    for member in archive.getmembers():
        target = (root / member.name).resolve()
        if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
            raise BackupError(f"The backup holds an entry it must not ({member.name!r}): refused.")
    archive.extractall(folder)  # noqa: S202 (every member checked above)
