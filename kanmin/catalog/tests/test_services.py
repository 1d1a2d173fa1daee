from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.audit.models import AuditEvent
from kanmin.catalog import search, selectors, services
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


def _search(q: str) -> list[str]:
    result = search.dataset_search(municipality=None, viewer=None, q=q, rows=100)
    return sorted(d.name for d in selectors.datasets_in_order(result.ids))


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
