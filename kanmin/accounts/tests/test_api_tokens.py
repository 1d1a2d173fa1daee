"""One authentication of API tokens for both APIs (REST and CKAN), each answering a refusal in
its own shape."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from kanmin.accounts import services
from kanmin.accounts.models import ApiToken
from kanmin.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db

REST = "/api/v1/m/452025/departments"
CKAN_WRITE = "/m/452025/api/3/action/package_create"


@pytest.fixture
def steward(make_user, miyakonojo):
    return make_user("steward", "data_steward", miyakonojo)


@pytest.fixture
def issued(steward, miyakonojo):
    return services.api_token_create(municipality=miyakonojo, actor=steward, name="harvest")


@pytest.mark.parametrize("form", ["{}", "Token {}", "Bearer {}", "  {}  "])
def test_a_live_token_is_found_in_each_form_and_its_use_noted(issued, form):
    token, secret = issued
    found = services.api_token_authenticate(credential=form.format(secret))
    assert found.pk == token.pk and found.user.username == "steward"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_municipality_is_checked_when_given(issued):
    token, secret = issued
    found = services.api_token_authenticate(credential=secret, municipality_code="452025")
    assert found.pk == token.pk
    with pytest.raises(PermissionDenied):
        services.api_token_authenticate(credential=secret, municipality_code="452017")


def _refusals(secret: str) -> list[str]:
    refused = []
    for code in (None, "452025"):
        try:
            services.api_token_authenticate(credential=secret, municipality_code=code)
        except PermissionDenied as exc:
            refused.append(exc.code)
    return refused


def test_revoked_expired_unknown_and_inactive_are_refused_and_not_noted(issued, steward):
    token, secret = issued
    assert _refusals("Token not-a-token") == ["token_invalid", "token_invalid"]
    assert _refusals("") == ["token_invalid", "token_invalid"]

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert len(_refusals(secret)) == 2
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, revoked_at=timezone.now())
    assert len(_refusals(secret)) == 2
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
    steward.is_active = False
    steward.save(update_fields=["is_active"])
    assert len(_refusals(secret)) == 2
    token.refresh_from_db()
    assert token.last_used_at is None


def _ckan_write(client, secret):
    return client.post(
        CKAN_WRITE,
        data=json.dumps({"name": "x1", "owner_org": "no-such-org"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=secret,
    )


def test_each_api_refuses_an_inactive_users_token_in_its_own_shape(client, issued, steward):
    _token, secret = issued
    assert client.get(REST, HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200
    assert _ckan_write(client, secret).json()["error"]["__type"] != "Authorization Error"
    steward.is_active = False
    steward.save(update_fields=["is_active"])
    assert client.get(REST, HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401
    refused = _ckan_write(client, secret)
    assert refused.status_code == 403
    assert refused.json()["error"]["__type"] == "Authorization Error"
