"""A member of another municipality cannot tell a private dataset's name from a made-up one: every
staff page of a dataset answers 404 for both (issue 12)."""

from __future__ import annotations

import pytest

from kanmin.catalog.models import DatasetState

pytestmark = pytest.mark.django_db

BASE = "/m/452025/catalog/dataset"
PAGES = ["{base}/{name}/edit/", "{base}/{name}/resource/new/"]


@pytest.fixture
def hidden(make_dataset):
    make_dataset("hidden-draft", "下書き", state=DatasetState.DRAFT)
    make_dataset("hidden-private", "非公開", state=DatasetState.PRIVATE)
    return make_dataset("open", "公開中")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_municipalitys_steward_gets_404_for_private_and_unknown_names(
    client, other_steward, hidden, page, method
):
    client.force_login(other_steward)
    send = getattr(client, method)
    answers = {
        name: send(page.format(base=BASE, name=name)).status_code
        for name in ("hidden-draft", "hidden-private", "no-such-name")
    }
    assert answers == {"hidden-draft": 404, "hidden-private": 404, "no-such-name": 404}
    # A published dataset is no secret: refusing its staff page says so.
    assert send(page.format(base=BASE, name="open")).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_staff_of_the_municipality_without_the_right_still_get_403(
    client, make_user, miyakonojo, hidden, page
):
    citizen = make_user("resident", "citizen", miyakonojo)
    client.force_login(citizen)
    assert client.get(page.format(base=BASE, name="hidden-draft")).status_code == 404
    clerk = make_user("clerk", "department_staff", miyakonojo)
    client.force_login(clerk)  # sees drafts, may not change them
    assert client.get(page.format(base=BASE, name="hidden-draft")).status_code == 403


def test_other_staff_pages_of_a_private_file_answer_404(client, other_steward, make_dataset):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dataset = make_dataset(
        "hidden-file",
        "非公開",
        state=DatasetState.PRIVATE,
        resources=[{"upload": SimpleUploadedFile("a.txt", b"x"), "name": "a"}],
    )
    resource = dataset.resources.get()
    client.force_login(other_steward)
    detail = f"{BASE}/hidden-file/resource/{resource.pk}/"
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"action": "delete"}).status_code == 404
    download = f"/m/452025/dataset/{dataset.pk}/resource/{resource.pk}/download/{resource.filename}"
    assert client.get(download).status_code == 404
    assert client.get(f"{BASE}/hidden-file.ttl").status_code == 404
