"""The services behind the CKAN write side (issue 18): given ids, CKAN's fields and extras,
organizations and groups changed and deleted, each municipality on its own."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.audit.models import AuditEvent
from kanmin.catalog import services
from kanmin.catalog.models import Dataset, Group, Organization
from kanmin.core.errors import Invalid, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_a_given_id_is_kept_refused_here_and_replaced_in_another_municipality(
    miyakonojo, miyazaki, steward, other_steward, org, other_org
):
    wanted = uuid.uuid4()
    dataset = services.dataset_create(
        municipality=miyakonojo, actor=steward, organization=org, name="a1", id=str(wanted)
    )
    assert dataset.pk == wanted
    with pytest.raises(Invalid) as taken:
        services.dataset_create(
            municipality=miyakonojo, actor=steward, organization=org, name="a2", id=wanted
        )
    assert taken.value.code == "id_taken" and "id" in taken.value.fields
    copy = services.dataset_create(
        municipality=miyazaki, actor=other_steward, organization=other_org, name="a1", id=wanted
    )
    assert copy.pk != wanted and copy.municipality == miyazaki
    with pytest.raises(Invalid):
        services.group_create(
            municipality=miyakonojo, actor=steward, name="g1", title_ja="G", id="nope"
        )


def test_ckan_fields_and_extras_are_stored(miyakonojo, steward, org):
    dataset = services.dataset_create(
        municipality=miyakonojo,
        actor=steward,
        organization=org,
        name="pop",
        author="統計係",
        author_email="toukei@example.jp",
        source_url="https://example.jp/toukei",
        version_label="2024.04",
        license_id="cc-by",
        extras=[{"key": "公開レベル", "value": 2}, {"key": "note", "value": None}],
    )
    dataset.refresh_from_db()
    assert (dataset.author, dataset.version_label, dataset.license_id) == (
        "統計係",
        "2024.04",
        "cc-by",
    )
    assert dataset.extras == {"公開レベル": "2", "note": ""}
    with pytest.raises(Invalid):
        services.dataset_patch(
            municipality=miyakonojo,
            actor=steward,
            dataset=dataset,
            extras=[{"key": "a", "value": "1"}, {"key": "a", "value": "2"}],
        )
    with pytest.raises(Invalid):
        services.dataset_patch(
            municipality=miyakonojo, actor=steward, dataset=dataset, license_id="cc-by-5.0"
        )
    # A full update returns CKAN's fields to empty, as CKAN's package_update does.
    services.dataset_update(
        municipality=miyakonojo, actor=steward, dataset=dataset, name="pop", title_ja="人口"
    )
    dataset.refresh_from_db()
    assert (dataset.author, dataset.extras) == ("", {})


def test_a_new_file_drops_the_old_checksum(miyakonojo, steward, make_dataset):
    dataset = make_dataset("aed", "AED")
    resource = services.resource_create(
        municipality=miyakonojo,
        actor=steward,
        dataset=dataset,
        url="https://example.jp/a.csv",
        hash="sha256:abc",
        size=10,
        extras={"schema": "x"},
    )
    assert (resource.hash, resource.size, resource.extras) == ("sha256:abc", 10, {"schema": "x"})
    upload = SimpleUploadedFile("452025_aed.csv", "名称\n市役所\n".encode(), "text/csv")
    resource = services.resource_update(
        municipality=miyakonojo, actor=steward, resource=resource, upload=upload
    )
    assert resource.hash == "" and resource.size == len("名称\n市役所\n".encode())


def test_organizations_and_groups_change_and_go(miyakonojo, steward, org, make_dataset):
    changed = services.organization_update(
        municipality=miyakonojo, actor=steward, organization=org, description="情報化推進"
    )
    assert changed.description == "情報化推進"
    assert AuditEvent.objects.filter(action="catalog.organization.update").count() == 1
    with pytest.raises(Invalid):
        services.organization_update(
            municipality=miyakonojo, actor=steward, organization=org, name="Bad Name"
        )
    dataset = make_dataset("aed", "AED")
    with pytest.raises(Invalid) as in_use:
        services.organization_delete(municipality=miyakonojo, actor=steward, organization=org)
    assert in_use.value.code == "organization_in_use"
    group = services.group_create(
        municipality=miyakonojo, actor=steward, name="bosai", title_ja="防災"
    )
    dataset.groups.add(group)
    services.group_delete(municipality=miyakonojo, actor=steward, group=group)
    assert not Group.all_tenants.exists()
    assert Dataset.all_tenants.get().groups.count() == 0
    services.dataset_delete(municipality=miyakonojo, actor=steward, dataset=dataset)
    services.organization_delete(municipality=miyakonojo, actor=steward, organization=org)
    assert not Organization.all_tenants.filter(pk=org.pk).exists()


def test_another_municipalitys_staff_cannot_change_them(
    miyakonojo, miyazaki, other_steward, org, make_user
):
    with pytest.raises(NotFound):
        services.organization_update(
            municipality=miyazaki, actor=other_steward, organization=org, title_ja="x"
        )
    with pytest.raises(PermissionDenied):
        services.organization_delete(municipality=miyakonojo, actor=other_steward, organization=org)
    viewer = make_user("viewer", "department_staff", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.organization_update(
            municipality=miyakonojo, actor=viewer, organization=org, title_ja="x"
        )
