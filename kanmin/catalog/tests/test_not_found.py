"""The 404 page says what was not found and offers the way on (issue 13)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.catalog import services

pytestmark = pytest.mark.django_db


def test_a_missing_dataset_says_so_and_offers_the_search(not_found_page, miyakonojo) -> None:
    page = not_found_page("/m/452025/catalog/dataset/no-such-data/")
    assert "<h1>データセットが見つかりません</h1>" in page
    assert "「no-such-data」というデータセットはありません" in page
    assert 'action="/m/452025/catalog/" role="search"' in page
    assert "自治体コードが間違っている" not in page and "municipality code may be wrong" not in page


def test_a_missing_dataset_in_english(not_found_page, miyakonojo) -> None:
    page = not_found_page("/m/452025/catalog/dataset/no-such-data/", HTTP_ACCEPT_LANGUAGE="en")
    assert "<h1>Dataset not found</h1>" in page
    assert "Miyakonojo City's open data has no dataset “no-such-data”" in page


def test_a_draft_is_not_found_for_the_public_without_saying_it_exists(
    not_found_page, make_dataset
) -> None:
    make_dataset("wip", "作成中", state="draft")
    assert "作成中" not in not_found_page("/m/452025/catalog/dataset/wip/")


def test_a_missing_file_links_its_dataset(not_found_page, make_dataset, miyakonojo) -> None:
    dataset = make_dataset("shelter", "避難所一覧")
    other = make_dataset("other", "別のデータ")
    resource = services.resource_create(
        municipality=miyakonojo,
        actor=None,
        dataset=other,
        upload=SimpleUploadedFile("a.csv", b"a\n1\n", "text/csv"),
    )
    # The file exists, but under another dataset.
    page = not_found_page(f"/m/452025/catalog/dataset/{dataset.name}/resource/{resource.pk}/")
    assert "<h1>ファイルが見つかりません</h1>" in page
    assert 'href="/m/452025/catalog/dataset/shelter/"' in page


def test_an_unknown_municipality_says_which_code(not_found_page, db) -> None:
    page = not_found_page("/m/999999/catalog/dataset/anything/")
    assert "<h1>自治体が見つかりません</h1>" in page
    assert "コード 999999 の自治体" in page and 'href="/"' in page


def test_an_unknown_address_is_a_plain_page_not_found(not_found_page, miyakonojo) -> None:
    page = not_found_page("/m/452025/no-such-page/")
    assert "<h1>ページが見つかりません</h1>" in page
    assert 'href="/m/452025/catalog/"' in page
