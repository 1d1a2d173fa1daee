"""Issue 18, the read side: what harvesters and clients ask of a CKAN, through the real
``ckanapi`` client against a live Kanmin (incremental range queries, ``fl``, paging by id,
the read actions they call, user ids, error keys and the language of the answers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import ckanapi
import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


def _set_modified(name: str, when: datetime) -> None:
    from kanmin.catalog.models import Dataset, SearchGeneration

    Dataset.all_tenants.filter(name=name).update(modified=when)
    SearchGeneration.bump()


def test_harvester_incremental_search(catalog: dict[str, Any]) -> None:
    _set_modified("aed", datetime(2019, 5, 1, tzinfo=UTC))
    for get_only in (False, True):
        with ckanapi.RemoteCKAN(catalog["url"], get_only=get_only) as ck:
            since = "metadata_modified:[2020-01-01T00:00:00.000000Z TO *]"
            # ckanext-harvest's CKAN harvester: fq on the range, sorted by id, pages of rows.
            first = ck.action.package_search(fq=since, sort="id asc", rows=1, start=0)
            second = ck.action.package_search(fq=since, sort="id asc", rows=1, start=1)
            past = ck.action.package_search(fq=since, sort="id asc", rows=1, start=2)
            assert first["count"] == second["count"] == 2
            assert past["results"] == []
            ids = [first["results"][0]["id"], second["results"][0]["id"]]
            assert ids == sorted(ids)
            names = {first["results"][0]["name"], second["results"][0]["name"]}
            assert names == {"shelter", "shops"}
            # The harvester's fq terms, joined with spaces, its time naive UTC + "Z".
            joined = ck.action.package_search(
                fq="organization:bosai +dataset_type:dataset "
                "metadata_modified:[2019-12-31T23:00:00.000001Z TO *]"
            )
            assert joined["count"] == 2
            older = ck.action.package_search(q="metadata_modified:[* TO 2020-01-01T00:00:00Z}")
            assert [d["name"] for d in older["results"]] == ["aed"]
            newest = ck.action.package_search(sort="metadata_modified asc", rows=3)
            assert newest["results"][0]["name"] == "aed"
            assert ck.action.package_search(fq="metadata_created:[NOW+1DAY TO *]")["count"] == 0
            with pytest.raises(ckanapi.SearchQueryError):
                ck.action.package_search(fq="metadata_modified:[yesterday TO *]")


def test_fl_gives_only_the_fields_asked_for(catalog: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(catalog["url"]) as ck:
        only_id = ck.action.package_search(q="AED", fl="id")["results"]
        assert len(only_id) == 1 and list(only_id[0]) == ["id"]
        two = ck.action.package_search(sort="name asc", fl="name,metadata_modified")["results"]
        assert [sorted(d) for d in two] == [["metadata_modified", "name"]] * 3
        assert [d["name"] for d in two] == ["aed", "shelter", "shops"]
        spaced = ck.action.package_search(q="AED", fl=["id", "name"])["results"]
        assert sorted(spaced[0]) == ["id", "name"]
        assert "resources" in ck.action.package_search(q="AED")["results"][0]


def test_package_show_ids_groups_and_errors(catalog: dict[str, Any]) -> None:
    from kanmin.accounts.models import User
    from kanmin.catalog import services
    from kanmin.catalog.models import Dataset, SearchGeneration
    from kanmin.core.models import Municipality

    miyakonojo = Municipality.objects.get(lg_code="452025")
    group = services.group_create(
        municipality=miyakonojo, actor=None, name="bousai", title_ja="防災"
    )
    group = getattr(group, "value", group)
    Dataset.all_tenants.get(municipality=miyakonojo, name="aed").groups.add(group)
    SearchGeneration.bump()
    steward = User.objects.get(username="steward")
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token"]) as ck:
        created = ck.action.package_create(name="toilet", title="公衆トイレ", owner_org="bosai")
    assert created["creator_user_id"] == str(steward.uuid)
    uuid.UUID(created["creator_user_id"])
    with ckanapi.RemoteCKAN(catalog["url"]) as ck:
        shown = ck.action.package_show(id="aed")
        assert shown["groups"][0]["name"] == "bousai"
        for key, value in {
            "type": "group",
            "is_organization": False,
            "state": "active",
            "capacity": "public",
            "display_name": "防災",
            "image_display_url": "",
            "approval_status": "approved",
        }.items():
            assert shown["groups"][0][key] == value
        assert ck.action.package_show(name_or_id="aed")["name"] == "aed"
        with pytest.raises(ckanapi.ValidationError) as missing:
            ck.action.package_show()
        assert missing.value.error_dict["name_or_id"] == ["Missing value"]
        with pytest.raises(ckanapi.ValidationError) as missing:
            ck.action.resource_show()
        assert "id" in missing.value.error_dict
        packages = ck.action.group_package_show(id="bousai")
        assert [d["name"] for d in packages] == ["aed"]
        assert ck.action.group_package_show(id="bousai", limit=1)[0]["name"] == "aed"


def test_errors_speak_the_clients_language(catalog: dict[str, Any]) -> None:
    url = catalog["url"] + "/api/3/action/package_search"
    english = requests.get(url, params={"fq": "nosuchfield:x"}, timeout=30)
    assert english.status_code == 400
    assert "undefined field nosuchfield" in english.json()["error"]["message"]
    assert english.headers["Content-Language"] == "en"
    japanese = requests.get(
        url,
        params={"fq": "nosuchfield:x"},
        headers={"Accept-Language": "ja,en;q=0.5"},
        timeout=30,
    )
    assert japanese.headers["Content-Language"] == "ja"
    assert "nosuchfield" in japanese.json()["error"]["message"]
    assert japanese.json()["error"]["message"] != english.json()["error"]["message"]
    # A browser's language cookie does not change what a program reads.
    cookie = requests.get(
        url, params={"fq": "nosuchfield:x"}, cookies={"django_language": "ja"}, timeout=30
    )
    assert cookie.json()["error"]["message"] == english.json()["error"]["message"]


def test_tags_autocomplete_vocabularies_and_resources(catalog: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(catalog["url"]) as ck:
        tag = ck.action.tag_show(id="防災")
        assert (tag["name"], tag["vocabulary_id"]) == ("防災", None)
        assert ck.action.tag_show(id=tag["id"])["name"] == "防災"
        with_datasets = ck.action.tag_show(id="防災", include_datasets=True)
        assert [d["name"] for d in with_datasets["packages"]] == ["aed", "shelter"]
        with pytest.raises(ckanapi.NotFound):
            ck.action.tag_show(id="存在しない")
        found = ck.action.tag_search(query="防")
        assert found["count"] == 1 and found["results"][0]["name"] == "防災"
        assert ck.action.tag_search(query=["医", "商"])["count"] == 2
        assert ck.action.tag_search(limit=1)["count"] == 3
        assert len(ck.action.tag_search(limit=1)["results"]) == 1
        assert ck.action.vocabulary_list() == []
        auto = ck.action.package_autocomplete(q="ae")
        assert auto == [
            {
                "name": "aed",
                "title": "AED設置箇所一覧",
                "match_field": "name",
                "match_displayed": "aed",
            }
        ]
        by_title = ck.action.package_autocomplete(q="避難")
        assert by_title[0]["match_displayed"] == "指定緊急避難場所一覧（本町一丁目ほか） (shelter)"
        assert ck.action.package_autocomplete(q="作成中") == []  # a draft
        assert ck.action.tag_autocomplete(q="防") == ["防災"]
        assert ck.action.format_autocomplete(q="c") == ["csv"]  # CSV, lower case as CKAN's
        assert ck.action.format_autocomplete(q="pdf") == []
        assert ck.action.organization_autocomplete(q="危機") == [
            {
                "id": ck.action.organization_show(id="bosai")["id"],
                "name": "bosai",
                "title": "危機管理課",
            }
        ]
        assert ck.action.group_autocomplete(q="x") == []
        resources = ck.action.resource_search(query="name:AED")
        assert resources["count"] == 1 and resources["results"][0]["name"] == "452025_aed.csv"
        both = ck.action.resource_search(query=["url:example.jp", "name:_sh"])
        assert sorted(r["name"] for r in both["results"]) == [
            "452025_shelter.csv",
            "452025_shops.csv",
        ]
        with pytest.raises(ckanapi.ValidationError):
            ck.action.resource_search(query="hash:x")


def test_users_members_and_their_organizations(catalog: dict[str, Any]) -> None:
    from kanmin.accounts.models import User

    steward = User.objects.get(username="steward")
    steward.email = "steward@city.example.jp"
    steward.save()
    other = User.objects.create_user(username="outsider", password="pw-outsider-Long1")
    other.email = "outsider@example.jp"
    other.save()
    with ckanapi.RemoteCKAN(catalog["url"]) as ck:
        with pytest.raises(ckanapi.NotAuthorized):
            ck.action.user_show(id="steward")
        with pytest.raises(ckanapi.NotAuthorized):
            ck.action.user_list()
        assert ck.action.organization_show(id="bosai")["users"] == []
        anonymous_members = ck.action.member_list(id="bosai")
        assert {m[1] for m in anonymous_members} == {"package"}
        assert len(anonymous_members) == 3
        assert ck.action.organization_list_for_user() == []
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token"]) as ck:
        me = ck.action.user_show()
        assert me["id"] == str(steward.uuid) and me["name"] == "steward"
        assert me["email"] == "steward@city.example.jp"
        assert ck.action.user_show(id=str(steward.uuid))["name"] == "steward"
        with pytest.raises(ckanapi.NotFound):  # not staff of a shared municipality
            ck.action.user_show(id="outsider")
        assert [u["name"] for u in ck.action.user_list()] == ["steward"]
        assert ck.action.user_list(all_fields=False) == ["steward"]
        users = ck.action.organization_show(id="bosai")["users"]
        assert [(u["name"], u["capacity"], u["id"]) for u in users] == [
            ("steward", "editor", str(steward.uuid))
        ]
        members = ck.action.member_list(id="bosai", object_type="user")
        assert members == [[str(steward.uuid), "user", "editor"]]
        assert ck.action.organization_list_for_user() == []  # manage_group: admins only
        editable = ck.action.organization_list_for_user(permission="create_dataset")
        assert [(o["name"], o["capacity"]) for o in editable] == [("bosai", "editor")]
        with pytest.raises(ckanapi.NotFound):  # whom one may not see does not exist
            ck.action.organization_list_for_user(id="outsider")
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token"]) as ck:
        # Another member of staff sees the steward, without the e-mail address.
        from kanmin.accounts import services as accounts_services
        from kanmin.core.models import Municipality

        miyakonojo = Municipality.objects.get(lg_code="452025")
        colleague = accounts_services.user_create(
            actor=None,
            municipality=miyakonojo,
            username="colleague",
            password="pw-colleague-Long1",
            check_password=False,
        )
        accounts_services.membership_grant(
            municipality=miyakonojo, actor=None, user=colleague, role="municipality_admin"
        )
        _token, secret = accounts_services.api_token_create(
            municipality=miyakonojo, actor=colleague, name="ckanapi"
        )
    with ckanapi.RemoteCKAN(catalog["url"], apikey=secret) as ck:
        seen = ck.action.user_show(id="steward")
        assert seen["name"] == "steward" and "email" not in seen
        users = {u["name"]: u for u in ck.action.organization_show(id="bosai")["users"]}
        assert users["colleague"]["capacity"] == "admin" and "email" in users["colleague"]
        assert users["steward"]["capacity"] == "editor" and "email" not in users["steward"]
        admin_of = ck.action.organization_list_for_user()
        assert [(o["name"], o["capacity"]) for o in admin_of] == [("bosai", "admin")]
