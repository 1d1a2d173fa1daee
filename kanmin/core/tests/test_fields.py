"""Encrypted personal fields: unreadable in the raw row, readable through the model."""

from __future__ import annotations

import io

import pytest
from django.db import connection, transaction

from kanmin.accounts.models import User
from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Invalid

pytestmark = pytest.mark.django_db


def _raw_phone(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_phone_is_not_readable_in_the_raw_database_row(make_user):
    user = make_user("taro")
    user.phone = "0986-23-2111"
    user.save()
    raw = _raw_phone(user.pk)
    assert "0986" not in raw and "2111" not in raw
    assert raw.startswith("fernet:")
    assert User.objects.get(pk=user.pk).phone == "0986-23-2111"


def test_a_my_number_is_refused_in_an_encrypted_field(make_user):
    user = make_user("hanako")
    user.phone = "1234 5678 9018"  # a valid My Number shape and check digit
    with pytest.raises(Invalid) as caught, transaction.atomic():
        user.save()
    assert caught.value.code == "my_number"
    assert _raw_phone(user.pk) == ""


def test_audit_log_masks_personal_values(miyakonojo):
    from kanmin.accounts import services

    services.user_create(
        actor=None,
        municipality=miyakonojo,
        username="jiro",
        password="x",
        phone="090-1111-2222",
        check_password=False,
    )
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert event.changes["after"]["phone"] == "***"
    assert "090-1111-2222" not in event.payload()


def test_rotation_reencrypts_with_the_new_primary_key(make_user, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from kanmin.core import crypto

    user = make_user("saburo")
    user.phone = "0986-00-0000"
    user.save()
    old = settings.ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new, old]
    call_command("core_rotate_keys", stdout=io.StringIO())
    settings.ENCRYPTION_KEYS = [new]  # the old key is gone
    assert User.objects.get(pk=user.pk).phone == "0986-00-0000"
    token = _raw_phone(user.pk)
    assert crypto.is_token(token)
