"""Staff downloading a file of a dataset that is not published, or exporting such a dataset's
metadata, leave an entry in the audit log; reads of published data do not (issue 12)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.audit.models import AuditEvent
from kanmin.audit.verify import verify_chain
from kanmin.catalog.models import DatasetState

pytestmark = pytest.mark.django_db


def _with_file(make_dataset, name: str, state: str):
    dataset = make_dataset(
        name,
        name,
        state=state,
        resources=[{"upload": SimpleUploadedFile("list.csv", b"a,b\n1,2\n"), "name": "list"}],
    )
    resource = dataset.resources.get()
    url = f"/m/452025/dataset/{dataset.pk}/resource/{resource.pk}/download/{resource.filename}"
    return dataset, resource, url


def test_downloads_of_non_public_files_are_recorded(client, steward, make_dataset):
    client.force_login(steward)
    for state in (DatasetState.DRAFT, DatasetState.PRIVATE, DatasetState.PUBLISHED):
        _dataset, _resource, url = _with_file(make_dataset, f"data-{state}", state)
        assert client.get(url).status_code == 200
    entries = list(AuditEvent.objects.filter(action="catalog.resource.download").order_by("seq"))
    assert [e.changes["extra"]["state"] for e in entries] == ["draft", "private"]
    first = entries[0]
    assert first.municipality_code == "452025" and first.actor_name == "steward"
    assert first.object_type == "catalog.resource"
    assert first.changes["extra"]["dataset"] == "data-draft"
    assert first.changes["extra"]["filename"]
    assert verify_chain().ok


def test_the_dcat_export_of_a_private_dataset_is_recorded(client, steward, make_dataset):
    make_dataset("hidden", "非公開", state=DatasetState.PRIVATE)
    make_dataset("open", "公開")
    client.force_login(steward)
    assert client.get("/m/452025/catalog/dataset/hidden.ttl").status_code == 200
    assert client.get("/m/452025/catalog/dataset/open.ttl").status_code == 200
    [entry] = AuditEvent.objects.filter(action="catalog.dataset.export")
    assert entry.object_repr == "非公開" and entry.changes["extra"]["format"] == "ttl"


def test_reads_stay_out_of_the_datasets_activity_history(client, steward, make_dataset):
    make_dataset("hidden", "非公開", state=DatasetState.PRIVATE)
    client.force_login(steward)
    client.get("/m/452025/catalog/dataset/hidden.ttl")
    body = client.get("/api/v1/m/452025/catalog/datasets/hidden/activity").json()
    assert [item["action"] for item in body] == ["catalog.dataset.create"]
