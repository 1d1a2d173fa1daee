"""Tables the apps offer through ``kanmin.core.datasets`` are ordinary datasets of each
municipality's catalog: portal, search and facets, the CKAN API, DCAT, the オープンデータ一覧."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from rdflib import Graph, URIRef
from rdflib import namespace as ns

from kanmin.audit.models import AuditEvent
from kanmin.catalog import selectors, services
from kanmin.catalog.models import Dataset, DatasetState, Resource, SearchGeneration
from kanmin.core import datasets
from kanmin.core.actions import Changed, action
from kanmin.core.datasets import Column, Provider
from kanmin.core.errors import Invalid

pytestmark = pytest.mark.django_db

API = "/m/{code}/api/3/action/"
# The provider's rows by municipality, and when each municipality's rows last changed.
ROWS: dict[str, list[list[Any]]] = {}
STAMPS: dict[str, dt.datetime] = {}
JST = dt.timezone(dt.timedelta(hours=9))


def _rows(municipality: Any) -> list[list[Any]]:
    return ROWS.get(municipality.lg_code, [])


def _stamp(municipality: Any) -> dt.datetime | None:
    return STAMPS.get(municipality.lg_code)


STALLS = Provider(
    name="tests.stalls",
    slug="stalls",
    title_ja="朝市の出店一覧",
    title_en="Morning market stalls",
    description_ja="朝市に出店する店の一覧です。",
    description_en="The stalls of the morning market.",
    columns=(Column("place", "出店場所", "Place"), Column("stalls", "店の数", "Stalls")),
    rows=_rows,
    keywords=("朝市", "商業"),
    frequency="monthly",
    last_modified=_stamp,
    changed_by=("tests.stall.add",),
)


@action("tests.stall.add", perm=None)
def stall_add(*, municipality: Any, actor: Any, place: str, stalls: int) -> Any:
    """A stand-in for an app's staff write that changes the provider's rows."""
    ROWS.setdefault(municipality.lg_code, []).append([place, stalls])
    STAMPS[municipality.lg_code] = dt.datetime(2026, 5, 2, 9, 30, tzinfo=JST)
    return Changed(municipality)


@pytest.fixture
def stalls(miyakonojo: Any) -> Any:
    ROWS.clear()
    STAMPS.clear()
    ROWS["452025"] = [["本町", 12], ["中町", 7]]
    STAMPS["452025"] = dt.datetime(2026, 4, 1, 6, 0, tzinfo=JST)
    datasets.register(STALLS)
    yield STALLS
    datasets.unregister(STALLS.name)
    ROWS.clear()
    STAMPS.clear()


def _sync(municipality: Any, **kwargs: Any) -> services.RegisteredSync:
    return services.registered_datasets_sync(municipality=municipality, actor=None, **kwargs)


def _action(client: Any, name: str, code: str = "452025", **params: Any) -> Any:
    answer = client.get(API.format(code=code) + name, params)
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_every_registered_table_becomes_a_published_dataset(client, miyakonojo, stalls):
    report = _sync(miyakonojo)
    # The disaster app's tables are registered as well: every provider, one dataset each.
    assert sorted(report.created) == sorted(p.slug for p in datasets.all_providers())
    assert "stalls" in report.created
    dataset = Dataset.all_tenants.get(municipality=miyakonojo, provider="tests.stalls")
    assert dataset.state == DatasetState.PUBLISHED
    assert dataset.organization.name == services.REGISTRY_ORGANIZATION
    assert dataset.update_frequency == "monthly"
    assert dataset.spatial == "宮崎県都城市"
    assert "店の数" in dataset.notes_ja and "Stalls" in dataset.notes_en
    assert set(_action(client, "package_list")) >= {"stalls", "evacuation_orders"}


def test_ckan_search_and_show_give_the_registry_files(client, miyakonojo, stalls):
    _sync(miyakonojo)
    found = _action(client, "package_search", q="朝市", **{"facet.field": '["res_format", "tags"]'})
    assert [d["name"] for d in found["results"]] == ["stalls"]
    assert found["facets"]["res_format"] == {"CSV": 1, "JSON": 1}
    assert found["facets"]["tags"] == {"朝市": 1, "商業": 1}
    assert _action(client, "package_search", fq="tags:朝市")["count"] == 1
    shown = _action(client, "package_show", id="stalls")
    assert shown["title"] == "朝市の出店一覧" and shown["title_en"] == "Morning market stalls"
    assert shown["kanmin_provider"] == "tests.stalls"
    assert shown["license_id"] == "cc-by-4.0" and shown["isopen"] is True
    assert [(r["format"], r["url"]) for r in shown["resources"]] == [
        ("CSV", "http://testserver/m/452025/datasets/stalls.csv"),
        ("JSON", "http://testserver/m/452025/datasets/stalls.json"),
    ]
    # The files' last-modified is when the rows last changed, as the provider tells.
    assert {r["last_modified"] for r in shown["resources"]} == {"2026-03-31T21:00:00.000000"}
    assert [r["name"] for r in shown["resources"]] == ["452025_stalls.csv", "452025_stalls.json"]
    resource = _action(client, "resource_show", id=shown["resources"][0]["id"])
    assert resource["url"] == "http://testserver/m/452025/datasets/stalls.csv"
    # The CSV at the resource's address holds the rows, the JSON too.
    rows = _csv(client.get(resource["url"]).content)
    assert rows == [["出店場所", "店の数"], ["本町", "12"], ["中町", "7"]]
    data = json.loads(client.get(shown["resources"][1]["url"]).content)
    assert data["rows"] == [{"place": "本町", "stalls": 12}, {"place": "中町", "stalls": 7}]


def test_a_second_sync_changes_nothing(client, miyakonojo, stalls):
    _sync(miyakonojo)
    token, events = SearchGeneration.current(), AuditEvent.objects.count()
    version = Dataset.all_tenants.get(provider="tests.stalls").version
    report = _sync(miyakonojo)
    assert not report.changed
    assert SearchGeneration.current() == token  # cached answers stay valid
    assert AuditEvent.objects.count() == events
    assert Dataset.all_tenants.get(provider="tests.stalls").version == version


def test_a_change_of_the_rows_moves_the_files_time_after_commit(
    client, miyakonojo, stalls, django_capture_on_commit_callbacks
):
    _sync(miyakonojo)
    before = _action(client, "package_show", id="stalls")
    token = SearchGeneration.current()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stall_add(municipality=miyakonojo, actor=None, place="上町", stalls=3)
        stall_add(municipality=miyakonojo, actor=None, place="下町", stalls=2)
    assert len(callbacks) == 1  # one sync for the transaction, however many writes
    assert SearchGeneration.current() != token
    after = _action(client, "package_show", id="stalls")
    assert {r["last_modified"] for r in after["resources"]} == {"2026-05-02T00:30:00.000000"}
    assert after["metadata_modified"] > before["metadata_modified"]
    assert after["kanmin_version"] == before["kanmin_version"] + 1
    rows = _csv(client.get(after["resources"][0]["url"]).content)
    assert rows[-2:] == [["上町", "3"], ["下町", "2"]]


def test_an_action_no_provider_names_syncs_nothing(
    miyakonojo, stalls, django_capture_on_commit_callbacks
):
    _sync(miyakonojo)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.organization_create(
            municipality=miyakonojo, actor=None, name="shoko", title_ja="商工観光課"
        )
    assert not any(isinstance(c, datasets._Pending) for c in callbacks)


def test_tenancy_each_catalog_lists_its_own_rows(client, miyakonojo, miyazaki, stalls):
    ROWS["452017"] = [["宮崎駅前", 4]]
    _sync(miyakonojo)
    _sync(miyazaki)
    here = _action(client, "package_show", id="stalls")
    there = _action(client, "package_show", code="452017", id="stalls")
    assert here["id"] != there["id"]
    assert there["municipality"]["lg_code"] == "452017"
    assert there["resources"][0]["url"] == "http://testserver/m/452017/datasets/stalls.csv"
    rows = _csv(client.get(there["resources"][0]["url"]).content)
    assert rows == [["出店場所", "店の数"], ["宮崎駅前", "4"]]
    assert "本町" not in client.get(there["resources"][1]["url"]).content.decode()
    # A municipality's search finds only its own; the root finds both.
    ids = {d["id"] for d in _action(client, "package_search", code="452017", q="朝市")["results"]}
    assert ids == {there["id"]}
    root = client.get("/api/3/action/package_search", {"q": "朝市"}).json()["result"]
    assert {d["id"] for d in root["results"]} == {here["id"], there["id"]}
    # The page of one municipality shows its own rows only.
    page = client.get("/m/452017/catalog/dataset/stalls/").content.decode()
    assert "宮崎駅前" in page and "本町" not in page
    # A sync of one municipality never touches another's dataset.
    assert _sync(miyakonojo, providers=[stalls]).changed is False
    assert Dataset.all_tenants.filter(provider="tests.stalls").count() == 2


def test_the_dataset_page_previews_the_first_rows(client, miyakonojo, stalls):
    ROWS["452025"] = [[f"第{n}区", n] for n in range(1, 13)]
    _sync(miyakonojo)
    page = client.get("/m/452025/catalog/dataset/stalls/").content.decode()
    assert "第1区" in page and "第10区" in page and "第11区" not in page
    assert "/m/452025/datasets/stalls.csv" in page and "452025_stalls.csv" in page
    assert "出店場所" in page
    english = client.get(
        "/m/452025/catalog/dataset/stalls/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Morning market stalls" in english and ">Place</th>" in english
    listing = client.get("/m/452025/catalog/", {"q": "朝市"}).content.decode()
    assert "/m/452025/catalog/dataset/stalls/" in listing


def test_an_empty_table_is_listed_with_its_header(client, miyakonojo, stalls):
    ROWS["452025"] = []
    STAMPS.clear()
    _sync(miyakonojo)
    shown = _action(client, "package_show", id="stalls")
    assert shown["num_resources"] == 2
    assert _csv(client.get(shown["resources"][0]["url"]).content) == [["出店場所", "店の数"]]
    page = client.get("/m/452025/catalog/dataset/stalls/").content.decode()
    assert "No rows yet" in page or "まだ" in page


def test_dcat_gives_absolute_download_urls(client, miyakonojo, stalls):
    _sync(miyakonojo)
    answer = client.get("/m/452025/catalog/dataset/stalls.ttl")
    assert answer.status_code == 200
    graph = Graph().parse(data=answer.content, format="turtle")
    urls = {str(o) for o in graph.objects(None, ns.DCAT.downloadURL)}
    assert urls == {
        "http://testserver/m/452025/datasets/stalls.csv",
        "http://testserver/m/452025/datasets/stalls.json",
    }
    assert (None, ns.DCAT.downloadURL, URIRef("/m/452025/datasets/stalls.csv")) not in graph


def test_the_open_data_list_names_the_dataset(client, miyakonojo, stalls):
    _sync(miyakonojo)
    listing = client.get("/m/452025/catalog/452025_open_data_list.csv")
    assert listing.status_code == 200
    rows = _csv(listing.content)
    (row,) = [r for r in rows if r[3] == "朝市の出店一覧"]
    assert row[5] == "CSV;JSON"


def test_a_provider_gone_leaves_its_dataset_withdrawn(client, miyakonojo, stalls):
    _sync(miyakonojo)
    datasets.unregister(STALLS.name)
    report = _sync(miyakonojo)
    assert report.withdrawn == ["stalls"]
    dataset = Dataset.all_tenants.get(provider="tests.stalls")
    assert dataset.state == DatasetState.WITHDRAWN
    assert "stalls" not in _action(client, "package_list")
    event = AuditEvent.objects.filter(action="catalog.dataset.withdraw").latest("seq")
    assert event.changes["extra"]["reason"] == "provider_gone"
    # A partial sync (one provider's change) withdraws nothing; a second full one neither.
    assert not _sync(miyakonojo).changed
    # With its app gone, staff may delete it.
    services.dataset_delete(municipality=miyakonojo, actor=None, dataset=dataset)
    assert not Dataset.all_tenants.filter(provider="tests.stalls").exists()


def test_staff_keep_their_fields_and_cannot_change_the_apps(miyakonojo, stalls, org):
    _sync(miyakonojo)
    dataset = selectors.dataset_for_edit(municipality=miyakonojo, id_or_name="stalls")
    services.dataset_patch(
        municipality=miyakonojo,
        actor=None,
        dataset=dataset,
        organization=org,
        contact_name="商工観光課",
        tags=["朝市", "商業", "観光"],
    )
    with pytest.raises(Invalid) as refused:
        services.dataset_patch(
            municipality=miyakonojo, actor=None, dataset=dataset, title_ja="別の題名"
        )
    assert "title_ja" in refused.value.fields
    with pytest.raises(Invalid):
        services.dataset_delete(municipality=miyakonojo, actor=None, dataset=dataset)
    csv_file = Resource.all_tenants.get(dataset=dataset, format="CSV")
    with pytest.raises(Invalid):
        services.resource_delete(municipality=miyakonojo, actor=None, resource=csv_file)
    with pytest.raises(Invalid):
        services.resource_update(
            municipality=miyakonojo, actor=None, resource=csv_file, name="other.csv"
        )
    # The sync brings back nothing staff chose, and finds nothing to change.
    assert not _sync(miyakonojo).changed
    dataset.refresh_from_db()
    assert dataset.organization == org and dataset.contact_name == "商工観光課"
    assert sorted(t.name for t in dataset.tags.all()) == ["商業", "朝市", "観光"]
    # A new keyword of the provider is added beside the staff's tags.
    datasets.unregister(STALLS.name)
    datasets.register(Provider(**{**STALLS.__dict__, "keywords": ("朝市", "商業", "市場")}))
    assert _sync(miyakonojo, providers=[datasets.get(STALLS.name)]).updated == ["stalls"]
    assert sorted(t.name for t in dataset.tags.all()) == ["商業", "市場", "朝市", "観光"]


def test_a_name_staff_use_is_not_taken_over(miyakonojo, stalls, make_dataset):
    theirs = make_dataset("stalls", "露店の写真")
    report = _sync(miyakonojo, providers=[stalls])
    assert report.created == ["stalls_2"]
    theirs.refresh_from_db()
    assert theirs.title_ja == "露店の写真" and theirs.provider == ""


def test_the_organization_given_is_used_until_staff_choose(miyakonojo, stalls, org):
    _sync(miyakonojo, providers=[stalls])
    assert Dataset.all_tenants.get(provider="tests.stalls").organization.name == "kanmin-apps"
    # Still in the holding unit: the caller's choice moves it (the demo does this).
    _sync(miyakonojo, providers=[stalls], organizations={"tests.stalls": org})
    assert Dataset.all_tenants.get(provider="tests.stalls").organization == org


def test_migrate_and_the_command_and_tenant_add_list_the_tables(
    miyakonojo, stalls, django_capture_on_commit_callbacks
):
    call_command("migrate", verbosity=0)
    assert Dataset.all_tenants.filter(municipality=miyakonojo, provider="tests.stalls").exists()
    out = io.StringIO()
    call_command("catalog_sync", municipality="452025", stdout=out)
    assert out.getvalue().startswith("452025: 0 ")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("core_tenant_add", "452017", "宮崎市", stdout=io.StringIO())
    assert Dataset.all_tenants.filter(
        municipality__lg_code="452017", provider="tests.stalls", state=DatasetState.PUBLISHED
    ).exists()


def test_a_table_with_latitude_and_longitude_shows_on_a_map(client, miyakonojo):
    """An app's table of places (the shelters lists) gets the map preview its CSV would get
    if it were uploaded: its rows are read as the file is written."""
    places = Provider(
        name="tests.places",
        slug="places",
        title_ja="施設の位置",
        title_en="Places",
        description_ja="施設の位置です。",
        description_en="Places.",
        columns=(
            Column("name", "名称", "Name"),
            Column("lat", "緯度", "Latitude"),
            Column("lon", "経度", "Longitude"),
        ),
        rows=lambda municipality: [
            ["都城市役所", 31.7196, 131.0616],
            ["位置不明", "", ""],
            ["山之口総合支所", "31.78211", "131.1489"],
        ],
    )
    datasets.register(places)
    try:
        _sync(miyakonojo)
        dataset = Dataset.all_tenants.get(municipality=miyakonojo, provider=places.name)
        csv_link = dataset.resources.get(format="CSV")
        page = f"/m/452025/catalog/dataset/{dataset.name}/resource/{csv_link.pk}/"
        html = client.get(page, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert 'id="map-preview"' in html and "都城市役所" in html
        found = client.get(page + "points.geojson").json()
        assert [f["geometry"]["coordinates"] for f in found["features"]] == [
            [131.0616, 31.7196],
            [131.1489, 31.78211],
        ]
        assert found["total"] == 2
    finally:
        datasets.unregister(places.name)


def test_an_apps_table_without_coordinates_has_no_map(client, miyakonojo, stalls):
    _sync(miyakonojo)
    dataset = Dataset.all_tenants.get(municipality=miyakonojo, provider=STALLS.name)
    csv_link = dataset.resources.get(format="CSV")
    page = f"/m/452025/catalog/dataset/{dataset.name}/resource/{csv_link.pk}/"
    assert 'id="map-preview"' not in client.get(page).content.decode()
    assert client.get(page + "points.geojson").status_code == 404


def _csv_link(municipality: Any, provider: Provider) -> Resource:
    dataset = Dataset.all_tenants.get(municipality=municipality, provider=provider.name)
    return dataset.resources.get(format="CSV")


def test_the_apps_table_answers_datastore_search_as_its_rows_are_now(
    client, miyakonojo, stalls, steward, token_for
):
    _sync(miyakonojo)
    link = _csv_link(miyakonojo, STALLS)
    shown = _action(client, "resource_show", id=str(link.pk))
    assert shown["datastore_active"] is True
    package = _action(client, "package_show", id=link.dataset.name)
    assert {r["format"]: r["datastore_active"] for r in package["resources"]} == {
        "CSV": True,
        "JSON": False,
    }
    found = _action(client, "datastore_search", resource_id=str(link.pk), sort="店の数 desc")
    assert found["total"] == 2
    assert [(r["出店場所"], r["店の数"]) for r in found["records"]] == [("本町", 12), ("中町", 7)]
    assert {f["id"]: f["type"] for f in found["fields"]}["店の数"] == "int"
    assert _action(client, "datastore_info", id=str(link.pk))["meta"]["count"] == 2
    # A change of the app's rows shows at the next read, with no sync in between: the same
    # question asked again is answered from the rows, not from the cache of API answers.
    ROWS["452025"].append(["西町", 30])
    found = _action(client, "datastore_search", resource_id=str(link.pk), sort="店の数 desc")
    assert [r["出店場所"] for r in found["records"]] == ["西町", "本町", "中町"]
    found = _action(client, "datastore_search", resource_id=str(link.pk), q="西")
    assert [r["出店場所"] for r in found["records"]] == ["西町"]
    sql = f'SELECT sum("店の数") AS n FROM "{link.pk}"'  # noqa: S608 - our own uuid
    assert _action(client, "datastore_search_sql", sql=sql)["records"] == [{"n": 49}]
    info = _action(client, "datastore_info", id=str(link.pk))
    assert info["meta"]["count"] == 3
    # The resource page previews it; rows cannot be pushed to it.
    page = f"/m/452025/catalog/dataset/{link.dataset.name}/resource/{link.pk}/"
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="table preview-table"' in html and "西町" in html
    token = token_for(steward, miyakonojo)
    pushed = client.post(
        API.format(code="452025") + "datastore_upsert",
        data=json.dumps({"resource_id": str(link.pk), "records": [{"出店場所": "x"}]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=token,
    )
    assert pushed.status_code == 409, pushed.content
    assert "kept up to date from the app" in str(pushed.json()["error"]["message"])


def test_unchanged_rows_are_not_loaded_again(client, miyakonojo, stalls):
    from kanmin.catalog.datastore.files import table_folder

    _sync(miyakonojo)
    link = _csv_link(miyakonojo, STALLS)
    for _ in range(3):
        _action(client, "datastore_search", resource_id=str(link.pk))
    tables = sorted(p.name for p in table_folder(link).glob("rows-*.parquet"))
    assert len(tables) == 1
    ROWS["452025"].append(["西町", 30])
    _action(client, "datastore_search", resource_id=str(link.pk))
    assert len(list(table_folder(link).glob("rows-*.parquet"))) == 2  # the earlier kept a while


def test_staff_analyse_the_apps_table_with_their_own(miyakonojo, stalls, steward):
    from kanmin.catalog.analysis import selectors as analysis

    _sync(miyakonojo)
    link = _csv_link(miyakonojo, STALLS)
    listed = analysis.analysis_tables(municipality=miyakonojo, viewer=steward)
    assert str(link.pk) in [str(t.resource.pk) for t in listed]
    sql = f'SELECT "出店場所" FROM "{link.pk}" WHERE "店の数" > 10'  # noqa: S608 - our uuid
    result = analysis.analysis_run(municipality=miyakonojo, viewer=steward, sql=sql)
    assert result.records == [{"出店場所": "本町"}]


def test_a_view_over_the_apps_table_is_computed_again_after_the_apps_action(
    miyakonojo, stalls, steward, org, django_capture_on_commit_callbacks
):
    from kanmin.catalog.analysis import services as analysis_services
    from kanmin.catalog.models import DatastoreTable
    from kanmin.catalog.tests.helpers import run_queued_tasks

    _sync(miyakonojo)
    link = _csv_link(miyakonojo, STALLS)
    view = analysis_services.saved_view_create(
        municipality=miyakonojo,
        actor=steward,
        name_ja="大きな出店場所",
        name_en="Large stall places",
        description="",
        sql=f'SELECT "出店場所" FROM "{link.pk}" WHERE "店の数" > 10',  # noqa: S608 - our uuid
    )
    view = analysis_services.saved_view_publish(
        municipality=miyakonojo,
        actor=steward,
        view=view,
        organization=org,
        name="large-stalls",
        state=DatasetState.PUBLISHED,
    )
    for _ in range(3):  # the computation, then the load it queues
        run_queued_tasks()
    view.refresh_from_db()
    derived = view.derived_resource
    assert DatastoreTable.all_tenants.get(resource=derived).row_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        stall_add(municipality=miyakonojo, actor=None, place="西町", stalls=30)
    for _ in range(3):
        run_queued_tasks()
    assert DatastoreTable.all_tenants.get(resource=derived).row_count == 2
