"""The demo's open-data catalog: built through the services, valid standard files, fictional
points inside the city, a deliberate draft with defects, and nothing new on a second run."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

import pytest

from kanmin.accounts.models import User
from kanmin.audit.models import AuditEvent
from kanmin.catalog.models import (
    Dataset,
    DatasetState,
    Group,
    Organization,
    Resource,
    Tag,
    Validation,
    ValidationStatus,
)
from kanmin.demo import catalog, catalog_rows
from kanmin.demo.services import demo_build
from kanmin.plan import selectors as plan_selectors
from kanmin.standards.validate import validate

pytestmark = pytest.mark.django_db

SOUTH, WEST, NORTH, EAST = catalog_rows.CITY_BOX


@pytest.fixture
def demo(settings: Any, tmp_path: Any) -> Any:
    settings.DATA_DIR = tmp_path
    return demo_build(password="demo-test-password")


def _datasets(municipality: Any, **filters: Any) -> list[Dataset]:
    """The datasets the steward built (not those the apps' tables make: test_demo_registered)."""
    return list(
        Dataset.all_tenants.filter(
            municipality=municipality, provider="", **filters
        ).prefetch_related("resources", "groups", "tags")
    )


def _files(dataset: Dataset) -> list[Resource]:
    return [r for r in dataset.resources.all() if r.file]


def _text(resource: Resource, encoding: str = "utf-8-sig") -> str:
    with resource.file.open("rb") as f:
        return f.read().decode(encoding)


def _the_steward_publishes_the_catalog(demo: Any) -> None:
    city = demo.municipality
    published = _datasets(city, state=DatasetState.PUBLISHED)
    assert len(published) >= 10
    steward = User.objects.get(username="steward")
    assert {d.creator_id for d in published} == {steward.pk}
    standard = [d for d in published if d.standard_dataset]
    assert len(standard) >= 7
    assert len({d.standard_dataset for d in standard}) == len(standard)
    # Every data set is in a category and belongs to a unit linked to a department.
    assert all(d.groups.exists() for d in published)
    orgs = Organization.all_tenants.filter(municipality=city)
    assert orgs.count() == len(catalog.ORGANIZATIONS)
    assert all(o.department is not None for o in orgs)
    assert all(o.department.municipality_id == city.pk for o in orgs)
    assert Group.all_tenants.filter(municipality=city).count() == len(catalog.GROUPS)


def _metadata_is_complete_and_licenses_vary(demo: Any) -> None:
    datasets = _datasets(demo.municipality)
    for d in datasets:
        assert d.title_ja and d.title_en and d.notes_ja and d.notes_en, d.name
        assert d.spatial == "宮崎県都城市"
        assert d.contact_email.endswith(".example")
        assert d.update_frequency, d.name
        assert d.temporal_start is not None and d.temporal_end is not None, d.name
        assert d.tags.exists(), d.name
        assert d.resources.exists(), d.name
    licenses = Counter(d.license_id for d in datasets)
    assert licenses.most_common(1)[0][0] == "cc-by-4.0"
    assert licenses["gov-jp-2.0"] >= 1 and licenses["cc-zero"] >= 1
    formats = {r.format for d in datasets for r in d.resources.all()}
    assert {"CSV", "GeoJSON", "XLSX", "HTML"} <= formats
    links = [r for d in datasets for r in d.resources.all() if not r.file]
    assert [r.url for r in links] == [catalog_rows.CITY_URL]


def _every_published_standard_file_is_valid(demo: Any) -> None:
    checked = 0
    for d in _datasets(demo.municipality, state=DatasetState.PUBLISHED):
        if not d.standard_dataset:
            continue
        files = _files(d)
        assert files, d.name
        for resource in files:
            assert resource.filename == f"452025_{d.standard_dataset}.csv"
            with resource.file.open("rb") as f:
                assert f.read(3) == b"\xef\xbb\xbf", f"{resource.filename}: no BOM"
            report = validate(resource.file.path, d.standard_dataset)
            assert report.valid and report.error_count == 0, report.to_text()
            assert report.rows > 0
            assert report.schema == d.standard_dataset
            checked += 1
    assert checked >= 7


def _points_lie_inside_the_city(demo: Any) -> None:
    points = 0
    for d in _datasets(demo.municipality):
        for resource in _files(d):
            if resource.format == "CSV" and d.standard_dataset and d.is_public:
                for row in csv.DictReader(io.StringIO(_text(resource))):
                    if row.get("緯度"):
                        assert SOUTH <= float(row["緯度"]) <= NORTH, row
                        assert WEST <= float(row["経度"]) <= EAST, row
                        points += 1
            elif resource.format == "GeoJSON":
                for feature in json.loads(_text(resource))["features"]:
                    lon, lat = feature["geometry"]["coordinates"]
                    assert SOUTH <= lat <= NORTH and WEST <= lon <= EAST, feature
                    points += 1
    assert points > 300


def test_running_the_demo_twice_creates_nothing(demo):
    city = demo.municipality

    def counts() -> tuple[int, ...]:
        rows = [
            model.all_tenants.filter(municipality=city).count()
            for model in (Organization, Group, Dataset, Resource, Tag, Validation)
        ]
        return (*rows, AuditEvent.objects.count())

    before = counts()
    assert catalog.catalog_build(municipality=city) == catalog.CatalogSummary()
    demo_build(password="demo-test-password")
    assert counts() == before


def _the_draft_shows_what_validation_finds(demo: Any) -> None:
    drafts = _datasets(demo.municipality, state=DatasetState.DRAFT)
    assert [d.name for d in drafts] == ["event"]
    (resource,) = _files(drafts[0])
    assert resource.filename == "452025_event.csv"
    with resource.file.open("rb") as f:
        raw = f.read()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    raw.decode("cp932")
    report = validate(resource.file.path, drafts[0].standard_dataset)
    assert not report.valid
    codes = Counter(issue.code for issue in report.errors)
    assert codes["date_format"] >= 2  # 和暦
    assert codes["type_integer"] >= 1  # full-width digits
    assert "encoding_cp932" in {w.code for w in report.warnings}
    assert "令和" in report.to_text()


def _the_plans_kpis_are_open_data(demo: Any) -> None:
    city = demo.municipality
    (dataset,) = _datasets(city, name=catalog.PLAN_KPI)
    assert dataset.is_public and dataset.license_id == "cc-zero"
    files = {r.filename: r for r in _files(dataset)}
    plan = plan_selectors.plan_get(municipality=city)
    figures = plan_selectors.plan_figures(plan=plan)
    kpis = [(m["number"], k) for m in figures["measures"] for k in m["kpis"]]
    definitions = list(csv.DictReader(io.StringIO(_text(files["452025_plan_kpi.csv"]))))
    assert [(r["施策番号"], r["KPI名"]) for r in definitions] == [(n, k["name"]) for n, k in kpis]
    values = list(csv.DictReader(io.StringIO(_text(files["452025_plan_kpi_values.csv"]))))
    expected = {
        (n, k["name"], kind, int(year), float(v))
        for n, k in kpis
        for kind, key in (("目標値", "targets"), ("実績値", "actuals"))
        for year, v in k[key].items()
    }
    got = {(r["施策番号"], r["KPI名"], r["種別"], int(r["年度"]), float(r["値"])) for r in values}
    assert got == expected and len(values) == len(expected) > 0


def _the_open_data_list_names_every_published_dataset(demo: Any) -> None:
    city = demo.municipality
    (dataset,) = _datasets(city, name=catalog.OPEN_DATA_LIST)
    (resource,) = _files(dataset)
    listed = {row["データ名称"] for row in csv.DictReader(io.StringIO(_text(resource)))}
    published = {d.title_ja for d in _datasets(city, state=DatasetState.PUBLISHED)}
    assert listed == published


def test_the_demo_catalog(demo):
    """One build (the demo takes seconds), checked from several sides."""
    _the_steward_publishes_the_catalog(demo)
    _metadata_is_complete_and_licenses_vary(demo)
    _the_plans_kpis_are_open_data(demo)
    _the_open_data_list_names_every_published_dataset(demo)
    _no_upload_is_left_waiting_for_its_check(demo)


def test_the_files(demo):
    _every_published_standard_file_is_valid(demo)
    _points_lie_inside_the_city(demo)
    _the_draft_shows_what_validation_finds(demo)


def _no_upload_is_left_waiting_for_its_check(demo: Any) -> None:
    """The demo runs its uploads' checks at once (no task worker needed to see them)."""
    uploads = Resource.all_tenants.filter(municipality=demo.municipality).exclude(file="")
    tabular = [r for r in uploads if r.is_tabular]
    assert tabular
    waiting = Validation.all_tenants.filter(resource__in=tabular, status=ValidationStatus.QUEUED)
    assert not waiting.exists()
    assert Validation.all_tenants.filter(resource__in=tabular).count() == len(tabular)


def test_rows_are_the_same_on_every_run():
    first = catalog_rows.standard_csv("aed", catalog_rows.aed_rows())
    catalog_rows.places.cache_clear()
    assert catalog_rows.standard_csv("aed", catalog_rows.aed_rows()) == first
    assert catalog_rows.population_rows() == catalog_rows.population_rows()


def test_population_rows_add_up():
    for row in catalog_rows.population_rows():
        men = sum(int(v) for k, v in row.items() if k.endswith("の男性"))
        women = sum(int(v) for k, v in row.items() if k.endswith("の女性"))
        assert (men, women, men + women) == (int(row["男性"]), int(row["女性"]), int(row["総人口"]))


def test_a_row_with_an_unknown_column_is_refused():
    with pytest.raises(ValueError, match="名前"):
        catalog_rows.standard_csv("aed", [{"名前": "x"}])


# --- datastore (issue 17) --------------------------------------------------------------------


def test_the_demos_tables_are_in_the_datastore(demo):
    """The demo loads its tabular files at once, so datastore_search answers without a
    task worker."""
    from kanmin.catalog import selectors as catalog_selectors
    from kanmin.catalog.models import DatastoreStatus, DatastoreTable

    uploads = Resource.all_tenants.filter(municipality=demo.municipality).exclude(file="")
    tabular = [r for r in uploads if r.is_tabular]
    tables = DatastoreTable.all_tenants.filter(resource__in=tabular)
    assert tables.count() == len(tabular)
    assert not tables.exclude(status=DatastoreStatus.DONE).exists(), list(
        tables.exclude(status=DatastoreStatus.DONE).values_list("error", flat=True)
    )
    aed = next(r for r in tabular if r.filename == "452025_aed.csv")
    found = catalog_selectors.datastore_search(
        municipality=demo.municipality,
        viewer=None,
        staff_within=demo.municipality,
        data={"resource_id": str(aed.pk), "limit": 1},
    )
    assert found["total"] > 0
    assert {"id": "緯度", "type": "numeric"} in found["fields"]


def test_the_aed_and_shelter_places_show_on_the_map_and_a_rerun_loads_missing_tables(demo):
    """mapview (issue 17): the AED table, the evacuation sites' table and the shelters'
    GeoJSON have places inside the city for the map preview; a table the DataStore lost (or
    never had: a demo built before it) is loaded again when the demo runs."""
    from kanmin.catalog import selectors as catalog_selectors
    from kanmin.catalog.models import DatastoreStatus, DatastoreTable

    def places(filename: str) -> Any:
        uploads = Resource.all_tenants.filter(municipality=demo.municipality).exclude(file="")
        resource = next(r for r in uploads if r.filename == filename)
        found = catalog_selectors.resource_points(resource=resource)
        assert found is not None, filename
        return resource, found

    aed, found = places("452025_aed.csv")
    assert found.columns.latitude == "緯度" and found.columns.name == "名称"
    assert found.total == len(catalog_rows.aed_rows()) and not found.capped
    for point in found.points:
        assert SOUTH < point.latitude < NORTH and WEST < point.longitude < EAST
        assert point.name and point.address
    _sites, found = places("452025_evacuation_space.csv")
    assert found.total == len(catalog_rows.evacuation_space_rows())
    _shelters, found = places("452025_shelter.geojson")
    assert found.total == len(catalog_rows.shelter_places())
    assert all(p.name and p.address for p in found.points)

    DatastoreTable.all_tenants.filter(resource=aed).delete()
    catalog.catalog_build(municipality=demo.municipality)
    table = DatastoreTable.all_tenants.get(resource=aed)
    assert table.status == DatastoreStatus.DONE and table.row_count == len(catalog_rows.aed_rows())
