"""The DataStore (issue 17): a checked table is loaded into a typed Parquet file in a
background task, and ``datastore_search``/``datastore_info`` answer as CKAN's do, with
Japanese substring search folded like the catalog's."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from kanmin.catalog import selectors, services
from kanmin.catalog.datastore import load
from kanmin.catalog.datastore import services as datastore_services
from kanmin.catalog.models import DatasetState, DatastoreStatus, DatastoreTable
from kanmin.catalog.tests.helpers import aed_csv, upload
from kanmin.catalog.tests.helpers import run_queued_tasks as run_queued
from kanmin.core.errors import NotFound

pytestmark = pytest.mark.django_db

BASE = "/m/452025/api/3/action/"
ROOT = "/api/action/"

TOWNS = (
    "町名,人口,世帯数,記録日,備考\r\n"
    "山之口町,1200,600,2024-01-05,記録123\r\n"
    "本町一丁目,980,455,2024-01-06,ホンマチ商店街\r\n"
    "ﾎﾝﾏﾁ二丁目,45,20,2024-01-07,ＡＢＣビル\r\n"
    "高崎町,3000,1400,2024-02-01,\r\n"
)


def post(client, action, data=None, base=BASE, token=None):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return client.post(
        base + action, data=json.dumps(data or {}), content_type="application/json", **headers
    )


def run_all() -> None:
    """The check, then the load it queues."""
    run_queued()
    run_queued()


@pytest.fixture
def towns(make_dataset, steward):
    dataset = make_dataset("towns", "町丁目別人口")
    resource = upload(dataset, steward, TOWNS.encode("cp932"), "towns.csv")
    run_all()
    return resource


def search(client, resource, **params):
    response = post(client, "datastore_search", {"resource_id": str(resource.pk), **params})
    assert response.status_code == 200, response.content
    return response.json()["result"]


# --- loading ---------------------------------------------------------------------------------


def test_a_checked_cp932_csv_is_loaded_with_types_and_row_count(towns):
    table = DatastoreTable.all_tenants.get(resource=towns)
    assert table.status == DatastoreStatus.DONE
    assert table.row_count == 4
    assert table.encoding == "cp932"
    assert [(f["id"], f["type"]) for f in table.fields] == [
        ("_id", "int"),
        ("町名", "text"),
        ("人口", "int"),
        ("世帯数", "int"),
        ("記録日", "date"),
        ("備考", "text"),
    ]
    path = datastore_services.table_file(table)
    assert path.is_file()
    assert path.parent == datastore_services.datastore_root() / "452025" / str(towns.pk)
    assert path.name == "1.parquet"


def test_the_standard_schema_gives_the_types(make_dataset, steward):
    dataset = make_dataset("aed", "AED設置箇所一覧", standard_dataset="aed")
    resource = upload(dataset, steward, aed_csv(encoding="cp932"), "aed.csv")
    run_all()
    table = DatastoreTable.all_tenants.get(resource=resource)
    assert table.status == DatastoreStatus.DONE, table.error
    types = {f["id"]: f["type"] for f in table.fields}
    assert table.schema == "aed"
    # Codes are text in the schema, though every value is digits (inference would say int).
    assert types["全国地方公共団体コード"] == "text"
    assert types["郵便番号"] == "text"
    assert types["緯度"] == "numeric"
    assert types["開始時間"] == "time"


def test_datastore_active_on_resource_show_and_package_show(client, towns):
    shown = post(client, "resource_show", {"id": str(towns.pk)}).json()["result"]
    assert shown["datastore_active"] is True
    package = post(client, "package_show", {"id": "towns"}).json()["result"]
    assert package["resources"][0]["datastore_active"] is True


def test_a_link_resource_is_not_datastore_active(client, make_dataset):
    make_dataset(
        "links", "リンク", resources=[{"url": "https://example.jp/a.csv", "name": "a.csv"}]
    )
    package = post(client, "package_show", {"id": "links"}).json()["result"]
    assert package["resources"][0]["datastore_active"] is False


def test_reupload_replaces_the_table_and_keeps_the_previous_version_for_readers(
    towns, steward, django_capture_on_commit_callbacks
):
    first = DatastoreTable.all_tenants.get(resource=towns)
    old_path = datastore_services.table_file(first)
    services.resource_update(
        municipality=towns.municipality,
        actor=steward,
        resource=towns,
        upload=SimpleUploadedFile("towns.csv", "町名,人口\r\n新町,1\r\n".encode("cp932")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_all()
    table = DatastoreTable.all_tenants.get(resource=towns)
    assert table.version == 2 and table.row_count == 1
    # A reader that read the pointer before it moved still finds its (old) table.
    assert old_path.is_file()
    result = selectors.datastore_search(
        municipality=None, viewer=None, data={"resource_id": str(towns.pk)}
    )
    assert [r["町名"] for r in result["records"]] == ["新町"]


def test_a_reader_during_a_reload_sees_the_old_table_or_the_new_one(towns):
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    table = DatastoreTable.all_tenants.get(resource=towns)
    from kanmin.catalog.datastore import query

    def reader() -> None:
        # Readers read the pointer, then the file: here the pointers are the versions.
        while not stop.is_set():
            for version in (table.version, table.version + 1):
                path = datastore_services.table_file(table).with_name(f"{version}.parquet")
                if not path.exists():
                    continue
                try:
                    got = query.search(
                        query.Table(path=path, fields=table.fields), query.SearchParams()
                    )
                    seen.append(got["total"])
                except FileNotFoundError:
                    pass  # pruned between exists() and open: never a half table
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        datastore_services.datastore_load_run(resource_id=str(towns.pk))
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert seen and set(seen) == {4}  # the same rows, whole, from either version


def test_a_failing_load_keeps_the_previous_table(towns, monkeypatch):
    before = DatastoreTable.all_tenants.get(resource=towns)

    def broken(*args, **kwargs):
        raise load.LoadError("no_columns")

    monkeypatch.setattr(load, "build", broken)
    datastore_services.datastore_load_run(resource_id=str(towns.pk))
    after = DatastoreTable.all_tenants.get(resource=towns)
    assert after.status == DatastoreStatus.FAILED
    assert "no_columns" in after.error
    assert after.path == before.path and after.version == before.version
    result = selectors.datastore_search(
        municipality=None, viewer=None, data={"resource_id": str(towns.pk)}
    )
    assert result["total"] == 4


def test_a_crash_while_writing_leaves_no_table_and_the_pointer_unmoved(towns, monkeypatch):
    import pyarrow.parquet as pq

    before = DatastoreTable.all_tenants.get(resource=towns)

    def crash(table, where, **kwargs):
        Path(where).write_bytes(b"PAR1 half a table")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", crash)
    datastore_services.datastore_load_run(resource_id=str(towns.pk))
    after = DatastoreTable.all_tenants.get(resource=towns)
    assert after.status == DatastoreStatus.FAILED and after.path == before.path
    folder = datastore_services.table_file(after).parent
    assert sorted(p.name for p in folder.iterdir()) == ["1.parquet"]


def test_the_command_loads_existing_resources(towns):
    DatastoreTable.all_tenants.all().delete()
    call_command("catalog_datastore_load")
    assert DatastoreTable.all_tenants.get(resource=towns).row_count == 4


# --- datastore_search ------------------------------------------------------------------------


def test_search_answers_in_ckans_shape(client, towns):
    result = search(client, towns, limit=2)
    assert result["resource_id"] == str(towns.pk)
    assert result["total"] == 4 and result["limit"] == 2
    assert result["fields"][0] == {"id": "_id", "type": "int"}
    assert result["records"][0] == {
        "_id": 1,
        "町名": "山之口町",
        "人口": 1200,
        "世帯数": 600,
        "記録日": "2024-01-05",
        "備考": "記録123",
    }
    assert "_full_text" not in result["records"][0]
    links = result["_links"]
    assert links["start"].startswith("/m/452025/api/3/action/datastore_search?")
    assert "offset=2" in links["next"]
    assert "next_page" not in result


@pytest.mark.parametrize(
    ("q", "towns_found"),
    [
        ("山之口", ["山之口町"]),
        ("町", ["山之口町", "本町一丁目", "高崎町"]),
        ("記録", ["山之口町"]),
        ("記録123", ["山之口町"]),
        ("記録１２３", ["山之口町"]),  # full-width digits
        ("ほんまち", ["本町一丁目", "ﾎﾝﾏﾁ二丁目"]),  # hiragana finds katakana, half-width too
        ("abc", ["ﾎﾝﾏﾁ二丁目"]),  # ＡＢＣ (full-width, upper case)
        ("本町 一丁目", ["本町一丁目"]),  # words are ANDed
        ("千代田", []),
    ],
)
def test_q_finds_japanese_substrings_with_folding(client, towns, q, towns_found):
    result = search(client, towns, q=q)
    assert [r["町名"] for r in result["records"]] == towns_found
    assert result["total"] == len(towns_found)


def test_q_per_column(client, towns):
    result = search(client, towns, q={"備考": "ほんまち"})
    assert [r["町名"] for r in result["records"]] == ["本町一丁目"]
    assert search(client, towns, q={"町名": "記録"})["total"] == 0


def test_filters_sort_fields_offset_distinct(client, towns):
    result = search(client, towns, filters={"人口": [980, "45"]}, sort="人口 desc")
    assert [r["人口"] for r in result["records"]] == [980, 45]
    result = search(client, towns, filters={"人口": {"gte": 980}}, fields=["町名"], sort="町名")
    assert result["fields"] == [{"id": "町名", "type": "text"}]
    assert result["records"] == [{"町名": "山之口町"}, {"町名": "本町一丁目"}, {"町名": "高崎町"}]
    assert search(client, towns, offset=3)["records"][0]["町名"] == "高崎町"
    assert search(client, towns, filters={"記録日": "2024-02-01"})["total"] == 1
    assert search(client, towns, fields="記録日", distinct=True)["total"] == 4
    assert search(client, towns, include_total=False).get("total") is None


def test_records_formats(client, towns):
    lists = search(client, towns, records_format="lists", limit=1, fields="町名,人口")
    assert lists["records"] == [["山之口町", 1200]]
    csv_text = search(client, towns, records_format="csv", limit=2, fields=["町名", "人口"])
    assert csv_text["records"] == "山之口町,1200\n本町一丁目,980\n"
    tsv = search(client, towns, records_format="tsv", limit=1, fields=["町名", "人口"])
    assert tsv["records"] == "山之口町\t1200\n"


def test_next_page_cursor(client, towns):
    first = search(client, towns, limit=3, include_next_page=True)
    assert first["next_page"] == {"_id": {"gt": 3}}
    second = search(client, towns, limit=3, filters=first["next_page"], include_next_page=True)
    assert [r["_id"] for r in second["records"]] == [4]
    assert second["next_page"] is None


def test_get_is_allowed_and_parameters_are_json_strings(client, towns):
    response = client.get(
        BASE + "datastore_search",
        {"resource_id": str(towns.pk), "filters": json.dumps({"町名": "高崎町"}), "limit": "5"},
    )
    assert response.status_code == 200
    assert response.json()["result"]["records"][0]["人口"] == 3000


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"nonsense": 1}, "__extras"),
        ({"limit": 32001}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"sort": "nope"}, "sort"),
        ({"fields": ["nope"]}, "fields"),
        ({"filters": {"人口": "many"}}, "filters"),
        ({"filters": {"nope": 1}}, "filters"),
        ({"filters": {"人口": {"like": 1}}}, "filters"),
        ({"records_format": "xml"}, "records_format"),
        ({"sort": "人口; DROP TABLE t"}, "sort"),
    ],
)
def test_bad_parameters_are_409_validation_errors(client, towns, params, key):
    response = post(client, "datastore_search", {"resource_id": str(towns.pk), **params})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    assert key in error


def test_unknown_key_answer_matches_ckan(client, towns):
    response = post(client, "datastore_search", {"resource_id": str(towns.pk), "x": 1})
    assert response.json()["error"] == {
        "__extras": ['invalid value "x"'],
        "__type": "Validation Error",
    }


def test_a_resource_without_table_is_not_found(client, make_dataset):
    dataset = make_dataset(
        "links", "リンク", resources=[{"url": "https://example.jp/a.csv", "name": "a.csv"}]
    )
    resource = dataset.resources.get()
    response = post(client, "datastore_search", {"resource_id": str(resource.pk)})
    assert response.status_code == 404
    assert response.json()["error"]["__type"] == "Not Found Error"


def test_a_private_datasets_table_is_hidden_like_resource_show(
    client, towns, steward, miyakonojo, token_for
):
    services.dataset_make_private(municipality=miyakonojo, actor=steward, dataset=towns.dataset)
    for action in ("datastore_search", "datastore_info"):
        response = post(client, action, {"resource_id": str(towns.pk), "id": str(towns.pk)})
        assert (
            response.status_code == post(client, "resource_show", {"id": str(towns.pk)}).status_code
        )
        assert response.status_code == 404
    # Its own municipality's staff, with a token, read it.
    token = token_for(steward, miyakonojo)
    assert (
        post(client, "datastore_search", {"resource_id": str(towns.pk)}, token=token).json()[
            "result"
        ]["total"]
        == 4
    )


def test_reading_a_private_table_through_the_api_is_audited(
    client, towns, steward, miyakonojo, token_for
):
    from kanmin.audit.models import AuditEvent

    def reads():
        return list(AuditEvent.objects.filter(action="catalog.datastore.read").order_by("seq"))

    token = token_for(steward, miyakonojo)
    search_data = {"resource_id": str(towns.pk), "q": "山之口"}
    sql = f'SELECT count(*) AS n FROM "{towns.pk}"'  # noqa: S608 - a uuid of ours
    post(client, "datastore_search", search_data, token=token)
    post(client, "datastore_search_sql", {"sql": sql}, token=token)
    assert reads() == []  # published: anyone's to read
    services.dataset_make_private(municipality=miyakonojo, actor=steward, dataset=towns.dataset)
    assert post(client, "datastore_search", search_data, token=token).status_code == 200
    response = post(client, "datastore_search_sql", {"sql": sql}, token=token)
    assert response.json()["result"]["records"] == [{"n": 4}]
    searched, queried = reads()
    for entry in (searched, queried):
        assert entry.actor_id == steward.pk
        assert entry.municipality_code == miyakonojo.lg_code
        assert entry.changes["extra"]["tables"] == [str(towns.pk)]
        assert entry.changes["extra"]["datasets"] == [towns.dataset.name]
    assert searched.changes["extra"]["query"]["q"] == "山之口"
    assert queried.changes["extra"]["sql"] == sql
    # A refused read (no token: not found) reads nothing and leaves nothing.
    assert post(client, "datastore_search", search_data).status_code == 404
    assert len(reads()) == 2


def test_another_municipalitys_catalog_does_not_serve_the_table(client, towns, miyazaki):
    response = post(
        client, "datastore_search", {"resource_id": str(towns.pk)}, base="/m/452017/api/3/action/"
    )
    assert response.status_code == 404
    with pytest.raises(NotFound):
        selectors.datastore_search(
            municipality=miyazaki, viewer=None, data={"resource_id": str(towns.pk)}
        )


def test_another_municipalitys_staff_token_does_not_read_a_private_table(
    client, towns, other_steward, miyazaki, token_for
):
    type(towns.dataset).all_tenants.filter(pk=towns.dataset_id).update(state=DatasetState.PRIVATE)
    token = token_for(other_steward, miyazaki)
    response = post(
        client, "datastore_search", {"resource_id": str(towns.pk)}, base=ROOT, token=token
    )
    assert response.status_code == 404


def test_datastore_info(client, towns):
    result = post(client, "datastore_info", {"id": str(towns.pk)}).json()["result"]
    assert result["meta"]["count"] == 4 and result["meta"]["size"] > 0
    assert [f["id"] for f in result["fields"]] == ["町名", "人口", "世帯数", "記録日", "備考"]
    assert result["fields"][1]["type"] == "int"


def test_deleting_the_resource_removes_its_table_files(
    towns, steward, django_capture_on_commit_callbacks
):
    folder = datastore_services.table_folder(towns)
    assert folder.is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_delete(municipality=towns.municipality, actor=steward, resource=towns)
    assert not DatastoreTable.all_tenants.exists()
    assert not folder.exists()


def test_an_xlsx_sheet_is_loaded(client, make_dataset, steward):
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["施設名", "定員", "開設日"])
    sheet.append(["山之口保育園", 60, "2020-04-01"])
    sheet.append(["高崎こども園", 45, "2021-04-01"])
    data = io.BytesIO()
    book.save(data)
    dataset = make_dataset("preschools", "保育施設")
    resource = upload(dataset, steward, data.getvalue(), "preschools.xlsx")
    run_all()
    table = DatastoreTable.all_tenants.get(resource=resource)
    assert table.status == DatastoreStatus.DONE, table.error
    assert [(f["id"], f["type"]) for f in table.fields][1:] == [
        ("施設名", "text"),
        ("定員", "int"),
        ("開設日", "date"),
    ]
    result = search(client, resource, q="こども")
    assert result["records"] == [
        {"_id": 2, "施設名": "高崎こども園", "定員": 45, "開設日": "2021-04-01"}
    ]


def test_a_dataset_deleted_takes_its_tables_files(
    towns, steward, django_capture_on_commit_callbacks
):
    folder = datastore_services.table_folder(towns)
    with django_capture_on_commit_callbacks(execute=True):
        services.dataset_delete(
            municipality=towns.municipality, actor=steward, dataset=towns.dataset
        )
    assert not folder.exists()


# --- tables pushed through the API (datastore_create, datastore_upsert, datastore_delete) ----


@pytest.fixture
def link(make_dataset):
    dataset = make_dataset(
        "pushed", "API で登録する表", resources=[{"url": "https://example.jp/x", "name": "x"}]
    )
    return dataset.resources.get()


def test_create_upsert_delete_through_the_api(client, link, steward, miyakonojo, token_for):
    token = token_for(steward, miyakonojo)
    rid = str(link.pk)
    created = post(
        client,
        "datastore_create",
        {
            "resource_id": rid,
            "fields": [{"id": "町名", "type": "text"}, {"id": "人口", "type": "int4"}],
            "records": [{"町名": "山之口町", "人口": 1200}, {"町名": "高崎町", "人口": 3000}],
            "primary_key": ["町名"],
        },
        token=token,
    )
    assert created.status_code == 200, created.content
    assert created.json()["result"]["fields"] == [
        {"id": "町名", "type": "text"},
        {"id": "人口", "type": "int"},
    ]
    assert post(client, "resource_show", {"id": rid}).json()["result"]["datastore_active"]
    upserted = post(
        client,
        "datastore_upsert",
        {
            "resource_id": rid,
            "records": [{"町名": "高崎町", "人口": 2999}, {"町名": "本町", "人口": 5}],
        },
        token=token,
    )
    assert upserted.status_code == 200, upserted.content
    result = search(client, link, sort="_id")
    assert [(r["_id"], r["町名"], r["人口"]) for r in result["records"]] == [
        (1, "山之口町", 1200),
        (2, "高崎町", 2999),
        (3, "本町", 5),
    ]
    assert search(client, link, q="やまのくち")["total"] == 0  # kana folds, kanji do not read
    assert search(client, link, q="山之口")["total"] == 1
    missing = post(
        client,
        "datastore_upsert",
        {"resource_id": rid, "method": "update", "records": [{"町名": "無い町", "人口": 1}]},
        token=token,
    )
    assert missing.status_code == 409
    bad = post(
        client,
        "datastore_upsert",
        {"resource_id": rid, "method": "insert", "records": [{"人口": "many"}]},
        token=token,
    )
    assert bad.status_code == 409 and "records" in bad.json()["error"]
    deleted = post(
        client, "datastore_delete", {"resource_id": rid, "filters": {"町名": "本町"}}, token=token
    )
    assert deleted.status_code == 200
    assert search(client, link)["total"] == 2
    gone = post(client, "datastore_delete", {"resource_id": rid}, token=token)
    assert gone.status_code == 200
    assert post(client, "datastore_search", {"resource_id": rid}).status_code == 404
    assert not post(client, "resource_show", {"id": rid}).json()["result"]["datastore_active"]


def test_anonymous_get_answers_are_reused_until_the_table_changes(
    client, link, steward, miyakonojo, token_for
):
    """A datastore_search or datastore_info GET of an open table is answered from the cache
    of API answers until a write of the table (which changes the catalog's token); staff and
    POSTs are always answered from the table."""
    token = token_for(steward, miyakonojo)
    rid = str(link.pk)
    fields = [{"id": "町名", "type": "text"}, {"id": "人口", "type": "int4"}]
    records = [{"町名": "山之口町", "人口": 1200}]
    create = {"resource_id": rid, "fields": fields, "records": records}
    assert post(client, "datastore_create", create, token=token).status_code == 200
    url = BASE + "datastore_search?" + f"resource_id={rid}&sort=_id"
    info_url = BASE + f"datastore_info?id={rid}"
    first, info = client.get(url), client.get(info_url)
    assert [r["町名"] for r in first.json()["result"]["records"]] == ["山之口町"]
    # Changed behind the catalog's back (no service: the token stays): the kept answers.
    DatastoreTable.all_tenants.filter(resource=link).update(
        fields=[
            {"id": "_id", "type": "int"},
            {"id": "町名", "type": "text", "info": {"label": "x"}},
            {"id": "人口", "type": "int"},
        ],
        row_count=99,
    )
    assert client.get(url).content == first.content
    assert client.get(info_url).content == info.content
    assert post(client, "datastore_info", {"id": rid}).json()["result"]["meta"]["count"] == 99
    assert search(client, link)["fields"][1]["info"] == {"label": "x"}
    # A write through the service moves the token: the next GET reads the table again.
    upsert = {"resource_id": rid, "method": "insert", "records": [{"町名": "高崎町", "人口": 3}]}
    assert post(client, "datastore_upsert", upsert, token=token).status_code == 200
    again = client.get(url).json()["result"]
    assert [r["町名"] for r in again["records"]] == ["山之口町", "高崎町"]
    assert client.get(info_url).json()["result"]["meta"]["count"] == 2


def test_writes_need_a_token_of_the_municipality(client, link, other_steward, miyazaki, token_for):
    body = {"resource_id": str(link.pk), "fields": [{"id": "a", "type": "text"}]}
    anonymous = post(client, "datastore_create", body)
    assert anonymous.status_code == 403
    token = token_for(other_steward, miyazaki)
    other = post(client, "datastore_create", body, base=ROOT, token=token)
    assert other.status_code == 404
    assert not DatastoreTable.all_tenants.exists()
    assert client.get(BASE + "datastore_create", {"resource_id": str(link.pk)}).status_code == 400


def test_a_reader_whose_version_was_pruned_reads_the_pointer_again(towns, monkeypatch):
    from kanmin.catalog.datastore import query

    real = query.search
    calls: list[Path] = []

    def first_finds_its_version_gone(table, params):
        calls.append(table.path)
        if len(calls) == 1:
            # As if two reloads happened between reading the pointer and opening the file.
            DatastoreTable.all_tenants.filter(resource=towns).update(
                path=f"452025/{towns.pk}/2.parquet", version=2
            )
            table = query.Table(path=table.path.with_name("0.parquet"), fields=table.fields)
            return real(table, params)
        return real(table, params)

    current = datastore_services.table_file(DatastoreTable.all_tenants.get(resource=towns))
    current.with_name("2.parquet").write_bytes(current.read_bytes())
    monkeypatch.setattr(query, "search", first_finds_its_version_gone)
    result = selectors.datastore_search(
        municipality=None, viewer=None, data={"resource_id": str(towns.pk)}
    )
    assert result["total"] == 4
    assert [p.name for p in calls] == ["1.parquet", "2.parquet"]
