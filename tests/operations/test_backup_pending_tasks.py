"""A backup keeps the background work that was pending, and a restore queues it again and
says so: a check waiting in the queue, and one whose worker was killed in the middle (left
RUNNING), are both run on the restored instance. The backup never carries a task as running."""

from __future__ import annotations

import json
import os
import signal
import tarfile

import pytest

from kanmin.standards.tests.factories import aed_rows, csv_bytes
from tests.operations.instance import (
    alive,
    check_state,
    instance_env,
    kanmin,
    new_instance,
    row,
    shell,
    start_worker,
    stop,
    task_of,
    task_processes,
    task_state,
    wait_for,
)

pytestmark = pytest.mark.skipif(
    os.environ.get("KANMIN_DATABASE_URL", "").startswith("postgres"),
    reason="runs its own instances on SQLite files; once is enough",
)


def test_restore_queues_again_what_was_pending(tmp_path):
    header, rows = aed_rows(500)
    upload = tmp_path / "aed.csv"
    upload.write_bytes(csv_bytes(header, rows))
    env, interrupted = new_instance(tmp_path / "a", upload)
    # The first check's worker is killed in the middle: its task is left RUNNING.
    worker = start_worker(env)
    child = wait_for("the check to start", lambda: task_processes(worker.pid))[0]
    os.kill(child, signal.SIGSTOP)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    wait_for("the check's process to end", lambda: not alive(child))
    assert task_state(env, task_of(env, interrupted))[0] == "RUNNING"
    # A second check waits in the queue.
    waiting = shell(
        env,
        "from kanmin.catalog import services; from kanmin.catalog.models import Resource;"
        "r = Resource.all_tenants.get(dataset__provider='');"
        "print(services.resource_validate(municipality=r.municipality, actor=None, resource=r).pk)",
    )

    archive = tmp_path / "backup.tar.gz"
    kanmin(env, "backup", str(archive))
    with tarfile.open(archive) as tar:
        pending = json.loads(tar.extractfile("tasks.json").read())  # type: ignore[union-attr]
        data = tar.extractfile("data.json").read().decode()  # type: ignore[union-attr]
    assert sorted(p["was"] for p in pending) == ["running", "waiting"]
    assert "django_tasks_database" not in data  # no task row travels as RUNNING

    restored = instance_env(tmp_path / "b")
    out = kanmin(restored, "restore", str(archive))
    assert "2 background tasks were waiting or running" in out
    assert interrupted in out and waiting in out
    statuses = row(
        restored,
        "SELECT group_concat(status) FROM django_tasks_database_dbtaskresult",
    )
    assert statuses == ("READY,READY",)

    worker = start_worker(restored)
    try:
        for check in (interrupted, waiting):
            wait_for("the check to run", lambda c=check: check_state(restored, c)[0] == "done")
    finally:
        stop(worker)
