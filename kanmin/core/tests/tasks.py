"""A task for the crash tests of the worker (tests/operations/test_worker_crash.py): it says
when it started, then waits until the test lets it finish. Not a mock: the real worker runs
it like any other task."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def hold(started: str, release: str) -> str:
    """Append this attempt's process id to ``started``; finish once ``release`` exists."""
    with Path(started).open("a") as out:
        out.write(f"{os.getpid()}\n")
    while not Path(release).exists():
        time.sleep(0.05)
    return "released"


@task()
def grow(megabytes: int) -> int:
    """Hold ``megabytes`` of memory (to see the worker's limit stop it)."""
    block = bytearray(megabytes * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(60)
    return len(block)
