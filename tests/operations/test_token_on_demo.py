"""On the demo instance, ``KANMIN_PROFILE=dev kanmin token create steward --municipality 452025``
prints a token that the demo's API accepts; list and revoke work on it too. Real console script,
real demo (in its own data folder)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("KANMIN_DATABASE_URL", "").startswith("postgres"),
    reason="runs the demo on its own SQLite file; once is enough",
)

# The demo's API through Django's test client, inside the demo's own configuration.
_STATUS = (
    "from django.test import Client;"
    "c = Client(SERVER_NAME='localhost');"
    "print(c.get('/api/v1/m/452025/departments', HTTP_AUTHORIZATION='Token ' + {secret!r})"
    ".status_code)"
)
_AUDITED = (
    "from kanmin.audit.models import AuditEvent;"
    "print(','.join(AuditEvent.objects.filter(action__startswith='accounts.api_token')"
    ".order_by('seq').values_list('action', flat=True)))"
)


def _kanmin() -> str:
    venv = Path(sys.executable).parent / "kanmin"
    return str(venv) if venv.exists() else shutil.which("kanmin") or "kanmin"


def test_token_create_on_the_demo_instance(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KANMIN_")}
    env.update(KANMIN_DATA_DIR=str(tmp_path / "var"), KANMIN_PROFILE="dev")

    def kanmin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [_kanmin(), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
        )

    demo = kanmin("demo", "--no-serve")
    assert demo.returncode == 0, demo.stderr
    created = kanmin("token", "create", "steward", "--municipality", "452025")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("kanmin_")
    assert "steward" in created.stderr and "452025" in created.stderr
    assert kanmin("shell", "-v", "0", "-c", _STATUS.format(secret=secret)).stdout.split() == ["200"]
    listed = kanmin("token", "list", "--municipality", "452025", "steward", "--lang", "en")
    assert secret[7:15] in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout
    revoked = kanmin("token", "revoke", secret[7:15])
    assert revoked.returncode == 0, revoked.stderr
    assert kanmin("shell", "-v", "0", "-c", _STATUS.format(secret=secret)).stdout.split() == ["401"]
    assert kanmin("shell", "-v", "0", "-c", _AUDITED).stdout.split() == [
        "accounts.api_token.create,accounts.api_token.use,accounts.api_token.revoke"
    ]
    verified = kanmin("audit", "verify")
    assert verified.returncode == 0, verified.stderr
