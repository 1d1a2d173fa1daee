"""Background work survives the crash of its worker: a real worker process is killed with
SIGKILL in the middle of a task; the next worker notices (its lease ran out or its process is
gone), runs the task again, or fails it with a reason once its attempts are spent, and the
file check's own state follows.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from kanmin.standards.tests.factories import aed_rows, csv_bytes
from tests.operations.instance import (
    alive,
    check_state,
    children,
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
    reason="runs its own instance on a SQLite file; once is enough",
)


def _attempts(started: Path) -> list[int]:
    return [int(line) for line in started.read_text().split()] if started.exists() else []


def _kill(worker) -> None:
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def test_a_task_whose_worker_is_killed_is_run_again_then_failed_with_a_reason(tmp_path):
    env, _ = new_instance(tmp_path / "site")
    started, release = tmp_path / "started", tmp_path / "release"
    enqueue = (
        "from kanmin.core.tests.tasks import hold;"
        f"print(hold.enqueue({str(started)!r}, {str(release)!r}).id)"
    )

    # Killed once in the middle of the task: the next worker runs it again to the end.
    task = shell(env, enqueue)
    worker = start_worker(env)
    try:
        first = wait_for("the first attempt", lambda: _attempts(started))[0]
        _kill(worker)
        # The task's own process does not outlive its worker.
        wait_for("the task's process to end with its worker", lambda: not alive(first))
        assert task_state(env, task)[0] == "RUNNING"  # what stayed so for ever before
        worker = start_worker(env)
        wait_for("the second attempt", lambda: len(_attempts(started)) == 2)
        release.touch()
        wait_for("the task to finish", lambda: task_state(env, task)[0] == "SUCCESSFUL")
        assert len(task_state(env, task)[1]) == 2  # two workers claimed it
    finally:
        stop(worker)

    # Killed in each of its three attempts: failed, with the reason, not left running.
    release.unlink()
    started.unlink()
    task = shell(env, enqueue)
    for attempt in (1, 2, 3):
        worker = start_worker(env)
        wait_for(f"attempt {attempt}", lambda n=attempt: len(_attempts(started)) == n)
        _kill(worker)
    worker = start_worker(env)
    try:
        wait_for("the task to be given up", lambda: task_state(env, task)[0] == "FAILED")
    finally:
        stop(worker)
    _status, workers, error = task_state(env, task)
    assert error == "kanmin.core.worker.WorkerLost"
    assert len(workers) == 3 and len(_attempts(started)) == 3


def _stop_mid_check(env, worker) -> None:
    """Freeze the check's process as soon as the worker starts it, then kill the worker: the
    check is certainly killed in the middle, whatever the machine's speed."""
    child = wait_for("the check to start", lambda: task_processes(worker.pid))[0]
    os.kill(child, signal.SIGSTOP)
    _kill(worker)
    wait_for("the check's process to end with its worker", lambda: not alive(child))


def test_a_file_check_whose_worker_is_killed_finishes_or_says_why_it_failed(tmp_path):
    header, rows = aed_rows(2000)
    upload = tmp_path / "aed.csv"
    upload.write_bytes(csv_bytes(header, rows))
    env, check = new_instance(tmp_path / "site", upload)
    task = task_of(env, check)

    worker = start_worker(env)
    _stop_mid_check(env, worker)
    assert task_state(env, task)[0] == "RUNNING"
    assert check_state(env, check)[0] in ("queued", "running")
    worker = start_worker(env)
    try:
        wait_for("the check to be done", lambda: check_state(env, check)[0] == "done")
        # A finished check queues the table's DataStore load: let it run too, so that the
        # workers killed below are killed in the second check, not in that load.
        wait_for("the queued tasks to finish", lambda: _waiting_tasks(env) == 0)
    finally:
        stop(worker)
    assert task_state(env, task)[0] == "SUCCESSFUL"

    # Checked again, and killed in both attempts a file check has: failed, with the reason
    # the page shows in the clerk's language.
    again = shell(
        env,
        "from kanmin.catalog import services; from kanmin.catalog.models import Resource;"
        "r = Resource.all_tenants.get(dataset__provider='');"
        "print(services.resource_validate(municipality=r.municipality, actor=None, resource=r).pk)",
    )
    task = task_of(env, again)
    for _attempt in (1, 2):
        _stop_mid_check(env, start_worker(env))
    worker = start_worker(env)
    try:
        wait_for("the check to fail", lambda: check_state(env, again)[0] == "failed")
    finally:
        stop(worker)
    assert check_state(env, again) == ("failed", "worker_lost")
    assert task_state(env, task)[0] == "FAILED"


def _waiting_tasks(env) -> int:
    found = row(
        env,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult"
        " WHERE status IN ('READY', 'RUNNING')",
    )
    return int(found[0]) if found else 0


def _rss_mb(pid: int) -> int:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)


def test_a_task_that_needs_too_much_memory_is_stopped_and_the_worker_stays_small(tmp_path):
    env, _ = new_instance(tmp_path / "site")
    task = shell(env, "from kanmin.core.tests.tasks import grow; print(grow.enqueue(600).id)")
    worker = start_worker(env, "--memory-limit", "200")
    try:
        wait_for("the task to be stopped", lambda: task_state(env, task)[0] == "FAILED")
        assert task_state(env, task)[2] == "kanmin.core.worker.MemoryLimitExceeded"
        assert worker.poll() is None  # the worker lives on
        assert children(worker.pid) == []  # the task's process is gone
        # The 600 MB were the task's child's: the worker itself stays far from them.
        assert _rss_mb(worker.pid) < 200
    finally:
        stop(worker)
