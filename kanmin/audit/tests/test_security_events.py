"""Security events go into the same hash chain as changes: sign-ins, failed sign-ins, lock-outs,
two-step sign-in changes, API tokens (creation, first use each day, revocation) — issue 12."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp

from conftest import password_of
from kanmin.accounts import services
from kanmin.accounts.models import ApiToken
from kanmin.audit.models import AuditEvent
from kanmin.audit.verify import verify_chain

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _entries(action: str, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("seq"))


def _sign_in(client, username: str, password: str, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR="203.0.113.7"
    )


def test_a_sign_in_is_recorded_in_the_users_municipality(client, make_user, miyakonojo):
    make_user("staff", "data_steward", miyakonojo)
    assert _sign_in(client, "staff", password_of("staff")).status_code == 302
    [entry] = _entries("accounts.sign_in")
    assert entry.municipality_code == "452025"
    assert entry.actor_name == "staff" and entry.object_repr == "staff"
    assert entry.changes["extra"]["ip_address"] == "203.0.113.7"
    assert verify_chain().ok


def test_a_member_of_two_municipalities_is_seen_by_both(client, make_user, miyakonojo, miyazaki):
    user = make_user("both", "data_steward", miyakonojo)
    services.membership_grant(municipality=miyazaki, actor=None, user=user, role="auditor")
    _sign_in(client, "both", password_of("both"))
    assert sorted(e.municipality_code for e in _entries("accounts.sign_in")) == [
        "452017",
        "452025",
    ]


def test_failed_sign_ins_are_recorded_with_the_reason(client, make_user, miyakonojo):
    make_user("staff", "data_steward", miyakonojo)
    _sign_in(client, "staff", "typed-Secret-1")
    _sign_in(client, "nobody", "wrong")
    known, unknown = _entries("accounts.sign_in.failed")
    assert known.municipality_code == "452025" and known.object_repr == "staff"
    assert known.actor_name == "anonymous"
    assert known.changes["extra"] == {
        "username": "staff",
        "reason": "password",
        "ip_address": "203.0.113.7",
        "user_agent": "",
    }
    # An unknown name belongs to no municipality: only platform administrators see it.
    assert unknown.municipality_code == "" and unknown.changes["extra"]["username"] == "nobody"
    assert "typed-Secret-1" not in str(known.changes)


def test_a_lockout_is_recorded_once_and_refused_attempts_after_it(
    client, make_user, miyakonojo, settings
):
    make_user("staff", "data_steward", miyakonojo)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "staff", "wrong")
    [lockout] = _entries("accounts.lockout")
    assert lockout.municipality_code == "452025"
    assert lockout.changes["extra"]["minutes"] == 15
    assert _sign_in(client, "staff", password_of("staff")).status_code == 429
    assert _sign_in(client, "staff", "wrong").status_code == 429
    assert len(_entries("accounts.lockout")) == 1
    reasons = [e.changes["extra"]["reason"] for e in _entries("accounts.sign_in.failed")]
    assert reasons == ["password"] * settings.AXES_FAILURE_LIMIT + ["locked_out"] * 2
    assert not _entries("accounts.sign_in")
    assert verify_chain().ok


def _code(device, drift: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:0{device.digits}d}"


def test_two_step_changes_and_wrong_codes_are_recorded(client, make_user, miyakonojo):
    user = make_user("staff", "data_steward", miyakonojo)
    device = services.totp_device_start(actor=user)
    services.totp_device_confirm(actor=user, device=device, token=_code(device))
    [enabled] = _entries("accounts.totp.enable")
    assert enabled.municipality_code == "452025" and enabled.actor_name == "staff"
    _sign_in(client, "staff", password_of("staff"), otp_token="000000")
    [failed] = _entries("accounts.sign_in.failed")
    assert failed.changes["extra"]["reason"] == "totp"
    services.totp_device_remove(actor=user)
    [disabled] = _entries("accounts.totp.disable")
    assert disabled.municipality_code == "452025"


def test_api_tokens_creation_first_use_per_day_and_revocation(client, make_user, miyakonojo):
    user = make_user("steward", "data_steward", miyakonojo)
    token, secret = services.api_token_create(municipality=miyakonojo, actor=user, name="harvest")
    [created] = _entries("accounts.api_token.create")
    assert created.municipality_code == "452025"
    assert secret not in str(created.changes) and created.changes["after"]["name"] == "harvest"

    rest = "/api/v1/m/452025/catalog/datasets"
    ckan = "/m/452025/api/3/action/package_search"
    for _ in range(3):
        assert client.get(rest, HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200
        assert client.get(ckan, HTTP_AUTHORIZATION=secret).status_code == 200
    [used] = _entries("accounts.api_token.use")
    assert used.municipality_code == "452025" and used.actor_name == "steward"
    assert used.object_id == str(token.pk)

    # The last use was yesterday: today's first use is recorded again.
    yesterday = timezone.now() - timedelta(days=1, hours=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=yesterday)
    assert client.get(ckan, HTTP_AUTHORIZATION=secret).status_code == 200
    assert client.get(rest, HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200
    assert len(_entries("accounts.api_token.use")) == 2
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > yesterday

    services.api_token_revoke(municipality=miyakonojo, actor=user, token=token)
    [revoked] = _entries("accounts.api_token.revoke")
    assert revoked.municipality_code == "452025"
    assert verify_chain().ok


def test_a_password_change_is_seen_by_the_users_municipality(make_user, miyakonojo):
    user = make_user("staff", "data_steward", miyakonojo)
    services.user_set_password(actor=user, user=user, password="a-New-password-42")
    [changed] = _entries("accounts.user.set_password")
    assert changed.municipality_code == "452025"
    assert "a-New-password-42" not in str(changed.changes)
