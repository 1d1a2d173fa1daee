"""A table an app offers (``kanmin.core.datasets``) through the real ``ckanapi`` client: found,
shown, and its CSV downloaded from the resource's URL."""

from __future__ import annotations

import csv
import io
from typing import Any

import ckanapi
import pytest
import requests

from kanmin.core import datasets
from kanmin.core.datasets import Column, Provider

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = {"452025": [["本町", 12], ["中町", 7]], "452017": [["宮崎駅前", 4]]}
STALLS = Provider(
    name="tests.stalls",
    slug="stalls",
    title_ja="朝市の出店一覧",
    title_en="Morning market stalls",
    description_ja="朝市に出店する店の一覧です。",
    description_en="The stalls of the morning market.",
    columns=(Column("place", "出店場所", "Place"), Column("stalls", "店の数", "Stalls")),
    rows=lambda municipality: ROWS.get(municipality.lg_code, []),
    keywords=("朝市",),
)


@pytest.fixture
def stalls(catalog: dict[str, Any]) -> Any:
    from kanmin.catalog import services
    from kanmin.core.models import Municipality

    datasets.register(STALLS)
    for municipality in Municipality.objects.all():
        services.registered_datasets_sync(municipality=municipality, actor=None)
    yield catalog
    datasets.unregister(STALLS.name)


def test_ckanapi_finds_shows_and_downloads_a_registered_table(stalls: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(stalls["url"]) as ck:
        assert "stalls" in ck.action.package_list()
        found = ck.action.package_search(q="朝市", **{"facet.field": ["res_format"]})
        assert [d["name"] for d in found["results"]] == ["stalls"]
        assert found["facets"]["res_format"] == {"CSV": 1, "JSON": 1}
        shown = ck.action.package_show(id="stalls")
    csv_url = shown["resources"][0]["url"]
    assert csv_url == stalls["url"] + "/datasets/stalls.csv"
    answer = requests.get(csv_url, timeout=30)
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows == [["出店場所", "店の数"], ["本町", "12"], ["中町", "7"]]
    # 宮崎市's catalog has its own dataset, with its own rows only.
    with ckanapi.RemoteCKAN(stalls["miyazaki_url"]) as ck:
        theirs = ck.action.package_show(id="stalls")
    assert theirs["id"] != shown["id"]
    text = requests.get(theirs["resources"][0]["url"], timeout=30).content.decode("utf-8-sig")
    assert "宮崎駅前" in text and "本町" not in text
