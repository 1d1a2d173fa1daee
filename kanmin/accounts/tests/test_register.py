"""Residents register themselves: an e-mailed link (signed, expiring, single-use), a password
by the configured rules, the citizen role in the chosen municipality, sign-in on the ordinary
page, and no staff page for them."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import mail

from kanmin.accounts import resident_services as residents
from kanmin.accounts.models import Membership, User

pytestmark = pytest.mark.django_db

PASSWORD = "kagoshima-Miyazaki-27"


def _link(message) -> str:
    found = re.search(r"http://testserver(/accounts/register/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def _ask(client, email="taro@example.jp", code="452025"):
    return client.post(
        f"/accounts/register/?municipality={code}",
        {"email": email, "municipality": _pk(code)},
    )


def _pk(code):
    from kanmin.core.models import Municipality

    return Municipality.objects.get(lg_code=code).pk


def test_the_page_preselects_the_municipality_the_resident_came_from(client, miyakonojo, miyazaki):
    response = client.get("/accounts/register/?municipality=452017")
    assert response.status_code == 200
    assert f'<option value="{miyazaki.pk}" selected>' in response.content.decode()


def test_registration_creates_a_citizen_who_can_sign_in(client, miyakonojo):
    response = _ask(client, email="Taro@Example.jp")
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["taro@example.jp"]
    link = _link(mail.outbox[0])
    assert client.get(link).status_code == 200
    response = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/m/452025/my/"
    user = User.objects.get(username="taro@example.jp")
    assert user.email == "taro@example.jp"
    assert list(Membership.objects.filter(user=user).values_list("role", "municipality")) == [
        ("citizen", miyakonojo.pk)
    ]
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": "taro@example.jp", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/m/452025/my/").status_code == 200


def test_the_link_works_once(client, miyakonojo):
    _ask(client)
    link = _link(mail.outbox[0])
    client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    client.logout()
    again = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert again.status_code == 410
    assert User.objects.filter(username="taro@example.jp").count() == 1


def test_an_expired_link_is_refused(client, miyakonojo):
    hours = residents.LINK_HOURS
    with mock.patch("django.core.signing.time.time", return_value=time.time() - hours * 3600 - 60):
        token = residents.make_token(email="taro@example.jp", municipality=miyakonojo)
    response = client.get(f"/accounts/register/{token}/")
    assert response.status_code == 410
    response = client.post(
        f"/accounts/register/{token}/", {"password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 410
    assert not User.objects.filter(username="taro@example.jp").exists()
    # A link just inside its hours still works.
    with mock.patch("django.core.signing.time.time", return_value=time.time() - hours * 3600 + 60):
        token = residents.make_token(email="taro@example.jp", municipality=miyakonojo)
    assert client.get(f"/accounts/register/{token}/").status_code == 200


def test_a_tampered_link_is_refused(client, miyakonojo):
    _ask(client)
    link = _link(mail.outbox[0])
    response = client.get(link[:-3] + "xx/")
    assert response.status_code == 400


def test_the_password_rules_apply_and_nothing_typed_is_lost(client, miyakonojo):
    _ask(client)
    link = _link(mail.outbox[0])
    response = client.post(link, {"password1": "123", "password2": "123"})
    assert response.status_code == 422
    assert not User.objects.filter(username="taro@example.jp").exists()
    response = client.post(link, {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert response.status_code == 422


def test_sign_ups_are_limited_per_address(client, miyakonojo):
    for _ in range(residents.PER_EMAIL):
        assert _ask(client).status_code == 200
    response = _ask(client)
    assert response.status_code == 429
    assert len(mail.outbox) == residents.PER_EMAIL
    assert _ask(client, email="hanako@example.jp").status_code == 200


def test_a_registered_address_gets_a_reminder_not_a_second_account(client, miyakonojo):
    _ask(client)
    link = _link(mail.outbox[0])
    client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    client.logout()
    response = _ask(client)
    assert response.status_code == 200  # the page does not tell who is registered
    assert "/accounts/register/" not in mail.outbox[-1].body
    assert "/accounts/login/" in mail.outbox[-1].body


def test_a_citizen_gets_403_on_staff_pages(client, miyakonojo, make_user):
    from kanmin.accounts import services

    user = make_user("resident")
    services.membership_grant(municipality=miyakonojo, actor=None, user=user, role="citizen")
    client.force_login(user)
    for url in (
        "/m/452025/staff/",
        "/m/452025/procedures/staff/notices/",
        "/m/452025/procedures/staff/consultations/",
        "/m/452025/disaster/staff/",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.get("/m/452025/procedures/staff/notices/new/").status_code == 403
