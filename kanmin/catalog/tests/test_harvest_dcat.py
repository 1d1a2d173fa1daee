"""Harvesting DCAT catalogs (Turtle, JSON-LD) served over real HTTP, the staff's harvest
pages, and ``kanmin catalog harvest``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rdflib import Graph

from kanmin.audit.models import AuditEvent
from kanmin.catalog import services
from kanmin.catalog.harvest import selectors
from kanmin.catalog.harvest import services as harvest
from kanmin.catalog.models import (
    Dataset,
    HarvestKind,
    HarvestRun,
    HarvestRunStatus,
    HarvestSchedule,
    HarvestSource,
)
from kanmin.catalog.tests.helpers import run_queued_tasks
from kanmin.core.errors import NotFound
from kanmin.core.tenancy import tenant_reverse

PAGE_1 = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://pref.example.jp/catalog> a dcat:Catalog ;
    dcat:dataset <https://pref.example.jp/dataset/hinanjo>,
                 <https://pref.example.jp/dataset/broken> .

<https://pref.example.jp/dataset/hinanjo> a dcat:Dataset ;
    dct:identifier "hinanjo" ;
    dct:title "{title}"@ja, "Evacuation shelters"@en ;
    dct:description "県内の指定避難所"@ja ;
    dct:modified "2026-11-01T09:00:00"^^xsd:dateTime ;
    dct:license <https://creativecommons.org/licenses/by/4.0/> ;
    dcat:keyword "防災"@ja, "避難所"@ja ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "危機管理課"@ja ;
                        vcard:hasEmail <mailto:bosai@pref.example.jp> ] ;
    dcat:distribution [ a dcat:Distribution ; dct:title "避難所一覧 CSV"@ja ;
                        dcat:downloadURL <https://pref.example.jp/files/hinanjo.csv> ;
                        dct:format "CSV" ] .

<https://pref.example.jp/dataset/broken> a dcat:Dataset ;
    dct:title "壊れたデータ"@ja ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "不明"@ja ; vcard:hasEmail <mailto:not-an-email> ] .

<{base}/page1.ttl> a hydra:PagedCollection ;
    hydra:nextPage <{base}/page2.ttl> .
"""

PAGE_2 = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .

<https://pref.example.jp/dataset/kouen> a dcat:Dataset ;
    dct:title "都市公園一覧"@ja ;
    dcat:distribution [ a dcat:Distribution ;
                        dcat:accessURL <https://pref.example.jp/kouen.html> ] .
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def _harvest_private_addresses(settings: Any) -> None:
    """The remote here is served on 127.0.0.1: the test opts into private addresses."""
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = True


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A folder served over HTTP on 127.0.0.1 (a real web server in a thread)."""
    handler = partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def write(title: str = "指定避難所一覧") -> None:
        (tmp_path / "page1.ttl").write_text(
            PAGE_1.replace("{title}", title).replace("{base}", base), encoding="utf-8"
        )
        (tmp_path / "page2.ttl").write_text(PAGE_2, encoding="utf-8")

    write()
    yield {"base": base, "dir": tmp_path, "write": write}
    server.shutdown()
    server.server_close()


@pytest.fixture
def other_org_source(miyazaki: Any, other_org: Any, served: dict[str, Any]) -> HarvestSource:
    return harvest.harvest_source_create(
        municipality=miyazaki,
        actor=None,
        title="県のオープンデータ",
        kind=HarvestKind.DCAT,
        url=served["base"] + "/page1.ttl",
        organization=other_org,
    )


def _outcomes(run: HarvestRun) -> dict[str, str]:
    return {r["name"]: r["outcome"] for r in run.results}


def _run(source: HarvestSource, **kwargs: Any) -> HarvestRun:
    return harvest.harvest_run(
        municipality=source.municipality, actor=None, source=source, **kwargs
    )


def test_turtle_with_paging_a_broken_dataset_and_a_remote_change(
    other_org_source: HarvestSource, served: dict[str, Any], miyazaki: Any
) -> None:
    run = _run(other_org_source)
    assert run.status == HarvestRunStatus.DONE, run.error
    # Page 2 was reached by following hydra:nextPage; the broken dataset did not stop it.
    assert _outcomes(run) == {"hinanjo": "created", "kouen": "created", "broken": "failed"}
    broken = next(r for r in run.results if r["name"] == "broken")
    assert broken["message"]["en"]
    hinanjo = Dataset.all_tenants.get(municipality=miyazaki, name="hinanjo")
    assert hinanjo.title_ja == "指定避難所一覧"
    assert hinanjo.title_en == "Evacuation shelters"
    assert hinanjo.license_id == "cc-by-4.0"
    assert hinanjo.contact_email == "bosai@pref.example.jp"
    assert sorted(t.name for t in hinanjo.tags.all()) == ["避難所", "防災"]
    assert [(r.url, r.format) for r in hinanjo.resources.all()] == [
        ("https://pref.example.jp/files/hinanjo.csv", "CSV")
    ]
    assert hinanjo.origin.remote_id == "https://pref.example.jp/dataset/hinanjo"

    again = _run(other_org_source)
    assert _outcomes(again) == {"hinanjo": "unchanged", "kouen": "unchanged", "broken": "failed"}

    served["write"]("指定避難所一覧（改訂）")
    changed = _run(other_org_source)
    assert _outcomes(changed)["hinanjo"] == "updated"
    hinanjo.refresh_from_db()
    assert hinanjo.title_ja == "指定避難所一覧（改訂）"
    assert Dataset.all_tenants.filter(municipality=miyazaki).count() == 2
    # Each run is in the audit log, and so is each dataset it wrote.
    assert AuditEvent.objects.filter(action="catalog.harvest_source.run").count() == 3
    assert AuditEvent.objects.filter(action="catalog.dataset.patch").count() == 1

    # The source drops a dataset: kept here, and the run says so.
    (served["dir"] / "page2.ttl").write_text("", encoding="utf-8")
    dropped = _run(other_org_source)
    kouen = next(r for r in dropped.results if r["name"] == "kouen")
    assert (kouen["outcome"], kouen["reason"]) == ("skipped", "gone")
    assert Dataset.all_tenants.filter(municipality=miyazaki, name="kouen").exists()


def test_json_ld(other_org_source: HarvestSource, served: dict[str, Any], miyazaki: Any) -> None:
    graph = Graph().parse(served["dir"] / "page1.ttl", format="turtle")
    (served["dir"] / "catalog.jsonld").write_text(
        graph.serialize(format="json-ld"), encoding="utf-8"
    )
    source = harvest.harvest_source_update(
        municipality=miyazaki,
        actor=None,
        source=other_org_source,
        url=served["base"] + "/catalog.jsonld",
    )
    run = _run(source)
    # The page-2 link in the JSON-LD copy is followed too.
    assert _outcomes(run) == {"hinanjo": "created", "kouen": "created", "broken": "failed"}
    assert Dataset.all_tenants.get(municipality=miyazaki, name="hinanjo").title_en == (
        "Evacuation shelters"
    )


def test_dry_run_writes_nothing(other_org_source: HarvestSource, miyazaki: Any) -> None:
    run = _run(other_org_source, dry_run=True)
    assert _outcomes(run) == {"hinanjo": "created", "kouen": "created", "broken": "failed"}
    assert not Dataset.all_tenants.filter(municipality=miyazaki).exists()
    assert not HarvestRun.all_tenants.exists()


def test_a_local_edit_is_never_overwritten(
    other_org_source: HarvestSource, served: dict[str, Any], miyazaki: Any
) -> None:
    _run(other_org_source)
    hinanjo = Dataset.all_tenants.get(municipality=miyazaki, name="hinanjo")
    services.dataset_patch(
        municipality=miyazaki, actor=None, dataset=hinanjo, title_ja="宮崎市が直した題名"
    )
    served["write"]("指定避難所一覧（改訂）")
    run = _run(other_org_source)
    assert _outcomes(run)["hinanjo"] == "skipped"
    hinanjo.refresh_from_db()
    assert hinanjo.title_ja == "宮崎市が直した題名"


def test_a_missing_file_fails_the_run(other_org_source: HarvestSource, miyazaki: Any) -> None:
    source = harvest.harvest_source_update(
        municipality=miyazaki,
        actor=None,
        source=other_org_source,
        url=other_org_source.url.replace("page1.ttl", "missing.ttl"),
    )
    run = _run(source)
    assert run.status == HarvestRunStatus.FAILED
    assert "404" in run.error["en"]
    assert run.error["ja"] != run.error["en"]


def test_staff_pages_add_dry_run_run_and_show_origin(
    client: Any, make_user: Any, miyazaki: Any, other_org: Any, served: dict[str, Any]
) -> None:
    steward = make_user("miyazaki-steward", "data_steward", miyazaki)
    client.force_login(steward)
    listing = client.get(tenant_reverse("catalog:harvest_sources", miyazaki))
    assert listing.status_code == 200
    new_url = tenant_reverse("catalog:harvest_source_new", miyazaki)
    assert client.get(new_url).status_code == 200
    refused = client.post(new_url, {"title": "x", "kind": "dcat", "url": "not a url"})
    assert refused.status_code == 422
    response = client.post(
        new_url,
        {
            "title": "県のオープンデータ",
            "kind": "dcat",
            "url": served["base"] + "/page1.ttl",
            "organization": str(other_org.pk),
            "schedule": HarvestSchedule.DAILY,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source = HarvestSource.all_tenants.get(municipality=miyazaki)
    page = response["Location"]
    assert "県のオープンデータ" in client.get(listing.request["PATH_INFO"]).content.decode()
    assert client.get(page).status_code == 200
    response = client.post(page, {"action": "dry_run"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "hinanjo" in text and "kouen" in text
    assert not Dataset.all_tenants.filter(municipality=miyazaki).exists()

    response = client.post(page, {"action": "run"})
    assert response.status_code == 302
    run_queued_tasks()
    run = HarvestRun.all_tenants.get(source=source)
    assert run.created_count == 2 and run.failed_count == 1
    assert run.actor == steward
    response = client.get(
        tenant_reverse("catalog:harvest_run", miyazaki, {"source_id": source.pk, "run_id": run.pk})
    )
    assert response.status_code == 200
    assert "broken" in response.content.decode()

    detail = client.get(tenant_reverse("catalog:dataset_detail", miyazaki, {"name": "hinanjo"}))
    assert "harvest-origin" in detail.content.decode()
    assert "県のオープンデータ" in detail.content.decode()

    response = client.post(page, {"action": "delete"})
    assert response.status_code == 302
    assert not HarvestSource.all_tenants.exists() and not HarvestRun.all_tenants.exists()
    detail = client.get(tenant_reverse("catalog:dataset_detail", miyazaki, {"name": "hinanjo"}))
    assert detail.status_code == 200  # the dataset stays, without its origin
    assert "harvest-origin" not in detail.content.decode()


def test_staff_of_another_municipality_cannot_see_a_source(
    client: Any, steward: Any, other_org_source: HarvestSource, miyazaki: Any, miyakonojo: Any
) -> None:
    client.force_login(steward)  # 都城市's steward
    url = tenant_reverse("catalog:harvest_source", miyazaki, {"source_id": other_org_source.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "run"}).status_code == 403
    # Under 都城市's own address the source of 宮崎市 does not exist.
    mine = tenant_reverse("catalog:harvest_source", miyakonojo, {"source_id": other_org_source.pk})
    assert client.get(mine).status_code == 404
    with pytest.raises(NotFound):
        selectors.harvest_source_get(municipality=miyakonojo, id=other_org_source.pk)


def test_command_dry_run_and_due_sources(
    other_org_source: HarvestSource, miyazaki: Any, capsys: Any
) -> None:
    call_command("catalog_harvest", "--source", str(other_org_source.pk), "--dry-run")
    out = capsys.readouterr().out
    assert "hinanjo" in out and "broken" in out
    assert not Dataset.all_tenants.filter(municipality=miyazaki).exists()

    assert selectors.harvest_source_due() == [other_org_source]  # daily, never run
    call_command("catalog_harvest")
    assert Dataset.all_tenants.filter(municipality=miyazaki).count() == 2
    assert selectors.harvest_source_due() == []  # ran just now

    with pytest.raises(CommandError):
        call_command("catalog_harvest", "--source", "not-an-id")


def test_one_run_of_a_source_at_a_time(other_org_source: HarvestSource, miyazaki: Any) -> None:
    from kanmin.catalog import tasks

    running = HarvestRun.all_tenants.create(municipality=miyazaki, source=other_org_source)
    assert tasks.harvest_source.call(str(other_org_source.pk), None) == "busy"
    running.refresh_from_db()
    assert running.status == HarvestRunStatus.RUNNING  # the other run is not failed by it
    assert not Dataset.all_tenants.filter(municipality=miyazaki).exists()
    # A run left "running" by a worker that died is failed by the task's hook.
    harvest.harvest_run_fail(source_id=str(other_org_source.pk), reason="worker_lost")
    running.refresh_from_db()
    assert running.status == HarvestRunStatus.FAILED
    assert "worker_lost" in running.error["en"]
