"""``kanmin token create|list|revoke``: the printed token works against both APIs, expires,
can be revoked, and each creation and revocation is in the audit log."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kanmin.accounts.models import ApiToken
from kanmin.audit.models import AuditEvent
from kanmin.audit.verify import verify_chain
from kanmin.catalog import services as catalog_services
from kanmin.catalog.models import Dataset

pytestmark = pytest.mark.django_db

DEPARTMENTS = "/api/v1/m/452025/departments"
CKAN = "/m/452025/api/3/action/"


@pytest.fixture
def steward(make_user, miyakonojo):
    return make_user("steward", "data_steward", miyakonojo)


def _kanmin(*args: str) -> tuple[str, str]:
    """Run a token verb as ``kanmin token …`` runs it; return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    verb, *rest = args
    call_command(f"accounts_token_{verb}", *rest, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _create(*args: str) -> str:
    out, _err = _kanmin("create", *args)
    secret = out.strip()
    assert secret.startswith("kanmin_") and "\n" not in secret
    return secret


def _departments(client, secret: str) -> int:
    return client.get(DEPARTMENTS, HTTP_AUTHORIZATION=f"Token {secret}").status_code


def _ckan_create(client, secret: str, name: str) -> int:
    return client.post(
        CKAN + "package_create",
        data=json.dumps({"name": name, "title": name, "owner_org": "johoseisaku"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=secret,
    ).status_code


def test_the_printed_token_authenticates_against_both_apis(client, steward, miyakonojo):
    catalog_services.organization_create(
        municipality=miyakonojo, actor=None, name="johoseisaku", title_ja="情報政策課"
    )
    assert client.get(DEPARTMENTS).status_code == 401
    secret = _create("steward", "--municipality", "452025", "--name", "harvester")
    assert _departments(client, secret) == 200
    assert _ckan_create(client, secret, "aed") == 200
    assert Dataset.all_tenants.filter(name="aed").exists()
    token = ApiToken.objects.get()
    assert (token.user, token.municipality, token.name) == (steward, miyakonojo, "harvester")
    assert token.expires_at is None and token.last_used_at is not None
    entry = AuditEvent.objects.get(action="accounts.api_token.create")
    assert entry.object_id == str(token.pk) and entry.municipality_code == "452025"
    assert entry.actor_id is None
    assert entry.changes["after"]["user"] == "steward"
    assert secret not in json.dumps(entry.changes)
    assert verify_chain().ok


def test_an_expired_token_is_refused(client, steward):
    secret = _create("steward", "--municipality", "452025", "--expires", "30")
    token = ApiToken.objects.get()
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert (
        AuditEvent.objects.get(action="accounts.api_token.create").changes["after"]["expires_at"]
        == token.expires_at.isoformat()
    )
    assert _departments(client, secret) == 200
    # Thirty days later: the row as it will then be.
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _departments(client, secret) == 401
    assert (
        client.post(
            CKAN + "package_create",
            data="{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=secret,
        ).status_code
        == 403
    )
    listed = json.loads(_kanmin("list", "--format", "json")[0])
    assert [row["state"] for row in listed] == ["expired"]


def test_a_revoked_token_is_refused_and_the_revocation_audited(client, steward):
    secret = _create("steward", "--municipality", "452025")
    kept = _create("steward", "--municipality", "452025", "--name", "kept")
    token = ApiToken.objects.get(name="API")
    out, _err = _kanmin("revoke", token.prefix, "--lang", "en")
    assert f"Revoked API token {token.pk} ({token.prefix}…) of steward in 452025." in out
    assert _departments(client, secret) == 401
    assert _departments(client, kept) == 200
    entry = AuditEvent.objects.get(action="accounts.api_token.revoke")
    assert entry.object_id == str(token.pk) and entry.actor_id is None
    with pytest.raises(CommandError, match="already revoked"):
        _kanmin("revoke", str(token.pk), "--lang", "en")
    assert AuditEvent.objects.filter(action="accounts.api_token.revoke").count() == 1
    # The whole token names it too.
    _kanmin("revoke", kept)
    assert _departments(client, kept) == 401
    assert verify_chain().ok


def test_list_filters_and_never_shows_a_secret(steward, make_user, miyakonojo, miyazaki):
    other = make_user("other", "data_steward", miyazaki)
    mine = _create("steward", "--municipality", "452025")
    theirs = _create("other", "--municipality", "452017")
    everything, _err = _kanmin("list", "--lang", "en")
    assert mine not in everything and theirs not in everything
    assert "steward" in everything and "other" in everything
    rows = json.loads(_kanmin("list", "--municipality", "452017", "--format", "json")[0])
    assert [(r["user"], r["municipality"], r["state"]) for r in rows] == [
        ("other", "452017", "active")
    ]
    rows = json.loads(_kanmin("list", "steward", "--format", "json")[0])
    assert [r["prefix"] for r in rows] == [mine[7:15]]
    assert _kanmin("list", "--municipality", "452017", "steward", "--lang", "en")[0].strip() == (
        "No API tokens."
    )
    assert other.pk


@pytest.mark.parametrize(
    ("args", "ja", "en"),
    [
        (
            ["nobody", "--municipality", "452025"],
            "ユーザー名「nobody」のユーザーはいません",
            "No user named nobody.",
        ),
        (
            ["steward", "--municipality", "452017"],
            "steward は宮崎市（452017）の所属ではありません",
            "steward is not a member of Miyazaki City (452017)",
        ),
        (
            ["steward", "--municipality", "452026"],
            "6桁目は5で、正しくは「452025」です",
            "it should be 5, giving 452025",
        ),
        (
            ["steward", "--municipality", "131016"],
            "131016",
            "No municipality with the code 131016.",
        ),
        (
            ["steward", "--municipality", "452025", "--expires", "0"],
            "1 から 3650 までの日数",
            "--expires takes a number of days from 1 to 3650, not 0.",
        ),
    ],
)
def test_errors_say_what_is_wrong_in_both_languages(steward, miyazaki, args, ja, en):
    with pytest.raises(CommandError) as japanese:
        _kanmin("create", *args)
    assert ja in str(japanese.value)
    with pytest.raises(CommandError) as english:
        _kanmin("create", *args, "--lang", "en")
    assert en in str(english.value)
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="accounts.api_token").exists()


def test_revoke_names_an_unknown_token(steward):
    with pytest.raises(CommandError, match="No API token zzzzzzzz"):
        _kanmin("revoke", "zzzzzzzz", "--lang", "en")
    with pytest.raises(CommandError, match="API トークン「zzzzzzzz」はありません"):
        _kanmin("revoke", "zzzzzzzz")
