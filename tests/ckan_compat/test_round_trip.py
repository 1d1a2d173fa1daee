"""A CKAN catalog moved into Kanmin and out again with the real ``ckanapi load`` and
``ckanapi dump`` (issue 18): every field of CKAN's default schema comes back as it went in.

The files are shaped as ``ckanapi dump`` writes them from a CKAN 2.12 with the default schema
(one JSON object a line). What cannot be equal, and why, is asserted as the documented mapping:

* ids are unique across every municipality of a Kanmin, so a copy from one municipality into
  another gets new ids (and the datasets find their organization and groups by name);
* a deleted dataset is also ``private`` (Kanmin has one state: 公開停止 is not public);
* organizations and groups keep id, name, title, description, image_url and extras (not
  their users: staff and roles are managed in Kanmin).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ckanapi
import pytest

from tests.ckan_compat.conftest import run_ckanapi

pytestmark = pytest.mark.django_db(transaction=True)

ORG_ID = "1b6a3c52-6f43-4a8e-9d5b-6e2a2f1c0a01"
ORG2_ID = "1b6a3c52-6f43-4a8e-9d5b-6e2a2f1c0a02"
GROUP_ID = "2c7b4d63-7054-4b9f-8e6c-7f3b3a2d1b01"
GROUP2_ID = "2c7b4d63-7054-4b9f-8e6c-7f3b3a2d1b02"


def _org(
    id: str, name: str, title: str, description: str, *, group: bool = False, **fields: Any
) -> dict:
    kind = "group" if group else "organization"
    base = {
        "approval_status": "approved",
        "created": "2024-04-01T09:00:00.000000",
        "description": description,
        "display_name": title,
        "id": id,
        "image_display_url": "",
        "image_url": "",
        "is_organization": not group,
        "name": name,
        "num_followers": 0,
        "package_count": 1,
        "state": "active",
        "title": title,
        "type": kind,
        "extras": [],
        "groups": [],
        "tags": [],
        "users": [{"name": "ckan_admin", "capacity": "admin"}],
    }
    return {**base, **fields}


def _resource(id: str, package_id: str, position: int, **fields: Any) -> dict:
    return {
        "cache_last_updated": None,
        "cache_url": None,
        "created": "2024-04-01T09:00:00.000000",
        "datastore_active": False,
        "description": "",
        "format": "CSV",
        "hash": "",
        "id": id,
        "last_modified": None,
        "metadata_modified": "2024-04-01T09:00:00.000000",
        "mimetype": None,
        "mimetype_inner": None,
        "name": "",
        "package_id": package_id,
        "position": position,
        "resource_type": None,
        "size": None,
        "state": "active",
        "url": "",
        "url_type": None,
        **fields,
    }


def _dataset(id: str, name: str, **fields: Any) -> dict:
    base = {
        "author": None,
        "author_email": None,
        "creator_user_id": "6d3f0e1a-0000-4000-8000-000000000001",
        "extras": [],
        "groups": [],
        "id": id,
        "isopen": True,
        "license_id": "cc-by",
        "license_title": "Creative Commons Attribution",
        "maintainer": None,
        "maintainer_email": None,
        "metadata_created": "2024-04-01T09:00:00.000000",
        "metadata_modified": "2024-04-02T09:00:00.000000",
        "name": name,
        "notes": "",
        "num_resources": 0,
        "num_tags": 0,
        "organization": {"id": ORG_ID, "name": "soumu", "title": "総務課"},
        "owner_org": ORG_ID,
        "private": False,
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "resources": [],
        "state": "active",
        "tags": [],
        "title": name,
        "type": "dataset",
        "url": None,
        "version": None,
    }
    return {**base, **fields}


def ckan_catalog() -> dict[str, list[dict]]:
    """A small CKAN catalog as ``ckanapi dump`` gives it: two organizations, two groups and
    datasets that use every field of CKAN's default schema and CKAN's licence ids."""
    population = "3a36f80c-95a0-4289-aa62-ade1e7756bc5"
    budget = "4b47091d-a6b1-439a-bb73-bef2f8867cd6"
    old = "5c581a2e-b7c2-44ab-8c84-c0f309978de7"
    return {
        "organizations": [
            _org(
                ORG_ID,
                "soumu",
                "総務課",
                "市の統計を担当",
                image_url="https://www.city.example.jp/logo/soumu.png",
                image_display_url="https://www.city.example.jp/logo/soumu.png",
                extras=[{"key": "部局コード", "value": "01"}],
            ),
            _org(ORG2_ID, "zaisei", "財政課", ""),
        ],
        "groups": [
            _org(GROUP_ID, "population", "人口・世帯", "人口に関するデータ", group=True),
            _org(
                GROUP2_ID,
                "finance",
                "財政",
                "",
                group=True,
                extras=[
                    {
                        "key": "theme",
                        "value": "http://publications.europa.eu/resource/authority/data-theme/ECON",
                    }
                ],
            ),
        ],
        "datasets": [
            _dataset(
                population,
                "population-2024",
                title="人口統計 2024年",
                notes="町丁目別の人口と世帯数\n\n毎月更新",
                url="https://www.city.example.jp/toukei/",
                version="2024.04",
                author="総務課 統計係",
                author_email="toukei@city.example.jp",
                maintainer="総務課",
                maintainer_email="soumu@city.example.jp",
                license_id="cc-by",
                license_url="http://www.opendefinition.org/licenses/cc-by",
                extras=[
                    {"key": "source_system", "value": "CKAN 2.9"},
                    {"key": "spatial_text", "value": "都城市全域"},
                    {"key": "公開レベル", "value": "2"},
                ],
                tags=[
                    {"name": "人口", "display_name": "人口", "state": "active"},
                    {"name": "統計", "display_name": "統計", "state": "active"},
                ],
                groups=[{"id": GROUP_ID, "name": "population", "title": "人口・世帯"}],
                num_tags=2,
                num_resources=2,
                resources=[
                    _resource(
                        "71227edb-1350-4ca7-86f1-19015e12d510",
                        population,
                        0,
                        name="人口CSV",
                        description="町丁目別",
                        url="https://www.city.example.jp/toukei/pop.csv",
                        mimetype="text/csv",
                        size=12345,
                        hash="sha256:0f1e2d",
                        resource_type="file",
                        schema_url="https://www.city.example.jp/schema.json",
                    ),
                    _resource(
                        "82338fec-2461-4db8-97a3-2a126f23e621",
                        population,
                        1,
                        name="人口PDF",
                        format="PDF",
                        url="https://www.city.example.jp/toukei/pop.pdf",
                    ),
                ],
            ),
            _dataset(
                budget,
                "budget",
                title="予算書",
                notes="当初予算",
                license_id="odc-odbl",
                license_title="Open Data Commons Open Database License (ODbL)",
                organization={"id": ORG2_ID, "name": "zaisei", "title": "財政課"},
                owner_org=ORG2_ID,
                private=True,
                groups=[{"id": GROUP2_ID, "name": "finance", "title": "財政"}],
                tags=[{"name": "予算", "display_name": "予算", "state": "active"}],
                num_tags=1,
            ),
            _dataset(
                old,
                "old-survey",
                title="旧調査",
                license_id="other-at",
                license_title="Other (Attribution)",
                state="deleted",
                extras=[{"key": "note", "value": ""}],
            ),
        ],
    }


DATASET_FIELDS = (
    "id name title notes url version author author_email maintainer maintainer_email"
    " license_id owner_org private state type"
).split()
RESOURCE_FIELDS = (
    "id url name description format mimetype mimetype_inner size hash position"
    " resource_type url_type state"
).split()


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _load(kind: str, path: Path, url: str, token: str) -> None:
    result = run_ckanapi("load", kind, "-I", str(path), "-r", url, "-a", token)
    assert result.returncode == 0, result.stderr
    # ckanapi load reports failures on stderr without failing: none may be there.
    for line in result.stderr.splitlines():
        assert '"ValidationError"' not in line and "NotFound" not in line, line
        assert "NotAuthorized" not in line, line


def _dump(kind: str, names: list[str], url: str, token: str) -> dict[str, dict]:
    result = run_ckanapi("dump", kind, *names, "-r", url, "-a", token)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return {row["name"]: row for row in rows}


def _dataset_view(d: dict, *, ids: bool = True) -> dict:
    """The fields of CKAN's default schema, in a comparable form."""
    view = {k: d.get(k) for k in DATASET_FIELDS}
    view["notes"] = view["notes"] or ""
    view["extras"] = sorted((e["key"], e["value"]) for e in d.get("extras") or [])
    view["tags"] = sorted(t["name"] for t in d["tags"])
    view["groups"] = sorted(g["name"] for g in d["groups"])
    view["resources"] = [
        {
            **{k: r.get(k) for k in RESOURCE_FIELDS},
            "schema_url": r.get("schema_url"),
        }
        for r in d["resources"]
    ]
    if not ids:
        del view["id"], view["owner_org"]
        for r in view["resources"]:
            del r["id"]
    return view


def test_a_ckan_catalog_loads_and_dumps_back_field_by_field(
    catalog: dict[str, Any], tmp_path: Path
) -> None:
    source = ckan_catalog()
    url, token = catalog["url"], catalog["token"]
    for kind in ("organizations", "groups", "datasets"):
        _load(kind, _jsonl(tmp_path / f"{kind}.jsonl", source[kind]), url, token)

    orgs = _dump("organizations", ["soumu", "zaisei"], url, token)
    groups = _dump("groups", ["population", "finance"], url, token)
    for kind, dumped in (("organizations", orgs), ("groups", groups)):
        for before in source[kind]:
            after = dumped[before["name"]]
            for key in (
                *("id", "name", "title", "description", "type", "is_organization", "state"),
                *("image_url", "image_display_url", "extras"),
            ):
                assert after[key] == before[key], (kind, before["name"], key)

    names = [d["name"] for d in source["datasets"]]
    dumped_datasets = _dump("datasets", names, url, token)
    for before in source["datasets"]:
        after = dumped_datasets[before["name"]]
        expected = _dataset_view(before)
        if before["state"] == "deleted":
            expected["private"] = True  # documented: Kanmin's 公開停止 is not public
        assert _dataset_view(after) == expected, before["name"]
        assert after["license_title"] == before["license_title"]
        if before["license_id"] != "odc-odbl":  # Kanmin links ODbL to opendatacommons.org
            assert after.get("license_url") == before.get("license_url")

    # The public sees what CKAN's public would: the private and the deleted ones are hidden.
    with ckanapi.RemoteCKAN(url) as public:
        assert "population-2024" in public.action.package_list()
        for hidden in ("budget", "old-survey"):
            with pytest.raises(ckanapi.NotFound):
                public.action.package_show(id=hidden)
        licences = {lic["id"]: lic for lic in public.action.license_list()}
        assert licences["cc-by"]["od_conformance"] == "approved"
        assert licences["cc-nc"]["od_conformance"] == "not reviewed"
        assert licences["cc-by-4.0"]["url"].startswith("https://creativecommons.org/")

    # Loaded again: found by id and updated in place, nothing duplicated or lost.
    _load("datasets", tmp_path / "datasets.jsonl", url, token)
    again = _dump("datasets", names, url, token)
    for name in names:
        assert _dataset_view(again[name]) == _dataset_view(dumped_datasets[name])


def test_a_kanmin_catalog_copies_into_another_municipality(
    catalog: dict[str, Any], tmp_path: Path
) -> None:
    source = ckan_catalog()
    url, token = catalog["url"], catalog["token"]
    for kind in ("organizations", "groups", "datasets"):
        _load(kind, _jsonl(tmp_path / f"{kind}.jsonl", source[kind]), url, token)
    # Kanmin's own fields travel too: at the top level and as extras.
    with ckanapi.RemoteCKAN(url, apikey=token) as ck:
        ck.action.package_patch(
            id="aed",
            title_en="AED locations",
            update_frequency="monthly",
            temporal_start="2024-04-01",
        )
        aed = ck.action.package_show(id="aed")
    assert {"key": "title_en", "value": "AED locations"} in aed["extras"]
    assert {"key": "update_frequency", "value": "monthly"} in aed["extras"]

    org_names = ["bosai", "soumu", "zaisei"]
    group_names = ["population", "finance"]
    names = ["aed", "shelter", "shops", "population-2024", "budget", "old-survey"]
    out = tmp_path / "out"
    out.mkdir()
    dumps = {
        "organizations": _dump("organizations", org_names, url, token),
        "groups": _dump("groups", group_names, url, token),
        "datasets": _dump("datasets", names, url, token),
    }
    other, other_token = catalog["miyazaki_url"], catalog["token_miyazaki"]
    for kind, rows in dumps.items():
        _load(kind, _jsonl(out / f"{kind}.jsonl", list(rows.values())), other, other_token)

    copied = _dump("datasets", names, other, other_token)
    for name in names:
        before, after = dumps["datasets"][name], copied[name]
        # Documented: ids are unique across municipalities, so the copy has new ones.
        assert after["id"] != before["id"]
        assert _dataset_view(after, ids=False) == _dataset_view(before, ids=False), name
        assert after["organization"]["name"] == before["organization"]["name"]
        for key in ("title_en", "update_frequency", "temporal_start", "spatial_text"):
            assert after[key] == before[key], (name, key)
    copied_orgs = _dump("organizations", org_names, other, other_token)
    # 宮崎市 already had its own "bosai": it was updated from the copy, keeping its id.
    assert copied_orgs["bosai"]["title"] == "危機管理課"
    for name in ("soumu", "zaisei"):
        for key in ("title", "description", "image_url", "extras"):
            assert copied_orgs[name][key] == dumps["organizations"][name][key]
        assert copied_orgs[name]["id"] != dumps["organizations"][name]["id"]
    copied_groups = _dump("groups", group_names, other, other_token)
    assert copied_groups["finance"]["extras"] == dumps["groups"]["finance"]["extras"]


def test_ids_given_on_create_are_kept_or_refused(catalog: dict[str, Any]) -> None:
    given = "9f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f"
    resource_id = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token"]) as ck:
        org = ck.action.organization_create(
            id="11111111-2222-4333-8444-555555555555", name="kikaku", title="企画課"
        )
        assert org["id"] == "11111111-2222-4333-8444-555555555555"
        group = ck.action.group_create(name="kanko", title="観光")
        assert ck.action.group_show(id="kanko")["id"] == group["id"]
        created = ck.action.package_create(
            id=given,
            name="kanko-spots",
            owner_org="kikaku",
            groups=[{"name": "kanko"}],
            resources=[{"id": resource_id, "url": "https://example.jp/a.csv", "name": "a"}],
        )
        assert created["id"] == given
        assert created["resources"][0]["id"] == resource_id
        with pytest.raises(ckanapi.ValidationError) as taken:
            ck.action.package_create(id=given, name="other-name", owner_org="kikaku")
        # CKAN's "Dataset id already exists" (in the API's language)
        assert len(taken.value.error_dict["id"]) == 1
        with pytest.raises(ckanapi.ValidationError) as taken:
            ck.action.resource_create(package_id="kanko-spots", id=resource_id, url="https://x.jp")
        assert len(taken.value.error_dict["id"]) == 1
        with pytest.raises(ckanapi.ValidationError):
            ck.action.group_create(id=group["id"], name="kanko2")
        with pytest.raises(ckanapi.ValidationError):
            ck.action.package_create(id="not-a-uuid", name="x-1", owner_org="kikaku")
        # CKAN's rule: an extra may not take the name of a field of the schema.
        with pytest.raises(ckanapi.ValidationError) as clash:
            ck.action.package_create(
                name="x-2", owner_org="kikaku", extras=[{"key": "title", "value": "x"}]
            )
        assert clash.value.error_dict["extras"][0].startswith("title: ")

        patched = ck.action.organization_patch(id="kikaku", description="企画と広報")
        assert (patched["title"], patched["description"]) == ("企画課", "企画と広報")
        updated = ck.action.group_update(id="kanko", name="kanko", title="観光・文化")
        assert updated["title"] == "観光・文化"
        assert ck.action.group_patch(id="kanko", title_en="Tourism")["title"] == "観光・文化"
        # An organization that still publishes datasets is not deleted.
        with pytest.raises(ckanapi.ValidationError):
            ck.action.organization_delete(id="kikaku")
        ck.action.group_delete(id="kanko")
        assert ck.action.package_show(id=given)["groups"] == []
        ck.action.dataset_purge(id=given)
        ck.action.organization_delete(id="kikaku")
        with pytest.raises(ckanapi.NotFound):
            ck.action.organization_show(id="kikaku")
    # Without a token, or with another municipality's, nothing is written.
    with ckanapi.RemoteCKAN(catalog["url"]) as anonymous:
        with pytest.raises(ckanapi.NotAuthorized):
            anonymous.action.organization_create(name="x-org", title="X")
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token_miyazaki"]) as other:
        with pytest.raises(ckanapi.NotAuthorized):
            other.action.group_create(name="x-group", title="X")
        with pytest.raises(ckanapi.NotAuthorized):
            other.action.organization_update(id="bosai", title="乗っ取り")


def test_package_revise_match_filter_update(catalog: dict[str, Any]) -> None:
    with ckanapi.RemoteCKAN(catalog["url"], apikey=catalog["token"]) as ck:
        ck.action.group_create(name="iryo", title="医療")
        aed = ck.action.package_show(id="aed")
        first = aed["resources"][0]["id"]
        ck.action.resource_create(package_id="aed", url="https://example.jp/aed2.csv", name="2")

        # A match that fails changes nothing.
        with pytest.raises(ckanapi.ValidationError) as failed:
            ck.action.package_revise(match={"name": "aed", "title": "違う題名"}, update={})
        assert [m.split()[0] for m in failed.value.error_dict["match"]] == ["title"]
        assert ck.action.package_show(id="aed")["title"] == "AED設置箇所一覧"

        # An id's prefix names the resource; a prefix of digits only would be read as a
        # position in the list (as CKAN reads it), so it runs to the id's first hyphen then.
        prefix = first[:9] if first[:6].isdigit() else first[:6]
        revised = ck.action.package_revise(
            match={"id": aed["id"], "resources": [{"name": "452025_aed.csv"}]},
            filter=["-notes", "-resources__1"],
            update={"title": "AED一覧", "extras": [{"key": "source", "value": "消防局"}]},
            **{f"update__resources__{prefix}__description": "市内のAED"},
        )["package"]
        assert revised["title"] == "AED一覧"
        assert [r["name"] for r in revised["resources"]] == ["452025_aed.csv"]
        assert revised["resources"][0]["description"] == "市内のAED"
        assert revised["extras"] == [{"key": "source", "value": "消防局"}]
        # Dataset fields not named keep their values.
        assert [t["name"] for t in revised["tags"]] == ["医療", "防災"]

        extended = ck.action.package_revise(
            match={"name": "aed"},
            update__resources__extend=[{"url": "https://example.jp/aed.json", "name": "json"}],
            include=["+resources", "-*"],
        )["package"]
        assert list(extended) == ["resources"]
        assert [r["name"] for r in extended["resources"]] == ["452025_aed.csv", "json"]

        member = ck.action.member_create(
            id="iryo", object="aed", object_type="package", capacity="public"
        )
        assert member["table_name"] == "package"
        assert [g["name"] for g in ck.action.package_show(id="aed")["groups"]] == ["iryo"]
        ck.action.member_delete(id="iryo", object="aed", object_type="package")
        assert ck.action.package_show(id="aed")["groups"] == []
        with pytest.raises(ckanapi.ValidationError):
            ck.action.member_create(id="iryo", object="steward", object_type="user")
