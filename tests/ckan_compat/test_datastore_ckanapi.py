# ruff: noqa: S608  (the statements under test are built with resource ids on purpose)
"""The DataStore through the real PyPI ``ckanapi`` client, unchanged, against a live Kanmin:
``action datastore_search`` and ``datastore_info`` from Python and from the CLI, and
``dump datasets -d``, which follows ``datastore_active``."""

from __future__ import annotations

import json
from typing import Any

import ckanapi
import pytest

from tests.ckan_compat.conftest import run_ckanapi

pytestmark = pytest.mark.django_db(transaction=True)

TOWNS = (
    "町名,人口,記録日,備考\r\n"
    "山之口町,1200,2024-01-05,記録123\r\n"
    "本町一丁目,980,2024-01-06,ホンマチ商店街\r\n"
    "高崎町,3000,2024-02-01,\r\n"
)


@pytest.fixture
def table(catalog: dict[str, Any]) -> dict[str, Any]:
    """A published dataset with a CP932 CSV, checked and loaded as the worker would."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kanmin.catalog import selectors, services
    from kanmin.catalog.tests.helpers import run_queued_tasks
    from kanmin.core import selectors as core_selectors

    miyakonojo = core_selectors.municipality_get(lg_code="452025")
    dataset = selectors.dataset_for_edit(municipality=miyakonojo, id_or_name="aed")
    resource = services.resource_create(
        municipality=miyakonojo,
        actor=None,
        dataset=dataset,
        upload=SimpleUploadedFile("towns.csv", TOWNS.encode("cp932")),
        name="町丁目別人口",
    )
    run_queued_tasks()  # the check, which queues the load
    run_queued_tasks()  # the load
    return {**catalog, "resource_id": str(resource.pk)}


def test_remote_ckan_datastore_search(table: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(table["url"]) as ck:
        result = ck.action.datastore_search(resource_id=table["resource_id"], q="山之口")
        assert [r["町名"] for r in result["records"]] == ["山之口町"]
        assert result["total"] == 1
        assert {"id": "人口", "type": "int"} in result["fields"]
        assert ck.action.datastore_search(id=table["resource_id"], q="町")["total"] == 3
        assert (
            ck.action.datastore_search(resource_id=table["resource_id"], q="ほんまち")["records"][
                0
            ]["町名"]
            == "本町一丁目"
        )
        page = ck.action.datastore_search(
            resource_id=table["resource_id"],
            filters={"人口": {"gte": 1000}},
            sort="人口 desc",
            limit=1,
            include_next_page=True,
        )
        assert page["records"][0]["町名"] == "高崎町" and page["total"] == 2
        assert page["_links"]["next"].startswith("/m/452025/api/action/datastore_search?")
        info = ck.action.datastore_info(id=table["resource_id"])
        assert info["meta"]["count"] == 3
        assert [f["id"] for f in info["fields"]] == ["町名", "人口", "記録日", "備考"]
        with pytest.raises(ckanapi.ValidationError) as caught:
            ck.action.datastore_search(resource_id=table["resource_id"], nonsense=1)
        assert caught.value.error_dict["__extras"] == ['invalid value "nonsense"']
        with pytest.raises(ckanapi.NotFound):
            ck.action.datastore_search(resource_id="00000000-0000-0000-0000-000000000000")


def test_remote_ckan_get_only(table: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(table["url"], get_only=True) as ck:
        result = ck.action.datastore_search(
            resource_id=table["resource_id"], filters=json.dumps({"町名": "高崎町"})
        )
        assert result["records"][0]["人口"] == 3000


def test_cli_action_datastore_search_and_info(table: dict[str, Any]) -> None:
    found = run_ckanapi(
        "action",
        "datastore_search",
        f"resource_id={table['resource_id']}",
        "q=記録",
        "limit:10",
        "-r",
        table["url"],
    )
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert [r["備考"] for r in result["records"]] == ["記録123"]
    info = run_ckanapi("action", "datastore_info", f"id={table['resource_id']}", "-r", table["url"])
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["meta"]["count"] == 3
    sql = run_ckanapi(
        "action",
        "datastore_search_sql",
        f'sql=SELECT count(*) AS n FROM "{table["resource_id"]}"',
        "-r",
        table["url"],
    )
    assert sql.returncode == 0, sql.stderr
    assert json.loads(sql.stdout)["records"] == [{"n": 3}]


def test_cli_dump_with_datastore_fields(table: dict[str, Any]) -> None:
    dump = run_ckanapi("dump", "datasets", "--all", "-d", "-r", table["url"])
    assert dump.returncode == 0, dump.stderr
    datasets = {d["name"]: d for d in map(json.loads, dump.stdout.splitlines())}
    loaded = [r for r in datasets["aed"]["resources"] if r["id"] == table["resource_id"]]
    assert loaded[0]["datastore_active"] is True
    fields = loaded[0]["datastore_fields"]
    assert [f["id"] for f in fields] == ["_id", "町名", "人口", "記録日", "備考"]
    link_only = list(datasets["shops"]["resources"])
    assert link_only[0]["datastore_active"] is False
    assert "datastore_fields" not in link_only[0]
