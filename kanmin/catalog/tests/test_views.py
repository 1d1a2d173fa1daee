from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.catalog import services
from kanmin.catalog.models import DatasetState

pytestmark = pytest.mark.django_db


@pytest.fixture
def datasets(make_dataset):
    make_dataset(
        "chome",
        "本町一丁目の人口",
        tags=["人口"],
        resources=[{"url": "https://example.jp/a.csv", "name": "人口CSV"}],
    )
    make_dataset("shelter", "避難所一覧", tags=["防災"])
    make_dataset("wip", "作成中のデータ", state=DatasetState.DRAFT)


def test_the_home_page_links_the_catalog(client, miyakonojo):
    response = client.get("/m/452025/")
    assert 'href="/m/452025/catalog/"' in response.content.decode()


def test_search_page_lists_published_datasets_only(client, datasets):
    page = client.get("/m/452025/catalog/").content.decode()
    assert "本町一丁目の人口" in page and "避難所一覧" in page
    assert "作成中のデータ" not in page


def test_search_finds_japanese_substrings_and_filters_by_facet(client, datasets):
    page = client.get("/m/452025/catalog/", {"q": "ほんまち"}).content.decode()
    assert "本町一丁目の人口" not in page  # the data holds 本町 in kanji only
    page = client.get("/m/452025/catalog/", {"q": "本町"}).content.decode()
    assert "本町一丁目の人口" in page and "避難所一覧" not in page
    page = client.get("/m/452025/catalog/", {"tags": "防災"}).content.decode()
    assert "避難所一覧" in page and "本町一丁目の人口" not in page
    assert 'aria-current="true"' in page


def test_a_bad_query_shows_a_message_not_an_error(client, datasets):
    response = client.get("/m/452025/catalog/", {"q": "(本町"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_staff_see_drafts_on_the_portal(client, datasets, steward):
    client.force_login(steward)
    page = client.get("/m/452025/catalog/").content.decode()
    assert "作成中のデータ" in page
    assert client.get("/m/452025/catalog/dataset/wip/").status_code == 200


def test_dataset_page(client, datasets):
    page = client.get("/m/452025/catalog/dataset/chome/").content.decode()
    assert "本町一丁目の人口" in page
    assert "https://example.jp/a.csv" in page
    assert "CC BY 4.0" in page
    assert "/m/452025/api/3/action/package_show?id=chome" in page
    assert client.get("/m/452025/catalog/dataset/wip/").status_code == 404
    assert client.get("/m/452017/catalog/dataset/chome/").status_code == 404


def test_dataset_page_links_uploaded_files(client, make_dataset, miyakonojo):
    dataset = make_dataset("aed", "AED")
    services.resource_create(
        municipality=miyakonojo,
        actor=None,
        dataset=dataset,
        upload=SimpleUploadedFile("452025_aed.csv", b"a,b\n"),
    )
    page = client.get("/m/452025/catalog/dataset/aed/").content.decode()
    assert f"/m/452025/dataset/{dataset.pk}/resource/" in page


def test_descriptions_are_markdown_and_html_is_neutralised(client, make_dataset):
    make_dataset(
        "md",
        "Markdown",
        notes_ja=(
            "# 概要\n\n**太字**と[リンク](https://example.jp)\n\n"
            "<script>alert(1)</script>\n\n[悪い](javascript:alert(1))"
        ),
    )
    page = client.get("/m/452025/catalog/dataset/md/").content.decode()
    assert "<h2>概要</h2>" in page
    assert "<strong>太字</strong>" in page
    assert 'href="https://example.jp"' in page
    assert "<script>alert(1)</script>" not in page
    assert 'href="javascript:' not in page  # left as plain text, not a link


def test_pages_point_harvesters_at_their_dcat_and_the_open_data_list(client, datasets):
    import re

    for path in ("/m/452025/catalog/", "/m/452025/catalog/dataset/shelter/"):
        page = client.get(path).content.decode()
        links = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)">', page)
        assert links, path
        for media_type, href in links:
            response = client.get(href)
            assert response.status_code == 200, href
            assert response["Content-Type"].startswith(media_type)


def test_the_dataset_page_shows_page_views_and_downloads(client, make_dataset, steward):
    dataset = make_dataset("counted", "数えるデータ")
    resource = services.resource_create(
        municipality=dataset.municipality,
        actor=steward,
        dataset=dataset,
        upload=SimpleUploadedFile("counted.csv", b"a,b\r\n1,2\r\n"),
    )
    page = "/m/452025/catalog/dataset/counted/"
    for _ in range(3):
        assert client.get(page).status_code == 200  # each anonymous visit is one view
    download = f"/m/452025/dataset/{dataset.pk}/resource/{resource.pk}/download/counted.csv"
    assert client.get(download).status_code == 200
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Downloads</th><td>1</td>" in html
    assert "Page views</th><td>3</td>" in html
