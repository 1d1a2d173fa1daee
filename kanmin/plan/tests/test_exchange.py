"""`kanmin plan export` / `import`: the same shapes go out and come back, bad rows refused."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from kanmin.plan import exchange, selectors, services
from kanmin.plan.models import KpiValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(plan, manager, record_value):
    kpi = selectors.measure_get(plan=plan, number="Ⅰ-1").kpis.get(name_ja="電子申請可能な手続数")
    for year, target, actual in ((2023, 150, 162), (2024, 200, 188)):
        record_value(kpi, "target", year, target, actor=manager)
        record_value(kpi, "actual", year, actual, actor=manager)
    return kpi


def test_json_export_has_the_documented_shape(plan, figures, tmp_path):
    out = tmp_path / "plan.json"
    call_command("plan_export", "--municipality", "452025", "--format", "json", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["municipality"] == "452025"
    first = data["measures"][0]
    assert {"number", "policy", "title", "content", "kpis"} <= set(first)
    assert (first["number"], first["policy"]) == ("Ⅰ-1", "(1)")
    kpi = next(k for k in first["kpis"] if k["name"] == "電子申請可能な手続数")
    assert kpi["targets"] == {"2023": 150, "2024": 200}
    assert kpi["actuals"] == {"2023": 162, "2024": 188}
    assert kpi["unit"] == "件"


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_a_round_trip_into_another_municipality_loses_nothing(
    plan, figures, tmp_path, miyazaki, fmt
):
    out = tmp_path / f"plan.{fmt}"
    call_command("plan_export", "--municipality", "452025", "--format", fmt, "-o", str(out))
    if fmt != "json":  # CSV and Excel carry figures only: the structure must exist first
        services.plan_copy(municipality=miyazaki, actor=None, source=plan)
    call_command("plan_import", str(out), "--municipality", "452017", stdout=io.StringIO())
    theirs = selectors.plan_figures(plan=selectors.plan_get(municipality=miyazaki))
    ours = selectors.plan_figures(plan=plan)
    strip = lambda f: [  # noqa: E731
        [(k["name"], k["targets"], k["actuals"]) for k in m["kpis"]] for m in f["measures"]
    ]
    assert strip(theirs) == strip(ours)


def test_importing_the_same_file_twice_adds_no_versions(plan, figures, tmp_path):
    out = tmp_path / "plan.csv"
    call_command("plan_export", "--municipality", "452025", "--format", "csv", "-o", str(out))
    before = KpiValue.all_tenants.count()
    call_command("plan_import", str(out), "--municipality", "452025", stdout=io.StringIO())
    assert KpiValue.all_tenants.count() == before


def test_bad_rows_are_refused_with_row_and_column_and_nothing_is_saved(plan, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "measure,kpi,kind,fiscal_year,value\n"
        "Ⅰ-1,電子申請可能な手続数,actual,2024,120\n"
        "Ⅰ-1,電子申請可能な手続数,actual,2024,百二十\n"
        "Ⅰ-1,存在しないKPI,actual,2024,1\n"
        "Ⅰ-1,電子申請可能な手続数,actual,1999,1\n"
        "Ⅰ-1,電子申請可能な手続数,plan,2024,1\n",
        encoding="cp932",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("plan_import", str(path), "--municipality", "452025", stderr=err)
    messages = err.getvalue()
    for row, column in ((3, "value"), (4, "kpi"), (5, "fiscal_year"), (6, "kind")):
        assert f"{row}" in messages and column in messages
    assert not KpiValue.all_tenants.exists()


def test_an_excel_with_wrong_columns_is_refused(plan, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["施策", "指標", "値"])
    workbook.active.append(["Ⅰ-1", "電子申請可能な手続数", 1])
    path = tmp_path / "wrong.xlsx"
    workbook.save(path)
    result = exchange.import_file(municipality=plan.municipality, actor=None, path=path)
    assert result.errors and result.errors[0]["row"] == 1
    assert "measure" in result.errors[0]["message"]


def test_the_department_template_round_trips(plan, tmp_path, manager, miyakonojo):
    from openpyxl import load_workbook

    payload = exchange.department_template(plan, 2024)
    path = tmp_path / "template.xlsx"
    path.write_bytes(payload)
    workbook = load_workbook(path)
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    value_col = header.index("value") + 1
    kpi_col = header.index("kpi") + 1
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=kpi_col).value == "電子申請可能な手続数":
            sheet.cell(row=row, column=value_col, value=210)
    workbook.save(path)
    result = exchange.import_file(municipality=miyakonojo, actor=manager, path=path)
    assert not result.errors and result.values == 1
    kpi = selectors.measure_get(plan=plan, number="Ⅰ-1").kpis.get(name_ja="電子申請可能な手続数")
    assert selectors.kpi_series(kpi=kpi)["actuals"] == {"2024": 210}


def test_a_department_downloads_the_sheet_fills_it_in_and_uploads_it(client, plan, clerk):
    from openpyxl import load_workbook

    client.force_login(clerk)
    response = client.get("/m/452025/plan/staff/figures/2024.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=header.index("kpi") + 1).value == "電子申請可能な手続数":
            sheet.cell(row=row, column=header.index("value") + 1, value="２１０")
    filled = io.BytesIO()
    workbook.save(filled)
    filled.seek(0)
    filled.name = "filled.xlsx"
    saved = client.post("/m/452025/plan/staff/figures/", {"file": filled})
    assert saved.status_code == 200, saved.content.decode()[:500]
    kpi = selectors.measure_get(plan=plan, number="Ⅰ-1").kpis.get(name_ja="電子申請可能な手続数")
    assert selectors.kpi_series(kpi=kpi)["actuals"] == {"2024": 210}


def test_an_uploaded_sheet_with_a_bad_row_saves_nothing_and_lists_the_row(client, plan, clerk):
    client.force_login(clerk)
    bad = io.BytesIO(
        "measure,kpi,kind,fiscal_year,value\n"
        "Ⅰ-1,電子申請可能な手続数,actual,2024,10\n"
        "Ⅰ-1,電子申請可能な手続数,actual,2024,十\n".encode()
    )
    bad.name = "bad.csv"
    response = client.post("/m/452025/plan/staff/figures/", {"file": bad})
    assert response.status_code == 422
    page = response.content.decode()
    assert "<td>3</td><td>value</td>" in page
    assert not KpiValue.all_tenants.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(client, plan, clerk):
    client.force_login(clerk)
    junk = io.BytesIO(b"PK\x03\x04 not really a zip")
    junk.name = "figures.xlsx"
    response = client.post("/m/452025/plan/staff/figures/", {"file": junk})
    assert response.status_code == 422
    assert not KpiValue.all_tenants.exists()
