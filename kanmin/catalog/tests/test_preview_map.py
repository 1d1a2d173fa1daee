"""The map preview of a resource (issue 17): a table with latitude and longitude columns
shows its places as a list on the page (usable without script) and as GeoJSON for the map,
capped with a message; tables without them show no map."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings

from kanmin.catalog.datastore import points
from kanmin.catalog.models import DatastoreStatus, DatastoreTable
from kanmin.catalog.tests.helpers import aed_csv, upload
from kanmin.catalog.tests.helpers import run_queued_tasks as run_queued

pytestmark = pytest.mark.django_db

PLACES = (
    "名称,所在地_連結表記,緯度,経度,備考\r\n"
    "都城市役所,宮崎県都城市姫城町6街区21号,31.719600,131.061600,本庁舎\r\n"
    "山之口総合支所,宮崎県都城市山之口町山之口2943番地,31.782110,131.148900,\r\n"
    "位置不明の施設,宮崎県都城市,,,座標なし\r\n"
    "<script>alert(1)</script>,宮崎県都城市高城町,31.800000,131.100000,\r\n"
)


def _page(name: str, resource: Any) -> str:
    return f"/m/452025/catalog/dataset/{name}/resource/{resource.pk}/"


def _loaded(make_dataset: Any, steward: Any, data: bytes, name: str, filename: str) -> Any:
    dataset = make_dataset(name, "施設の位置")
    resource = upload(dataset, steward, data, filename)
    run_queued()  # the check
    run_queued()  # the DataStore load it queues
    table = DatastoreTable.all_tenants.get(resource=resource)
    assert table.status == DatastoreStatus.DONE, table.error
    return resource


@pytest.fixture
def places(make_dataset, steward):
    return _loaded(make_dataset, steward, PLACES.encode("cp932"), "places", "places.csv")


def test_the_page_lists_the_places_and_the_geojson_has_them(client, places):
    page = client.get(_page("places", places)).content.decode()
    assert 'id="map-preview"' in page and 'aria-label="場所の地図"' in page
    assert 'data-cluster="{count} か所（拡大して表示）"' in page
    assert "緯度・経度のある場所が 3 か所あります。" in page
    # The list, server-side: name, address, latitude, longitude, a link to 地理院地図.
    assert "都城市役所" in page and "宮崎県都城市姫城町6街区21号" in page
    assert "31.719600" in page and "131.061600" in page
    assert "https://maps.gsi.go.jp/#17/31.719600/131.061600/" in page
    # Data is text, never markup.
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # The row without coordinates is left out, and the page says so.
    # (the table preview above lists every row; the map's list is its own section)
    places_list = page[page.index('id="map-list"') :]
    places_list = places_list[: places_list.index("</details>")]
    assert "都城市役所" in places_list and "位置不明の施設" not in places_list
    assert "緯度・経度が空欄か正しくない 1 行は表示していません。" in page
    assert 'id="map-capped"' not in page

    response = client.get(_page("places", places) + "points.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    found = json.loads(response.content)
    assert found["type"] == "FeatureCollection"
    assert found["total"] == 3 and found["capped"] is False
    first = found["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [131.0616, 31.7196]}
    assert first["properties"]["name"] == "都城市役所"
    assert first["properties"]["address"] == "宮崎県都城市姫城町6街区21号"
    assert first["properties"]["map_url"] == "https://maps.gsi.go.jp/#17/31.719600/131.061600/"
    names = [f["properties"]["name"] for f in found["features"]]
    assert names == ["都城市役所", "山之口総合支所", "<script>alert(1)</script>"]


def test_many_places_are_capped_with_a_message(client, make_dataset, steward):
    rows = ["name,lat,lng"] + [
        f"place {n},{31.7 + n / 100000:.6f},{131.0 + n / 100000:.6f}"
        for n in range(points.POINTS_MAX + 5)
    ]
    resource = _loaded(
        make_dataset, steward, ("\r\n".join(rows) + "\r\n").encode(), "many", "many.csv"
    )
    page = client.get(_page("many", resource), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="map-capped"' in page
    shown, total = points.POINTS_MAX, points.POINTS_MAX + 5
    assert f"Only the first {shown} of {total} places are shown on the map" in page
    assert page.count("https://maps.gsi.go.jp/#17/") == points.POINTS_MAX
    found = client.get(_page("many", resource) + "points.geojson").json()
    assert len(found["features"]) == points.POINTS_MAX
    assert found["total"] == total and found["capped"] is True
    assert found["features"][-1]["properties"]["name"] == f"place {points.POINTS_MAX - 1}"


def test_english_column_names_in_any_case_and_the_first_text_columns_without_a_name(
    client, make_dataset, steward
):
    data = "Kind,Note,LATITUDE,Longitude\r\nhydrant,north gate,31.7,131.06\r\n"
    resource = _loaded(make_dataset, steward, data.encode(), "hydrants", "hydrants.csv")
    found = client.get(_page("hydrants", resource) + "points.geojson").json()
    properties = found["features"][0]["properties"]
    assert properties["name"] == "" and properties["label"] == "hydrant"
    assert properties["details"] == [["Kind", "hydrant"], ["Note", "north gate"]]


def test_the_standard_aed_table_is_recognised(client, make_dataset, steward):
    dataset = make_dataset("aed", "AED設置箇所一覧", standard_dataset="aed")
    resource = upload(dataset, steward, aed_csv(), "aed.csv")
    run_queued()
    run_queued()
    found = client.get(_page("aed", resource) + "points.geojson").json()
    assert found["total"] == 6
    assert all(f["properties"]["name"] for f in found["features"])
    assert all(f["properties"]["address"] for f in found["features"])


def test_a_table_without_coordinates_has_no_map(client, make_dataset, steward):
    data = "町名,人口\r\n山之口町,1200\r\n"
    resource = _loaded(make_dataset, steward, data.encode(), "towns", "towns.csv")
    page = client.get(_page("towns", resource)).content.decode()
    assert 'id="map-preview"' not in page
    assert client.get(_page("towns", resource) + "points.geojson").status_code == 404


def test_a_draft_datasets_places_are_not_public(client, make_dataset, steward):
    dataset = make_dataset("hidden", "下書き", state="draft")
    resource = upload(dataset, steward, PLACES.encode(), "places.csv")
    run_queued()
    run_queued()
    assert client.get(_page("hidden", resource) + "points.geojson").status_code == 404
    client.force_login(steward)
    assert client.get(_page("hidden", resource) + "points.geojson").json()["total"] == 3


@override_settings(KANMIN_MAP_TILE_URL="", KANMIN_MAP_ATTRIBUTION="")
def test_without_a_tile_server_the_map_has_no_tiles(client, places):
    page = client.get(_page("places", places)).content.decode()
    assert 'data-tile-url=""' in page


def test_the_tile_server_is_allowed_by_the_content_security_policy(client, places):
    response = client.get(_page("places", places))
    assert "https://cyberjapandata.gsi.go.jp" in response["Content-Security-Policy"]
    assert "地理院タイル" in response.content.decode()


def test_column_recognition():
    fields = [{"id": n, "type": "text"} for n in ("_id", "ＩＤ", " Lat ", "LNG", "施設名称")]
    columns = points.map_columns(fields)
    assert columns == points.MapColumns(" Lat ", "LNG", "施設名称", None, ())
    assert points.map_columns([{"id": "緯度", "type": "numeric"}]) is None


def test_a_geojson_files_points_show_on_the_map(client, make_dataset, steward):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [131.0616, 31.7196]},
                "properties": {
                    "名称": "姫城小学校 体育館",
                    "所在地_連結表記": "宮崎県都城市姫城町",
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[131.0, 31.7], [131.1, 31.8]]},
                "properties": {"名称": "避難経路"},
            },
            {"type": "Feature", "geometry": None, "properties": {"名称": "位置なし"}},
        ],
    }
    dataset = make_dataset("shelters", "指定避難所")
    resource = upload(
        dataset, steward, json.dumps(collection, ensure_ascii=False).encode(), "shelter.geojson"
    )
    page = client.get(_page("shelters", resource)).content.decode()
    assert "姫城小学校 体育館" in page
    assert "https://maps.gsi.go.jp/#17/31.719600/131.061600/" in page
    assert "避難経路" not in page
    found = client.get(_page("shelters", resource) + "points.geojson").json()
    assert found["total"] == 1
    assert found["features"][0]["properties"]["address"] == "宮崎県都城市姫城町"
