"""After the demo build, the evacuation orders the demo recorded are a dataset of 都城市's
catalog (through the dataset registry), published by the crisis management division."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from kanmin.catalog.models import Dataset, DatasetState
from kanmin.demo.services import demo_build
from kanmin.disaster import selectors as disaster_selectors

pytestmark = pytest.mark.django_db


def test_the_orders_dataset_is_in_the_demo_catalog(client: Any, settings: Any, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    city = demo_build(password="demo-test-password").municipality
    dataset = Dataset.all_tenants.get(municipality=city, provider="disaster.evacuation_orders")
    assert dataset.state == DatasetState.PUBLISHED
    assert dataset.organization.name == "kiki-kanri"
    assert [g.name for g in dataset.groups.all()] == ["bosai"]
    api = "/m/452025/api/3/action/"
    found = client.get(api + "package_search", {"q": "避難情報", "rows": 50}).json()["result"]
    shown = next(d for d in found["results"] if d["name"] == dataset.name)
    assert [r["format"] for r in shown["resources"]] == ["CSV", "JSON"]
    assert shown["organization"]["name"] == "kiki-kanri"
    rows = list(
        csv.reader(
            io.StringIO(client.get(shown["resources"][0]["url"]).content.decode("utf-8-sig"))
        )
    )
    decisions = disaster_selectors.decision_list(city).count()
    assert decisions > 0 and len(rows) == decisions + 1
    page = client.get(f"/m/452025/catalog/dataset/{dataset.name}/")
    assert page.status_code == 200 and "警戒レベル" in page.content.decode()
