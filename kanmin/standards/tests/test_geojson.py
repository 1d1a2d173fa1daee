"""GeoJSON checks (RFC 7946): what cannot be read is refused with the reason, each finding
names its feature and the place inside it, and the CLI picks the check by the file name."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from kanmin.demo import catalog_rows
from kanmin.demo.data import MUNICIPALITY_AREA
from kanmin.standards import quality
from kanmin.standards.checks import Area
from kanmin.standards.geojson import validate_geojson
from kanmin.standards.messages import MESSAGES

MIYAKONOJO = Area(*MUNICIPALITY_AREA)
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
CITY_HALL = [131.061, 31.719]  # 都城市役所, longitude first


def _point(coordinates: Any = CITY_HALL, **members: Any) -> dict[str, Any]:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": coordinates},
        "properties": {"名称": "都城市役所"},
    }
    feature.update(members)
    return feature


def _square(lon: float = 131.0, lat: float = 31.7, size: float = 0.01) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def _collection(*features: Any, **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **members}


def _check(doc: Any, **kwargs: Any):
    data = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode()
    return validate_geojson(io.BytesIO(data), **kwargs)


def _found(report) -> set[tuple[int | None, str | None, str]]:
    return {(i.row, i.column, i.code) for i in [*report.errors, *report.warnings]}


def _messages_are_complete(report) -> None:
    """Every finding has a message in both languages, with every placeholder filled."""
    for issue in [*report.errors, *report.warnings, *([report.fatal] if report.fatal else [])]:
        assert issue.code in MESSAGES, issue.code
        for lang in ("ja", "en"):
            text = issue.message(lang)
            assert text and not _PLACEHOLDER.search(text), (issue.code, lang, text)


# --- valid files -------------------------------------------------------------------------


def test_the_demo_shelters_are_valid_and_inside_the_city():
    data = catalog_rows.shelters_geojson()
    report = validate_geojson(io.BytesIO(data), area=MIYAKONOJO)
    assert report.valid and report.exit_status == 0, report.to_text()
    assert report.warning_count == 0, report.to_text()
    assert report.rows == len(json.loads(data)["features"]) > 0
    assert report.schema == "geojson" and report.encoding == "utf-8"
    assert report.file_format == "geojson"


def test_every_geometry_type_written_correctly_is_valid(tmp_path):
    line = [[131.0, 31.7], [131.01, 31.71]]
    geometries = [
        {"type": "Point", "coordinates": [131.0, 31.7, 152.5]},  # with height
        {"type": "MultiPoint", "coordinates": line},
        {"type": "LineString", "coordinates": line},
        {"type": "MultiLineString", "coordinates": [line, line]},
        {"type": "Polygon", "coordinates": [_square(), _square(131.002, 31.702, 0.001)]},
        {"type": "MultiPolygon", "coordinates": [[_square()], [_square(131.1)]]},
        {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": line[0]}]},
        {"type": "Polygon", "coordinates": []},  # an empty geometry is allowed (§3.1)
    ]
    features = [
        {"type": "Feature", "id": n, "geometry": g, "properties": None}
        for n, g in enumerate(geometries)
    ]
    features.append({"type": "Feature", "geometry": None, "properties": {"名称": "位置なし"}})
    path = tmp_path / "shapes.geojson"
    path.write_text(json.dumps(_collection(*features)), encoding="utf-8")
    report = validate_geojson(path, area=MIYAKONOJO)
    assert report.valid and report.warning_count == 0, report.to_text()
    assert report.rows == len(features)


def test_a_single_feature_or_a_bare_geometry_is_geojson_too():
    feature = _check(_point())
    assert feature.valid and feature.rows == 1
    geometry = _check({"type": "Point", "coordinates": [31.719, 131.061]})
    assert geometry.rows == 0
    (issue,) = geometry.errors
    assert (issue.row, issue.column, issue.code) == (None, "coordinates", "coordinates_swapped")
    assert "ジオメトリ" in issue.message("ja")


# --- findings: feature number and place ---------------------------------------------------


def test_each_kind_of_error_names_its_feature_and_place():
    features = [
        _point(),  # 1: fine
        _point(type="feature"),  # 2
        {"type": "Feature", "properties": {}},  # 3: no geometry
        {"type": "Feature", "geometry": None},  # 4: no properties
        _point(properties=["名称"]),  # 5
        _point(geometry={"type": "point", "coordinates": CITY_HALL}),  # 6
        {"type": "Feature", "geometry": {"type": "Point"}, "properties": None},  # 7
        _point(coordinates=[[131.0, 31.7]]),  # 8: one level too deep for a Point
        {  # 9: a LineString written like a Point
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": CITY_HALL},
            "properties": None,
        },
        {  # 10: a line of one point
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [CITY_HALL]},
            "properties": None,
        },
        {  # 11: second ring has three positions; first ring not closed
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[*_square()[:-1], [131.0, 31.705]], _square()[:3]],
            },
            "properties": None,
        },
        {  # 12: numbers in quotes, then four numbers in one position
            "type": "Feature",
            "geometry": {
                "type": "MultiPoint",
                "coordinates": [CITY_HALL, ["131.0", "31.7"], [131.0, 31.7, 0, 1]],
            },
            "properties": None,
        },
        _point(coordinates=[2.35, 48.85]),  # 13: Paris
        _point(coordinates=[13106.1, 3171.9]),  # 14: not degrees
        _point(id={"n": 1}),  # 15
        "shelter",  # 16
        _point(geometry="POINT(131.061 31.719)"),  # 17
        {  # 18: a GeometryCollection without "geometries"
            "type": "Feature",
            "geometry": {"type": "GeometryCollection"},
            "properties": None,
        },
    ]
    report = _check(_collection(*features))
    expected = {
        (2, "type", "feature_type"),
        (3, "geometry", "geometry_missing"),
        (4, "properties", "properties_missing"),
        (5, "properties", "properties_type"),
        (6, "geometry.type", "geometry_type"),
        (7, "geometry.coordinates", "coordinates_missing"),
        (8, "geometry.coordinates", "coordinates_nesting"),
        (9, "geometry.coordinates[0]", "coordinates_nesting"),
        (10, "geometry.coordinates", "line_too_short"),
        (11, "geometry.coordinates[0]", "ring_not_closed"),
        (11, "geometry.coordinates[1]", "ring_too_short"),
        (12, "geometry.coordinates[1]", "position_invalid"),
        (13, "geometry.coordinates", "position_outside_japan"),
        (14, "geometry.coordinates", "position_range"),
        (15, "id", "feature_id"),
        (16, None, "feature_not_object"),
        (17, "geometry", "geometry_not_object"),
        (18, "geometry.geometries", "geometries_missing"),
    }
    assert _found(report) == expected
    assert report.rows == len(features)
    assert report.error_count == len(expected) and not report.warnings
    assert report.exit_status == 1
    by_code = {i.code: i for i in report.errors}
    assert by_code["feature_type"].message("ja").startswith("地物2の")
    assert by_code["feature_type"].message("en").startswith("Feature 2:")
    assert "「Point」と書いてください" in by_code["geometry_type"].message("ja")
    # The other bad position of feature 12 is counted in the first one's message.
    assert by_code["position_invalid"].params["more_count"] == 1
    assert "ほかに1か所" in by_code["position_invalid"].message("ja")
    _messages_are_complete(report)


def test_swapped_coordinates_are_named_with_the_fix():
    swapped = list(reversed(CITY_HALL))
    report = _check(_collection(_point(), _point(coordinates=swapped)))
    (issue,) = report.errors
    assert (issue.row, issue.column, issue.code) == (
        2,
        "geometry.coordinates",
        "coordinates_swapped",
    )
    assert issue.value == "[31.719, 131.061]"
    assert "[131.061, 31.719]" in issue.message("ja")
    assert "[131.061, 31.719]" in issue.message("en")


def test_a_polygon_drawn_swapped_gives_one_finding_with_the_count():
    ring = [[lat, lon] for lon, lat in _square()]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    report = _check(_collection({"type": "Feature", "geometry": polygon, "properties": None}))
    (issue,) = report.errors
    assert (issue.row, issue.column, issue.code) == (
        1,
        "geometry.coordinates[0][0]",
        "coordinates_swapped",
    )
    assert issue.params["more_count"] == len(ring) - 1
    assert report.error_count == 1


def test_points_outside_the_municipality_are_warned_only_with_its_area():
    tokyo_station = [139.767, 35.681]
    doc = _collection(_point(), _point(coordinates=tokyo_station))
    boxed = _check(doc, area=MIYAKONOJO)
    assert boxed.valid
    (warning,) = boxed.warnings
    assert (warning.row, warning.column, warning.code) == (
        2,
        "geometry.coordinates",
        "position_outside_area",
    )
    assert "130.85〜131.3" in warning.message("ja")
    assert not _check(doc).warnings


def test_a_crs_member_is_warned_wherever_it_is():
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6668"}}
    report = _check(_collection(_point(), _point(crs=crs), crs=crs))
    assert report.valid
    assert _found(report) == {(None, "crs", "crs_member"), (2, "crs", "crs_member")}


def test_an_empty_collection_and_a_collection_without_features():
    empty = _check(_collection())
    assert empty.valid and empty.rows == 0
    assert [w.code for w in empty.warnings] == ["no_features"]
    missing = _check({"type": "FeatureCollection"})
    assert [(e.row, e.column, e.code) for e in missing.errors] == [
        (None, "features", "features_missing")
    ]


def test_nested_geometry_collections_are_warned_and_still_checked():
    inner = {
        "type": "GeometryCollection",
        "geometries": [{"type": "Point", "coordinates": [2, 48]}],
    }
    outer = {"type": "GeometryCollection", "geometries": [inner]}
    doc = _collection({"type": "Feature", "geometry": outer, "properties": None})
    report = _check(doc)
    assert _found(report) == {
        (1, "geometry.geometries[0]", "nested_geometry_collection"),
        (1, "geometry.geometries[0].geometries[0].coordinates", "position_outside_japan"),
    }


def test_max_errors_keeps_the_first_findings_and_counts_all():
    features = [_point(coordinates=[2.35, 48.85]) for _ in range(30)]
    report = _check(_collection(*features), max_errors=5)
    assert report.error_count == 30
    assert [e.row for e in report.errors] == [1, 2, 3, 4, 5]
    assert "30" in report.to_text()


# --- files that cannot be read ------------------------------------------------------------


def _fatal(data: bytes) -> Any:
    report = validate_geojson(io.BytesIO(data))
    assert report.exit_status == 2 and not report.readable and report.rows == 0
    _messages_are_complete(report)
    return report.fatal


def test_broken_json_gives_the_line_and_column():
    lines = [
        "{",
        '  "type": "FeatureCollection",',
        '  "features": [',
        '    {"type": "Feature" "geometry": null, "properties": null}',  # a comma is missing
        "  ]",
        "}",
    ]
    fatal = _fatal("\n".join(lines).encode())
    assert fatal.code == "json_syntax"
    assert fatal.params["line"] == 4
    assert fatal.params["col"] == lines[3].index('"geometry"') + 1
    assert "4行目" in fatal.message("ja") and "カンマ" in fatal.message("ja")
    assert "line 4" in fatal.message("en")


def test_nan_is_not_json_and_its_place_is_given():
    text = '{"type": "Point",\n "note": "NaN in a string is fine",\n "coordinates": [NaN, 31.7]}'
    fatal = _fatal(text.encode())
    assert fatal.code == "json_constant"
    assert (fatal.params["line"], fatal.params["value"]) == (3, "NaN")
    assert fatal.params["col"] == text.splitlines()[2].index("NaN") + 1


def test_a_csv_renamed_geojson_is_refused(tmp_path):
    path = tmp_path / "452025_shelter.geojson"
    path.write_bytes("ID,名称,緯度,経度\r\n1,都城市役所,31.719,131.061\r\n".encode())
    report = validate_geojson(path)
    assert report.exit_status == 2
    assert report.fatal is not None and report.fatal.code == "geojson_not_json"
    assert "CSV" in report.fatal.message("ja") and "CSV" in report.fatal.message("en")


@pytest.mark.parametrize(
    ("data", "code", "named"),
    [
        (b"", "geojson_empty", ""),
        (b" \r\n", "geojson_empty", ""),
        ('{"名称": "都城"}'.encode("cp932"), "geojson_encoding", "Shift_JIS"),
        ('{"type": "Point"}'.encode("utf-16"), "geojson_encoding", "UTF-16"),
        (b"%PDF-1.7\n" + bytes(range(256)), "geojson_binary", "PDF"),
        (b"<!DOCTYPE html><html></html>", "geojson_not_json", "HTML"),
        (b"[1, 2]", "not_geojson", ""),
        (b'{"type": "Topology", "objects": {}}', "not_geojson", "TopoJSON"),
        (b'{"features": []}', "not_geojson", '"type"'),
        (b'{"x": ' + b"1" * 5000 + b"}", "json_number_too_long", ""),
    ],
)
def test_what_cannot_be_read_says_what_it_looks_like(data, code, named):
    fatal = _fatal(data)
    assert fatal.code == code
    assert named in fatal.message("ja") and named in fatal.message("en")


def test_a_bom_is_warned_but_read():
    report = _check(b"\xef\xbb\xbf" + json.dumps(_collection(_point())).encode())
    assert report.valid and report.encoding == "utf-8-sig"
    assert [w.code for w in report.warnings] == ["geojson_bom"]


def test_a_missing_file_is_reported():
    report = validate_geojson(Path("/nonexistent/shelter.geojson"))
    assert report.fatal is not None and report.fatal.code == "file_not_found"


# --- size and depth -----------------------------------------------------------------------


def test_deep_nesting_is_refused_not_crashed():
    fatal = _fatal(b'{"type": "Point", "coordinates": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    assert fatal.code == "json_too_deep"


def test_collections_nested_past_the_limit_stop_with_an_error():
    geometry: dict[str, Any] = {"type": "Point", "coordinates": CITY_HALL}
    for _ in range(50):
        geometry = {"type": "GeometryCollection", "geometries": [geometry]}
    report = _check(_collection({"type": "Feature", "geometry": geometry, "properties": None}))
    assert {e.code for e in report.errors} == {"geometry_too_deep"}


def test_a_big_file_is_checked_and_a_too_big_one_refused():
    ring = [[131.0 + i * 0.0001, 31.7 + (i % 7) * 0.0001] for i in range(199)]
    ring.append(ring[0])
    shape = {"type": "MultiPolygon", "coordinates": [[ring]] * 3}
    features = [{"type": "Feature", "geometry": shape, "properties": {"n": n}} for n in range(400)]
    data = json.dumps(_collection(*features)).encode()
    report = validate_geojson(io.BytesIO(data), area=MIYAKONOJO)
    assert report.valid and report.rows == 400
    refused = validate_geojson(io.BytesIO(data), max_bytes=len(data) - 1)
    assert refused.fatal is not None and refused.fatal.code == "geojson_too_large"


def test_the_quality_score_of_a_geojson_report():
    good = quality.score(_check(_collection(_point(), _point())))
    bad = quality.score(_check(_collection(_point(), _point(coordinates=[2.35, 48.85]))))
    unreadable = quality.score(_check(b"ID,name\n"))
    assert good.stars == bad.stars == 3 and unreadable.score == 0
    assert good.score > bad.score > unreadable.score


# --- the CLI ------------------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("standards_validate", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return int(exc.value.code or 0), out.getvalue()


def test_cli_checks_geojson_by_its_extension(tmp_path):
    good = tmp_path / "452025_shelter.geojson"
    good.write_bytes(catalog_rows.shelters_geojson())
    status, out = _run(str(good))
    assert status == 0 and "適合しています" in out and "地物の数" in out
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(_collection(_point(), _point(coordinates=[31.719, 131.061]))))
    status, out = _run(str(bad), "--format", "json")
    data = json.loads(out)
    assert status == 1 and data["schema"] == "geojson" and data["rows"] == 2
    (error,) = data["errors"]
    assert (error["row"], error["column"], error["code"]) == (
        2,
        "geometry.coordinates",
        "coordinates_swapped",
    )
    status, out = _run(str(bad), "--lang", "en")
    assert status == 1 and "feature 2" in out and "row 2" not in out
    tokyo = tmp_path / "tokyo.geojson"
    tokyo.write_text(json.dumps(_collection(_point(coordinates=[139.767, 35.681]))))
    status, out = _run(str(tokyo), "--area=31.5,130.85,32.0,131.3", "--format", "json")
    assert status == 0
    assert [w["code"] for w in json.loads(out)["warnings"]] == ["position_outside_area"]
    csv_named = tmp_path / "shelter.geojson"
    csv_named.write_bytes(b"ID,name\n1,a\n")
    status, out = _run(str(csv_named), "--format", "json")
    assert status == 2 and json.loads(out)["errors"][0]["code"] == "geojson_not_json"


def test_cli_checks_a_json_file_as_geojson_only_when_it_is(tmp_path):
    geo = tmp_path / "shelter.json"
    geo.write_text(json.dumps(_collection(_point(coordinates=[2.35, 48.85]))))
    status, out = _run(str(geo), "--format", "json")
    assert status == 1 and json.loads(out)["schema"] == "geojson"
    other = tmp_path / "settings.json"
    other.write_text(json.dumps([{"ID": "1"}]))
    status, out = _run(str(other), "--format", "json")
    assert json.loads(out)["schema"] != "geojson"
