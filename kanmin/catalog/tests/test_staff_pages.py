"""The steward's pages: start a dataset from a standard data set, add a file, follow its check,
make a corrected copy, publish; refusals and stale edits are explained."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.catalog.models import Dataset, DatasetState, Resource
from kanmin.catalog.tests.helpers import run_queued_tasks as _run_queued
from kanmin.standards.tests.factories import aed_rows, csv_bytes

pytestmark = pytest.mark.django_db

BASE = "/m/452025/catalog"


@pytest.fixture
def steward_client(client, steward):
    client.force_login(steward)
    return client


def _create(client, org, **extra):
    data = {
        "organization": str(org.pk),
        "title_ja": "AED設置箇所一覧",
        "name": "aed",
        "license_id": "cc-by-4.0",
        "standard_dataset": "aed",
        "tags": "防災、AED",
        **extra,
    }
    return client.post(f"{BASE}/new/", data)


def test_starting_from_a_standard_data_set_fills_the_form(steward_client, org):
    page = steward_client.get(f"{BASE}/new/", {"standard": "aed"}).content.decode()
    assert 'value="AED設置箇所一覧"' in page
    assert "452025_aed.csv" in page
    assert 'value="aed"' in page
    assert "宮崎県都城市" in page


def test_a_steward_creates_a_draft_and_adds_a_file_that_is_checked(steward_client, org):
    response = _create(steward_client, org)
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/dataset/aed/resource/new/"
    dataset = Dataset.all_tenants.get(name="aed")
    assert dataset.state == DatasetState.DRAFT
    assert sorted(t.name for t in dataset.tags.all()) == ["AED", "防災"]

    header, rows = aed_rows(3)
    rows[1][header.index("緯度")] = "北緯"
    upload = SimpleUploadedFile("aed_list.csv", csv_bytes(header, rows))
    response = steward_client.post(f"{BASE}/dataset/aed/resource/new/", {"upload": upload})
    assert response.status_code == 302
    resource = Resource.all_tenants.get(dataset=dataset)
    assert resource.filename == "452025_aed.csv"
    page = steward_client.get(response["Location"]).content.decode()
    assert "<progress" in page and "validation.js" in page
    status_url = page.split('data-status-url="', 1)[1].split('"', 1)[0]
    status = steward_client.get(status_url).json()
    assert status["status"] == "queued" and status["finished"] is False

    _run_queued()
    assert steward_client.get(status_url).json()["finished"] is True
    page = steward_client.get(response["Location"]).content.decode()
    assert "<progress" not in page
    assert "北緯" in page  # the bad value, in the errors table
    assert "<td>3</td>" in page  # its spreadsheet row: header 1, second data row 3
    assert "緯度" in page


def test_the_form_explains_what_is_wrong(steward_client, org):
    response = _create(steward_client, org, name="AED List", title_ja="")
    assert response.status_code == 422
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert not Dataset.all_tenants.exists()


def test_a_second_dataset_with_the_same_name_is_refused_clearly(steward_client, org):
    _create(steward_client, org)
    response = _create(steward_client, org)
    assert response.status_code == 422
    assert Dataset.all_tenants.count() == 1


def test_a_stale_edit_is_refused_with_409_and_keeps_the_other_edit(steward_client, org):
    _create(steward_client, org)
    dataset = Dataset.all_tenants.get(name="aed")
    form = {
        "organization": str(org.pk),
        "name": "aed",
        "license_id": "cc-by-4.0",
        "version": str(dataset.version),
    }
    first = steward_client.post(
        f"{BASE}/dataset/aed/edit/", {**form, "title_ja": "AED一覧（第一）"}
    )
    assert first.status_code == 302
    second = steward_client.post(
        f"{BASE}/dataset/aed/edit/", {**form, "title_ja": "AED一覧（第二）"}
    )
    assert second.status_code == 409
    assert Dataset.all_tenants.get(name="aed").title_ja == "AED一覧（第一）"


def test_publish_and_the_activity_history(steward_client, org, client):
    _create(steward_client, org)
    response = steward_client.post(f"{BASE}/dataset/aed/edit/", {"action": "publish"})
    assert response.status_code == 302
    assert Dataset.all_tenants.get(name="aed").state == DatasetState.PUBLISHED
    page = steward_client.get(f"{BASE}/dataset/aed/").content.decode()
    assert 'class="activity"' in page
    assert page.count("<li><time") >= 2  # created, published
    assert "steward" in page  # staff see who
    client.logout()
    public = client.get(f"{BASE}/dataset/aed/").content.decode()
    assert 'class="activity"' in public
    assert "· steward" not in public  # the public sees what and when, not who


def test_an_oversized_upload_is_refused_before_anything_is_stored(steward_client, org, settings):
    _create(steward_client, org)
    settings.FILE_UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("aed.csv", b"a,b\r\n" + b"1,2\r\n" * 500_000)
    response = steward_client.post(f"{BASE}/dataset/aed/resource/new/", {"upload": big})
    assert response.status_code == 413
    assert "1.0" in response.content.decode()  # the limit, in words
    assert not Resource.all_tenants.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_corrected_copy_from_the_file_page(steward_client, org):
    _create(steward_client, org)
    header, rows = aed_rows(2)
    rows[0][header.index("緯度")] = "３１．７"
    upload = SimpleUploadedFile("aed.csv", csv_bytes(header, rows, encoding="cp932"))
    response = steward_client.post(f"{BASE}/dataset/aed/resource/new/", {"upload": upload})
    page_url = response["Location"]
    response = steward_client.post(page_url, {"action": "repair"})
    assert response.status_code == 302
    assert response["Location"] != page_url
    copy = Resource.all_tenants.exclude(repaired_from=None).get()
    page = steward_client.get(response["Location"]).content.decode()
    assert copy.filename in page
    log = steward_client.get(f"/m/452025/dataset/{copy.dataset_id}/resource/{copy.pk}/changes.csv")
    assert log.status_code == 200
    assert "３１．７" in b"".join(log.streaming_content).decode("utf-8-sig")


def test_who_may_use_the_staff_pages(client, make_user, miyakonojo, other_steward, org):
    response = client.get(f"{BASE}/new/")
    assert response.status_code == 302 and "login" in response["Location"]
    clerk = make_user("clerk", "department_staff", miyakonojo)
    client.force_login(clerk)
    assert client.get(f"{BASE}/new/").status_code == 403
    client.force_login(other_steward)
    assert client.get(f"{BASE}/new/").status_code == 403


def test_views_and_downloads_are_counted_per_fiscal_year(client, steward_client, org, miyakonojo):
    from django.utils import timezone

    from kanmin.core import metrics
    from kanmin.core.fiscal_year import FiscalYear

    _create(steward_client, org)
    header, rows = aed_rows(2)
    upload = SimpleUploadedFile("aed.csv", csv_bytes(header, rows))
    steward_client.post(f"{BASE}/dataset/aed/resource/new/", {"upload": upload})
    steward_client.post(f"{BASE}/dataset/aed/edit/", {"action": "publish"})
    _run_queued()
    resource = Resource.all_tenants.get()
    steward_client.get(f"{BASE}/dataset/aed/")  # staff views are not counted
    client.logout()
    for _ in range(3):
        client.get(f"{BASE}/dataset/aed/")
    url = (
        f"/m/452025/dataset/{resource.dataset_id}/resource/{resource.pk}"
        f"/download/{resource.filename}"
    )
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    page = client.get(f"{BASE}/dataset/aed/").content.decode()
    assert "<td>2</td>" in page  # downloads
    this_year = FiscalYear.of(timezone.localdate())

    def kpi(name: str, year=this_year) -> int:
        return metrics.get(name).compute(municipality=miyakonojo, fiscal_year=year)

    assert kpi("catalog.downloads") == 2
    assert kpi("catalog.page_views") == 4
    assert kpi("catalog.page_views", this_year.previous()) == 0
    assert kpi("catalog.standard_datasets_conforming") == 1
