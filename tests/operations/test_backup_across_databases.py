"""`kanmin backup` on SQLite restores onto PostgreSQL, and back, losing nothing.

Runs the real `kanmin` command in subprocesses against a throw-away SQLite file and a
throw-away PostgreSQL database. It covers both directions, so it runs once, in the SQLite pass.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_SERVER + "/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL to use"
        return False


pytestmark = [
    pytest.mark.skipif(
        os.environ.get("KANMIN_DATABASE_URL", "").startswith("postgres"),
        reason="covers both directions already in the SQLite pass",
    ),
]


def _kanmin(env: dict[str, str], *args: str) -> str:
    kanmin = shutil.which("kanmin") or str(Path(__file__).parents[2] / ".venv/bin/kanmin")
    result = subprocess.run([kanmin, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _env(tmp: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KANMIN_")}
    env.update(
        KANMIN_PROFILE="dev",
        KANMIN_DATA_DIR=str(tmp),
        KANMIN_DATABASE_URL=url,
        KANMIN_SECRET_KEY="test-only",
        KANMIN_ENCRYPTION_KEYS=os.environ["KANMIN_ENCRYPTION_KEYS"],
    )
    return env


def _content(env: dict[str, str]) -> list[tuple]:
    """Every record except what migrations rebuild, with encrypted values decrypted."""
    # An encrypted value is written with a fresh nonce each time: compare the plaintexts.
    script = (
        "import json, io; from django.apps import apps; from kanmin.core import backup, crypto;"
        "from kanmin.core.fields import personal_field_names;"
        "out = io.StringIO(); backup._dump(out); rows = json.loads(out.getvalue());"
        "[r['fields'].update({n: crypto.decrypt(r['fields'][n])"
        " for n in personal_field_names(apps.get_model(r['model']))"
        " if isinstance(r['fields'].get(n), str) and crypto.is_token(r['fields'][n])})"
        " for r in rows];"
        "print(json.dumps(rows, sort_keys=True, ensure_ascii=False))"
    )
    rows = json.loads(_kanmin(env, "shell", "-c", script).strip().splitlines()[-1])
    return sorted((r["model"], str(r["pk"]), _same_times(r["fields"])) for r in rows)


def _same_times(fields: dict) -> str:
    """The fields as JSON, with one spelling per time: Django's serializer keeps milliseconds
    and writes a time whose microseconds are zero without a fraction, so 12:00:00.000123 backed
    up as "12:00:00.000Z" reads back as "12:00:00Z" — the same millisecond."""
    text = json.dumps(fields, sort_keys=True)
    return re.sub(r'(T\d{2}:\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})"', r'\1.000\2"', text)


@pytest.fixture
def pg_database():
    if not _pg_available():
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (scripts/test.sh starts it)")
    import psycopg

    name = "kanmin_restore_" + uuid.uuid4().hex[:8]
    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_SERVER}/{name}"
    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_sqlite_to_postgresql_and_back(tmp_path, pg_database):
    source = _env(tmp_path / "a", f"sqlite:///{tmp_path / 'a.sqlite3'}")
    _kanmin(source, "demo", "--no-serve")
    (tmp_path / "a" / "media" / "uploads").mkdir(parents=True)
    (tmp_path / "a" / "media" / "uploads" / "避難所.csv").write_text("名称\n都城市体育館\n")
    _kanmin(
        source,
        "shell",
        "-c",
        (
            "from kanmin.accounts.models import User; u = User.objects.get(username='staff');"
            "u.phone = '0986-23-2111'; u.save()"
        ),
    )
    archive = tmp_path / "one.tar.gz"
    _kanmin(source, "backup", str(archive))
    expected = _content(source)
    assert any(model == "audit.auditevent" for model, _pk, _f in expected)

    on_pg = _env(tmp_path / "b", pg_database)
    _kanmin(on_pg, "restore", str(archive))
    assert _content(on_pg) == expected
    _kanmin(on_pg, "audit", "verify")  # exits non-zero on a broken chain
    assert (
        tmp_path / "b" / "media" / "uploads" / "避難所.csv"
    ).read_text() == "名称\n都城市体育館\n"

    archive2 = tmp_path / "two.tar.gz"
    _kanmin(on_pg, "backup", str(archive2))
    back = _env(tmp_path / "c", f"sqlite:///{tmp_path / 'c.sqlite3'}")
    _kanmin(back, "restore", str(archive2))
    assert _content(back) == expected
    _kanmin(back, "audit", "verify")
