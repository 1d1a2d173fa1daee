from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.audit.models import AuditEvent
from kanmin.catalog import selectors, services
from kanmin.catalog.models import Dataset, DatasetState, Resource
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_a_steward_creates_a_draft_dataset_with_its_audit_entry(miyakonojo, steward, org):
    dataset = services.dataset_create(
        municipality=miyakonojo,
        actor=steward,
        organization=org,
        name="aed",
        title_ja="AED設置箇所一覧",
        tags=["防災", "医療"],
        license_id="gov-jp-2.0",
    )
    assert dataset.state == DatasetState.DRAFT
    assert dataset.license_id == "gov-jp-2.0"
    assert sorted(t.name for t in dataset.tags.all()) == ["医療", "防災"]
    event = AuditEvent.objects.get(action="catalog.dataset.create")
    assert event.actor_name == "steward"
    assert event.changes["after"]["tags"] == ["医療", "防災"]


def test_the_default_license_is_cc_by_4(make_dataset):
    assert make_dataset("aed", "AED").license_id == "cc-by-4.0"


def test_an_unknown_license_is_refused(make_dataset):
    with pytest.raises(Invalid) as caught:
        make_dataset("aed", "AED", license_id="wtfpl")
    assert "license_id" in caught.value.fields


def test_a_name_in_use_is_refused_with_a_clear_error(make_dataset):
    make_dataset("aed", "AED")
    with pytest.raises(Invalid) as caught:
        make_dataset("aed", "AED 2")
    assert caught.value.code == "name_taken"
    assert len(caught.value.fields["name"]) == 1


def test_the_same_name_may_be_used_by_another_municipality(make_dataset, miyazaki, other_org):
    make_dataset("aed", "AED")
    make_dataset("aed", "AED", municipality=miyazaki, organization=other_org)
    assert Dataset.all_tenants.filter(name="aed").count() == 2


@pytest.mark.parametrize("name", ["AED", "a", "aed list", "ａｅｄ", "避難所"])
def test_a_bad_name_is_refused(make_dataset, name):
    with pytest.raises(Invalid) as caught:
        make_dataset(name, "x")
    assert "name" in caught.value.fields


def test_department_staff_cannot_create_datasets(make_user, miyakonojo, org):
    clerk = make_user("clerk", "department_staff", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.dataset_create(
            municipality=miyakonojo, actor=clerk, organization=org, name="x1", title_ja="x"
        )


def test_a_steward_of_another_municipality_cannot_write(
    make_dataset, miyakonojo, miyazaki, other_steward, org
):
    dataset = make_dataset("aed", "AED", state=DatasetState.DRAFT)
    with pytest.raises(PermissionDenied):
        services.dataset_patch(
            municipality=miyakonojo, actor=other_steward, dataset=dataset, title_ja="乗っ取り"
        )
    with pytest.raises(PermissionDenied):
        services.dataset_create(
            municipality=miyakonojo, actor=other_steward, organization=org, name="y1"
        )
    with pytest.raises((NotFound, PermissionDenied)):  # via their own municipality
        services.dataset_delete(municipality=miyazaki, actor=other_steward, dataset=dataset)
    assert Dataset.all_tenants.get(pk=dataset.pk).title_ja == "AED"


def test_a_stale_version_is_refused_and_nothing_is_lost(make_dataset, miyakonojo, steward):
    dataset = make_dataset("aed", "AED")
    first = services.dataset_patch(
        municipality=miyakonojo,
        actor=steward,
        dataset=dataset,
        expected_version=dataset.version,
        notes_ja="一人目の編集",
    )
    assert first.version == dataset.version + 1
    with pytest.raises(Conflict) as caught:
        services.dataset_patch(
            municipality=miyakonojo,
            actor=steward,
            dataset=dataset,
            expected_version=dataset.version,
            notes_ja="二人目の編集",
        )
    assert "version" in caught.value.fields
    assert Dataset.all_tenants.get(pk=dataset.pk).notes_ja == "一人目の編集"


def test_update_resets_fields_not_given_and_patch_keeps_them(make_dataset, miyakonojo, steward):
    dataset = make_dataset("aed", "AED", notes_ja="説明", tags=["防災"])
    patched = services.dataset_patch(
        municipality=miyakonojo, actor=steward, dataset=dataset, title_ja="AED一覧"
    )
    assert patched.notes_ja == "説明"
    updated = services.dataset_update(
        municipality=miyakonojo, actor=steward, dataset=patched, name="aed", title_ja="AED"
    )
    assert updated.notes_ja == ""
    assert list(updated.tags.all()) == []


def test_publish_withdraw_and_private(make_dataset, miyakonojo, steward, make_user):
    dataset = make_dataset("aed", "AED", state=DatasetState.DRAFT)
    clerk = make_user("clerk", "department_staff", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.dataset_publish(municipality=miyakonojo, actor=clerk, dataset=dataset)
    dataset = services.dataset_publish(municipality=miyakonojo, actor=steward, dataset=dataset)
    assert dataset.state == DatasetState.PUBLISHED
    dataset = services.dataset_make_private(municipality=miyakonojo, actor=steward, dataset=dataset)
    assert dataset.state == DatasetState.PRIVATE
    dataset = services.dataset_withdraw(municipality=miyakonojo, actor=steward, dataset=dataset)
    assert dataset.state == DatasetState.WITHDRAWN
    actions = list(
        AuditEvent.objects.filter(object_id=str(dataset.pk)).values_list("action", flat=True)
    )
    assert actions == [
        "catalog.dataset.create",
        "catalog.dataset.publish",
        "catalog.dataset.make_private",
        "catalog.dataset.withdraw",
    ]


def test_visibility_public_staff_and_other_municipality(
    make_dataset, miyakonojo, steward, other_steward, make_user
):
    make_dataset("open", "公開データ")
    make_dataset("wip", "作成中", state=DatasetState.DRAFT)
    make_dataset("hidden", "非公開", state=DatasetState.PRIVATE)
    auditor = make_user("auditor", "auditor", miyakonojo)

    def names(viewer):
        return sorted(
            selectors.dataset_list(municipality=miyakonojo, viewer=viewer).values_list(
                "name", flat=True
            )
        )

    from django.contrib.auth.models import AnonymousUser

    assert names(AnonymousUser()) == ["open"]
    assert names(other_steward) == ["open"]
    assert names(steward) == ["hidden", "open", "wip"]
    assert names(auditor) == ["hidden", "open", "wip"]  # every staff member may view
    with pytest.raises(NotFound):
        selectors.dataset_get(municipality=None, viewer=other_steward, id_or_name="wip")


def _search(q: str, **kw) -> list[str]:
    result = selectors.dataset_search(municipality=None, viewer=None, q=q, rows=100, **kw)
    return sorted(d.name for d in result.datasets)


def test_search_finds_any_japanese_substring(make_dataset):
    make_dataset("chome", "本町一丁目の人口")
    make_dataset("kana", "ホンマチ商店街の店舗一覧")
    make_dataset("other", "都城市の避難所")
    assert _search("本町") == ["chome"]
    assert _search("町") == ["chome"]
    assert _search("ほんまち") == ["kana"]
    assert _search("ﾎﾝﾏﾁ") == ["kana"]
    assert _search("ホンマチ") == ["kana"]
    assert _search("避難") == ["other"]
    assert _search("") == ["chome", "kana", "other"]


def test_search_covers_notes_tags_and_resource_names(make_dataset):
    make_dataset("a1", "データA", notes_ja="ＡＥＤの設置場所")
    make_dataset("a2", "データB", tags=["子育て"])
    make_dataset(
        "a3", "データC", resources=[{"url": "https://example.jp/x.csv", "name": "保育所一覧"}]
    )
    assert _search("aed") == ["a1"]
    assert _search("子育") == ["a2"]
    assert _search("保育所") == ["a3"]


def test_search_syntax(make_dataset, miyazaki, other_org):
    make_dataset("pop", "人口統計", tags=["人口", "統計"], license_id="cc-zero")
    make_dataset(
        "shelter",
        "避難所一覧",
        tags=["防災"],
        resources=[{"url": "https://example.jp/s.csv", "format": "CSV"}],
    )
    make_dataset("kids", "子育て施設", municipality=miyazaki, organization=other_org)
    assert _search("tags:人口") == ["pop"]
    assert _search("tags:人口 tags:統計") == ["pop"]
    assert _search("人口 OR 避難所") == ["pop", "shelter"]
    assert _search("NOT 人口") == ["kids", "shelter"]
    assert _search("-人口 -避難所") == ["kids"]
    assert _search('"人口統計"') == ["pop"]
    assert _search("res_format:CSV") == ["shelter"]
    assert _search("license_id:cc-zero") == ["pop"]
    assert _search("name:sh*") == ["shelter"]
    assert _search("municipality:452017") == ["kids"]
    assert _search("*:*", fq=["organization:johoseisaku +tags:防災"]) == ["shelter"]
    assert _search("(人口 OR 子育て) AND NOT tags:統計") == ["kids"]


@pytest.mark.parametrize("q", ["nosuchfield:x", "(人口", "人口 AND"])
def test_a_bad_query_is_a_query_error(q):
    from kanmin.catalog.search import QueryError

    with pytest.raises(QueryError):
        _search(q)


def test_facets_and_sort(make_dataset, miyazaki, other_org):
    make_dataset("bb", "B", tags=["防災"], resources=[{"url": "https://e.jp/1.csv"}])
    make_dataset("aa", "A", tags=["防災", "人口"], license_id="cc-zero")
    make_dataset("cc", "C", municipality=miyazaki, organization=other_org)
    result = selectors.dataset_search(
        municipality=None,
        viewer=None,
        sort="name desc",
        facet_fields=["tags", "organization", "res_format", "license_id", "municipality"],
    )
    assert [d.name for d in result.datasets] == ["cc", "bb", "aa"]
    counts = {k: {i.name: i.count for i in v} for k, v in result.facets.items()}
    assert counts["tags"] == {"防災": 2, "人口": 1}
    assert counts["organization"] == {"johoseisaku": 3}
    assert counts["res_format"] == {"CSV": 1}
    assert counts["license_id"] == {"cc-by-4.0": 2, "cc-zero": 1}
    assert counts["municipality"] == {"452025": 2, "452017": 1}


def test_resource_upload_and_delete(make_dataset, miyakonojo, steward):
    dataset = make_dataset("aed", "AED")
    version = dataset.version
    upload = SimpleUploadedFile("452025_aed.csv", "名称,緯度\n市役所,31.7\n".encode())
    resource = services.resource_create(
        municipality=miyakonojo, actor=steward, dataset=dataset, upload=upload
    )
    assert resource.format == "CSV"
    assert resource.name == "452025_aed.csv"
    assert resource.size == len("名称,緯度\n市役所,31.7\n".encode())
    assert resource.file.read().decode() == "名称,緯度\n市役所,31.7\n"
    assert Dataset.all_tenants.get(pk=dataset.pk).version == version + 1
    assert _search("452025_aed") == ["aed"]
    services.resource_delete(municipality=miyakonojo, actor=steward, resource=resource)
    assert not Resource.all_tenants.exists()
    assert _search("452025_aed") == []


def test_a_resource_needs_a_url_or_a_file(make_dataset, miyakonojo, steward):
    dataset = make_dataset("aed", "AED")
    with pytest.raises(Invalid):
        services.resource_create(municipality=miyakonojo, actor=steward, dataset=dataset)


def test_an_upload_over_the_limit_is_refused(make_dataset, miyakonojo, steward, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 10
    dataset = make_dataset("aed", "AED")
    with pytest.raises(Invalid) as caught:
        services.resource_create(
            municipality=miyakonojo,
            actor=steward,
            dataset=dataset,
            upload=SimpleUploadedFile("big.csv", b"x" * 11),
        )
    assert caught.value.code == "too_large"


def test_delete_removes_the_dataset_and_keeps_the_history(make_dataset, miyakonojo, steward):
    dataset = make_dataset("aed", "AED", resources=[{"url": "https://e.jp/a.csv"}])
    pk = dataset.pk
    services.dataset_delete(municipality=miyakonojo, actor=steward, dataset=dataset)
    assert not Dataset.all_tenants.exists()
    assert AuditEvent.objects.filter(action="catalog.dataset.delete", object_id=str(pk)).exists()


def test_kpi_metrics_count_published_datasets(make_dataset, miyakonojo):
    from django.utils import timezone

    from kanmin.core import metrics
    from kanmin.core.fiscal_year import FiscalYear

    make_dataset("aed", "AED", standard_dataset="aed")
    make_dataset("aed2", "AED (2)", standard_dataset="aed")
    make_dataset("wip", "作成中", state=DatasetState.DRAFT, standard_dataset="shelter")
    this_year = FiscalYear.of(timezone.localdate())
    compute = metrics.get("catalog.datasets_published").compute
    assert compute(municipality=miyakonojo, fiscal_year=this_year) == 2
    assert compute(municipality=miyakonojo, fiscal_year=this_year.previous()) == 0
    standard = metrics.get("catalog.standard_datasets_published").compute
    assert standard(municipality=miyakonojo, fiscal_year=this_year) == 1
