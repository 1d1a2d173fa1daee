from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kanmin.cli import translate
from kanmin.core.models import Municipality

pytestmark = pytest.mark.django_db


def test_cli_words_map_to_commands():
    assert translate(["kanmin", "tenant", "add", "452025", "都城市"]) == [
        "kanmin",
        "core_tenant_add",
        "452025",
        "都城市",
    ]
    assert translate(["kanmin", "audit", "verify"]) == ["kanmin", "audit_verify"]
    assert translate(["kanmin", "migrate"]) == ["kanmin", "migrate"]


def test_tenant_add_creates_the_municipality():
    out = io.StringIO()
    call_command("core_tenant_add", "452025", "都城市", "--en", "Miyakonojo City", stdout=out)
    m = Municipality.objects.get(lg_code="452025")
    assert m.name_en == "Miyakonojo City" and m.prefecture_code == "45"
    assert "452025" in out.getvalue()


@pytest.mark.parametrize("code", ["452026", "45202", "4520255", "abcdef", "992025"])
def test_tenant_add_rejects_a_bad_code_with_a_clear_message(code):
    with pytest.raises(CommandError) as caught:
        call_command("core_tenant_add", code, "都城市")
    assert str(caught.value).strip()
    assert not Municipality.objects.exists()


def test_tenant_add_names_the_right_check_digit():
    with pytest.raises(CommandError, match="5"):
        call_command("core_tenant_add", "452020", "都城市")
