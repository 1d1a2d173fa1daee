"""The embedded shared cache (kanmin.core.cache.SQLiteFileCache) on a real SQLite file."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from kanmin.core.cache import SQLiteFileCache


def make(path: Path, **options: Any) -> SQLiteFileCache:
    return SQLiteFileCache(str(path), {"TIMEOUT": 300, "OPTIONS": options})


@pytest.fixture
def cache(tmp_path: Path) -> SQLiteFileCache:
    return make(tmp_path / "cache" / "answers.sqlite3")


def rows(path: Path) -> list[tuple[str, bytes]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT key, value FROM cache ORDER BY rowid").fetchall()


def test_values_come_back_as_they_were_kept(cache, tmp_path):
    assert cache.get("a") is None and cache.get("a", "none") == "none"
    body = '{"result": "都城市"}'.encode()
    cache.set("a", body)
    cache.set("b", {"n": [1, 2]}, timeout=None)
    assert cache.get("a") == body
    assert cache.get("b") == {"n": [1, 2]}
    assert cache.has_key("a") and not cache.has_key("c")
    assert cache.get_many(["a", "b", "c"]) == {"a": body, "b": {"n": [1, 2]}}
    cache.set("a", b"second")  # replaced, not added
    assert cache.get("a") == b"second"
    # Stored as a plain pickle in a BLOB: no base64 on the way.
    stored = dict(rows(tmp_path / "cache" / "answers.sqlite3"))
    assert isinstance(stored[":1:a"], bytes) and b"second" in stored[":1:a"]


def test_expired_values_are_misses(cache):
    cache.set("gone", b"x", timeout=0)  # Django: a timeout of 0 expires at once
    assert cache.get("gone") is None and not cache.has_key("gone")
    assert cache.add("gone", b"new")  # an expired key can be added again
    assert cache.get("gone") == b"new"
    assert not cache.add("gone", b"newer")  # a live one cannot
    assert cache.get("gone") == b"new"
    cache.set("kept", b"y", timeout=None)
    assert cache.touch("kept", timeout=0)
    assert cache.get("kept") is None
    assert not cache.touch("kept")  # nothing left to touch


def test_delete_clear_and_counters(cache):
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    assert cache.get("a") is None and cache.get("b") == 2
    assert cache.incr("b", 5) == 7 and cache.get("b") == 7
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.clear()
    assert cache.get("b") is None


def test_culling_keeps_the_newest_writes_without_counting_every_write(tmp_path):
    path = tmp_path / "answers.sqlite3"
    cache = make(path, MAX_ENTRIES=3, CULL_EVERY=4)
    cache.set("old", b"x", timeout=0)  # expired: goes at the first cull
    for i in range(3):
        cache.set(f"k{i}", b"v")
    assert len(rows(path)) == 3  # the 4th write culled: the expired row went
    for i in range(3, 6):
        cache.set(f"k{i}", b"v")
    assert len(rows(path)) == 6  # no cull between two culls' writes
    cache.set("k6", b"v")  # 8th write: a cull, three newest kept
    assert [key for key, _v in rows(path)] == [":1:k4", ":1:k5", ":1:k6"]
    assert cache.get("k6") == b"v" and cache.get("k0") is None


def test_a_locked_file_is_a_miss_or_a_skipped_write_never_a_wait(cache, tmp_path, caplog):
    path = tmp_path / "cache" / "answers.sqlite3"
    cache.set("a", b"kept before")
    assert cache._connection().execute("PRAGMA busy_timeout").fetchone()[0] == 0
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    cache.set("b", b"not kept")
    assert cache.add("c", b"not kept") is False
    assert cache.get("a") == b"kept before"  # WAL: readers never wait for the writer
    other.execute("ROLLBACK")
    other.close()
    assert cache.get("b") is None and cache.get("c") is None
    cache.set("b", b"kept after")
    assert cache.get("b") == b"kept after"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # not a fault


def test_a_file_held_by_another_program_is_a_miss_until_released(tmp_path, caplog):
    path = tmp_path / "held.sqlite3"
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("CREATE TABLE held (n)")  # the exclusive lock stays until it closes
    cache = make(path)
    cache.set("a", b"not kept")
    assert cache.get("a") is None and cache.get("a", "default") == "default"
    assert not cache.has_key("a")
    other.close()
    cache.set("a", b"kept")
    assert cache.get("a") == b"kept"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # not a fault


def test_a_damaged_file_warns_once_and_is_a_miss(tmp_path, caplog):
    path = tmp_path / "damaged.sqlite3"
    path.write_bytes(b"this is not a SQLite database file" * 100)
    cache = make(path)
    with caplog.at_level(logging.WARNING, logger="kanmin.core.cache"):
        cache.set("a", b"x")
        assert cache.get("a") is None
        assert cache.get("a", "default") == "default"
        assert cache.add("a", b"x") is False and cache.delete("a") is False
        make(path).get("a")  # another thread's instance in the same process
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(path) in warnings[0].getMessage() and "remove the file" in warnings[0].getMessage()


def test_an_unwritable_folder_is_a_miss(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache's folder should be")
    cache = make(blocker / "cache" / "answers.sqlite3")
    with caplog.at_level(logging.WARNING, logger="kanmin.core.cache"):
        cache.set("a", b"x")
        assert cache.get("a") is None and not cache.has_key("a")
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_each_thread_has_its_own_connection(cache):
    cache.set("a", b"main")
    seen: dict[str, Any] = {}

    def other() -> None:
        seen["value"] = cache.get("a")
        seen["conn"] = cache._connection()
        cache.set("b", b"thread")

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen["value"] == b"main" and cache.get("b") == b"thread"
    assert seen["conn"] is not cache._connection()


def _child(cache: SQLiteFileCache, parent_conn_id: int, queue: Any) -> None:
    # The parent's connection came through fork: the child must open its own.
    got = cache.get("from-parent")
    own = id(cache._connection()) != parent_conn_id and cache._local.pid == os.getpid()
    cache.set("from-child", b"computed in the child")
    queue.put((got, own))


def test_two_processes_share_answers(cache):
    cache.set("from-parent", b"computed in the parent")
    parent_conn = cache._connection()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(cache, id(parent_conn), queue))
    child.start()
    got, own_connection = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert got == b"computed in the parent"
    assert own_connection
    assert cache.get("from-child") == b"computed in the child"
    assert cache._connection() is parent_conn  # the parent's own is untouched
