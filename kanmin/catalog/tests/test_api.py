"""The catalog's REST API (/api/v1/m/{lg_code}/catalog/...): what anyone and what staff see,
checks and their findings in two languages, corrected copies, and who may ask for them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kanmin.catalog import quality, services
from kanmin.catalog.models import DatasetState, Resource, Validation, ValidationStatus
from kanmin.catalog.tests.helpers import aed_csv as _aed_csv
from kanmin.catalog.tests.helpers import run_queued_tasks as _run_queued
from kanmin.catalog.tests.helpers import upload as _upload
from kanmin.standards.tests.factories import aed_rows, csv_bytes

BASE = "/api/v1/m/452025/catalog"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _auth(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {secret}"}


@pytest.fixture
def aed(make_dataset, steward):
    dataset = make_dataset("aed", "AED設置箇所一覧", standard_dataset="aed", tags=["防災"])
    return dataset


@pytest.fixture
def checked(aed, steward):
    """A checked file of the published dataset with one wrong latitude (row 4)."""
    resource = _upload(aed, steward, _aed_csv({2: {"緯度": "北緯31度"}}))
    _run_queued()
    return resource


# --- reads: anonymous sees published only -------------------------------------------------


def test_anonymous_sees_published_datasets_only(client, make_dataset, aed):
    make_dataset("plan-draft", "計画（下書き）", state=DatasetState.DRAFT)
    make_dataset("hidden", "非公開", state=DatasetState.PRIVATE)
    response = client.get(f"{BASE}/datasets")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    assert [d["name"] for d in body["items"]] == ["aed"]
    assert client.get(f"{BASE}/datasets/plan-draft").status_code == 404
    assert client.get(f"{BASE}/datasets/hidden").status_code == 404
    assert client.get(f"{BASE}/datasets/plan-draft/activity").status_code == 404
    assert client.get(f"{BASE}/datasets/aed").status_code == 200


def test_staff_of_the_municipality_also_see_drafts(
    client, make_dataset, aed, steward, other_steward, token_for, miyakonojo
):
    draft = make_dataset("plan-draft", "計画（下書き）", state=DatasetState.DRAFT)
    headers = _auth(token_for(steward, miyakonojo))
    listed = client.get(f"{BASE}/datasets", **headers).json()
    assert {d["name"] for d in listed["items"]} == {"aed", "plan-draft"}
    shown = client.get(f"{BASE}/datasets/plan-draft", **headers)
    assert shown.status_code == 200
    assert shown.json()["state"] == "draft"
    assert shown.json()["id"] == str(draft.pk)
    # Signed in to another municipality: that municipality's staff, not this one's.
    client.force_login(other_steward)
    assert client.get(f"{BASE}/datasets/plan-draft").status_code == 404
    assert [d["name"] for d in client.get(f"{BASE}/datasets").json()["items"]] == ["aed"]
    client.force_login(steward)
    assert client.get(f"{BASE}/datasets/plan-draft").status_code == 200


def test_a_token_of_another_municipality_is_refused_not_read_as_anonymous(
    client, aed, other_steward, token_for, miyazaki
):
    headers = _auth(token_for(other_steward, miyazaki))
    assert client.get(f"{BASE}/datasets", **headers).status_code == 401
    assert client.get(f"{BASE}/datasets/aed", **headers).status_code == 401
    assert client.get("/api/v1/m/452017/catalog/datasets", **headers).status_code == 200


def test_an_unknown_municipality_is_not_found(client, miyakonojo):
    assert client.get("/api/v1/m/999999/catalog/datasets").status_code == 404


def test_search_filters_and_pages(client, make_dataset, org, miyakonojo, aed):
    other_org = services.organization_create(
        municipality=miyakonojo, actor=None, name="bosai", title_ja="危機管理課"
    )
    make_dataset("shelters", "避難所一覧", organization=other_org, tags=["防災", "避難"])
    make_dataset("toilets", "公衆トイレ一覧", standard_dataset="public_toilet")

    def names(**params: Any) -> list[str]:
        response = client.get(f"{BASE}/datasets", params)
        assert response.status_code == 200, response.content
        return sorted(d["name"] for d in response.json()["items"])

    assert names(organization="bosai") == ["shelters"]
    assert names(tag="防災") == ["aed", "shelters"]
    assert names(tag=["防災", "避難"]) == ["shelters"]
    assert names(standard_dataset="aed") == ["aed"]
    assert names(q="トイレ") == ["toilets"]
    page = client.get(f"{BASE}/datasets", {"limit": 2, "offset": 2, "sort": "name asc"}).json()
    assert page["count"] == 3
    assert [d["name"] for d in page["items"]] == ["toilets"]
    assert client.get(f"{BASE}/datasets", {"sort": "nonsense"}).status_code == 400
    assert client.get(f"{BASE}/datasets", {"quality": "great"}).status_code == 422


def test_search_by_quality_band(client, make_dataset, aed, steward):
    _upload(aed, steward, _aed_csv({0: {"緯度": "x"}, 1: {"経度": "y"}}))
    _run_queued()
    make_dataset("unchecked", "未検査")
    aed.refresh_from_db()
    assert aed.quality_score is not None
    band = quality.band(aed.quality_score)
    by_band = {
        key: [d["name"] for d in client.get(f"{BASE}/datasets", {"quality": key}).json()["items"]]
        for key in ("high", "good", "low", "none")
    }
    assert by_band["none"] == ["unchecked"]
    assert by_band[band] == ["aed"]
    assert sum(len(v) for v in by_band.values()) == 2
    listed = client.get(f"{BASE}/datasets", {"q": "AED"}).json()["items"][0]
    assert listed["quality_score"] == aed.quality_score
    assert listed["quality_band"] == band
    assert listed["resources"][0]["quality_score"] == aed.quality_score


def test_a_dataset_shows_its_files_with_absolute_download_addresses(client, aed, checked):
    body = client.get(f"{BASE}/datasets/aed").json()
    assert body["title_ja"] == "AED設置箇所一覧"
    assert body["tags"] == ["防災"]
    assert body["organization"]["name"] == "johoseisaku"
    [resource] = body["resources"]
    checked.refresh_from_db()
    assert resource["id"] == str(checked.pk)
    assert resource["quality_score"] == checked.quality_score is not None
    assert resource["repaired_from"] is None
    url = resource["download_url"]
    assert url.startswith("http://testserver/")
    download = client.get(url.removeprefix("http://testserver"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == _aed_csv({2: {"緯度": "北緯31度"}})


def test_activity_names_the_actor_for_staff_only(client, aed, checked, steward):
    anonymous = client.get(f"{BASE}/datasets/aed/activity").json()
    actions = {e["action"] for e in anonymous}
    assert {"catalog.dataset.create", "catalog.resource.create"} <= actions
    assert all(e["actor"] is None for e in anonymous)
    assert all(e["label"] for e in anonymous)
    client.force_login(steward)
    staff = client.get(f"{BASE}/datasets/aed/activity").json()
    assert "steward" in {e["actor"] for e in staff}
    assert len(staff) == len(anonymous)


# --- validation reports ------------------------------------------------------------------


def test_the_latest_check_with_findings_in_japanese_and_english(client, checked):
    ja = client.get(f"{BASE}/resources/{checked.pk}/validation", {"lang": "ja"})
    en = client.get(f"{BASE}/resources/{checked.pk}/validation", {"lang": "en"})
    assert ja.status_code == en.status_code == 200, ja.content
    ja_body, en_body = ja.json(), en.json()
    validation = Validation.all_tenants.get(resource=checked)
    assert ja_body["id"] == en_body["id"] == str(validation.pk)
    assert ja_body["status"] == ValidationStatus.DONE
    assert ja_body["percent"] == 100
    assert ja_body["valid"] is False
    assert ja_body["rows"] == validation.rows
    assert ja_body["schema_found"] == "aed"
    assert ja_body["error_count"] == validation.error_count > 0
    assert ja_body["quality_score"] == validation.quality_score
    assert set(ja_body["quality_breakdown"]) == set(validation.quality_breakdown)
    wrong = [f for f in ja_body["findings"] if f["column"] == "緯度" and f["severity"] == "error"]
    assert [(f["row"], f["value"]) for f in wrong] == [(4, "北緯31度")]
    assert ja_body["lang"] == "ja"
    assert en_body["lang"] == "en"
    assert len(ja_body["findings"]) == len(en_body["findings"])
    for ja_f, en_f in zip(ja_body["findings"], en_body["findings"], strict=True):
        assert (ja_f["code"], ja_f["row"], ja_f["column"]) == (
            en_f["code"],
            en_f["row"],
            en_f["column"],
        )
        assert JAPANESE.search(ja_f["message"])
        assert ja_f["message"] != en_f["message"]
    assert not any(
        JAPANESE.search(f["message"].replace(f["value"] or "", "").replace(f["column"] or "", ""))
        for f in en_body["findings"]
    )


def test_findings_default_to_the_request_language(client, checked):
    en = client.get(f"{BASE}/resources/{checked.pk}/validation", HTTP_ACCEPT_LANGUAGE="en")
    ja = client.get(f"{BASE}/resources/{checked.pk}/validation", HTTP_ACCEPT_LANGUAGE="ja")
    assert en.json()["lang"] == "en"
    assert ja.json()["lang"] == "ja"
    assert en.json()["findings"][0]["message"] != ja.json()["findings"][0]["message"]


def test_a_check_by_id_and_the_ones_that_are_not_there(client, aed, checked, steward):
    other = _upload(aed, steward, _aed_csv(), "good.csv")
    first = Validation.all_tenants.get(resource=checked)
    by_id = client.get(f"{BASE}/resources/{checked.pk}/validations/{first.pk}")
    assert by_id.status_code == 200
    assert by_id.json()["id"] == str(first.pk)
    other_check = Validation.all_tenants.get(resource=other)
    assert (
        client.get(f"{BASE}/resources/{checked.pk}/validations/{other_check.pk}").status_code == 404
    )
    link = services.resource_create(
        municipality=aed.municipality, actor=steward, dataset=aed, url="https://example.jp/a.csv"
    )
    missing = client.get(f"{BASE}/resources/{link.pk}/validation")
    assert missing.status_code == 404
    assert missing.json()["code"] == "no_validation"
    queued = client.get(f"{BASE}/resources/{other.pk}/validation").json()
    assert queued["status"] == ValidationStatus.QUEUED
    assert queued["finished"] is False
    assert queued["findings"] == []


def test_the_files_of_a_draft_are_hidden_from_anonymous(
    client, make_dataset, steward, token_for, miyakonojo
):
    draft = make_dataset("draft-aed", "AED（下書き）", state=DatasetState.DRAFT)
    resource = _upload(draft, steward, _aed_csv())
    assert client.get(f"{BASE}/resources/{resource.pk}/validation").status_code == 404
    headers = _auth(token_for(steward, miyakonojo))
    assert client.get(f"{BASE}/resources/{resource.pk}/validation", **headers).status_code == 200


# --- writes: check again, corrected copy --------------------------------------------------


def test_checking_again_needs_a_token_or_session_of_the_municipality(
    client, checked, steward, other_steward, make_user, token_for, miyakonojo, miyazaki
):
    url = f"{BASE}/resources/{checked.pk}/validate"
    before = Validation.all_tenants.filter(resource=checked).count()
    assert client.post(url).status_code == 401
    other = _auth(token_for(other_steward, miyazaki))
    assert client.post(url, **other).status_code == 401
    # Its own municipality's address, another municipality's file: not found there.
    elsewhere = f"/api/v1/m/452017/catalog/resources/{checked.pk}/validate"
    assert client.post(elsewhere, **other).status_code == 404
    clerk = make_user("clerk", "department_staff", miyakonojo)
    refused = client.post(url, **_auth(token_for(clerk, miyakonojo)))
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert Validation.all_tenants.filter(resource=checked).count() == before

    response = client.post(url, **_auth(token_for(steward, miyakonojo)))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == ValidationStatus.QUEUED
    assert body["resource_id"] == str(checked.pk)
    assert Validation.all_tenants.filter(resource=checked).count() == before + 1
    latest = client.get(f"{BASE}/resources/{checked.pk}/validation").json()
    assert latest["id"] == body["id"]
    client.force_login(steward)
    assert client.post(url).status_code == 202


def test_only_tables_can_be_checked(client, aed, steward, token_for, miyakonojo):
    pdf = _upload(aed, steward, b"%PDF-1.7\n", "leaflet.pdf")
    response = client.post(
        f"{BASE}/resources/{pdf.pk}/validate", **_auth(token_for(steward, miyakonojo))
    )
    assert response.status_code == 422
    assert response.json()["code"] == "not_tabular"


def test_a_corrected_copy_points_to_its_original(
    client, aed, steward, other_steward, token_for, miyakonojo, miyazaki
):
    header, rows = aed_rows(4)
    rows[1][header.index("緯度")] = "３１．７２"
    original = _upload(aed, steward, csv_bytes(header, rows, encoding="cp932"))
    _run_queued()
    url = f"{BASE}/resources/{original.pk}/repair"
    assert client.post(url).status_code == 401
    assert client.post(url, **_auth(token_for(other_steward, miyazaki))).status_code == 401
    assert Resource.all_tenants.count() == 1

    response = client.post(url, **_auth(token_for(steward, miyakonojo)))
    assert response.status_code == 201, response.content
    body = response.json()
    copy = Resource.all_tenants.get(pk=body["id"])
    assert copy.repaired_from_id == original.pk
    assert body["repaired_from"] == str(original.pk)
    assert body["format"] == "CSV"
    assert body["repair_log_url"].startswith("http://testserver/")
    assert body["download_url"].startswith("http://testserver/")
    shown = client.get(f"{BASE}/datasets/aed").json()["resources"]
    assert {r["id"]: r["repaired_from"] for r in shown} == {
        str(original.pk): None,
        str(copy.pk): str(original.pk),
    }
    _run_queued()
    after = client.get(f"{BASE}/resources/{copy.pk}/validation").json()
    before = client.get(f"{BASE}/resources/{original.pk}/validation").json()
    assert after["error_count"] < before["error_count"]


# --- OpenAPI -----------------------------------------------------------------------------


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if "$ref" in node:
            found.add(node["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _untyped_objects(name: str, node: Any) -> list[str]:
    """Places where a schema is an object with neither properties nor typed values."""
    bad: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" not in node:
            extra = node.get("additionalProperties")
            if not isinstance(extra, dict) or not extra:
                bad.append(name)
        for key, value in node.items():
            bad += _untyped_objects(f"{name}.{key}", value)
    elif isinstance(node, list):
        for value in node:
            bad += _untyped_objects(name, value)
    return bad


def test_openapi_lists_the_catalog_paths_with_typed_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    expected = {
        ("get", "/datasets"): ("200", "DatasetListOut"),
        ("get", "/datasets/{name}"): ("200", "DatasetOut"),
        ("get", "/datasets/{name}/activity"): ("200", "ActivityOut"),
        ("get", "/resources/{id}/validation"): ("200", "ValidationOut"),
        ("get", "/resources/{id}/validations/{validation_id}"): ("200", "ValidationOut"),
        ("post", "/resources/{id}/validate"): ("202", "ValidationOut"),
        ("post", "/resources/{id}/repair"): ("201", "ResourceOut"),
    }
    schemas = spec["components"]["schemas"]
    for (method, path), (status, schema) in expected.items():
        operation = spec["paths"]["/api/v1/m/{lg_code}/catalog" + path][method]
        ok = operation["responses"][status]["content"]["application/json"]["schema"]
        assert schema in _refs(ok), (path, ok)
        assert "ErrorOut" in _refs(operation["responses"]["404"])
        if method == "post":
            assert {"401", "403", "422"} <= set(operation["responses"])
            assert operation.get("security"), path
    catalog_schemas = {
        "DatasetListOut",
        "DatasetOut",
        "ActivityOut",
        "ValidationOut",
        "ResourceOut",
    }
    reachable: set[str] = set()
    todo = set(catalog_schemas)
    while todo:
        name = todo.pop()
        reachable.add(name)
        todo |= _refs(schemas[name]) - reachable
    assert {"FindingOut", "ResourceSummaryOut", "OrganizationRef"} <= reachable
    for name in reachable:
        assert not _untyped_objects(name, schemas[name]), name
    breakdown = schemas["ValidationOut"]["properties"]["quality_breakdown"]
    assert breakdown["additionalProperties"]["type"] == "number"
