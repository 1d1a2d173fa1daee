"""The embedded shared cache: a Django cache backend in a SQLite file of its own.

``conf.caches()`` chooses it when KANMIN_CACHE_URL is empty. Every process of the server (and
every thread) opens the same file, ``KANMIN_DATA_DIR/cache/answers.sqlite3``, so an answer
kept by one worker is served by the others. It is built to cost as little as a cache may:

- a connection per thread, opened again in a forked child (a SQLite connection must not be
  used across ``fork``); WAL, so readers never wait for the writer; no fsync
  (``synchronous=OFF``: a cache lost in a power cut is only recomputed);
- a busy timeout of 0: a file locked by another writer is a miss or a skipped write, never a
  wait (the answer is computed, or computed again next time);
- values are pickles stored as raw bytes, written with one ``INSERT OR REPLACE``;
- the size is bounded without counting rows on every write: every ``CULL_EVERY`` writes of a
  connection, the expired rows go, and all but the ``MAX_ENTRIES`` newest writes.

Django's database cache, the previous default, cost about 40 % more server CPU per missed API
answer (it counts the table on every write, base64-encodes the pickle and commits a
transaction in the main database); this file costs about 2 % more instructions than no cache
at all. benchmarks/README.md has the figures.

A file that cannot be opened or written (a read-only folder, a damaged file) logs one
warning per process and then behaves as an empty cache: the cache is a shortcut, never a
reason for a request to fail.
"""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

logger = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, expires REAL, value BLOB)"
# After a failure to open the file (not a lock: an unwritable folder, a damaged file), how long
# a process waits before it tries again.
RETRY_SECONDS = 30.0

# Connections opened by a parent process and inherited through fork: never used or closed in
# the child (closing one could checkpoint or remove the parent's WAL), only kept from the
# garbage collector.
_inherited: list[sqlite3.Connection] = []
# Files this process has already warned about (one warning each).
_warned: set[str] = set()
_warned_lock = threading.Lock()


def _locked(exc: sqlite3.Error) -> bool:
    """Another connection holds the lock: an ordinary event under load, not a fault."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


class SQLiteFileCache(BaseCache):
    """Django cache backend; LOCATION is the SQLite file (its folder is created when missing).

    OPTIONS: ``MAX_ENTRIES`` (default 10,000) rows kept after a cull, ``CULL_EVERY`` (default
    500) writes of a connection between two culls. Django's CULL_FREQUENCY is not used.
    """

    pickle_protocol = pickle.HIGHEST_PROTOCOL

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        options = params.get("OPTIONS", {})
        super().__init__({**params, "OPTIONS": {"MAX_ENTRIES": 10_000, **options}})
        self.path = Path(location)
        self.cull_every = max(1, int(options.get("CULL_EVERY", 500)))
        self._local = threading.local()
        self._failed_at = 0.0

    # -- the connection --------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection | None:
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        pid = os.getpid()
        if conn is not None:
            if local.pid == pid:
                return conn
            _inherited.append(conn)
            local.conn = None
        if self._failed_at and time.monotonic() - self._failed_at < RETRY_SECONDS:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=0, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            self._fault(exc)
            return None
        try:
            # journal_mode is kept in the file: only its first opener changes it.
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(SCHEMA)
        except sqlite3.Error as exc:
            conn.close()
            if not _locked(exc):  # locked while another process creates it: next time
                self._fault(exc)
            return None
        local.conn, local.pid, local.writes = conn, pid, 0
        self._failed_at = 0.0
        return conn

    def _fault(self, exc: BaseException) -> None:
        """A failure that is not a lock: warn once per process, and wait before retrying."""
        self._failed_at = time.monotonic()
        with _warned_lock:
            if str(self.path) in _warned:
                return
            _warned.add(str(self.path))
        logger.warning(
            "The shared cache file %s cannot be used (%s); answers are computed without it. "
            "Make its folder writable by the server, or remove the file if it is damaged "
            "(it is made again).",
            self.path,
            exc,
        )

    def _failed(self, exc: sqlite3.Error) -> None:
        if _locked(exc):
            return
        self._fault(exc)
        # A damaged file or a lost folder: open again (later) rather than reuse the connection.
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    # -- Django's cache API ----------------------------------------------------------------

    def validate_key(self, key: str) -> None:
        """Any string is a valid key of a TEXT column. Django's default warns about keys that
        memcached would refuse, by a Python loop over every character, twice per missed
        answer; Kanmin's keys are short hashes, and its other cache is Redis."""

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        conn = self._connection()
        if conn is None:
            return default
        try:
            row = conn.execute("SELECT expires, value FROM cache WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return default
        if row is None or (row[0] is not None and row[0] <= time.time()):
            return default
        try:
            return pickle.loads(row[1])  # noqa: S301 - written by this backend only
        except Exception:  # noqa: BLE001 - a damaged value is a miss
            return default

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._write(
            "INSERT OR REPLACE INTO cache (key, expires, value) VALUES (?, ?, ?)",
            (key, self.get_backend_timeout(timeout), self._pickle(value)),
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        now = time.time()
        return (
            self._write(
                "INSERT INTO cache (key, expires, value) VALUES (?, ?, ?) ON CONFLICT (key) DO "
                "UPDATE SET expires = excluded.expires, value = excluded.value "
                "WHERE cache.expires IS NOT NULL AND cache.expires <= ?",
                (key, self.get_backend_timeout(timeout), self._pickle(value), now),
            )
            == 1
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return (
            self._write(
                "UPDATE cache SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (self.get_backend_timeout(timeout), key, time.time()),
                counts=False,
            )
            == 1
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._write("DELETE FROM cache WHERE key = ?", (key,), counts=False) == 1

    def has_key(self, key: Any, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        conn = self._connection()
        if conn is None:
            return False
        try:
            row = conn.execute(
                "SELECT 1 FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (key, time.time()),
            ).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return False
        return row is not None

    def clear(self) -> None:
        self._write("DELETE FROM cache", (), counts=False)

    def cull(self) -> None:
        """Remove the expired rows, then all but the MAX_ENTRIES newest writes (by rowid:
        ``INSERT OR REPLACE`` gives every write the next one, so no count is needed)."""
        conn = self._connection()
        if conn is None:
            return
        try:
            conn.execute("DELETE FROM cache WHERE expires <= ?", (time.time(),))
            conn.execute(
                "DELETE FROM cache WHERE rowid <= (SELECT MAX(rowid) FROM cache) - ?",
                (self._max_entries,),
            )
        except sqlite3.Error as exc:
            self._failed(exc)

    # -- helpers ---------------------------------------------------------------------------

    def _pickle(self, value: Any) -> bytes:
        return pickle.dumps(value, self.pickle_protocol)

    def _write(self, sql: str, params: tuple[Any, ...], *, counts: bool = True) -> int:
        """Run one statement (its own transaction); the rows it changed, 0 when the file is
        locked or cannot be used. Every ``cull_every``-th counted write of a connection culls."""
        conn = self._connection()
        if conn is None:
            return 0
        try:
            changed = conn.execute(sql, params).rowcount
        except sqlite3.Error as exc:
            self._failed(exc)
            return 0
        if counts:
            self._local.writes += 1
            if self._local.writes >= self.cull_every:
                self._local.writes = 0
                self.cull()
        return changed

    def close(self, **kwargs: Any) -> None:
        """Called after every request: the connection stays open for the next one."""
