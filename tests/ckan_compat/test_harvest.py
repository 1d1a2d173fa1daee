"""Harvesting a live Kanmin through its CKAN API, with the real ckanapi client: 都城市's
catalog (452025) on the live server is harvested into 宮崎市 (452017) on the same server."""

from __future__ import annotations

from typing import Any

import ckanapi
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kanmin.catalog import services
from kanmin.catalog.dcat import ADMS
from kanmin.catalog.harvest import services as harvest
from kanmin.catalog.models import (
    Dataset,
    HarvestedDataset,
    HarvestKind,
    HarvestRun,
    HarvestRunStatus,
    Organization,
)
from kanmin.core.models import Municipality


@pytest.fixture(autouse=True)
def _harvest_private_addresses(settings: Any) -> None:
    """The remote here is served on 127.0.0.1: the test opts into private addresses."""
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = True


@pytest.fixture
def target(catalog: dict[str, Any]) -> dict[str, Any]:
    miyazaki = Municipality.objects.get(lg_code="452017")
    miyakonojo = Municipality.objects.get(lg_code="452025")
    org = Organization.all_tenants.get(municipality=miyazaki, name="bosai")
    source = harvest.harvest_source_create(
        municipality=miyazaki,
        actor=None,
        title="都城市オープンデータ",
        kind=HarvestKind.KANMIN,
        url=catalog["url"] + "/catalog/",  # the catalog page's address, as a steward copies it
        organization=org,
    )
    return {"miyazaki": miyazaki, "miyakonojo": miyakonojo, "source": source, **catalog}


def _run(target: dict[str, Any], **kwargs: Any) -> HarvestRun:
    return harvest.harvest_run(
        municipality=target["miyazaki"], actor=None, source=target["source"], **kwargs
    )


def _outcomes(run: HarvestRun) -> dict[str, str]:
    return {r["name"]: r["outcome"] for r in run.results}


def _local(target: dict[str, Any], name: str) -> Dataset:
    return Dataset.all_tenants.get(municipality=target["miyazaki"], name=name)


def test_first_run_creates_then_second_run_leaves_unchanged(target: dict[str, Any]) -> None:
    run = _run(target)
    assert run.status == HarvestRunStatus.DONE, run.error
    # Published datasets only: the draft is not in the public API.
    assert _outcomes(run) == {"aed": "created", "shelter": "created", "shops": "created"}
    assert run.created_count == 3 and run.failed_count == 0
    aed = _local(target, "aed")
    assert aed.title_ja == "AED設置箇所一覧"
    assert sorted(t.name for t in aed.tags.all()) == ["医療", "防災"]
    assert [r.url for r in aed.resources.all()] == ["https://example.jp/aed.csv"]
    assert aed.is_public
    origin = HarvestedDataset.all_tenants.get(dataset=aed)
    remote_aed = Dataset.all_tenants.get(municipality=target["miyakonojo"], name="aed")
    assert origin.remote_id == str(remote_aed.pk)
    assert origin.remote_modified is not None
    assert origin.remote_url.endswith("/m/452025/catalog/dataset/aed/")

    second = _run(target)
    assert second.status == HarvestRunStatus.DONE
    assert set(_outcomes(second).values()) <= {"unchanged"}
    assert second.created_count == second.updated_count == 0


def test_remote_change_updates_and_local_edit_is_skipped(target: dict[str, Any]) -> None:
    _run(target)
    remote_aed = Dataset.all_tenants.get(municipality=target["miyakonojo"], name="aed")
    services.dataset_patch(
        municipality=target["miyakonojo"],
        actor=None,
        dataset=remote_aed,
        title_ja="AED設置箇所一覧（令和7年度）",
        notes_ja="更新しました",
    )
    remote_shelter = Dataset.all_tenants.get(municipality=target["miyakonojo"], name="shelter")
    services.dataset_patch(
        municipality=target["miyakonojo"], actor=None, dataset=remote_shelter, notes_ja="遠隔"
    )
    # A steward edits the local copy of shelter: the remote change must not overwrite it.
    services.dataset_patch(
        municipality=target["miyazaki"],
        actor=None,
        dataset=_local(target, "shelter"),
        notes_ja="宮崎市で追記",
    )
    run = _run(target)
    outcomes = _outcomes(run)
    assert outcomes["aed"] == "updated"
    assert outcomes["shelter"] == "skipped"
    reason = next(r for r in run.results if r["name"] == "shelter")
    assert reason["reason"] == "locally_edited"
    assert "Locally edited" in reason["message"]["en"]
    assert "編集" in reason["message"]["ja"]
    assert _local(target, "aed").title_ja == "AED設置箇所一覧（令和7年度）"
    assert _local(target, "shelter").notes_ja == "宮崎市で追記"


def test_dry_run_writes_nothing(target: dict[str, Any]) -> None:
    run = _run(target, dry_run=True)
    assert run.pk is not None and run._state.adding  # never saved
    assert _outcomes(run) == {"aed": "created", "shelter": "created", "shops": "created"}
    assert not Dataset.all_tenants.filter(municipality=target["miyazaki"]).exists()
    assert not HarvestRun.all_tenants.exists()
    target["source"].refresh_from_db()
    assert target["source"].last_run_at is None


def test_one_broken_dataset_does_not_stop_the_rest(target: dict[str, Any]) -> None:
    org = Organization.all_tenants.get(municipality=target["miyazaki"], name="bosai")
    services.dataset_create(
        municipality=target["miyazaki"], actor=None, organization=org, name="shops", title_ja="宮崎"
    )
    run = _run(target)
    assert run.status == HarvestRunStatus.DONE
    assert _outcomes(run) == {"aed": "created", "shelter": "created", "shops": "failed"}
    failed = next(r for r in run.results if r["name"] == "shops")
    assert failed["reason"] == "name_taken"
    assert "already exists" in failed["message"]["en"]
    assert _local(target, "shops").title_ja == "宮崎"  # the local dataset is untouched


def test_unreachable_source_fails_the_run(target: dict[str, Any]) -> None:
    source = harvest.harvest_source_update(
        municipality=target["miyazaki"],
        actor=None,
        source=target["source"],
        url="http://127.0.0.1:9/m/452025",
    )
    target["source"] = source
    run = _run(target)
    assert run.status == HarvestRunStatus.FAILED
    assert "could not be read" in run.error["en"]
    assert "読み込め" in run.error["ja"]
    assert run.results == []


def test_harvested_datasets_say_where_they_came_from(target: dict[str, Any], client: Any) -> None:
    """ckanext-harvest's extras in the CKAN API (read with ckanapi), dct:source and
    adms:identifier in DCAT; a page of search results costs no query per dataset."""
    assert _run(target).status == HarvestRunStatus.DONE
    remote_aed = Dataset.all_tenants.get(municipality=target["miyakonojo"], name="aed")
    with ckanapi.RemoteCKAN(target["miyazaki_url"]) as api:
        aed = api.action.package_show(id="aed")
        found = api.action.package_search(q="*:*", rows=10)["results"]
    extras = {e["key"]: e["value"] for e in aed["extras"]}
    assert extras["harvest_source_id"] == str(target["source"].pk)
    assert extras["harvest_source_title"] == "都城市オープンデータ"
    assert extras["harvest_url"] == target["url"] + "/catalog/dataset/aed/"
    assert len(found) == 3
    for package in found:
        keys = {e["key"] for e in package["extras"]}
        assert {"harvest_source_id", "harvest_source_title", "harvest_url"} <= keys
    # The remote's own datasets were not harvested: they say nothing of the kind.
    with ckanapi.RemoteCKAN(target["url"]) as api:
        remote = api.action.package_show(id="aed")
    assert not any(e["key"].startswith("harvest_") for e in remote["extras"])

    def queries(rows: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            answer = client.get("/m/452017/api/3/action/package_search", {"rows": rows})
        assert len(answer.json()["result"]["results"]) == rows
        return len(captured.captured_queries)

    assert queries(1) == queries(3)

    response = client.get("/m/452017/catalog/dataset/aed.ttl")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    ref = URIRef("http://testserver/m/452017/catalog/dataset/aed/")
    assert graph.value(ref, DCTERMS.source) == URIRef(target["url"] + "/catalog/dataset/aed/")
    identifier = graph.value(ref, ADMS.identifier)
    assert graph.value(identifier, SKOS.notation) == Literal(str(remote_aed.pk))
    # The catalog page too, with no query per dataset (the origin is joined).
    page = Graph().parse(data=client.get("/m/452017/catalog.ttl").content, format="turtle")
    assert len(set(page.objects(None, DCTERMS.source))) == 3
