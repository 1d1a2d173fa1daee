"""`kanmin demo` twice, then `kanmin serve`: a production server, not runserver."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("KANMIN_DATABASE_URL", "").startswith("postgres"),
    reason="runs the demo on its own SQLite file; once is enough",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KANMIN_")}
    env.update(KANMIN_DATA_DIR=str(tmp), KANMIN_PROFILE="dev")
    return env


def _kanmin() -> str:
    return shutil.which("kanmin") or str(Path(__file__).parents[2] / ".venv/bin/kanmin")


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [_kanmin(), "shell", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _queue_a_check(env: dict[str, str]) -> None:
    _shell(
        env,
        "from kanmin.catalog import services; from kanmin.catalog.models import Resource;"
        "r = next(r for r in Resource.all_tenants.all() if r.is_tabular);"
        "services.resource_validate(municipality=r.municipality, actor=None, resource=r)",
    )


def _queued_checks(env: dict[str, str]) -> int:
    return int(
        _shell(
            env,
            "from kanmin.catalog.models import Validation;"
            "print(Validation.all_tenants.filter(status__in=['queued', 'running']).count())",
        )
    )


def _demo_counts(env: dict[str, str]) -> list[int]:
    out = _shell(
        env,
        "from kanmin.core.models import Department, Municipality;"
        "from kanmin.accounts.models import User;"
        "from kanmin.procedures.models import Form, Procedure;"
        "print(Municipality.objects.count(), Department.objects.count(), User.objects.count(),"
        " Procedure.all_tenants.count(), Form.all_tenants.count())",
    )
    return [int(n) for n in out.split()]


def test_demo_is_idempotent_and_serve_answers(tmp_path):
    env = _env(tmp_path)
    first = subprocess.run(
        [_kanmin(), "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    after_first = _demo_counts(env)
    second = subprocess.run(
        [_kanmin(), "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr
    password = (tmp_path / "demo-password.txt").read_text().strip()
    assert password in first.stdout and password in second.stdout
    # A second run creates nothing: one city, and the same units, users, procedures and forms.
    after_second = _demo_counts(env)
    assert after_first[0] == 1
    assert after_second == after_first
    verify = subprocess.run(
        [_kanmin(), "audit", "verify"], env=env, capture_output=True, text=True, check=True
    )
    assert verify.returncode == 0

    port = _free_port()
    server = subprocess.Popen(
        [_kanmin(), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, _h, _b = _get(base + "/healthz")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("kanmin serve did not answer /healthz")
        status, headers, body = _get(base + "/m/452025/")
        assert status == 200 and "都城市" in body.decode()
        assert headers.get("Server", "").startswith("gunicorn")
        css = next(line for line in body.decode().splitlines() if "stylesheet" in line)
        href = css.split('href="')[1].split('"')[0]
        status, headers, payload = _get(base + href, {"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert b":root" in gzip.decompress(payload)
        assert _get(base + "/m/999999/")[0] == 404
        # Workers listen with SO_REUSEPORT; a second server on the same port is refused
        # rather than silently given half the traffic.
        second_server = subprocess.run(
            [_kanmin(), "serve", "--bind", f"127.0.0.1:{port}", "--task-workers", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second_server.returncode != 0
        assert f"Cannot listen on 127.0.0.1:{port}" in second_server.stderr
        # The task worker started beside the server runs queued file checks.
        _queue_a_check(env)
        for _ in range(150):
            if _queued_checks(env) == 0:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the task worker of kanmin serve did not run the queued check")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
