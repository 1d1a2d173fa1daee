"""Sign-in: Argon2 passwords, lock-out after repeated failures, TOTP when turned on."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import password_of
from kanmin.accounts import roles, selectors, services
from kanmin.accounts.models import User

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2(make_user):
    user = make_user("a")
    assert User.objects.get(pk=user.pk).password.startswith("argon2")


def test_sign_in_with_the_right_password(client, make_user, miyakonojo):
    make_user("staff", "department_staff", miyakonojo)
    response = client.post(
        "/accounts/login/", {"username": "staff", "password": password_of("staff")}
    )
    assert response.status_code == 302
    assert client.get("/accounts/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, make_user):
    make_user("staff")
    response = client.post("/accounts/login/", {"username": "staff", "password": "nope"})
    assert response.status_code == 400
    assert "パスワード" in response.content.decode() or "password" in response.content.decode()


def test_lockout_after_repeated_failures_even_with_the_right_password(client, make_user, settings):
    make_user("staff")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "staff", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "staff", "password": password_of("staff")}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def _sign_in(client, token: str | None = None):
    data = {"username": "staff", "password": password_of("staff")}
    if token is not None:
        data["otp_token"] = token
    return client.post("/accounts/login/", data)


@pytest.fixture
def totp_user(make_user):
    user = make_user("staff")
    device = services.totp_device_start(actor=user)
    services.totp_device_confirm(actor=user, device=device, token=_code(device))
    device.refresh_from_db()
    return device


def test_totp_is_required_once_turned_on(client, totp_user):
    assert _sign_in(client).status_code == 400
    assert "_auth_user_id" not in client.session
    ok = _sign_in(client, _code(totp_user, drift=1))
    assert ok.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_used_totp_code_cannot_be_replayed(client, totp_user):
    # The code that confirmed the device was spent then.
    assert _sign_in(client, _code(totp_user)).status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_wrong_totp_code_is_refused(client, totp_user):
    assert _sign_in(client, "000000").status_code == 400
    assert "_auth_user_id" not in client.session


def test_totp_confirm_refuses_a_wrong_code(make_user):
    from kanmin.core.errors import Invalid

    user = make_user("staff")
    device = services.totp_device_start(actor=user)
    with pytest.raises(Invalid):
        services.totp_device_confirm(actor=user, device=device, token="123")
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _code(device: TOTPDevice, drift: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:0{device.digits}d}"


def test_role_groups_and_permissions_come_from_migrations():
    for role in roles.ROLES:
        group = Group.objects.get(name=roles.group_name(role.slug))
        have = {
            f"{app}.{code}"
            for app, code in group.permissions.values_list("content_type__app_label", "codename")
        }
        assert have == set(role.permissions), role.slug


def test_roles_grant_permissions_only_in_their_municipality(make_user, miyakonojo, miyazaki):
    user = make_user("m", "municipality_admin", miyakonojo)
    assert user.has_perm("core.add_department", miyakonojo)
    assert not user.has_perm("core.add_department", miyazaki)
    assert not user.has_perm("core.add_department")
    admin = make_user("p", "platform_admin")
    assert admin.has_perm("core.add_department", miyazaki)
    citizen = make_user("c", "citizen", miyakonojo)
    assert not citizen.has_perm("core.view_department", miyakonojo)


def test_staff_see_only_their_municipalities(make_user, miyakonojo, miyazaki):
    user = make_user("m", "data_steward", miyakonojo)
    assert list(selectors.municipalities_of(user=user)) == [miyakonojo]
    admin = make_user("p", "platform_admin")
    assert set(selectors.municipalities_of(user=admin)) == {miyakonojo, miyazaki}
