"""The real PyPI ``ckanapi`` 4.x client, unchanged, against a live Kanmin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ckanapi
import pytest
import requests

from tests.ckan_compat.conftest import run_ckanapi

pytestmark = pytest.mark.django_db(transaction=True)


def test_remote_ckan_reads(catalog: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(catalog["url"]) as ck:
        assert ck.action.status_show()["ckan_version"] == "2.12.0"
        assert ck.action.package_list() == ["aed", "shelter", "shops"]
        found = ck.action.package_search(q="本町", rows=10)
        assert [d["name"] for d in found["results"]] == ["shelter"]
        assert ck.action.package_search(q="ほんまち")["count"] == 1
        assert ck.action.package_search(q="ﾎﾝﾏﾁ")["results"][0]["name"] == "shops"
        facets = ck.action.package_search(q="tags:防災", **{"facet.field": ["tags"]})["facets"]
        assert facets["tags"] == {"防災": 2, "医療": 1}
        shown = ck.action.package_show(id="aed")
        assert shown["title"] == "AED設置箇所一覧"
        assert ck.action.resource_show(id=shown["resources"][0]["id"])["name"] == ("452025_aed.csv")
        assert ck.action.organization_list() == ["bosai"]
        assert ck.action.organization_show(id="bosai")["title"] == "危機管理課"
        assert "防災" in ck.action.tag_list()
        assert ck.action.license_list()[0]["id"] == "cc-by-4.0"
        assert len(ck.action.current_package_list_with_resources()) == 3
        assert ":param id:" in ck.action.help_show(name="package_show")


def test_remote_ckan_with_get_only(catalog: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(catalog["url"], get_only=True) as ck:
        result = ck.action.package_search(q="AED", **{"facet.field": '["organization"]'})
        assert result["count"] == 1
        assert result["search_facets"]["organization"]["items"][0]["display_name"] == "危機管理課"


def test_remote_ckan_maps_errors(catalog: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(catalog["url"]) as ck:
        with pytest.raises(ckanapi.NotFound):
            ck.action.package_show(id="draft")  # a draft is not public
        with pytest.raises(ckanapi.NotAuthorized):
            ck.action.package_create(name="x1", owner_org="bosai")
        with pytest.raises(ckanapi.SearchQueryError):
            ck.action.package_search(q="x", nonsense="1")
        with pytest.raises(ckanapi.ValidationError):
            ck.action.package_search(**{"facet.field": "tags"})
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token"]) as ck:
        with pytest.raises(ckanapi.ValidationError) as caught:
            ck.action.package_create(name="aed", owner_org="bosai")
        assert len(caught.value.error_dict["name"]) == 1


def test_remote_ckan_writes_and_uploads(catalog: dict[str, Any], tmp_path: Path) -> None:
    csv = tmp_path / "452025_toilet.csv"
    csv.write_bytes("名称,所在地\n本町公衆トイレ,都城市本町\n".encode())
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token"]) as ck:
        created = ck.action.package_create(
            name="toilet",
            title="公衆トイレ一覧",
            owner_org="bosai",
            tags=[{"name": "観光"}],
            private=True,
        )
        assert created["private"] is True
        with csv.open("rb") as f:
            resource = ck.action.resource_create(package_id="toilet", upload=f, format="CSV")
        assert resource["url_type"] == "upload"
        assert ck.action.package_show(id="toilet")["num_resources"] == 1
        patched = ck.action.package_patch(id="toilet", private=False)
        assert patched["private"] is False
        updated = ck.action.resource_update(id=resource["id"], name="公衆トイレCSV")
        assert updated["name"] == "公衆トイレCSV"
    download = requests.get(resource["url"], timeout=10, allow_redirects=False)
    assert download.status_code == 200
    assert download.content == csv.read_bytes()
    with ckanapi.RemoteCKAN(catalog["url"]) as public:
        assert public.action.package_search(q="トイレ")["count"] == 1
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token"]) as ck:
        ck.action.resource_delete(id=resource["id"])
        ck.action.package_delete(id="toilet")
        assert ck.action.package_show(id="toilet")["state"] == "deleted"
        ck.action.dataset_purge(id="toilet")
        with pytest.raises(ckanapi.NotFound):
            ck.action.package_show(id="toilet")


def test_a_token_acts_only_in_its_municipality(catalog: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(catalog["miyazaki_url"], apikey=catalog["token"]) as ck:
        with pytest.raises(ckanapi.NotAuthorized):
            ck.action.package_create(name="x1", owner_org="bosai")
        assert ck.action.package_list() == []


def test_root_api_lists_every_municipality(catalog: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(catalog["miyazaki_url"], apikey=catalog["token_miyazaki"]) as ck:
        ck.action.package_create(name="kids", title="子育て施設", owner_org="bosai")
    with ckanapi.RemoteCKAN(catalog["root"]) as ck:
        result = ck.action.package_search(**{"facet.field": ["municipality"]})
        assert result["count"] == 4
        assert result["facets"]["municipality"] == {"452025": 3, "452017": 1}
    with ckanapi.RemoteCKAN(catalog["url"]) as ck:
        assert ck.action.package_search()["count"] == 3
    # Both municipalities have an organization named "bosai": the root lists them by id.
    dump = run_ckanapi("dump", "organizations", "--all", "-r", catalog["root"])
    assert dump.returncode == 0, dump.stderr
    titles = sorted(json.loads(line)["title"] for line in dump.stdout.splitlines())
    assert titles == ["危機管理課", "宮崎市 危機管理課"]


def test_cli_action_package_search(catalog: dict[str, Any]) -> None:
    result = run_ckanapi("action", "package_search", "q=本町", "rows:10", "-r", catalog["url"])
    assert result.returncode == 0, result.stderr
    assert [d["name"] for d in json.loads(result.stdout)["results"]] == ["shelter"]
    get = run_ckanapi("action", "package_search", "q=防災", "-g", "-r", catalog["url"])
    assert get.returncode == 0, get.stderr
    assert json.loads(get.stdout)["count"] == 2


def test_cli_search_datasets(catalog: dict[str, Any]) -> None:
    result = run_ckanapi("search", "datasets", "q=一覧", "-r", catalog["url"])
    assert result.returncode == 0, result.stderr
    names = sorted(json.loads(line)["name"] for line in result.stdout.splitlines())
    assert names == ["aed", "shelter", "shops"]


def test_cli_dump_and_load(catalog: dict[str, Any], tmp_path: Path) -> None:
    dump = run_ckanapi("dump", "datasets", "--all", "-r", catalog["url"], "-p", "2")
    assert dump.returncode == 0, dump.stderr
    lines = [json.loads(line) for line in dump.stdout.splitlines()]
    assert sorted(d["name"] for d in lines) == ["aed", "shelter", "shops"]
    jsonl = tmp_path / "datasets.jsonl"
    jsonl.write_text(dump.stdout, encoding="utf-8")

    # Into another municipality: created there, under its organization of the same name.
    load = run_ckanapi(
        "load",
        "datasets",
        "-I",
        str(jsonl),
        "-r",
        catalog["miyazaki_url"],
        "-a",
        catalog["token_miyazaki"],
    )
    assert load.returncode == 0, load.stderr
    with ckanapi.RemoteCKAN(catalog["miyazaki_url"]) as ck:
        assert ck.action.package_list() == ["aed", "shelter", "shops"]
        copied = ck.action.package_show(id="shelter")
        assert copied["title"] == "指定緊急避難場所一覧（本町一丁目ほか）"
        assert copied["organization"]["title"] == "宮崎市 危機管理課"
        assert [t["name"] for t in copied["tags"]] == ["防災"]
        assert copied["resources"][0]["name"] == "452025_shelter.csv"

    # Back into the same municipality: every dataset is updated in place, nothing is lost.
    reload = run_ckanapi(
        "load", "datasets", "-I", str(jsonl), "-r", catalog["url"], "-a", catalog["token"]
    )
    assert reload.returncode == 0, reload.stderr
    again = run_ckanapi("dump", "datasets", "--all", "-r", catalog["url"])
    after = {d["name"]: d for d in map(json.loads, again.stdout.splitlines())}
    for before in lines:
        now = after[before["name"]]
        assert now["id"] == before["id"]
        assert now["title"] == before["title"]
        assert [r["id"] for r in now["resources"]] == [r["id"] for r in before["resources"]]
