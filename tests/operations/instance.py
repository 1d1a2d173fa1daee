"""A throw-away Kanmin instance for the operations tests: its own SQLite file and data folder,
driven through the real `kanmin` command in subprocesses."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SETUP = """
from django.core.files.uploadedfile import SimpleUploadedFile
from kanmin.catalog import services
from kanmin.core.models import Municipality
m = Municipality.objects.get(lg_code="452025")
org = services.organization_create(municipality=m, actor=None, name="bosai", title_ja="危機管理課")
ds = services.dataset_create(municipality=m, actor=None, organization=org, name="shelters",
    title_ja="避難所", state="published")
data = open({path!r}, "rb").read()
r = services.resource_create(municipality=m, actor=None, dataset=ds,
    upload=SimpleUploadedFile({name!r}, data))
print(r.validations.get().pk)
"""


def kanmin_path() -> str:
    return shutil.which("kanmin") or str(Path(__file__).parents[2] / ".venv/bin/kanmin")


def instance_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KANMIN_")}
    env.update(
        KANMIN_PROFILE="dev",
        KANMIN_DATA_DIR=str(folder),
        KANMIN_DATABASE_URL=f"sqlite:///{folder / 'kanmin.sqlite3'}",
        KANMIN_SECRET_KEY="test-only",
        KANMIN_ENCRYPTION_KEYS=os.environ.get(
            "KANMIN_ENCRYPTION_KEYS", "kNTKF0I_iTSsM5Oz6ei_T7Xk3GZ2VLCy4aooS-lbrlc="
        ),
    )
    return env


def kanmin(env: dict[str, str], *args: str, check: bool = True) -> str:
    result = subprocess.run(
        [kanmin_path(), *args], env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def shell(env: dict[str, str], code: str) -> str:
    """Run Python in the instance; returns the last printed line."""
    out = kanmin(env, "shell", "-c", code).strip()
    return out.splitlines()[-1] if out else ""


def row(env: dict[str, str], sql: str, *params: Any) -> tuple[Any, ...] | None:
    """One row read straight from the instance's SQLite file (quick enough to poll)."""
    path = env["KANMIN_DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        found: tuple[Any, ...] | None = db.execute(sql, params).fetchone()
        return found


def task_state(env: dict[str, str], task_id: str) -> tuple[str, list[str], str]:
    """(status, worker ids, exception class) of a task."""
    found = row(
        env,
        "SELECT status, worker_ids, exception_class_path FROM django_tasks_database_dbtaskresult"
        " WHERE replace(id, '-', '') = ?",
        task_id.replace("-", ""),
    )
    assert found is not None, f"no task {task_id}"
    return found[0], json.loads(found[1]), found[2]


def check_state(env: dict[str, str], validation_id: str) -> tuple[str, str]:
    """(status, failure reason) of a file check."""
    found = row(
        env,
        "SELECT status, failure_reason FROM catalog_validation WHERE replace(id, '-', '') = ?",
        validation_id.replace("-", ""),
    )
    assert found is not None, f"no check {validation_id}"
    return found[0], found[1]


def task_of(env: dict[str, str], validation_id: str) -> str:
    """The id of the newest task that runs a file check."""
    found = row(
        env,
        "SELECT id FROM django_tasks_database_dbtaskresult WHERE args_kwargs LIKE ?"
        " ORDER BY enqueued_at DESC",
        f"%{validation_id}%",
    )
    assert found is not None, f"no task for the check {validation_id}"
    return str(found[0])


def new_instance(folder: Path, upload: Path | None = None) -> tuple[dict[str, str], str]:
    """Migrate, add 都城市; with ``upload``, a published dataset with that file, whose check is
    queued. Returns the environment and the check's id ('' without a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = instance_env(folder)
    kanmin(env, "migrate", "--verbosity", "0")
    kanmin(env, "tenant", "add", "452025", "都城市")
    if upload is None:
        return env, ""
    return env, shell(env, SETUP.format(path=str(upload), name=upload.name))


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [kanmin_path(), "core_worker", "--interval", "0.2", "--no-reload", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    """Stop a worker the polite way and return what it printed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.stdout.read() if process.stdout else ""


def wait_for(what: str, condition: Callable[[], Any], seconds: float = 120) -> Any:
    """Poll until ``condition()`` is true; fail the test (not hang) if it never is."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def task_processes(worker: int) -> list[int]:
    """The worker's children that run a task and will end with the worker: a child moves to
    its own process group only after asking the kernel to kill it with its parent, so one
    frozen earlier could outlive the worker (the clean-clone run froze one that early)."""
    started = []
    for child in children(worker):
        try:
            group = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[2])
        except (OSError, IndexError, ValueError):
            continue
        if group == child:
            started.append(child)
    return started


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
