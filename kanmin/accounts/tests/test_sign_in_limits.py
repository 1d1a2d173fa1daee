"""Wrong one-time codes count with wrong passwords, per account and address (django-axes); they
no longer lock the real user out everywhere; the page says how many attempts are left and, when
locked, how long the wait is — from the settings, not fixed text (issues 12 and 13)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import password_of
from kanmin.accounts import services

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ATTACKER = "198.51.100.66"
OFFICE = "192.0.2.10"


def _code(device: TOTPDevice, drift: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:0{device.digits}d}"


@pytest.fixture
def device(make_user, miyakonojo):
    user = make_user("staff", "data_steward", miyakonojo)
    device = services.totp_device_start(actor=user)
    services.totp_device_confirm(actor=user, device=device, token=_code(device))
    device.refresh_from_db()
    return device


def _post(client, address: str, password: str, code: str | None = None, **headers):
    data = {"username": "staff", "password": password}
    if code is not None:
        data["otp_token"] = code
    return client.post(LOGIN, data, REMOTE_ADDR=address, **headers)


def test_wrong_codes_from_elsewhere_do_not_lock_the_real_user_out(client, device, settings):
    # Someone who knows only the password tries 20 codes.
    answers = {
        _post(client, ATTACKER, password_of("staff"), "000000").status_code for _ in range(20)
    }
    assert answers == {400, 429}
    # The real user, from the office, with the right code, gets in.
    response = _post(client, OFFICE, password_of("staff"), _code(device, drift=1))
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_wrong_codes_count_towards_the_lockout(client, device, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _post(client, ATTACKER, password_of("staff"), "000000").status_code == 400
    assert _post(client, ATTACKER, password_of("staff"), "000000").status_code == 429
    # Locked for this account and address, even with the right code.
    response = _post(client, ATTACKER, password_of("staff"), _code(device, drift=1))
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_codes_and_wrong_passwords_add_up(client, device, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        _post(client, ATTACKER, "wrong-password")
    assert _post(client, ATTACKER, password_of("staff"), "000000").status_code == 400
    assert _post(client, ATTACKER, password_of("staff"), "000000").status_code == 429


def test_few_attempts_left_are_announced(client, make_user, settings):
    make_user("staff")
    limit = settings.AXES_FAILURE_LIMIT
    pages = [_post(client, OFFICE, "wrong").content.decode() for _ in range(limit - 1)]
    with translation.override("ja"):
        assert "あと2回" not in pages[limit - 4]
        assert "あと2回" in pages[limit - 3]
        assert "15分間" in pages[limit - 3]
        assert "あと1回" in pages[limit - 2]


def test_few_attempts_left_in_english(client, make_user):
    make_user("staff")
    for _ in range(3):
        page = _post(client, OFFICE, "wrong", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 attempts left" in page
    assert "locked for 15 minutes" in page


def test_the_lockout_page_says_how_long_from_the_settings(client, make_user, settings):
    settings.AXES_COOLOFF_TIME = 0.5  # hours, as KANMIN_LOCKOUT_MINUTES=30 sets it
    make_user("staff")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _post(client, OFFICE, "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert "30分間" in page
    assert "30分後" in page
    # Another attempt during the lock-out does not start it again.
    again = _post(client, OFFICE, password_of("staff")).content.decode()
    assert again.count("30分") >= 2 and "_auth_user_id" not in client.session
