"""The 404 page says what was not found and offers the way on (issue 13)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.catalog import services

pytestmark = pytest.mark.django_db


def test_a_missing_dataset_says_so_and_offers_the_search(client, miyakonojo) -> None:
    response = client.get("/m/452025/catalog/dataset/no-such-data/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>データセットが見つかりません</h1>" in page
    assert "「no-such-data」というデータセットはありません" in page
    assert 'action="/m/452025/catalog/" role="search"' in page
    assert "自治体コードが間違っている" not in page and "municipality code may be wrong" not in page


def test_a_missing_dataset_in_english(client, miyakonojo) -> None:
    response = client.get("/m/452025/catalog/dataset/no-such-data/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Dataset not found</h1>" in page
    assert "Miyakonojo City's open data has no dataset “no-such-data”" in page


def test_a_draft_is_not_found_for_the_public_without_saying_it_exists(client, make_dataset) -> None:
    make_dataset("wip", "作成中", state="draft")
    response = client.get("/m/452025/catalog/dataset/wip/")
    assert response.status_code == 404
    assert "作成中" not in response.content.decode()


def test_a_missing_file_links_its_dataset(client, make_dataset, miyakonojo) -> None:
    dataset = make_dataset("shelter", "避難所一覧")
    other = make_dataset("other", "別のデータ")
    resource = services.resource_create(
        municipality=miyakonojo,
        actor=None,
        dataset=other,
        upload=SimpleUploadedFile("a.csv", b"a\n1\n", "text/csv"),
    )
    # The file exists, but under another dataset.
    response = client.get(f"/m/452025/catalog/dataset/{dataset.name}/resource/{resource.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>ファイルが見つかりません</h1>" in page
    assert 'href="/m/452025/catalog/dataset/shelter/"' in page


def test_an_unknown_municipality_says_which_code(client, db) -> None:
    response = client.get("/m/999999/catalog/dataset/anything/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>自治体が見つかりません</h1>" in page
    assert "コード 999999 の自治体" in page and 'href="/"' in page


def test_an_unknown_address_is_a_plain_page_not_found(client, miyakonojo) -> None:
    response = client.get("/m/452025/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>ページが見つかりません</h1>" in page
    assert 'href="/m/452025/catalog/"' in page
