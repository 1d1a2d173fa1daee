"""Temporary files live in the platform's data folder and are cleaned: an upload cut by a
crash of the server leaves its part-file in KANMIN_DATA_DIR/tmp (not the system's temporary
folder), and the next start of the server removes it; the worker removes old ones on start
and on its schedule."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.operations.instance import (
    kanmin_path,
    new_instance,
    start_worker,
    stop,
    wait_for,
)

pytestmark = pytest.mark.skipif(
    os.environ.get("KANMIN_DATABASE_URL", "").startswith("postgres"),
    reason="runs its own instance on a SQLite file; once is enough",
)

BOUNDARY = "kanminboundary"
SIZE = 16 * 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            kanmin_path(),
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--task-workers",
            "0",
            "--no-collectstatic",
        ],
        env={**env, "KANMIN_STATIC_MANIFEST": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def answers() -> bool:
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    wait_for("kanmin serve to answer", answers)
    return server


def _uploads(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.upload*")) if folder.exists() else []


def test_an_upload_cut_by_a_crash_leaves_nothing_for_good(tmp_path):
    env, _ = new_instance(tmp_path / "site")
    temp = tmp_path / "site" / "tmp"
    system_before = set(Path(tempfile.gettempdir()).glob("*.upload*"))
    port = _free_port()
    server = _serve(env, port)
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="upload"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    client = socket.create_connection(("127.0.0.1", port))
    try:
        client.sendall(
            (
                f"POST /m/452025/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                # A CSRF cookie, so that the CSRF check reads the form (and so the file)
                # before it refuses the request for its missing token.
                f"Cookie: csrftoken={'k' * 32}\r\n"
                f"Content-Length: {len(head) + SIZE + len(tail)}\r\n\r\n"
            ).encode()
            + head
        )
        chunk = b"a,b\r\n" * 1024
        for _ in range(SIZE // 2 // len(chunk)):
            client.sendall(chunk)
        # Half of the file was sent: the server is writing it to a temporary file.
        wait_for(
            "the upload's temporary file",
            lambda: _uploads(temp) and _uploads(temp)[0].stat().st_size > 1024 * 1024,
        )
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # the crash (and no server left if this failed)
        server.wait(timeout=30)
        client.close()
    left = _uploads(temp)
    assert left, "the cut upload's part-file was expected in the data folder"
    assert set(Path(tempfile.gettempdir()).glob("*.upload*")) == system_before

    server = _serve(env, port)
    try:
        assert _uploads(temp) == []
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_the_worker_removes_old_temporary_files(tmp_path):
    env, _ = new_instance(tmp_path / "site")
    temp = tmp_path / "site" / "tmp"
    old, fresh = temp / "old.upload.csv", temp / "fresh.upload.csv"
    old_dir = temp / "kanmin-repair-old"
    old_dir.mkdir(parents=True)
    (old_dir / "repaired.csv").write_text("x")
    old.write_text("left by a crash")
    fresh.write_text("being uploaded now")
    seven_hours_ago = time.time() - 7 * 3600
    for path in (old, old_dir):
        os.utime(path, (seven_hours_ago, seven_hours_ago))
    worker = start_worker(env)
    try:
        wait_for("the old files to go", lambda: not old.exists() and not old_dir.exists())
    finally:
        stop(worker)
    assert fresh.exists()
