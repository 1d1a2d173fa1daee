"""The evacuation orders issued reach the open-data catalog through the dataset registry
(``kanmin.core.datasets``): disaster never imports the catalog, the catalog never disaster.
And the plan's Ⅳ-3 figures: decisions recorded, stations whose criteria are set."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from kanmin.core import metrics
from kanmin.core.fiscal_year import FiscalYear
from kanmin.disaster import services
from kanmin.disaster.tests import factories

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))


def _record(municipality, operator, river, decided_at, action="issue"):
    return services.decision_record(
        municipality=municipality,
        actor=operator,
        action=action,
        level=4 if action == "issue" else 3,
        kind="避難指示" if action == "issue" else "高齢者等避難",
        area="岳下地区",
        decided_at=decided_at,
        stations=[river],
    )


def test_a_recorded_order_reaches_the_catalog_once_committed(
    client, miyakonojo, miyazaki, operator, river, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = _record(miyakonojo, operator, river, timezone.now())
    api = "/m/452025/api/3/action/"
    found = client.get(api + "package_search", {"q": "避難情報"}).json()["result"]
    assert [d["kanmin_provider"] for d in found["results"]] == ["disaster.evacuation_orders"]
    shown = found["results"][0]
    assert shown["name"] == "evacuation_orders" and shown["title"] == "避難情報の発令・解除履歴"
    csv_url = shown["resources"][0]["url"]
    assert csv_url == "http://testserver/m/452025/datasets/evacuation_orders.csv"
    # CKAN's time: naive UTC with microseconds; the time the order was recorded.
    recorded = decision.recorded_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    assert shown["resources"][0]["last_modified"] == recorded
    rows = list(csv.reader(io.StringIO(client.get(csv_url).content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "452025" and rows[1][5] == "岳下地区"
    # Another municipality recorded nothing: its catalog was not touched.
    other = client.get("/m/452017/api/3/action/package_list").json()["result"]
    assert "evacuation_orders" not in other


def test_decisions_recorded_per_fiscal_year(miyakonojo, miyazaki, operator, river, make_user):
    # 31 March and 1 April (Japan time) fall in two fiscal years.
    _record(miyakonojo, operator, river, dt.datetime(2025, 3, 31, 23, 0, tzinfo=JST))
    _record(miyakonojo, operator, river, dt.datetime(2025, 4, 1, 1, 0, tzinfo=JST), "lift")
    _record(miyakonojo, operator, river, dt.datetime(2025, 7, 1, 1, 0, tzinfo=JST))
    theirs = factories.station(miyazaki, code="oyodo")
    _record(
        miyazaki,
        make_user("miyazaki-op", "disaster_operator", miyazaki),
        theirs,
        dt.datetime(2025, 7, 1, tzinfo=JST),
    )

    def value(year):
        found = metrics.get("disaster.decisions")
        return found.compute(municipality=miyakonojo, fiscal_year=FiscalYear(year))

    assert (value(2024), value(2025), value(2026)) == (1, 2, 0)


def test_the_iv3_metrics_are_registered():
    names = {m.name for m in metrics.all_metrics()}
    assert {"disaster.decisions", "disaster.stations_with_reference_levels"} <= names
