"""Server processes share the public API's answers: one process computes and keeps an answer,
another is served it, and a catalog change made in a third is seen by the next. Real processes
(``kanmin shell``, each its own Python and Django) on one instance's database and cache: the
embedded default (a SQLite file in the instance's data folder) and Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .instance import instance_env, kanmin, shell

SETUP = """
from kanmin.catalog import services
from kanmin.core.models import Municipality
m = Municipality.objects.get(lg_code="452025")
org = services.organization_create(municipality=m, actor=None, name="bosai", title_ja="危機管理課")
"""
CREATE = """
from kanmin.catalog import services
from kanmin.catalog.models import Organization
org = Organization.all_tenants.get(name="bosai")
services.dataset_create(municipality=org.municipality, actor=None, organization=org,
    name={name!r}, title_ja="最初の題名", state="published")
"""
GET = """
from django.test import Client
body = Client(HTTP_HOST="127.0.0.1").get("/api/3/action/package_show?id={name}").json()
print(body["result"]["title"])
"""
# Behind the catalog's back (no service, so the generation token stays): a process that then
# still answers the old title was given an answer another process kept.
RETITLE_UNSEEN = """
from kanmin.catalog.models import Dataset
Dataset.all_tenants.filter(name={name!r}).update(title_ja="見えない変更")
"""
PATCH = """
from kanmin.catalog import services
from kanmin.catalog.models import Dataset
ds = Dataset.all_tenants.get(name={name!r})
services.dataset_patch(municipality=ds.municipality, actor=None, dataset=ds, title_ja="変更後")
"""


def _postgres_url() -> str | None:
    url = os.environ.get("KANMIN_DATABASE_URL", "")
    return url if url.startswith("postgres") else None


def _admin(url: str, sql: str) -> None:
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One instance: its own data folder and database (a PostgreSQL database of its own when
    the suite runs on PostgreSQL), migrated, with 都城市 and an organization."""
    folder: Path = tmp_path_factory.mktemp("shared-answers")
    env = instance_env(folder)
    pg = _postgres_url()
    name = f"{pg.rsplit('/', 1)[1]}_shared" if pg else ""
    if pg:
        _admin(pg, f"DROP DATABASE IF EXISTS {name}")
        _admin(pg, f"CREATE DATABASE {name}")
        env["KANMIN_DATABASE_URL"] = f"{pg.rsplit('/', 1)[0]}/{name}"
    try:
        kanmin(env, "migrate", "--verbosity", "0")
        kanmin(env, "tenant", "add", "452025", "都城市")
        shell(env, SETUP)
        yield env
    finally:
        if pg:
            _admin(pg, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("cache_url", ["", "redis://127.0.0.1:6379/0"], ids=["file", "redis"])
def test_processes_share_answers_until_the_catalog_changes(instance, cache_url):
    env = {**instance, "KANMIN_CACHE_URL": cache_url}
    name = f"shared-{uuid.uuid4().hex[:8]}"
    shell(env, CREATE.format(name=name))
    assert shell(env, GET.format(name=name)) == "最初の題名"  # computed and kept
    assert shell(env, RETITLE_UNSEEN.format(name=name) + GET.format(name=name)) == "最初の題名"
    shell(env, PATCH.format(name=name))
    assert shell(env, GET.format(name=name)) == "変更後"
