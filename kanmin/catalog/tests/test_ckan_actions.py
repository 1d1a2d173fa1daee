"""The CKAN facade, one action at a time, through Django's test client."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.catalog import services
from kanmin.catalog.ckan import dispatch
from kanmin.catalog.ckan.actions import ACTIONS
from kanmin.catalog.models import Dataset, DatasetState

pytestmark = pytest.mark.django_db

BASE = "/m/452025/api/3/action/"


def post(client, action, data=None, token=None, base=BASE, **extra):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return client.post(
        base + action,
        data=json.dumps(data or {}),
        content_type="application/json",
        **headers,
        **extra,
    )


@pytest.fixture
def published(make_dataset):
    return make_dataset(
        "population-2024",
        "人口統計 2024年",
        notes_ja="町丁目別の人口と世帯数",
        tags=["人口", "統計"],
        resources=[{"url": "http://example.com/pop.csv", "name": "人口CSV", "format": "CSV"}],
    )


@pytest.fixture
def draft(make_dataset):
    return make_dataset("wip", "作成中のデータ", state=DatasetState.DRAFT)


@pytest.fixture
def token(steward, miyakonojo, token_for):
    return token_for(steward, miyakonojo)


def test_api_version(client, miyakonojo):
    assert client.get("/api/3").json() == {"version": 3}
    assert client.get("/m/452025/api/3").json() == {"version": 3}


def test_unknown_action_is_a_bare_400_string(client, miyakonojo):
    response = client.post("/api/3/action/no_such_action")
    assert response.status_code == 400
    assert response.json() == "Bad request: Action name not known: no_such_action"


def test_get_on_a_write_action_is_refused(client, miyakonojo):
    response = client.get(BASE + "package_create")
    assert response.status_code == 400
    assert response.json() == (
        "Bad request: JSON Error: Invalid request. Please use POST method for your request"
    )


def test_envelope_and_help_url(client, miyakonojo):
    response = client.get("/api/action/status_show")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["success"] is True
    assert body["help"] == "http://testserver/api/3/action/help_show?name=status_show"
    assert body["result"]["ckan_version"] == "2.12.0"
    tenant = client.get(BASE + "status_show").json()
    assert tenant["help"] == ("http://testserver/m/452025/api/3/action/help_show?name=status_show")
    assert "\\u" in response.content.decode() or body["result"]["site_title"].isascii()


def test_every_action_has_a_docstring_served_by_help_show(client, miyakonojo):
    for name, found in ACTIONS.items():
        assert found.function.__doc__, name
    body = client.get(BASE + "help_show", {"name": "package_search"}).json()
    assert ":param q:" in body["result"]


def test_package_list_shows_public_datasets_only(client, published, draft):
    body = post(client, "package_list", {"include_private": True, "whatever": 1}).json()
    assert body["result"] == ["population-2024"]


def test_package_show_shape(client, published):
    body = client.get(BASE + "package_show", {"id": "population-2024"}).json()
    result = body["result"]
    assert result["id"] == str(published.pk)
    assert result["title"] == "人口統計 2024年"
    assert result["license_id"] == "cc-by-4.0"
    assert result["license_url"].startswith("https://creativecommons.org/")
    assert result["isopen"] is True
    assert result["state"] == "active" and result["private"] is False
    assert [t["name"] for t in result["tags"]] == ["人口", "統計"]
    assert result["num_resources"] == 1
    assert result["resources"][0]["name"] == "人口CSV"
    assert result["resources"][0]["datastore_active"] is False
    assert result["organization"]["name"] == "johoseisaku"
    assert result["organization"]["is_organization"] is True
    assert len(result["metadata_created"]) == 26  # 2026-11-26T12:42:38.722650
    by_id = client.get(BASE + "package_show", {"id": str(published.pk)}).json()
    assert by_id["result"]["name"] == "population-2024"


def test_package_show_gives_every_field_as_stored(client, make_dataset, miyakonojo, steward):
    """The API reads package dicts with plain statements: every value must still be the one
    the model holds, whatever the database (ids, times, dates, order, upload URLs)."""
    from datetime import UTC, date

    from kanmin.catalog import services
    from kanmin.catalog.tests.helpers import upload

    group = services.group_create(
        municipality=miyakonojo, actor=None, name="bousai", title_ja="防災", title_en="Disaster"
    )
    dataset = make_dataset(
        "shelters",
        "避難所一覧",
        title_en="Shelters",
        notes_ja="指定避難所",
        license_id="cc-zero",
        update_frequency="annual",
        contact_name="危機管理課",
        contact_email="kiki@example.jp",
        spatial="宮崎県都城市",
        temporal_start=date(2024, 4, 1),
        temporal_end=date(2025, 3, 31),
        standard_dataset="evacuation_space",
        tags=["防災", "避難"],
        groups=[group],
        resources=[{"url": "https://example.jp/b.pdf", "name": "B", "format": "PDF"}],
    )
    file = upload(dataset, steward, b"a,b\r\n1,2\r\n", name="list.csv")
    services.resource_create(
        municipality=miyakonojo,
        actor=None,
        dataset=dataset,
        url="https://example.jp/a.pdf",
        name="A",
        position=0,
    )
    dataset.refresh_from_db()

    def iso(value):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")

    # Display names are the catalog's Japanese unless the client asks for English (below).
    result = client.get(BASE + "package_show", {"id": "shelters"}).json()["result"]
    assert result["id"] == str(dataset.pk) and result["owner_org"] == str(dataset.organization_id)
    assert (result["title"], result["title_en"]) == ("避難所一覧", "Shelters")
    assert (result["license_id"], result["isopen"]) == ("cc-zero", True)
    assert result["metadata_created"] == iso(dataset.created)
    assert result["metadata_modified"] == iso(dataset.modified)
    assert (result["temporal_start"], result["temporal_end"]) == ("2024-04-01", "2025-03-31")
    assert result["maintainer"] == "危機管理課" and result["spatial_text"] == "宮崎県都城市"
    assert result["standard_dataset"] == "evacuation_space"
    assert result["kanmin_version"] == dataset.version
    assert result["municipality"] == {"lg_code": "452025", "name": miyakonojo.name_ja}
    assert [t["name"] for t in result["tags"]] == sorted(["防災", "避難"])
    assert {t["id"] for t in result["tags"]} == {str(t.pk) for t in dataset.tags.all()}
    assert result["groups"] == [
        {
            "id": str(group.pk),
            "name": "bousai",
            "title": "防災",
            "display_name": "防災",
            "description": "",
            "image_display_url": "",
            "image_url": "",
            "type": "group",
            "is_organization": False,
            "state": "active",
            "approval_status": "approved",
            "capacity": "public",
        }
    ]
    resources = sorted(dataset.resources.all(), key=lambda r: (r.position, r.created))
    assert [r["id"] for r in result["resources"]] == [str(r.pk) for r in resources]
    shown = {r["id"]: r for r in result["resources"]}
    uploaded = shown[str(file.pk)]
    assert uploaded["url_type"] == "upload" and uploaded["url"].startswith("http://testserver/")
    assert uploaded["url"].endswith("/" + file.filename)
    assert uploaded["size"] == file.size and uploaded["package_id"] == str(dataset.pk)
    assert uploaded["created"] == iso(file.created)
    assert uploaded["last_modified"] == iso(file.modified)
    single = client.get(BASE + "resource_show", {"id": str(file.pk)}).json()["result"]
    assert single == uploaded
    english = client.get(
        BASE + "package_show", {"id": "shelters"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()["result"]
    assert english["groups"][0]["display_name"] == "Disaster"
    search = client.get(BASE + "package_search", {"q": "避難所"}).json()["result"]
    assert search["results"] == [result]


def test_package_show_tracking_summary_counts_views_and_downloads(client, published, miyakonojo):
    from datetime import timedelta

    from django.utils import timezone

    from kanmin.catalog import services
    from kanmin.catalog.models import DailyCount, HitKind

    resource = published.resources.get()
    for _ in range(3):
        services.hit_count(
            municipality=miyakonojo, actor=None, dataset=published, kind=HitKind.VIEW
        )
    services.hit_count(
        municipality=miyakonojo,
        actor=None,
        dataset=published,
        kind=HitKind.DOWNLOAD,
        resource=resource,
    )
    # Counted 20 days ago: in the total, not in the last 14 days.
    DailyCount.all_tenants.create(
        municipality=miyakonojo,
        dataset=published,
        kind=HitKind.VIEW,
        day=timezone.localdate() - timedelta(days=20),
        count=5,
    )
    params = {"id": "population-2024", "include_tracking": "true"}
    result = client.get(BASE + "package_show", params).json()["result"]
    assert result["tracking_summary"] == {"total": 8, "recent": 3}
    assert result["resources"][0]["tracking_summary"] == {"total": 1, "recent": 1}
    services.hit_count(municipality=miyakonojo, actor=None, dataset=published, kind=HitKind.VIEW)
    again = client.get(BASE + "package_show", params).json()["result"]
    assert again["tracking_summary"] == {"total": 9, "recent": 4}  # not a cached answer
    plain = client.get(BASE + "package_show", {"id": "population-2024"}).json()["result"]
    assert "tracking_summary" not in plain


def test_a_draft_is_not_found_by_the_public_nor_another_municipality(
    client, draft, other_steward, miyazaki, token_for
):
    response = client.get(BASE + "package_show", {"id": "wip"})
    assert response.status_code == 404
    assert response.json()["error"]["__type"] == "Not Found Error"
    assert response.json()["error"]["message"].startswith("Not found: ")
    other = token_for(other_steward, miyazaki)
    assert post(client, "package_show", {"id": "wip"}, token=other).status_code == 404
    assert (
        post(client, "package_show", {"id": "wip"}, base="/api/3/action/", token=other).status_code
        == 404
    )


def test_staff_see_their_drafts_with_a_token(client, draft, token):
    assert post(client, "package_show", {"id": "wip"}, token=token).status_code == 200
    body = post(client, "package_search", {"include_drafts": True}, token=token).json()
    assert body["result"]["count"] == 1


def test_a_token_shows_drafts_only_of_its_own_municipality(
    client, draft, steward, miyazaki, token_for
):
    from kanmin.accounts import services as accounts_services

    # The steward also works for Miyazaki, but this token is Miyazaki's.
    accounts_services.membership_grant(
        municipality=miyazaki, actor=None, user=steward, role="data_steward"
    )
    miyazaki_token = token_for(steward, miyazaki)
    assert post(client, "package_show", {"id": "wip"}, token=miyazaki_token).status_code == 404
    root = "/api/3/action/"
    assert post(client, "package_show", {"id": "wip"}, miyazaki_token, root).status_code == 404
    own = token_for(steward, draft.municipality)
    assert post(client, "package_show", {"id": "wip"}, own, root).status_code == 200


def test_resource_show(client, published):
    rid = str(published.resources.get().pk)
    body = client.get(BASE + "resource_show", {"id": rid}).json()
    assert body["result"]["url"] == "http://example.com/pop.csv"
    assert body["result"]["package_id"] == str(published.pk)
    assert client.get(BASE + "resource_show", {"id": "nope"}).status_code == 404


def test_package_search_japanese_facets_and_paging(client, published, make_dataset):
    make_dataset("chome", "本町一丁目の施設", tags=["施設"])
    body = client.get(
        BASE + "package_search",
        {"q": "本町", "facet.field": '["tags","organization"]'},
    ).json()["result"]
    assert body["count"] == 1
    assert body["results"][0]["name"] == "chome"
    assert body["facets"] == {"tags": {"施設": 1}, "organization": {"johoseisaku": 1}}
    items = body["search_facets"]["organization"]["items"]
    assert items == [{"name": "johoseisaku", "display_name": "情報政策課", "count": 1}]
    page = post(client, "package_search", {"rows": 1, "start": 5}).json()["result"]
    assert page["count"] == 2 and page["results"] == []
    empty = post(client, "package_search", {}).json()["result"]
    assert empty["facets"] == {} and empty["search_facets"] == {}
    assert empty["sort"] == "score desc, metadata_modified desc"


def test_package_search_rejects_unknown_params_and_bad_sort(client, miyakonojo):
    response = post(client, "package_search", {"q": "x", "bogus": 1})
    assert response.status_code == 400
    assert response.json()["error"]["__type"] == "Search Query Error"
    response = post(client, "package_search", {"sort": "nonsense desc"})
    assert response.status_code == 400
    response = client.get(BASE + "package_search", {"facet.field": "tags"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    assert len(error["facet.field"]) == 2  # "Could not parse as valid JSON", "Not a list"
    assert client.get(BASE + "package_search", {"facet.limit": "x"}).status_code == 409


def test_root_sees_all_municipalities_the_prefix_only_one(
    client, published, make_dataset, miyazaki, other_org
):
    make_dataset("kids", "子育て", municipality=miyazaki, organization=other_org)
    root = post(
        client, "package_search", {"facet.field": ["municipality"]}, base="/api/3/action/"
    ).json()["result"]
    assert root["count"] == 2
    assert root["facets"]["municipality"] == {"452025": 1, "452017": 1}
    tenant = post(client, "package_search", {}).json()["result"]
    assert [d["name"] for d in tenant["results"]] == ["population-2024"]
    assert post(client, "package_show", {"id": "kids"}).status_code == 404


def test_the_public_finds_published_datasets_by_id_or_name_and_nothing_else(
    client, make_dataset, miyazaki, other_org
):
    here = make_dataset("shared-name", "都城のデータ")
    there = make_dataset(
        "shared-name", "宮崎のデータ", municipality=miyazaki, organization=other_org
    )
    hidden = {
        state: make_dataset(f"{state}-set", "見えない", state=state)
        for state in ("draft", "private", "withdrawn")
    }

    def shown(id_or_name: str, base: str = BASE) -> str | None:
        response = client.get(base + "package_show", {"id": id_or_name})
        return response.json()["result"]["id"] if response.status_code == 200 else None

    assert shown("shared-name") == str(here.id)
    assert shown(str(there.id)) is None  # another municipality's, under this prefix
    assert shown(str(there.id), "/api/3/action/") == str(there.id)
    assert shown(str(here.id).upper(), "/api/3/action/") == str(here.id)
    # By name at the root: the municipality with the lower code (452017 宮崎市) first.
    assert shown("shared-name", "/api/3/action/") == str(there.id)
    assert shown("no-such-name") is None
    for dataset in hidden.values():
        assert shown(dataset.name, "/api/3/action/") is None
        assert shown(str(dataset.id)) is None


def test_organization_group_tag_and_license_lists(client, published, miyakonojo):
    from kanmin.catalog import services

    group = services.group_create(
        municipality=miyakonojo, actor=None, name="population", title_ja="人口・世帯"
    )
    services.dataset_patch(municipality=miyakonojo, actor=None, dataset=published, groups=[group])
    assert post(client, "organization_list").json()["result"] == ["johoseisaku"]
    orgs = post(client, "organization_list", {"all_fields": True}).json()["result"]
    assert orgs[0]["package_count"] == 1 and orgs[0]["display_name"] == "情報政策課"
    org = post(client, "organization_show", {"id": "johoseisaku", "include_datasets": True})
    assert org.json()["result"]["packages"][0]["name"] == "population-2024"
    assert post(client, "group_list").json()["result"] == ["population"]
    shown = post(client, "group_show", {"id": "population", "include_datasets": True}).json()
    assert shown["result"]["packages"][0]["name"] == "population-2024"
    assert sorted(post(client, "tag_list").json()["result"]) == ["人口", "統計"]
    licenses = post(client, "license_list").json()["result"]
    ids = [lic["id"] for lic in licenses]
    assert ids[0] == "cc-by-4.0" and "gov-jp-2.0" in ids and "cc-zero" in ids
    assert licenses[0]["domain_data"] == "True"
    current = post(client, "current_package_list_with_resources").json()["result"]
    assert current[0]["resources"][0]["name"] == "人口CSV"


def test_writes_need_a_token(client, org):
    response = post(client, "package_create", {"name": "x1", "owner_org": "johoseisaku"})
    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"
    assert response.json()["error"]["message"].startswith("Access denied: ")


def test_a_token_of_another_municipality_cannot_write_here(
    client, org, other_steward, miyazaki, token_for
):
    other = token_for(other_steward, miyazaki)
    response = post(client, "package_create", {"name": "x1", "owner_org": "johoseisaku"}, other)
    assert response.status_code == 403
    assert not Dataset.all_tenants.exists()


def test_create_update_patch_delete_cycle(client, org, token):
    created = post(
        client,
        "package_create",
        {
            "name": "aed",
            "title": "AED設置箇所一覧",
            "owner_org": "johoseisaku",
            "tags": [{"name": "防災"}],
            "license_id": "gov-jp-2.0",
            "resources": [{"url": "https://example.jp/aed.csv", "name": "AED一覧"}],
        },
        token,
    )
    assert created.status_code == 200, created.content
    result = created.json()["result"]
    assert result["state"] == "active" and result["private"] is False
    assert result["resources"][0]["format"] == "CSV"
    version = result["kanmin_version"]

    patched = post(client, "package_patch", {"id": "aed", "notes": "市内のAED"}, token)
    assert patched.json()["result"]["notes"] == "市内のAED"
    assert patched.json()["result"]["title"] == "AED設置箇所一覧"

    stale = post(
        client, "package_update", {"id": "aed", "title": "古い", "kanmin_version": version}, token
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["__type"] == "Validation Error"
    assert "version" in stale.json()["error"]

    updated = post(
        client,
        "package_update",
        {**patched.json()["result"], "title": "AED一覧", "private": True},
        token,
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["result"]["private"] is True
    assert updated.json()["result"]["resources"][0]["name"] == "AED一覧"

    duplicate = post(client, "package_create", {"name": "aed", "owner_org": "johoseisaku"}, token)
    assert duplicate.status_code == 409
    assert len(duplicate.json()["error"]["name"]) == 1

    deleted = post(client, "package_delete", {"id": "aed"}, token)
    assert deleted.json() == {
        "help": "http://testserver/m/452025/api/3/action/help_show?name=package_delete",
        "success": True,
        "result": None,
    }
    # CKAN's delete: the staff still see it, as deleted; the public does not.
    shown = post(client, "package_show", {"id": "aed"}, token)
    assert shown.status_code == 200, shown.content
    assert shown.json()["result"]["state"] == "deleted"
    assert post(client, "package_show", {"id": "aed"}).status_code == 404
    assert Dataset.all_tenants.get().state == "withdrawn"

    purged = post(client, "dataset_purge", {"id": "aed"}, token)
    assert purged.status_code == 200, purged.content
    assert not Dataset.all_tenants.exists()
    assert post(client, "package_show", {"id": "aed"}, token).status_code == 404


def test_validation_errors_name_the_fields(client, org, token):
    body = post(client, "package_create", {"name": "Bad Name"}, token).json()
    assert body["error"]["__type"] == "Validation Error"
    assert "owner_org" in body["error"]
    body = post(client, "package_create", {"name": "Bad Name", "owner_org": "johoseisaku"}, token)
    assert "name" in body.json()["error"]


def test_resource_upload_update_and_delete(client, published, token):
    upload = SimpleUploadedFile("452025_aed.csv", "名称\n市役所\n".encode(), "text/csv")
    response = client.post(
        BASE + "resource_create",
        {"package_id": "population-2024", "upload": upload, "description": "AED"},
        HTTP_AUTHORIZATION=token,
    )
    assert response.status_code == 200, response.content
    resource = response.json()["result"]
    assert resource["url_type"] == "upload"
    assert resource["format"] == "CSV"
    assert resource["url"].startswith(
        f"http://testserver/m/452025/dataset/{published.pk}/resource/{resource['id']}/download/"
    )
    download = client.get(resource["url"])
    assert b"".join(download.streaming_content).decode() == "名称\n市役所\n"

    changed = post(client, "resource_update", {"id": resource["id"], "name": "AED"}, token)
    assert changed.json()["result"]["name"] == "AED"
    assert changed.json()["result"]["url_type"] == "upload"
    gone = post(client, "resource_delete", {"id": resource["id"]}, token)
    assert gone.json()["success"] is True
    assert client.get(resource["url"]).status_code == 404


def test_x_ckan_api_key_and_form_bodies_work(client, org, token):
    response = client.post(
        BASE + "package_create",
        {"name": "formed", "owner_org": "johoseisaku"},
        HTTP_X_CKAN_API_KEY=token,
    )
    assert response.status_code == 200, response.content
    legacy = client.post(
        BASE + "package_show",
        data=json.dumps({"id": "formed"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert legacy.status_code == 200, legacy.content


def test_package_search_query_count_does_not_grow_with_results(
    client, make_dataset, django_assert_max_num_queries
):
    for i in range(15):
        make_dataset(
            f"ds-{i:02}",
            f"データ{i}",
            tags=["防災", f"t{i}"],
            resources=[{"url": f"https://example.jp/{i}.csv"}],
        )
    with django_assert_max_num_queries(12):
        body = post(
            client, "package_search", {"rows": 15, "facet.field": ["tags", "res_format"]}
        ).json()
    assert len(body["result"]["results"]) == 15


@pytest.fixture(params=["file", "redis"])
def answer_cache(request, settings, tmp_path):
    """The cache of API answers: the embedded default (a SQLite file of its own), and Redis
    (on this machine, as KANMIN_CACHE_URL would name it)."""
    from kanmin.core import conf

    url = "redis://127.0.0.1:6379/0" if request.param == "redis" else ""
    settings.CACHES = conf.caches(url, tmp_path)
    return request.param


def _retitle_unseen(dataset, title):
    """Change a title behind the catalog's back (no service, so no new generation token):
    an answer that still shows the old title came from the cache."""
    Dataset.all_tenants.filter(pk=dataset.pk).update(title_ja=title)


def test_anonymous_answers_are_reused_until_the_catalog_changes(
    client, make_dataset, miyakonojo, steward, answer_cache
):
    dataset = make_dataset("cached", "キャッシュの確認")
    url = "/api/3/action/package_show?id=cached"
    first = client.get(url)
    assert first.json()["result"]["title"] == "キャッシュの確認"
    _retitle_unseen(dataset, "見えない変更")
    assert client.get(url).content == first.content
    dispatch._recent.clear()  # what this process keeps in front: the shared cache answers
    assert client.get(url).content == first.content
    assert client.get(url + "&x=1").json()["result"]["title"] == "見えない変更"
    services.dataset_patch(
        municipality=miyakonojo, actor=steward, dataset=dataset, title_ja="変更後の題名"
    )
    assert client.get(url).json()["result"]["title"] == "変更後の題名"
    _retitle_unseen(dataset, "職員には見える")
    client.force_login(steward)  # staff answers are never taken from the cache
    assert client.get(url).json()["result"]["title"] == "職員には見える"


def test_an_answer_larger_than_the_limit_is_not_kept(
    client, make_dataset, answer_cache, monkeypatch
):
    dataset = make_dataset("large", "大きな答え")
    url = "/api/3/action/package_show?id=large"
    size = len(client.get(url).content)
    monkeypatch.setattr(dispatch, "ANSWER_KEPT_MAX_BYTES", size - 1)
    client.get(url + "&again=1")
    _retitle_unseen(dataset, "見える変更")
    assert client.get(url + "&again=1").json()["result"]["title"] == "見える変更"


def test_each_language_and_address_has_its_own_answer(
    client, make_dataset, miyakonojo, answer_cache
):
    dataset = make_dataset("keyed", "鍵の確認")
    root = "/api/3/action/package_show?id=keyed"
    tenant = "/m/452025/api/3/action/package_show?id=keyed"
    assert client.get(root).json()["result"]["title"] == "鍵の確認"
    _retitle_unseen(dataset, "別の題名")
    assert client.get(root, HTTP_ACCEPT_LANGUAGE="en").json()["result"]["title"] == "別の題名"
    assert client.get(tenant).json()["result"]["title"] == "別の題名"
    assert client.get(root).json()["result"]["title"] == "鍵の確認"


def test_the_recent_answers_in_front_are_bounded_and_follow_the_token():
    recent = dispatch._RecentAnswers(max_bytes=1000)
    for i in range(10):
        recent.put(f"ckan:t1:{i}", bytes([i]) * 100)
    assert recent.get("ckan:t1:0") == bytes([0]) * 100  # now the most recent
    recent.put("ckan:t1:10", b"x" * 100)  # over 1000 bytes: the least recent goes
    assert recent.get("ckan:t1:1") is None
    assert recent.get("ckan:t1:0") and recent.get("ckan:t1:10") and recent.bytes == 1000
    recent.put("ckan:t1:huge", b"h" * 126)  # over an eighth of the budget: not kept
    assert recent.get("ckan:t1:huge") is None
    recent.put("ckan:t2:0", b"new")  # a catalog write moved the token: the rest is dropped
    assert recent.get("ckan:t1:0") is None and recent.get("ckan:t1:10") is None
    assert recent.get("ckan:t2:0") == b"new" and recent.bytes == 3


def test_a_cache_that_cannot_be_reached_only_costs_time(client, make_dataset, settings):
    from kanmin.core import conf

    settings.CACHES = conf.caches("redis://127.0.0.1:1/0")  # nothing listens on port 1
    make_dataset("uncached", "キャッシュなし")
    body = client.get("/api/3/action/package_show?id=uncached").json()
    assert body["success"] is True and body["result"]["title"] == "キャッシュなし"


def test_an_uncached_search_reads_the_generation_token_once(client, make_dataset):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kanmin.catalog.models import SearchGeneration

    make_dataset("token-once", "一度だけ")
    table = SearchGeneration._meta.db_table
    for q in ("一度", "だけ"):  # the second with the index already built
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/3/action/package_search", {"q": q}).json()
        assert body["result"]["count"] == 1
        assert sum(table in query["sql"] for query in queries.captured_queries) == 1
