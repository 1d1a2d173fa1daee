"""Background work that survives the crash of any process.

Tasks are django-tasks tasks stored by django_tasks_db (``DBTaskResult``: status, the ids of
the workers that claimed it, dates). Kanmin's worker (``kanmin core_worker``, started by
``kanmin serve``) adds three things to the package's ``db_worker``:

- a lease: each worker has a ``TaskWorker`` row whose ``beat_at`` it renews every few seconds.
  A task left RUNNING by a worker whose lease ran out, or whose process is gone (same host),
  was abandoned: it is run again while it has attempts left (one attempt per claim, the
  length of ``worker_ids``) and otherwise failed with a reason. Every worker does this at
  start-up and on a schedule, so a killed worker's task is taken up by the next worker.
- each task runs in a child process that exits afterwards, watched by the worker: what a
  file check allocates goes back to the system when the child exits, and a child that grows
  beyond ``KANMIN_TASK_MEMORY_MB`` is stopped and its task failed with that reason.
- the sweep of the platform's temporary folder (``kanmin.core.tempfiles``).

Every task kind is covered without registering anything (three attempts, then failed). A task
kind that keeps its own state (a file check's row, say) registers what to do when it fails for
good with ``@recoverable(on_failed=...)``, so that its state follows the task's.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.db import close_old_connections, connections
from django.db.utils import DatabaseError, OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from kanmin.core import tempfiles

logger = logging.getLogger("kanmin.worker")

# A worker renews its lease this often; one not renewed for LEASE is taken for dead.
BEAT_EVERY = 5.0
LEASE = timedelta(seconds=30)
# How often a worker looks for abandoned tasks and for old temporary files.
RECOVER_EVERY = 10.0
SWEEP_EVERY = 3600.0
# How often the memory of a running task's processes is measured.
WATCH_EVERY = 0.1
DEFAULT_ATTEMPTS = 3


class Reason:
    """Why a task failed for good (what ``on_failed`` hooks receive)."""

    ERROR = "error"  # the task raised an exception
    WORKER_LOST = "worker_lost"  # the process running it ended (killed, crashed, restarted)
    MEMORY = "memory"  # it used more memory than KANMIN_TASK_MEMORY_MB and was stopped


class WorkerLost(Exception):
    """Recorded as the exception of a task whose worker died while running it."""


class MemoryLimitExceeded(Exception):
    """Recorded as the exception of a task stopped for using too much memory."""


OnFailed = Callable[[list[Any], dict[str, Any], str], None]


@dataclass(frozen=True)
class Policy:
    attempts: int = DEFAULT_ATTEMPTS
    on_failed: OnFailed | None = None


_POLICIES: dict[str, Policy] = {}

T = TypeVar("T")


def recoverable(*, attempts: int = DEFAULT_ATTEMPTS, on_failed: OnFailed | None = None) -> Any:
    """Declare how a task kind recovers, above its ``@task()``: how many times it is run when
    its worker dies (``attempts``, counting the first), and ``on_failed(args, kwargs, reason)``
    called once when it fails for good (an exception, its worker lost too often, too much
    memory), with a ``Reason`` code, so that the app's own state follows."""

    def register(task: T) -> T:
        _POLICIES[task.module_path] = Policy(attempts=attempts, on_failed=on_failed)  # type: ignore[attr-defined]
        return task

    return register


def policy_for(task_path: str) -> Policy:
    if task_path not in _POLICIES:
        try:
            import_string(task_path)  # importing the task's module registers its policy
        except ImportError:
            pass
    return _POLICIES.get(task_path, Policy())


def _call_on_failed(result: DBTaskResult, reason: str) -> None:
    hook = policy_for(result.task_path).on_failed
    if hook is None:
        return
    args = result.args_kwargs or {}
    try:
        hook(list(args.get("args", [])), dict(args.get("kwargs", {})), reason)
    except Exception:
        logger.exception("The failure hook of task %s (%s) failed", result.pk, result.task_path)


# --------------------------------------------------------------------------------------------
# Who is alive
# --------------------------------------------------------------------------------------------


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _process_alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = _process_start(pid)
    return not (started and now and now != started)


HOSTNAME = socket.gethostname()[:255]


def _is_dead(worker: Any, now: datetime) -> bool:
    if worker.beat_at < now - LEASE:
        return True
    if worker.hostname != HOSTNAME:
        return False  # another machine: only its lease tells
    boot = _boot_id()
    if boot and worker.boot_id and boot != worker.boot_id:
        return True  # this machine was restarted since
    return not _process_alive(worker.pid, worker.pid_started)


# --------------------------------------------------------------------------------------------
# Abandoned tasks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recovered:
    task_id: str
    task_path: str
    requeued: bool
    attempts: int


def recover_abandoned() -> list[Recovered]:
    """Find RUNNING tasks whose worker is dead; run each again while it has attempts left,
    otherwise mark it failed with the reason (and tell its task kind)."""
    from kanmin.core.models import TaskWorker

    now = timezone.now()
    running = list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING))
    if not running:
        _forget_dead_workers(now)
        return []
    last = {r.worker_ids[-1] for r in running if r.worker_ids}
    workers = {w.worker_id: w for w in TaskWorker.objects.filter(worker_id__in=last)}
    done: list[Recovered] = []
    for result in running:
        worker = workers.get(result.worker_ids[-1]) if result.worker_ids else None
        if worker is None:
            # Claimed by a worker that never held a lease (an older version, or the plain
            # db_worker): taken for dead once a lease's time has passed since it started.
            dead = result.started_at is None or result.started_at < now - LEASE
        else:
            dead = _is_dead(worker, now)
        if dead:
            outcome = abandon(result, reason=Reason.WORKER_LOST)
            if outcome is not None:
                done.append(outcome)
    _forget_dead_workers(now)
    return done


def _forget_dead_workers(now: datetime) -> None:
    from kanmin.core.models import TaskWorker

    for worker in TaskWorker.objects.all():
        if _is_dead(worker, now):
            TaskWorker.objects.filter(pk=worker.pk, beat_at=worker.beat_at).delete()


def abandon(result: DBTaskResult, *, reason: str, retry: bool = True) -> Recovered | None:
    """A RUNNING task whose run ended without a result: queue it again while attempts are
    left (when ``retry``), otherwise fail it with ``reason``. None when another worker got
    there first."""
    with exclusive_transaction(DBTaskResult.objects.db):
        current = (
            DBTaskResult.objects.select_for_update()
            .filter(pk=result.pk, status=TaskResultStatus.RUNNING)
            .first()
        )
        if current is None or current.worker_ids != result.worker_ids:
            return None
        attempts = len(current.worker_ids)
        policy = policy_for(current.task_path)
        requeue = retry and attempts < policy.attempts
        if requeue:
            current.status = TaskResultStatus.READY
            current.save(update_fields=["status"])
            logger.warning(
                "Task %s (%s): its worker stopped during attempt %d of %d; queued again.",
                current.pk,
                current.task_path,
                attempts,
                policy.attempts,
            )
        else:
            error: Exception
            if reason == Reason.MEMORY:
                error = MemoryLimitExceeded(
                    f"Stopped: the task used more memory than KANMIN_TASK_MEMORY_MB "
                    f"({_memory_limit_mb()} MB) allows."
                )
            else:
                error = WorkerLost(
                    f"The worker running this task stopped (killed, crashed or restarted) "
                    f"during each of {attempts} attempts; the task is given up."
                )
            current.set_failed(error)
            logger.error("Task %s (%s) failed: %s", current.pk, current.task_path, error)
    if not requeue:
        _call_on_failed(current, reason)
    return Recovered(str(current.pk), current.task_path, requeue, attempts)


# --------------------------------------------------------------------------------------------
# The worker
# --------------------------------------------------------------------------------------------


def _memory_limit_mb() -> int:
    from kanmin.core import conf

    return int(conf.get("KANMIN_TASK_MEMORY_MB"))


def _die_with_parent(sig: int) -> None:
    """Linux: have the kernel send ``sig`` to this process when its parent ends."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, sig, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        logger.warning("Cannot ask to be stopped with the parent process")


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for name in entries:
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss(pid)
        todo.extend(children.get(pid, []))
    return total


class Worker(db_worker.Worker):
    """django_tasks_db's worker, with a lease, recovery, a child process per task and the
    temporary-folder sweep."""

    def __init__(self, *, memory_limit_mb: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.peak_rss = 0  # of the last task's processes, for the log and the benchmark
        self._next_beat = 0.0
        self._next_recover = 0.0
        self._next_sweep = 0.0

    # The lease ------------------------------------------------------------------------------

    def _register(self) -> None:
        from kanmin.core.models import TaskWorker

        now = timezone.now()
        TaskWorker.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": HOSTNAME,
                "boot_id": _boot_id(),
                "pid": os.getpid(),
                "pid_started": _process_start(os.getpid()),
                "started_at": now,
                "beat_at": now,
                "task_id": None,
            },
        )
        self._next_beat = time.monotonic() + BEAT_EVERY

    def beat(self, task_id: Any = None, *, force: bool = False) -> None:
        if not force and time.monotonic() < self._next_beat:
            return
        from kanmin.core.models import TaskWorker

        try:
            renewed = TaskWorker.objects.filter(worker_id=self.worker_id).update(
                beat_at=timezone.now(), task_id=task_id
            )
            if not renewed:  # taken for dead (a long pause) and forgotten: hold a lease again
                self._register()
        except DatabaseError as exc:
            logger.warning("Could not renew the lease of worker %s: %s", self.worker_id, exc)
            return
        self._next_beat = time.monotonic() + BEAT_EVERY

    def _chores(self) -> None:
        now = time.monotonic()
        if now >= self._next_recover:
            self._next_recover = now + RECOVER_EVERY
            try:
                for item in recover_abandoned():
                    logger.warning(
                        "Recovered task %s (%s): %s",
                        item.task_id,
                        item.task_path,
                        "queued again" if item.requeued else "failed",
                    )
            except DatabaseError as exc:
                logger.warning("Could not look for abandoned tasks: %s", exc)
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY
            tempfiles.sweep()

    # The loop ---------------------------------------------------------------------------------

    def run(self) -> None:
        logger.info(
            "Starting Kanmin worker worker_id=%s queues=%s memory limit=%d MB",
            self.worker_id,
            ",".join(self.queue_names),
            self.memory_limit // (1024 * 1024),
        )
        self._register()
        try:
            self._loop()
        finally:
            from kanmin.core.models import TaskWorker

            try:
                TaskWorker.objects.filter(worker_id=self.worker_id).delete()
            except DatabaseError:
                pass

    def _claim(self) -> tuple[DBTaskResult | None, bool]:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                result = tasks.get_locked()
                if result is not None:
                    result.claim(self.worker_id)
                return result, True
            except OperationalError as exc:
                if is_locked_database_exception(exc):
                    return None, False
                raise

    def _loop(self) -> None:
        while self.running:
            close_old_connections()
            self.beat()
            self._chores()
            result, asked = self._claim()
            if result is not None:
                self.beat(result.pk, force=True)
                self.run_task(result)
                self.beat(None, force=True)
            if self.batch and asked and result is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and result is None:
                time.sleep(self.interval)

    # One task, in a child process ------------------------------------------------------------

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.running_task = True
        try:
            self._run_in_child(db_task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _run_in_child(self, result: DBTaskResult) -> None:
        connections.close_all()  # the child opens its own; none may share a socket
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which leaves with os._exit
            code = 1
            try:
                _die_with_parent(signal.SIGKILL)
                if os.getppid() != parent:
                    os._exit(1)
                # Its own group, stopped with all it started. Done after asking to die with
                # the worker, so a child seen in its own group is known to end with the worker.
                os.setpgid(0, 0)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                db_worker.Worker.run_task(self, result)  # records the result or the error
                code = 0
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        over_limit = False
        self.peak_rss = 0
        try:
            while True:
                done, _status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                used = tree_rss(pid)
                self.peak_rss = max(self.peak_rss, used)
                if self.memory_limit and used > self.memory_limit:
                    over_limit = True
                    _kill_group(pid)
                    os.waitpid(pid, 0)
                    break
                self.beat(result.pk)
                time.sleep(WATCH_EVERY)
        except BaseException:
            # The worker itself is being stopped (a second Ctrl+C): stop the task and give it
            # back to the queue, as its attempt did not finish.
            _kill_group(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            self._give_back(result)
            raise
        _kill_group(pid)  # anything the task left running
        result.refresh_from_db()
        if result.status == TaskResultStatus.RUNNING:
            if over_limit:
                logger.error(
                    "Task %s used %d MB, over the limit of %d MB: stopped",
                    result.pk,
                    self.peak_rss // (1024 * 1024),
                    self.memory_limit // (1024 * 1024),
                )
                abandon(result, reason=Reason.MEMORY, retry=False)
            else:
                abandon(result, reason=Reason.WORKER_LOST)
        elif result.status == TaskResultStatus.FAILED:
            _call_on_failed(result, Reason.ERROR)

    def _give_back(self, result: DBTaskResult) -> None:
        try:
            DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY
            )
        except DatabaseError:
            pass  # recovery will find it once this worker's lease has run out


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue


def configure_logging(verbosity: int, stream: Any) -> None:
    """As db_worker does for its logger: shown on the command's output unless -v 0."""
    logger.setLevel(logging.CRITICAL if verbosity == 0 else logging.INFO)
    if not logger.hasHandlers():
        logger.addHandler(logging.StreamHandler(stream))


def start(
    *, die_with_parent: bool = False, memory_limit_mb: int | None = None, **options: Any
) -> Worker:
    """A worker ready to ``run()``; what it left behind last time is cleaned first."""
    if die_with_parent:
        _die_with_parent(signal.SIGTERM)
    # What tasks write to temporary files lands in the platform's folder, which is swept.
    tempfile.tempdir = str(tempfiles.temp_dir())
    worker = Worker(
        memory_limit_mb=_memory_limit_mb() if memory_limit_mb is None else memory_limit_mb,
        **options,
    )
    tempfiles.sweep()
    return worker
