"""Uploads are refused before storage when too large or not what they claim; tabular files are
checked by the standards engine in a background task; a corrected copy keeps the original."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from kanmin.audit.models import AuditEvent
from kanmin.catalog import filetypes, selectors, services
from kanmin.catalog.models import (
    Dataset,
    DatastoreTable,
    Resource,
    Validation,
    ValidationStatus,
)
from kanmin.catalog.tests.helpers import aed_csv as _aed_csv
from kanmin.catalog.tests.helpers import run_queued_tasks as _run_queued
from kanmin.catalog.tests.helpers import upload as _upload
from kanmin.core.errors import Invalid
from kanmin.core.spreadsheet import safe_cell
from kanmin.standards.tests.factories import aed_rows, csv_bytes


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def aed_dataset(make_dataset):
    return make_dataset("aed", "AED設置箇所一覧", standard_dataset="aed")


# --- file types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("data.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png"),
        ("data.csv", b"<!DOCTYPE html><html><body>404</body></html>", "html"),
        ("data.xlsx", "ID,名称\r\n1,本町\r\n".encode(), "text"),
        ("report.pdf", b"PK\x03\x04" + b"\x00" * 30, "zip"),
        ("shelters.geojson", b"ID,name\n1,a\n", "csv_text"),
        ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 60, "executable"),
        ("anything.bin", b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "executable"),
    ],
)
def test_content_that_does_not_match_its_extension_is_named(name, data, kind):
    mismatch = filetypes.check_bytes(name, data)
    assert mismatch is not None
    assert mismatch.kind == kind


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("aed.csv", "\ufeffID,名称\r\n1,本町\r\n".encode()),
        ("aed.csv", "ID,名称\r\n1,本町\r\n".encode("cp932")),
        ("aed.csv", "ID,名称\r\n".encode("utf-16")),
        ("shelters.geojson", b' {"type": "FeatureCollection", "features": []}'),
        ("report.pdf", b"%PDF-1.7\n%..."),
        ("notes.unknown", b"\x00\x01\x02"),
    ],
)
def test_content_that_matches_its_extension_passes(name, data):
    assert filetypes.check_bytes(name, data) is None


def test_a_picture_named_csv_is_refused_before_it_is_stored(aed_dataset, steward):
    with pytest.raises(Invalid) as caught:
        _upload(aed_dataset, steward, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "aed.csv")
    assert caught.value.code == "type_mismatch"
    assert "PNG" in str(caught.value.message)
    assert _stored_files() == []
    assert not Resource.all_tenants.exists()


def test_a_program_is_refused_whatever_its_name(aed_dataset, steward):
    with pytest.raises(Invalid) as caught:
        _upload(aed_dataset, steward, b"MZ" + b"\x00" * 200, "manual.dat")
    assert caught.value.code == "type_mismatch"
    assert _stored_files() == []


# --- background check --------------------------------------------------------------------


def test_an_upload_is_queued_for_a_check_and_stored_under_the_file_name_rule(aed_dataset, steward):
    resource = _upload(aed_dataset, steward, _aed_csv(), "AED一覧（最新）.csv")
    assert resource.filename == "452025_aed.csv"
    validation = Validation.all_tenants.get(resource=resource)
    assert validation.status == ValidationStatus.QUEUED
    assert validation.requested_schema == "aed"
    queued = DBTaskResult.objects.ready().get()
    assert queued.args_kwargs["args"] == [str(validation.pk)]
    assert queued.task_path.endswith("tasks.validate_resource")


def test_a_link_or_a_pdf_is_not_checked(aed_dataset, steward):
    services.resource_create(
        municipality=aed_dataset.municipality,
        actor=steward,
        dataset=aed_dataset,
        url="https://example.jp/aed.csv",
    )
    _upload(aed_dataset, steward, b"%PDF-1.7\n", "leaflet.pdf")
    assert not Validation.all_tenants.exists()
    assert not DBTaskResult.objects.exists()


def test_the_check_finds_what_is_wrong_with_row_and_column(aed_dataset, steward):
    header, _rows = aed_rows(1)
    lat = next(c for c in header if c == "緯度")
    data = _aed_csv({2: {lat: "北緯31度"}})
    resource = _upload(aed_dataset, steward, data)
    _run_queued()
    validation = selectors.validation_latest(resource=resource)
    assert validation is not None
    assert validation.status == ValidationStatus.DONE
    assert validation.valid is False
    assert validation.rows == 6
    assert validation.schema == "aed"
    findings = selectors.validation_findings(validation, "ja")
    wrong = [f for f in findings if f.severity == "error" and f.column == lat]
    assert [f.row for f in wrong] == [4]  # header is row 1; the third data row is row 4
    assert wrong[0].value == "北緯31度"
    assert wrong[0].message  # rendered in Japanese from the stored code
    english = selectors.validation_findings(validation, "en")
    assert english[0].message != findings[0].message
    resource.refresh_from_db()
    assert resource.quality_score == validation.quality_score
    assert 0 < validation.quality_score < 100
    dataset = Dataset.all_tenants.get(pk=aed_dataset.pk)
    assert dataset.quality_score == validation.quality_score
    assert dataset.stars == 3
    assert AuditEvent.objects.filter(action="catalog.resource.validated").exists()


def test_points_outside_the_municipality_are_warned_when_its_area_is_set(
    aed_dataset, steward, miyakonojo
):
    data = _aed_csv({1: {"緯度": "35.681", "経度": "139.767"}})  # Tokyo Station
    plain = _upload(aed_dataset, steward, data)
    _run_queued()
    assert not [
        f
        for f in selectors.validation_findings(selectors.validation_latest(resource=plain), "en")
        if f.code == "outside_area"
    ]
    miyakonojo.area_south, miyakonojo.area_west = 31.5, 130.85
    miyakonojo.area_north, miyakonojo.area_east = 32.0, 131.9  # the factory writes 131.6…
    miyakonojo.save()
    boxed = _upload(aed_dataset, steward, data)
    _run_queued()
    validation = selectors.validation_latest(resource=boxed)
    warned = [
        (f.row, f.column, f.severity)
        for f in selectors.validation_findings(validation, "ja")
        if f.code == "outside_area"
    ]
    assert sorted(warned) == [(3, "経度", "warning"), (3, "緯度", "warning")]
    assert validation.valid is True


def test_a_good_file_scores_higher_than_a_bad_one(aed_dataset, steward):
    good = _upload(aed_dataset, steward, _aed_csv(), "good.csv")
    bad = _upload(aed_dataset, steward, _aed_csv({0: {"緯度": "x"}, 1: {"経度": "y"}}), "b.csv")
    _run_queued()
    good_check = selectors.validation_latest(resource=good)
    bad_check = selectors.validation_latest(resource=bad)
    assert good_check.valid is True
    assert good_check.error_count == 0
    assert bad_check.error_count == 2
    assert good_check.quality_score > bad_check.quality_score
    # The dataset's score is its weakest file's: a bad file is never hidden behind a good one.
    assert Dataset.all_tenants.get(pk=aed_dataset.pk).quality_score == bad_check.quality_score


def test_an_unreadable_table_is_reported_not_crashed(aed_dataset, steward):
    resource = _upload(aed_dataset, steward, b"", "empty.csv")
    _run_queued()
    validation = selectors.validation_latest(resource=resource)
    assert validation.status == ValidationStatus.DONE
    assert validation.valid is False
    assert validation.quality_score == 0
    assert selectors.validation_findings(validation, "ja")[0].message


def test_checking_again_needs_the_right_to_change_the_file(
    aed_dataset, steward, other_steward, make_user, miyakonojo
):
    resource = _upload(aed_dataset, steward, _aed_csv())
    viewer = make_user("clerk", "department_staff", miyakonojo)
    from kanmin.core.errors import NotFound, PermissionDenied

    with pytest.raises(PermissionDenied):
        services.resource_validate(municipality=miyakonojo, actor=viewer, resource=resource)
    with pytest.raises((PermissionDenied, NotFound)):
        services.resource_validate(
            municipality=other_steward.memberships.first().municipality,
            actor=other_steward,
            resource=resource,
        )
    again = services.resource_validate(municipality=miyakonojo, actor=steward, resource=resource)
    assert Validation.all_tenants.filter(resource=resource).count() == 2
    assert selectors.validation_latest(resource=resource) == again


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_the_check(miyakonojo, make_user, org):
    steward = make_user("steward2", "data_steward", miyakonojo)
    dataset = services.dataset_create(
        municipality=miyakonojo,
        actor=steward,
        organization=org,
        name="aed",
        title_ja="AED",
        standard_dataset="aed",
    )
    resource = _upload(dataset, steward, _aed_csv())
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    validation = selectors.validation_latest(resource=resource)
    assert validation.status == ValidationStatus.DONE
    assert validation.valid is True
    # The check, then the DataStore load it queued (issue 17), both run by the real worker.
    assert [r.status for r in DBTaskResult.objects.all()] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert DatastoreTable.all_tenants.get(resource=resource).row_count == 6


# --- corrected copy ----------------------------------------------------------------------


def test_a_corrected_copy_fixes_what_is_certain_and_keeps_the_original(aed_dataset, steward):
    header, rows = aed_rows(4)
    rows[1][header.index("緯度")] = "３１．７２"  # full-width digits in a number column
    original_bytes = csv_bytes(header, rows, encoding="cp932")
    original = _upload(aed_dataset, steward, original_bytes)
    _run_queued()
    before = selectors.validation_latest(resource=original)
    assert before.valid is False

    copy = services.resource_repair(
        municipality=aed_dataset.municipality, actor=steward, resource=original
    )
    original.refresh_from_db()
    with original.file.open("rb") as fh:
        assert fh.read() == original_bytes  # untouched
    assert copy.repaired_from == original
    assert copy.filename == "452025_aed_corrected.csv"
    with copy.file.open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    assert "31.72" in text
    with copy.repair_log.open("rb") as fh:
        log = list(csv.reader(io.StringIO(fh.read().decode("utf-8-sig"))))
    assert log[0] == ["row", "column", "before", "after", "rule"]
    assert any(r[1] == "緯度" and r[2] == "３１．７２" and r[3] == "31.72" for r in log[1:])
    _run_queued()
    after = selectors.validation_latest(resource=copy)
    assert after.error_count < before.error_count
    assert after.encoding.startswith("utf-8")


def test_only_tables_can_be_corrected(aed_dataset, steward):
    pdf = _upload(aed_dataset, steward, b"%PDF-1.7\n", "leaflet.pdf")
    with pytest.raises(Invalid):
        services.resource_repair(municipality=aed_dataset.municipality, actor=steward, resource=pdf)


# --- generated CSV is safe in spreadsheets -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd", "'+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("-3.5", "-3.5"),
        ("+81", "+81"),
        ("本町", "本町"),
        (12, 12),
    ],
)
def test_formula_like_cells_are_neutralised(value, expected):
    assert safe_cell(value) == expected


# --- the catalog's own オープンデータ一覧 ---------------------------------------------------


def test_the_open_data_list_is_rewritten_on_publish_and_validates(
    make_dataset, miyakonojo, steward, client, django_capture_on_commit_callbacks
):
    from kanmin.catalog.models import DatasetState
    from kanmin.standards.validate import validate

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        listing = make_dataset(
            "open-data-list",
            "オープンデータ一覧",
            standard_dataset="open_data_list",
            notes_ja="都城市のオープンデータの一覧（第Ⅱ期）",
        )
        draft = make_dataset("shelters", "指定避難所一覧", state=DatasetState.DRAFT)
        services.dataset_publish(municipality=miyakonojo, actor=steward, dataset=draft)
    assert len(callbacks) == 1  # one rewrite per transaction, however many publications
    resource = Resource.all_tenants.get(dataset=listing)
    assert resource.filename == "452025_open_data_list.csv"
    with resource.file.open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    assert "指定避難所一覧" in text and "オープンデータ一覧" in text
    report = validate(io.BytesIO(text.encode("utf-8")), "open_data_list")
    assert report.error_count == 0, report.to_text()

    with django_capture_on_commit_callbacks(execute=True):
        services.dataset_withdraw(municipality=miyakonojo, actor=steward, dataset=draft)
    resource.refresh_from_db()
    with resource.file.open("rb") as fh:
        assert "指定避難所一覧" not in fh.read().decode("utf-8-sig")
    live = client.get("/m/452025/catalog/452025_open_data_list.csv")
    assert live.status_code == 200
    assert "オープンデータ一覧" in live.content.decode("utf-8-sig")
    assert client.get("/m/452025/catalog/131016_open_data_list.csv").status_code == 404


def test_changing_the_standard_checks_the_tables_again(make_dataset, miyakonojo, steward):
    dataset = make_dataset("facilities", "施設一覧")
    resource = _upload(dataset, steward, _aed_csv(), "facilities.csv")
    _run_queued()
    assert selectors.validation_latest(resource=resource).schema == "aed"  # recognised
    services.dataset_patch(
        municipality=miyakonojo, actor=steward, dataset=dataset, standard_dataset="public_facility"
    )
    _run_queued()
    latest = selectors.validation_latest(resource=resource)
    assert latest.requested_schema == "public_facility"
    assert latest.schema == "public_facility"
    assert Validation.all_tenants.filter(resource=resource).count() == 2
