"""Production defaults are safe, and a bad configuration fails loudly at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.core import checks
errors = [e.id for e in checks.run_checks() if e.level >= checks.ERROR]
print(json.dumps({
  "debug": settings.DEBUG,
  "session_secure": settings.SESSION_COOKIE_SECURE,
  "csrf_secure": settings.CSRF_COOKIE_SECURE,
  "hsts": settings.SECURE_HSTS_SECONDS,
  "ssl_redirect": settings.SECURE_SSL_REDIRECT,
  "csp": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["default-src"],
  "errors": errors,
}))
"""


def _probe(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KANMIN_")}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "kanmin.settings"
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path)


def test_production_defaults_are_safe_and_missing_secrets_are_errors(data_dir):
    seen = _probe(KANMIN_DATA_DIR=data_dir)
    assert seen["debug"] is False
    assert seen["session_secure"] and seen["csrf_secure"] and seen["ssl_redirect"]
    assert seen["hsts"] >= 31536000
    assert seen["csp"] == ["'self'"]
    assert {"core.E002", "core.E003", "core.E004"} <= set(seen["errors"])


def test_a_configured_production_passes_the_checks(data_dir):
    from cryptography.fernet import Fernet

    seen = _probe(
        KANMIN_DATA_DIR=data_dir,
        KANMIN_SECRET_KEY="a-long-production-secret-" * 3,
        KANMIN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        KANMIN_ALLOWED_HOSTS="data.city.example",
    )
    assert seen["errors"] == []


def test_a_bad_option_value_is_an_error(data_dir):
    seen = _probe(KANMIN_DATA_DIR=data_dir, KANMIN_PROFILE="dev", KANMIN_SSL_REDIRECT="maybe")
    assert "core.E001" in seen["errors"]


def test_a_bad_single_tenant_code_is_an_error(data_dir):
    seen = _probe(KANMIN_DATA_DIR=data_dir, KANMIN_PROFILE="dev", KANMIN_SINGLE_TENANT="452026")
    assert "core.E006" in seen["errors"]


def test_dev_profile_generates_its_keys_once(data_dir):
    first = _probe(KANMIN_DATA_DIR=data_dir, KANMIN_PROFILE="dev")
    assert first["debug"] is False and first["errors"] == []
    assert os.path.exists(os.path.join(data_dir, "dev-secrets.json"))


def test_no_model_may_have_a_my_number_field():
    from django.db import models
    from django.test.utils import isolate_apps

    from kanmin.core.checks import check_no_my_number_fields, my_number_field_errors

    with isolate_apps("kanmin.core"):

        class Resident(models.Model):  # noqa: DJ008
            my_number = models.CharField(max_length=12)

            class Meta:
                app_label = "core"

        found = my_number_field_errors([Resident])
    assert [e.id for e in found] == ["core.E005"]
    assert check_no_my_number_fields(None) == []  # and Kanmin's own models have none


def test_the_cache_url_names_redis_or_nothing(monkeypatch):
    from kanmin.core import conf

    monkeypatch.setenv("KANMIN_CACHE_URL", "memcached://user:s3cret@cache.example:11211")
    problems = [p for p in conf.errors() if p.startswith("KANMIN_CACHE_URL")]
    assert len(problems) == 1 and "redis://" in problems[0]
    assert "s3cret" not in problems[0]  # a URL may hold a password: never repeated
    assert conf.get("KANMIN_CACHE_URL") == ""
    embedded = conf.caches(conf.get("KANMIN_CACHE_URL"), Path("/srv/kanmin"))["default"]
    assert embedded["BACKEND"] == "kanmin.core.cache.SQLiteFileCache"
    assert embedded["LOCATION"] == "/srv/kanmin/cache/answers.sqlite3"

    monkeypatch.setenv("KANMIN_CACHE_URL", "redis://127.0.0.1:6379/0")
    assert not [p for p in conf.errors() if p.startswith("KANMIN_CACHE_URL")]
    redis = conf.caches(conf.get("KANMIN_CACHE_URL"))["default"]
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/0"
