"""The validation report on a file's page, as a steward reads it: grouped by rule with the layout
and the encoding first, web wording only, a score that cannot look near-perfect with errors,
the dataset's score derived from its files, and every finding downloadable as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

from kanmin.catalog import selectors
from kanmin.catalog.models import Dataset, DatasetState
from kanmin.catalog.tests.helpers import aed_csv, run_queued_tasks, upload
from kanmin.standards.quality import ERROR_CAP
from kanmin.standards.tests.factories import YAIZU_ROWS, yaizu_aed_csv

# What the command line says and the web must not (case-insensitive).
DEVELOPER_WORDS = (
    "kanmin repair",
    "legacy/aed",
    "確度",
    "low (reconstructed)",
    "cp932",
    "utf-8-sig",
    "--schema",
)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'\b(?:href|src|action|data-[a-z-]+)="[^"]*"', " ", html)
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def yaizu(make_dataset, steward, miyakonojo):
    miyakonojo.area_south, miyakonojo.area_west = 31.5, 130.85
    miyakonojo.area_north, miyakonojo.area_east = 32.0, 131.9
    miyakonojo.save()
    dataset = make_dataset("aed", "AED設置箇所一覧", standard_dataset="aed")
    resource = upload(dataset, steward, yaizu_aed_csv(), "aed_yaizu.csv")
    run_queued_tasks()
    return resource


def _page(client, resource, lang: str = "ja") -> str:
    url = f"/m/452025/catalog/dataset/{resource.dataset.name}/resource/{resource.pk}/"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.content.decode()


def test_the_report_leads_with_layout_and_encoding_and_groups_by_rule(client, yaizu):
    page = _page(client, yaizu)
    groups = re.findall(r'<li class="finding-group[^"]*">(.*?)</li>', page, flags=re.S)
    assert "旧「推奨データセット」の列構成" in groups[0]
    assert "Shift_JIS" in groups[1]
    phone = [g for g in groups if "054(626)1111" in g]
    assert len(phone) == 1  # 82 identical errors are one line
    assert f"{YAIZU_ROWS}件" in phone[0] or f"{YAIZU_ROWS} 件" in phone[0]
    assert "電話番号" in phone[0] and "2, 3, 4, 5, 6" in phone[0]
    assert "修正版を作成" in groups[0]
    # the full list is there, behind a disclosure
    assert '<details class="findings-all">' in page
    assert page.count("054(626)1111") >= YAIZU_ROWS


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_developer_words_on_the_report(client, yaizu, lang):
    text = _visible_text(_page(client, yaizu, lang)).lower()
    for word in DEVELOPER_WORDS:
        assert word.lower() not in text, word
    assert ">aed<" not in text  # the standard data set is named, not its slug


def test_the_score_of_a_file_with_errors_stays_below_the_pass_mark(client, yaizu):
    validation = selectors.validation_latest(resource=yaizu)
    assert validation.error_count == YAIZU_ROWS + 1
    assert validation.quality_score <= ERROR_CAP - 10  # 83 errors: at most 49
    page = _page(client, yaizu)
    assert f"品質スコア {validation.quality_score} / 100" in page or (
        f"{validation.quality_score} / 100" in page
    )


def test_the_dataset_score_is_its_weakest_file_and_the_page_says_so(client, yaizu, steward):
    good = upload(yaizu.dataset, steward, aed_csv(), "452025_aed.csv")
    run_queued_tasks()
    good_check = selectors.validation_latest(resource=good)
    bad_check = selectors.validation_latest(resource=yaizu)
    assert good_check.quality_score == 100
    dataset = Dataset.all_tenants.get(pk=yaizu.dataset_id)
    assert dataset.quality_score == bad_check.quality_score
    page = client.get(f"/m/452025/catalog/dataset/{dataset.name}/").content.decode()
    assert "最も低い" in page
    assert "AED設置箇所一覧" in page


def test_every_finding_downloads_as_csv_that_excel_opens(client, yaizu):
    validation = selectors.validation_latest(resource=yaizu)
    page = _page(client, yaizu)
    (url,) = re.findall(r'href="([^"]*/check/[^"]*\.csv)"', page)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + validation.error_count + validation.warning_count
    assert sum(1 for r in rows if r[4] == "phone") == YAIZU_ROWS
    assert all("kanmin repair" not in r[5] for r in rows)


def test_the_csv_lists_every_finding_even_beyond_those_kept_for_the_page(
    client, make_dataset, steward, monkeypatch
):
    from kanmin.catalog import services

    monkeypatch.setattr(services, "MAX_KEPT_FINDINGS", 10)
    dataset = make_dataset("aed", "AED設置箇所一覧", standard_dataset="aed")
    resource = upload(dataset, steward, yaizu_aed_csv(), "aed_yaizu.csv")
    run_queued_tasks()
    validation = selectors.validation_latest(resource=resource)
    assert len(validation.issues) == 20
    groups = {g.code: g for g in selectors.validation_groups(validation, "ja")}
    assert groups["phone"].count == YAIZU_ROWS  # counted over all, not only those kept
    url = f"/m/452025/catalog/dataset/aed/resource/{resource.pk}/check/{validation.pk}.csv"
    body = b"".join(client.get(url).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + validation.error_count + validation.warning_count


def test_the_findings_of_a_dataset_that_is_not_public_are_for_staff_only(
    client, make_dataset, steward
):
    dataset = make_dataset("aed", "AED設置箇所一覧", state=DatasetState.DRAFT)
    resource = upload(dataset, steward, aed_csv({0: {"緯度": "x"}}), "aed.csv")
    run_queued_tasks()
    validation = selectors.validation_latest(resource=resource)
    url = f"/m/452025/catalog/dataset/aed/resource/{resource.pk}/check/{validation.pk}.csv"
    assert client.get(url).status_code == 404
    client.force_login(steward)
    assert client.get(url).status_code == 200


def test_the_standard_data_set_filter_shows_human_names(client, make_dataset):
    make_dataset("aed", "AED設置箇所一覧", standard_dataset="aed")
    make_dataset("kaigo", "介護サービス事業所一覧", standard_dataset="care_service")

    def filters(language: str) -> str:
        page = client.get("/m/452025/catalog/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        section = page[page.index('id="catalog-filters"') : page.index('id="catalog-results"')]
        return re.sub(r"<[^>]+>", "", section)

    section = filters("ja")
    assert "AED設置箇所一覧 (1)" in section
    assert "介護サービス事業所一覧 (1)" in section
    assert "care_service (1)" not in section and "aed (1)" not in section
    assert "AED locations (1)" in filters("en")
