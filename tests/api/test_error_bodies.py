"""Every error of the REST API has the one body {code, message, fields}, whoever answers it:
our services, the framework (authentication, CSRF, validation) or Django around it (405, an
address that does not exist)."""

from __future__ import annotations

from typing import Any

import pytest


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert body["message"]
    return body


@pytest.mark.django_db
def test_a_bad_token_on_a_public_read_is_401_with_the_error_body(client, miyakonojo):
    response = client.get(
        "/api/v1/m/452025/catalog/datasets", HTTP_AUTHORIZATION="Token not-a-token"
    )
    _error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_write_without_a_token_is_401_with_the_error_body(client, miyakonojo):
    response = client.post(
        "/api/v1/m/452025/departments", {"code": "x"}, content_type="application/json"
    )
    _error(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_a_signed_in_write_without_csrf_is_403_with_the_error_body(miyakonojo, make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("clerk", "data_steward", miyakonojo))
    response = client.post(
        "/api/v1/m/452025/departments", {"code": "x"}, content_type="application/json"
    )
    _error(response, 403, "csrf_failed")


@pytest.mark.django_db
def test_invalid_parameters_are_422_naming_the_field(client, miyakonojo):
    response = client.get("/api/v1/m/452025/catalog/datasets?limit=-1")
    body = _error(response, 422, "invalid")
    assert list(body["fields"]) == ["limit"]


@pytest.mark.django_db
def test_a_date_must_be_iso(client, miyakonojo):
    body = _error(client.get("/api/v1/m/452025/counter/stats?to=0"), 422, "invalid")
    assert list(body["fields"]) == ["to"]


@pytest.mark.django_db
def test_a_method_the_address_does_not_take_is_405_with_allow(client):
    response = client.delete("/api/v1/municipalities")
    _error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_an_unknown_address_is_404_with_the_error_body(client, settings):
    settings.DEBUG = False
    _error(client.get("/api/v1/no-such-thing"), 404, "not_found")


@pytest.mark.django_db
def test_an_unknown_municipality_is_404_with_the_error_body(client):
    _error(client.get("/api/v1/m/999999/catalog/datasets"), 404, "not_found")


def test_the_document_says_public_reads_need_no_token() -> None:
    from kanmin.api import api

    document = api.get_openapi_schema()
    datasets = document["paths"]["/api/v1/m/{lg_code}/catalog/datasets"]["get"]
    assert {} in datasets["security"]
    assert {401, 404, 422} <= set(datasets["responses"])
    validate = document["paths"]["/api/v1/m/{lg_code}/catalog/resources/{id}/validate"]["post"]
    assert {} not in validate["security"]
    for status in (401, 403, 404, 422):
        content = validate["responses"][status]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


@pytest.mark.django_db
def test_a_nul_character_is_refused_before_the_database(client, miyakonojo, make_user):
    # PostgreSQL cannot store or compare text with a NUL: every way in refuses it first.
    body = _error(client.get("/api/v1/m/452025/catalog/datasets?q=a%00b"), 422, "invalid")
    assert list(body["fields"]) == ["q"]
    page = client.get("/m/452025/catalog/?q=%00")
    assert page.status_code == 400
    assert "NUL" in page.content.decode()
    from kanmin.accounts import services as accounts_services

    steward = make_user("steward", "data_steward", miyakonojo)
    _made, token = accounts_services.api_token_create(
        municipality=miyakonojo, actor=steward, name="nul"
    )
    write = client.post(
        "/api/v1/m/452025/departments",
        data='{"code": "a\\u0000", "name": "x"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    _error(write, 400, "bad_request")
    ckan = client.get("/api/3/action/package_search?q=%00")
    # CKAN answers a request it cannot read with a JSON string, not its envelope.
    assert ckan.status_code == 400 and "NUL" in ckan.json()
    ckan_post = client.post(
        "/m/452025/api/3/action/package_show",
        data='{"id": "\\u0000"}',
        content_type="application/json",
    )
    assert ckan_post.status_code == 400 and "NUL" in ckan_post.json()
