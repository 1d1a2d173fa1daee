"""GeoJSON files are checked in the background like tables (RFC 7946 instead of a national
schema); a file named .geojson that is not JSON is refused before it is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from kanmin.catalog import filetypes, selectors, services
from kanmin.catalog.models import Resource, Validation, ValidationStatus
from kanmin.catalog.tests.helpers import run_queued_tasks as _run_queued
from kanmin.catalog.tests.helpers import upload as _upload
from kanmin.core.errors import Invalid
from kanmin.demo import catalog_rows


@pytest.fixture
def shelters(make_dataset):
    return make_dataset("designated-shelters", "指定避難所一覧（GeoJSON）")


def _feature(lon: float, lat: float, name: str = "避難所") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"名称": name},
    }


def _geojson(*features: dict[str, Any]) -> bytes:
    doc = {"type": "FeatureCollection", "features": list(features)}
    return json.dumps(doc, ensure_ascii=False).encode()


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_good_geojson_upload_is_checked_and_valid(shelters, steward):
    resource = _upload(shelters, steward, catalog_rows.shelters_geojson(), "shelter.geojson")
    assert resource.is_geojson and resource.is_checkable and not resource.is_tabular
    validation = Validation.all_tenants.get(resource=resource)
    assert validation.status == ValidationStatus.QUEUED
    assert validation.requested_schema == "geojson"
    _run_queued()
    validation.refresh_from_db()
    assert validation.status == ValidationStatus.DONE
    assert validation.valid is True and validation.error_count == 0
    assert validation.schema == "geojson" and validation.encoding == "utf-8"
    features = json.loads(catalog_rows.shelters_geojson())["features"]
    assert validation.rows == len(features)
    resource.refresh_from_db()
    assert resource.quality_score == validation.quality_score is not None
    assert resource.stars == 3


def test_a_bad_geojson_gets_findings_per_feature(shelters, steward, miyakonojo):
    miyakonojo.area_south, miyakonojo.area_west = 31.5, 130.85
    miyakonojo.area_north, miyakonojo.area_east = 32.0, 131.3
    miyakonojo.save()
    data = _geojson(
        _feature(131.061, 31.719, "市役所"),
        _feature(31.719, 131.061, "逆"),  # latitude first
        _feature(139.767, 35.681, "東京駅"),  # in Japan, far from 都城市
    )
    resource = _upload(shelters, steward, data, "shelter.geojson")
    _run_queued()
    validation = selectors.validation_latest(resource=resource)
    assert validation.status == ValidationStatus.DONE
    assert validation.valid is False
    assert (validation.error_count, validation.warning_count, validation.rows) == (1, 1, 3)
    findings = selectors.validation_findings(validation, "ja")
    got = {(f.severity, f.row, f.column, f.code) for f in findings}
    assert got == {
        ("error", 2, "geometry.coordinates", "coordinates_swapped"),
        ("warning", 3, "geometry.coordinates", "position_outside_area"),
    }
    swapped = next(f for f in findings if f.code == "coordinates_swapped")
    assert swapped.message.startswith("地物2の")
    english = selectors.validation_findings(validation, "en")
    assert next(f for f in english if f.code == "coordinates_swapped").message.startswith(
        "Feature 2:"
    )
    assert validation.quality_score is not None


def test_broken_json_is_reported_with_its_line(shelters, steward):
    data = b'{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",}\n ]}'
    resource = _upload(shelters, steward, data, "shelter.geojson")
    _run_queued()
    validation = selectors.validation_latest(resource=resource)
    assert validation.status == ValidationStatus.DONE
    assert validation.valid is False and validation.quality_score == 0
    (finding,) = selectors.validation_findings(validation, "ja")
    assert finding.code == "json_syntax" and "3行目" in finding.message


def test_a_json_file_is_checked_as_geojson_when_its_format_says_so(shelters, steward):
    data = _geojson(_feature(2.35, 48.85, "Paris"))
    plain = _upload(shelters, steward, data, "points.json")
    assert not plain.is_checkable
    assert not Validation.all_tenants.filter(resource=plain).exists()
    geo = services.resource_create(
        municipality=shelters.municipality,
        actor=steward,
        dataset=shelters,
        upload=SimpleUploadedFile("points.json", data),
        format="GeoJSON",
    )
    assert geo.is_geojson
    _run_queued()
    validation = selectors.validation_latest(resource=geo)
    assert validation.valid is False
    assert [f.code for f in selectors.validation_findings(validation, "en")] == [
        "position_outside_japan"
    ]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ("ID,名称,緯度,経度\r\n1,市役所,31.719,131.061\r\n".encode(), "csv_text"),
        (b"shelters of Miyakonojo\n", "not_json"),
        ('{"type": "Point"}'.encode("utf-16"), "utf16_text"),
    ],
)
def test_a_geojson_that_is_not_json_is_refused_at_upload(shelters, steward, data, kind):
    assert filetypes.check_bytes("shelter.geojson", data).kind == kind
    with pytest.raises(Invalid) as caught:
        _upload(shelters, steward, data, "shelter.geojson")
    assert caught.value.code == "type_mismatch"
    assert str(filetypes.KIND_LABELS[kind]) in str(caught.value.message)
    assert _stored_files() == []
    assert not Resource.all_tenants.exists()
    assert not DBTaskResult.objects.exists()


def test_geojson_can_be_checked_again_but_not_repaired(shelters, steward, miyakonojo):
    resource = _upload(shelters, steward, _geojson(_feature(131.061, 31.719)), "s.geojson")
    again = services.resource_validate(municipality=miyakonojo, actor=steward, resource=resource)
    assert again.requested_schema == "geojson"
    assert Validation.all_tenants.filter(resource=resource).count() == 2
    with pytest.raises(Invalid) as caught:
        services.resource_repair(municipality=miyakonojo, actor=steward, resource=resource)
    assert caught.value.code == "not_tabular"


def test_the_resource_page_names_features_not_rows(client, shelters, steward, miyakonojo):
    data = _geojson(_feature(131.061, 31.719), _feature(31.719, 131.061))
    resource = _upload(shelters, steward, data, "shelter.geojson")
    _run_queued()
    client.force_login(steward)
    url = f"/m/{miyakonojo.lg_code}/catalog/dataset/{shelters.name}/resource/{resource.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200, url
    html = page.content.decode()
    assert "GeoJSON (RFC 7946)" in html
    assert '<th scope="col">Feature</th>' in html and '<th scope="col">Row</th>' not in html
    assert "geometry.coordinates" in html and "Feature 2:" in html
    assert "Check again" in html and "Make a corrected copy" not in html
    japanese = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<th scope="col">地物</th>' in japanese and "地物2の座標" in japanese
