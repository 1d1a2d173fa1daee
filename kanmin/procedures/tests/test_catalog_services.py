"""The procedure catalog's services and selectors: create, update, unpublish, delete (refused
while forms or applications refer to it), the CSV import (CP932 and UTF-8, every problem with
its row and column, all or nothing), tenancy, the open data and the KPIs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from kanmin.audit.models import AuditEvent
from kanmin.core import datasets, metrics
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.core.fiscal_year import FiscalYear
from kanmin.procedures import catalog, selectors, services
from kanmin.procedures.models import Form, FormVersion, Procedure, Submission
from kanmin.procedures.tests.catalog_factories import department, procedure

JST = ZoneInfo("Asia/Tokyo")
HEADER = ",".join(c.title_ja for c in catalog.STAFF_COLUMNS)


@pytest.fixture
def manager(make_user, miyakonojo):
    return make_user("tetsuzuki", "procedures_manager", miyakonojo)


@pytest.fixture
def shimin(miyakonojo):
    return department(miyakonojo)


def _import(municipality, text, actor=None, encoding="utf-8"):
    return services.procedures_import(
        municipality=municipality, actor=actor, data=text.encode(encoding), file_name="p.csv"
    )


# --- create, update, delete ------------------------------------------------------------------


def test_create_keeps_the_values_and_writes_an_audit_entry(miyakonojo, manager, shimin):
    created = services.procedure_create(
        municipality=miyakonojo,
        actor=manager,
        code="juminhyo",
        name_ja=" 住民票の写し交付請求 ",
        department=shimin,
        fee_yen=300,
        documents="本人確認書類\n\n委任状;印鑑",
        channels=["post", "counter", "online"],
        is_online=True,
        legal_basis="住民基本台帳法第12条",
    )
    assert created.name_ja == "住民票の写し交付請求"
    assert created.documents == "本人確認書類\n委任状\n印鑑"
    assert created.channels == ["online", "counter", "post"]  # in the catalog's order
    assert created.is_published
    entry = AuditEvent.objects.get(action="procedures.procedure.create")
    assert (
        entry.changes["after"]["code"] == "juminhyo"
        and entry.changes["after"]["department"] == "shimin"
    )


def test_every_problem_of_a_procedure_is_named_by_its_field(miyakonojo, manager):
    with pytest.raises(Invalid) as caught:
        services.procedure_create(
            municipality=miyakonojo,
            actor=manager,
            code="Bad Code!",
            name_ja="",
            channels=[],
            online_url="not an address",
        )
    assert {"code", "name_ja", "channels", "online_url"} <= set(caught.value.fields)
    with pytest.raises(Invalid) as caught:
        procedure(miyakonojo, code="x", channels=["counter"], is_online=True)
    assert "is_online" in caught.value.fields
    with pytest.raises(Invalid) as caught:
        procedure(miyakonojo, code="x", channels=["fax"])
    assert "channels" in caught.value.fields
    assert not Procedure.all_tenants.exists()


def test_a_code_is_used_once_per_municipality(miyakonojo, miyazaki):
    procedure(miyakonojo)
    with pytest.raises(Invalid) as caught:
        procedure(miyakonojo)
    assert "code" in caught.value.fields
    assert procedure(miyazaki).municipality == miyazaki  # another city may use the same code


def test_update_and_unpublish(miyakonojo, manager):
    p = procedure(miyakonojo)
    services.procedure_update(
        municipality=miyakonojo, actor=manager, procedure=p, fee_yen=350, is_published=False
    )
    p.refresh_from_db()
    assert p.fee_yen == 350 and not p.is_published
    assert selectors.procedure_list(miyakonojo).count() == 0
    assert selectors.procedure_list(miyakonojo, published_only=False).count() == 1
    entry = AuditEvent.objects.get(action="procedures.procedure.update")
    assert entry.changes["before"]["fee_yen"] is None and entry.changes["after"]["fee_yen"] == 350
    # The same values again: nothing is recorded.
    services.procedure_update(municipality=miyakonojo, actor=manager, procedure=p, fee_yen=350)
    assert AuditEvent.objects.filter(action="procedures.procedure.update").count() == 1


def test_a_failed_update_changes_nothing(miyakonojo, manager):
    p = procedure(miyakonojo)
    with pytest.raises(Invalid):
        services.procedure_update(
            municipality=miyakonojo, actor=manager, procedure=p, name_ja="", fee_yen=5
        )
    p.refresh_from_db()
    assert p.name_ja == "住民票の写し交付請求" and p.fee_yen is None


def _live_form(municipality, proc, slug="juminhyo-form"):
    form = Form.objects.create(
        municipality=municipality, procedure=proc, slug=slug, title_ja="申請", status="live"
    )
    version = FormVersion.objects.create(
        municipality=municipality, form=form, number=1, definition={"pages": []}
    )
    form.live_version = version
    form.save()
    return form, version


def test_delete_is_refused_while_forms_exist_and_unpublishing_is_offered(miyakonojo, manager):
    p = procedure(miyakonojo)
    _live_form(miyakonojo, p)
    with pytest.raises(Conflict) as caught:
        services.procedure_delete(municipality=miyakonojo, actor=manager, procedure=p)
    assert caught.value.code == "in_use"
    assert "Unpublish" in str(caught.value.message) or "非公開" in str(caught.value.message)
    assert Procedure.all_tenants.filter(pk=p.pk).exists()


def test_delete_of_an_unused_procedure(miyakonojo, manager):
    p = procedure(miyakonojo)
    services.procedure_delete(municipality=miyakonojo, actor=manager, procedure=p)
    assert not Procedure.all_tenants.exists()
    entry = AuditEvent.objects.get(action="procedures.procedure.delete")
    assert entry.changes["before"]["code"] == "juminhyo"


def test_permissions_and_tenancy(miyakonojo, miyazaki, make_user):
    p = procedure(miyakonojo)
    clerk = make_user("madoguchi", "counter_clerk", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.procedure_update(municipality=miyakonojo, actor=clerk, procedure=p, fee_yen=1)
    with pytest.raises(PermissionDenied):
        _import(miyakonojo, HEADER + "\r\n", actor=clerk)
    other = make_user("other", "procedures_manager", miyazaki)
    with pytest.raises(NotFound):  # Miyazaki's manager cannot touch Miyakonojo's row
        services.procedure_update(municipality=miyazaki, actor=other, procedure=p, fee_yen=1)
    with pytest.raises(NotFound):
        services.procedure_delete(municipality=miyazaki, actor=other, procedure=p)
    with pytest.raises(NotFound):
        selectors.procedure_get(miyazaki, "juminhyo")
    # A department of another municipality cannot be given to a procedure.
    foreign = department(miyazaki, code="shimin")
    with pytest.raises(NotFound):
        services.procedure_update(
            municipality=miyakonojo, actor=None, procedure=p, department=foreign
        )


# --- selectors -----------------------------------------------------------------------------


def test_procedure_list_filters(miyakonojo, shimin):
    kodomo = department(miyakonojo, code="kodomo", name_ja="こども課", sort_order=10)
    procedure(miyakonojo, "juminhyo", department=shimin, channels=["counter", "post"])
    procedure(
        miyakonojo,
        "jido-teate",
        name_ja="児童手当 認定請求",
        name_en="Child allowance",
        department=kodomo,
        channels=["online", "counter"],
        is_online=True,
    )
    procedure(miyakonojo, "hidden", name_ja="非公開の手続", is_published=False)

    def codes(**kw):
        return [p.code for p in selectors.procedure_list(miyakonojo, **kw)]

    assert codes() == ["juminhyo", "jido-teate"]
    assert codes(department="kodomo") == ["jido-teate"]
    assert codes(department=shimin) == ["juminhyo"]
    assert codes(channel="post") == ["juminhyo"]
    assert codes(channel="online") == ["jido-teate"]
    assert codes(channel="fax") == []
    assert codes(online=True) == ["jido-teate"]
    assert codes(online=False) == ["juminhyo"]
    assert codes(q="住民票") == ["juminhyo"]
    assert codes(q="ｃｈｉｌｄ　allowance") == ["jido-teate"]  # full-width, any case
    assert codes(q="非公開") == []
    assert codes(q="非公開", published_only=False) == ["hidden"]
    assert [d.code for d in selectors.procedure_departments(miyakonojo)] == ["shimin", "kodomo"]


# --- import ----------------------------------------------------------------------------------


def _row(**cells):
    values = {c.name: "" for c in catalog.STAFF_COLUMNS}
    values.update(lg_code="452025", is_online="0", is_published="1", channels="窓口")
    values.update(cells)
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerow(
        [values[c.name] for c in catalog.STAFF_COLUMNS]
    )
    return stream.getvalue()


def test_import_of_a_cp932_file_from_excel(miyakonojo, manager, shimin):
    text = (
        HEADER
        + "\r\n"
        + _row(
            code="juminhyo",
            name_ja="住民票の写し交付請求",
            department_code="shimin",
            fee_yen="３００円",
            documents="本人確認書類;委任状",
            channels="窓口；郵送、オンライン",
            is_online="○",
            legal_basis="住民基本台帳法第12条",
        )
        + _row(code="inu", name_ja="犬の登録", department="市民課", fee_yen="3,000")
    )
    result = _import(miyakonojo, text, actor=manager, encoding="cp932")
    assert result.created == ["juminhyo", "inu"] and result.encoding == "cp932"
    p = selectors.procedure_get(miyakonojo, "juminhyo")
    assert p.fee_yen == 300 and p.is_online and p.department == shimin
    assert p.channels == ["online", "counter", "post"]
    assert p.documents == "本人確認書類\n委任状"
    assert selectors.procedure_get(miyakonojo, "inu").fee_yen == 3000
    # Importing the same file again changes nothing and records nothing.
    again = _import(miyakonojo, text, actor=manager, encoding="cp932")
    assert again.unchanged == ["juminhyo", "inu"] and not again.created and not again.updated
    assert AuditEvent.objects.filter(action="procedures.procedure.import").count() == 1


def test_import_problems_by_row_and_column_and_nothing_saved(miyakonojo, manager, shimin):
    procedure(miyakonojo, "juminhyo", fee_yen=300)
    text = (
        HEADER
        + "\r\n"
        + _row(code="juminhyo", name_ja="住民票", fee_yen="500")  # fine on its own
        + _row(code="inu", name_ja="犬の登録", fee_yen="三千円")
        + _row(code="bad code", name_ja="")
        + _row(code="x1", name_ja="X", channels="FAX")
        + _row(code="x2", name_ja="X", department_code="nowhere", is_online="maybe")
        + _row(code="x3", name_ja="X", channels="窓口", is_online="1")
        + _row(code="inu", name_ja="犬の登録（重複）")
        + _row(code="x4", name_ja="X", lg_code="452017")
    )
    with pytest.raises(services.ImportRefused) as caught:
        _import(miyakonojo, text, actor=manager)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert (3, "手数料（円）") in found
    assert (4, "手続コード") in found and (4, "手続名") in found
    assert (5, "手続の方法") in found
    assert (6, "担当課コード") in found and (6, "オンライン完結") in found
    assert (7, "オンライン完結") in found
    assert (8, "手続コード") in found  # the duplicate code
    assert (9, "全国地方公共団体コード") in found
    assert all(p.message for p in caught.value.problems)
    assert selectors.procedure_get(miyakonojo, "juminhyo").fee_yen == 300  # row 2 not saved
    assert Procedure.all_tenants.count() == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        ("手続名,メモ\r\n住民票,x\r\n".encode(), "メモ"),
        ("手続名\r\n住民票\r\n".encode(), "手続コード"),
        (b"%PDF-1.4 binary", "CSV"),
        ("手続コード,手続名\r\n".encode() + "住民票".encode("euc-jp"), "Shift_JIS"),
    ],
)
def test_import_file_problems(miyakonojo, manager, data, expected):
    with translation.override("en"), pytest.raises(services.ImportRefused) as caught:
        services.procedures_import(municipality=miyakonojo, actor=manager, data=data)
    text = " ".join(f"{p.column} {p.message}" for p in caught.value.problems)
    assert expected in text


def test_a_file_with_some_columns_changes_only_those(miyakonojo, manager):
    p = procedure(miyakonojo, fee_yen=300, legal_basis="住民基本台帳法第12条")
    _import(miyakonojo, "手続コード,手数料（円）\r\njuminhyo,350\r\n", actor=manager)
    p.refresh_from_db()
    assert p.fee_yen == 350 and p.legal_basis == "住民基本台帳法第12条"
    assert p.name_ja == "住民票の写し交付請求"


def test_export_and_import_round_trip(miyakonojo, manager, shimin):
    procedure(
        miyakonojo,
        "juminhyo",
        department=shimin,
        fee_yen=300,
        fee_note="1通につき",
        documents="本人確認書類\n=委任状",
        channels=["online", "counter"],
        is_online=True,
        online_url="https://example.jp/apply",
        is_published=False,
    )
    stream = io.StringIO()
    from kanmin.core.spreadsheet import write_rows

    rows = [catalog.row_of(p, "452025", staff=True) for p in Procedure.all_tenants.all()]
    write_rows(stream, [[c.title_ja for c in catalog.STAFF_COLUMNS], *rows])
    data = stream.getvalue().encode("cp932")
    result = services.procedures_import(municipality=miyakonojo, actor=manager, data=data)
    assert result.unchanged == ["juminhyo"]


# --- open data -------------------------------------------------------------------------------


def test_open_data_lists_published_procedures(miyakonojo, miyazaki, shimin):
    procedure(miyakonojo, "juminhyo", department=shimin, fee_yen=300, documents="A\nB")
    procedure(miyakonojo, "hidden", name_ja="非公開", is_published=False)
    procedure(miyazaki, "other", name_ja="宮崎市の手続")
    provider = datasets.get("procedures.procedures")
    assert "procedures.procedure.import" in provider.changed_by
    rows = datasets.rows_json(provider, miyakonojo)
    assert [r["code"] for r in rows] == ["juminhyo"]
    assert rows[0]["department"] == "市民課" and rows[0]["fee_yen"] == 300
    assert rows[0]["documents"] == "A;B" and rows[0]["channels"] == "窓口;郵送"
    text = datasets.rows_csv(provider, miyakonojo).decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(c.title_ja for c in catalog.COLUMNS)


def test_the_catalog_dataset_follows_staff_actions(
    miyakonojo, manager, django_capture_on_commit_callbacks
):
    from kanmin.catalog.models import Dataset

    with django_capture_on_commit_callbacks(execute=True):
        procedure(miyakonojo)
    dataset = Dataset.all_tenants.get(municipality=miyakonojo, provider="procedures.procedures")
    assert dataset.name and dataset.title_ja == "行政手続一覧"


# --- KPIs ------------------------------------------------------------------------------------


def test_online_procedures_kpi(miyakonojo, miyazaki):
    procedure(miyakonojo, "a", channels=["online"], is_online=True)
    procedure(miyakonojo, "b", channels=["online"], is_online=True, pittari_id="P-1")
    procedure(miyakonojo, "c", channels=["online"], is_online=True, is_published=False)
    procedure(miyakonojo, "d", channels=["counter"])
    procedure(miyazaki, "a", channels=["online"], is_online=True)
    this_year = FiscalYear.of(dt.date.today())
    online = metrics.get("procedures.online_procedures")
    assert online.compute(municipality=miyakonojo, fiscal_year=this_year) == 2
    # Procedures added after a fiscal year's end are not counted in it.
    assert online.compute(municipality=miyakonojo, fiscal_year=this_year.previous()) == 0
    mynaportal = metrics.get("procedures.mynaportal_procedures")
    assert mynaportal.compute(municipality=miyakonojo, fiscal_year=this_year) == 1


def test_online_applications_kpi_counts_the_fiscal_year(miyakonojo, miyazaki):
    p = procedure(miyakonojo, channels=["online"], is_online=True)
    form, version = _live_form(miyakonojo, p)

    def submit(at, channel="online", municipality=miyakonojo):
        Submission.objects.create(
            municipality=municipality,
            form=form,
            version=version,
            procedure=p,
            status="received",
            channel=channel,
            submitted_at=at,
        )

    submit(dt.datetime(2024, 4, 1, 0, 0, tzinfo=JST))  # first moment of FY2024
    submit(dt.datetime(2025, 3, 31, 23, 59, tzinfo=JST))  # last minute of FY2024
    submit(dt.datetime(2025, 4, 1, 0, 0, tzinfo=JST))  # FY2025
    submit(dt.datetime(2024, 3, 31, 23, 59, tzinfo=JST))  # FY2023
    submit(dt.datetime(2024, 6, 1, tzinfo=JST), channel="counter")  # not online
    Submission.objects.create(  # a draft: not submitted
        municipality=miyakonojo, form=form, version=version, procedure=p, channel="online"
    )
    applications = metrics.get("procedures.online_applications")
    assert applications.compute(municipality=miyakonojo, fiscal_year=FiscalYear(2024)) == 2
    assert applications.compute(municipality=miyakonojo, fiscal_year=FiscalYear(2025)) == 1
    assert applications.compute(municipality=miyazaki, fiscal_year=FiscalYear(2024)) == 0


def test_demo_file_has_the_export_columns_and_english_names():
    from kanmin.core.language import has_japanese
    from kanmin.demo.procedures import DATA_FILE

    text = DATA_FILE.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) >= 30
    # English pages show these as English: no Japanese in them, or it would be unmarked.
    assert all(r["手続名（英語）"] and not has_japanese(r["手続名（英語）"]) for r in rows)
    assert not any(has_japanese(r["説明（英語）"]) for r in rows)
    assert not any(r["ぴったりサービス手続ID"] for r in rows)  # never invented
