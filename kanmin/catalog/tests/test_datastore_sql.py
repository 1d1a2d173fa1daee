# ruff: noqa: S608  (the statements under test are built with resource ids on purpose)
"""``datastore_search_sql``: one read-only SELECT over the tables of resources the caller may
read, in a DuckDB connection with no file, network, extension or configuration access. Each
escape below is refused with a message that says what is not allowed."""

from __future__ import annotations

import json

import pytest

from kanmin.catalog import services
from kanmin.catalog.datastore import sql as sandbox
from kanmin.catalog.tests.helpers import run_queued_tasks as run_queued
from kanmin.catalog.tests.helpers import upload

pytestmark = pytest.mark.django_db

BASE = "/m/452025/api/3/action/"

TOWNS = "町名,人口\r\n山之口町,1200\r\n本町一丁目,980\r\n高崎町,3000\r\n"


def post(client, data, base=BASE, token=None, language="en"):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    headers["HTTP_ACCEPT_LANGUAGE"] = language
    return client.post(
        base + "datastore_search_sql",
        data=json.dumps(data),
        content_type="application/json",
        **headers,
    )


def _table(make_dataset, steward, name, text=TOWNS, **fields):
    dataset = make_dataset(name, name, **fields)
    resource = upload(dataset, steward, text.encode("cp932"), f"{name}.csv")
    run_queued()
    run_queued()
    return resource


@pytest.fixture
def towns(make_dataset, steward):
    return _table(make_dataset, steward, "towns")


def refusal(client, statement, base=BASE):
    response = post(client, {"sql": statement}, base=base)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    return " ".join(error["sql"])


def test_a_select_over_a_resource_table(client, towns):
    statement = f'SELECT "町名", "人口" FROM "{towns.pk}" WHERE "人口" > 1000 ORDER BY "人口"'
    response = post(client, {"sql": statement})
    assert response.status_code == 200, response.content
    result = response.json()["result"]
    assert result["sql"] == statement
    assert result["records"] == [
        {"町名": "山之口町", "人口": 1200},
        {"町名": "高崎町", "人口": 3000},
    ]
    assert result["fields"] == [{"id": "町名", "type": "text"}, {"id": "人口", "type": "int"}]
    assert "records_truncated" not in result


def test_get_works_and_a_join_of_two_tables(client, towns, make_dataset, steward):
    other = _table(make_dataset, steward, "more", "町名,面積\r\n高崎町,12.5\r\n")
    statement = (
        f'SELECT a."町名", b."面積" FROM "{towns.pk}" a JOIN "{other.pk}" b ON a."町名" = b."町名"'
    )
    response = client.get(BASE + "datastore_search_sql", {"sql": statement})
    assert response.json()["result"]["records"] == [{"町名": "高崎町", "面積": 12.5}]


def test_rows_over_the_limit_are_truncated(client, towns, settings):
    settings.KANMIN_DATASTORE_ROWS_MAX = 2
    result = post(client, {"sql": f'SELECT * FROM "{towns.pk}"'}).json()["result"]
    assert len(result["records"]) == 2 and result["records_truncated"] is True


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        ("SELECT * FROM read_csv_auto('/etc/passwd')", "read_csv_auto"),
        ("SELECT * FROM read_text('/etc/passwd')", "read_text"),
        ("SELECT * FROM '/etc/passwd'", "resource id"),
        ("SELECT * FROM glob('/*')", "glob"),
        ("SELECT * FROM read_parquet('/tmp/other.parquet')", "read_parquet"),
        ("SELECT * FROM parquet_scan('/tmp/other.parquet')", "parquet_scan"),
        ("COPY (SELECT 1) TO '/tmp/out.csv'", "COPY"),
        ("ATTACH '/tmp/x.duckdb' AS x", "ATTACH"),
        ("INSTALL httpfs", "INSTALL"),
        ("LOAD httpfs", "LOAD"),
        ("SET enable_external_access = true", "SET"),
        ("SET lock_configuration = false", "SET"),
        ("PRAGMA version", "PRAGMA"),
        ("SELECT current_setting('memory_limit')", "current_setting"),
        ("SELECT * FROM duckdb_views()", "duckdb_views"),
        ("SELECT * FROM information_schema.tables", "information_schema"),
        ("SELECT * FROM query('SELECT 1')", "query"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("SELECT 1; SELECT 2", "one statement"),
        ("DELETE FROM t", "DELETE"),
        ("SELECT 1", "resource id"),
        ("SELEC nonsense", "cannot be read"),
    ],
)
def test_each_escape_is_refused_clearly(client, towns, statement, words):
    assert words.lower() in refusal(client, statement).lower()


def test_the_engine_refuses_files_even_past_the_statement_check():
    """The statement check is the first wall; the locked connection is the second."""
    con = sandbox.connect({})
    try:
        for statement in (
            "SELECT * FROM read_csv('/etc/passwd')",
            "COPY (SELECT 1) TO '/tmp/kanmin-sql-escape.csv'",
            "ATTACH '/tmp/kanmin-sql-escape.duckdb'",
            "SET enable_external_access = true",
            "LOAD httpfs",
        ):
            with pytest.raises(sandbox.duckdb.Error):
                con.execute(statement).fetchall()
    finally:
        con.close()


def test_a_table_file_cannot_be_read_by_path(client, towns):
    from kanmin.catalog.datastore import services as datastore_services
    from kanmin.catalog.models import DatastoreTable

    path = datastore_services.table_file(DatastoreTable.all_tenants.get(resource=towns))
    message = refusal(client, f"SELECT * FROM \"{towns.pk}\", read_parquet('{path}')")
    assert "read_parquet" in message


def test_a_query_that_runs_too_long_is_stopped(client, towns, settings):
    settings.KANMIN_DATASTORE_SQL_TIMEOUT = 0.2
    statement = (
        f'SELECT count(*) FROM "{towns.pk}", range(100000000) a, range(100000) b '
        "WHERE a.range * b.range = -1"
    )
    assert "stopped" in refusal(client, statement)


def test_a_private_datasets_table_is_refused(client, make_dataset, steward, miyakonojo):
    hidden = _table(make_dataset, steward, "hidden")
    services.dataset_make_private(municipality=miyakonojo, actor=steward, dataset=hidden.dataset)
    response = post(client, {"sql": f'SELECT * FROM "{hidden.pk}"'})
    assert response.status_code == 404
    assert str(hidden.pk) in response.json()["error"]["message"]


def test_another_municipalitys_table_is_refused(
    client, make_dataset, other_steward, miyazaki, other_org
):
    theirs = _table(
        make_dataset, other_steward, "theirs", municipality=miyazaki, organization=other_org
    )
    # Public in 宮崎市's catalog, but not a table of 都城市's.
    assert (
        post(
            client, {"sql": f'SELECT * FROM "{theirs.pk}"'}, base="/m/452017/api/3/action/"
        ).status_code
        == 200
    )
    response = post(client, {"sql": f'SELECT * FROM "{theirs.pk}"'})
    assert response.status_code == 404


def test_a_table_not_named_is_unknown(client, towns):
    message = refusal(client, f'SELECT * FROM "{towns.pk}", other_table')
    assert "other_table" in message


def test_ordinary_functions_and_column_names_like_forbidden_ones_are_fine(client, towns):
    statement = (
        f"SELECT \"町名\" AS read_count, json_extract('{{\"a\": 1}}', '$.a') AS j, "
        f'length("町名") AS n FROM "{towns.pk}" ORDER BY "人口" DESC LIMIT 1'
    )
    response = post(client, {"sql": statement})
    assert response.status_code == 200, response.content
    assert response.json()["result"]["records"] == [{"read_count": "高崎町", "j": "1", "n": 3}]


def test_refusals_are_in_the_readers_language(client, towns):
    response = post(client, {"sql": "SELECT 1; SELECT 2"}, language="ja")
    assert "一つだけ" in response.json()["error"]["sql"][0]
