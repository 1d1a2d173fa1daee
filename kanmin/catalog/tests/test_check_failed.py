"""A file check whose task failed for good (its worker died on each attempt, or it needed too
much memory) says so on the file's page and in the API, in words a clerk understands, in
Japanese and English, and the page offers to check the file again."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.audit.models import AuditEvent
from kanmin.catalog import tasks
from kanmin.catalog.models import Validation, ValidationStatus
from kanmin.catalog.tests.helpers import aed_csv
from kanmin.core.worker import Reason

pytestmark = pytest.mark.django_db


@pytest.fixture
def stuck(make_dataset):
    dataset = make_dataset(
        "aed",
        "AED設置箇所",
        resources=[{"upload": SimpleUploadedFile("aed.csv", aed_csv())}],
    )
    resource = dataset.resources.get()
    validation = resource.validations.get()
    Validation.all_tenants.filter(pk=validation.pk).update(status=ValidationStatus.RUNNING)
    return resource, validation


def test_a_check_given_up_by_the_worker_says_why_and_offers_to_check_again(client, steward, stuck):
    resource, validation = stuck
    # What the worker calls when the check's task is given up (kanmin.core.worker).
    tasks._check_failed([str(validation.pk)], {}, Reason.WORKER_LOST)
    validation.refresh_from_db()
    assert validation.status == ValidationStatus.FAILED
    assert validation.failure_reason == "worker_lost"
    assert AuditEvent.objects.filter(action="catalog.resource.validation_failed").exists()

    client.force_login(steward)
    url = f"/m/452025/catalog/dataset/aed/resource/{resource.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "確認が中断されました" in page
    assert "このファイルをもう一度確認する" in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The check was interrupted" in page and "Check this file again" in page

    api = client.get(
        f"/api/v1/m/452025/catalog/resources/{resource.pk}/validation",
        HTTP_ACCEPT_LANGUAGE="ja",
    ).json()
    assert api["status"] == "failed" and api["finished"] is True
    assert api["failure_reason"] == "worker_lost"
    assert "確認が中断されました" in api["failure_message"]

    response = client.post(url, {"action": "validate"})
    assert response.status_code == 302
    newest = resource.validations.order_by("-created").first()
    assert newest.pk != validation.pk and newest.status == ValidationStatus.QUEUED
    assert "<progress" in client.get(url).content.decode()


def test_a_check_stopped_for_memory_says_how_to_fix_the_file(stuck):
    _resource, validation = stuck
    tasks._check_failed([], {"validation_id": str(validation.pk)}, Reason.MEMORY)
    validation.refresh_from_db()
    assert validation.failure_reason == "memory"
    assert "CSV" in validation.failure_message


def test_a_finished_check_is_not_changed_by_a_late_failure(stuck):
    _resource, validation = stuck
    Validation.all_tenants.filter(pk=validation.pk).update(status=ValidationStatus.DONE)
    tasks._check_failed([str(validation.pk)], {}, Reason.WORKER_LOST)
    validation.refresh_from_db()
    assert validation.status == ValidationStatus.DONE and validation.failure_reason == ""
