"""The register as Excel: export → import round trip, all-or-nothing with row and column for
every problem (unknown 業務, bad 和暦, duplicated systems, unknown columns), 和暦 dates."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import PermissionDenied
from kanmin.governance import register, selectors, services
from kanmin.governance.models import InformationSystem

pytestmark = pytest.mark.django_db

TITLES = [c.title_ja for c in register.COLUMNS]


def _book(rows: list[list[Any]], titles: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = register.SHEET_TITLE
    sheet.append(titles or TITLES)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _row(**values: Any) -> list[Any]:
    base = {
        "code": "SYS-100",
        "name": "介護保険システム",
        "department_code": "shimin",
        "department": "",
        "vendor": "C社",
        "businesses": "介護保険",
        "hosting": "ガバメントクラウド",
        "network_segment": "マイナンバー利用事務系",
        "classification": "機密性3",
        "contract_start": "令和6年4月1日",
        "contract_end": dt.date(2029, 3, 31),
        "applic_compliant": "○",
        "middle_layout_in_scope": "○",
        "middle_layout_compliant": "",
        "standard_compliant": "○",
        "layout_in_procurement": "",
        "layout_in_migration": "",
        "consolidated_on": "",
        "consolidated_into": "",
        "retired_on": "",
        "note": "",
    }
    base.update(values)
    return [base[c.key] for c in register.COLUMNS]


def _import(municipality: Any, actor: Any, data: bytes) -> Any:
    return services.systems_import(
        municipality=municipality, actor=actor, data=data, file_name="daicho.xlsx"
    )


def test_export_then_import_is_a_round_trip(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    services.system_update(
        municipality=miyakonojo,
        actor=policy,
        system=systems["zei"],
        contract_start=dt.date(2020, 4, 1),
        contract_end=dt.date(2026, 3, 31),
        consolidated_on=dt.date(2025, 3, 31),
        consolidated_into=systems["juki"],
    )
    data = register.workbook_bytes(list(selectors.system_list(miyakonojo, viewer=policy)))
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == TITLES
    assert sheet["F2"].value == "住民基本台帳;印鑑登録"
    before = {
        s.code: services._system_dict(s, services._businesses_of(s))
        for s in InformationSystem.all_tenants.filter(municipality=miyakonojo)
    }
    result = _import(miyakonojo, policy, data)
    assert result.created == [] and result.updated == []
    assert sorted(result.unchanged) == ["SYS-001", "SYS-002"]
    after = {
        s.code: services._system_dict(s, services._businesses_of(s))
        for s in InformationSystem.all_tenants.filter(municipality=miyakonojo)
    }
    assert after == before


def test_import_adds_and_updates_with_wareki_dates(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    data = _book(
        [
            _row(),
            _row(
                code="SYS-001",
                name="住民記録システム",
                businesses="住民基本台帳;戸籍の附票",
                contract_start="R7.4.1",
                contract_end="令和12年3月31日",
            ),
        ]
    )
    result = _import(miyakonojo, policy, data)
    assert result.created == ["SYS-100"]
    assert result.updated == ["SYS-001"]
    kaigo = selectors.system_get(miyakonojo, "SYS-100", viewer=policy)
    assert kaigo.contract_start == dt.date(2024, 4, 1)
    assert kaigo.hosting == "government_cloud" and kaigo.standard_compliant
    assert [b.business for b in kaigo.businesses.all()] == ["long_term_care"]
    juki = selectors.system_get(miyakonojo, "SYS-001", viewer=policy)
    assert juki.contract_start == dt.date(2025, 4, 1)
    assert juki.contract_end == dt.date(2030, 3, 31)
    assert sorted(b.business for b in juki.businesses.all()) == [
        "family_register_annex",
        "resident_register",
    ]
    assert AuditEvent.objects.filter(action="governance.system.import").count() == 1


def test_a_bad_row_imports_nothing_and_every_problem_has_row_and_column(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    data = _book(
        [
            _row(code="SYS-101", name="良い行"),  # row 2: fine on its own
            _row(code="SYS-102", name="業務違い", businesses="介護保険;給与"),  # row 3
            _row(code="SYS-103", name="日付違い", contract_start="令和6年13月1日"),  # row 4
            _row(code="SYS-101", name="重複"),  # row 5: duplicated ID
            _row(code="SYS-104", name="良い行"),  # row 6: duplicated name
            _row(code="SYS-105", name="住民記録システム"),  # row 7: name of SYS-001
        ]
    )
    count = InformationSystem.all_tenants.count()
    with pytest.raises(services.ImportRefused) as caught:
        _import(miyakonojo, policy, data)
    where = {(p.row, p.column) for p in caught.value.problems}
    assert (3, "F (基幹業務)") in where
    assert (4, "J (契約開始日)") in where
    assert (5, "A (システムID)") in where
    assert (6, "B (システム名)") in where
    assert (7, "B (システム名)") in where
    messages = " ".join(p.message for p in caught.value.problems)
    assert "給与" in messages
    assert (2, "A (システムID)") not in where
    assert InformationSystem.all_tenants.count() == count  # nothing half-imported
    assert not InformationSystem.all_tenants.filter(code="SYS-101").exists()


def test_problems_are_in_english_for_an_english_reader(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    from django.utils import translation

    data = _book([_row(businesses="給与")])
    for language, word in (("en", "Unknown"), ("ja", "不明")):
        with translation.override(language), pytest.raises(services.ImportRefused) as caught:
            _import(miyakonojo, policy, data)
        assert word in caught.value.problems[0].message


def test_unknown_columns_and_missing_ones_are_refused(miyakonojo: Any, policy: Any) -> None:
    data = _book([["SYS-1", "x"]], titles=["システムID", "名前"])
    with pytest.raises(services.ImportRefused) as caught:
        _import(miyakonojo, policy, data)
    where = {(p.row, p.column) for p in caught.value.problems}
    assert (1, "B (名前)") in where
    assert (1, "システム名") in where


def test_not_a_workbook(miyakonojo: Any, policy: Any) -> None:
    with pytest.raises(services.ImportRefused) as caught:
        _import(miyakonojo, policy, b"code,name\n1,2\n")
    assert caught.value.problems[0].row is None


def test_only_the_policy_division_imports(miyakonojo: Any, auditor: Any) -> None:
    with pytest.raises(PermissionDenied):
        _import(miyakonojo, auditor, _book([_row()]))


def test_wareki_cell_parser() -> None:
    assert register.parse_date_cell("令和元年5月1日") == dt.date(2019, 5, 1)
    assert register.parse_date_cell("H31.4.30") == dt.date(2019, 4, 30)
    assert register.parse_date_cell(dt.datetime(2025, 4, 1, 0, 0)) == dt.date(2025, 4, 1)
    assert register.parse_date_cell("") is None
    with pytest.raises(ValueError):
        register.parse_date_cell("令和6年2月30日")
    with pytest.raises(ValueError):
        register.parse_date_cell(45000)


def _costs(system: Any) -> dict[int, int]:
    return {c.fiscal_year: c.amount_yen for c in system.costs.all()}


def test_yearly_costs_are_columns_of_the_export_and_of_the_import(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    for year, amount in ((2024, 12_000_000), (2025, 13_500_000)):
        services.system_cost_set(
            municipality=miyakonojo,
            actor=policy,
            system=systems["juki"],
            fiscal_year=year,
            amount_yen=amount,
        )
    data = register.workbook_bytes(list(selectors.system_list(miyakonojo, viewer=policy)))
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[-2:] == ["2024年度経費（円）", "2025年度経費（円）"]
    by_code = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_code[systems["juki"].code][-2:] == (12_000_000, 13_500_000)
    assert by_code[systems["zei"].code][-2:] == (None, None)

    # The file edited: one year corrected, one added (in 和暦 and with commas), one left empty.
    titles = [*TITLES, "2024年度経費（円）", "令和7年度経費", "2026年度 経費(円)"]
    juki = systems["juki"]
    rows = [
        [
            *_row(code=juki.code, name=juki.name, businesses="住民基本台帳"),
            None,
            "14,000,000円",
            "１５００００００",
        ]
    ]
    outcome = _import(miyakonojo, policy, _book(rows, titles))
    assert outcome.updated == [juki.code]
    assert _costs(juki) == {2024: 12_000_000, 2025: 14_000_000, 2026: 15_000_000}


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        ("2025年度経費（円）", "たくさん"),
        ("2025年度経費（円）", -5),
        ("2025年度経費（円）", 12.5),
        ("1900年度経費", 100),
    ],
)
def test_a_bad_cost_imports_nothing(
    miyakonojo: Any, policy: Any, systems: dict[str, Any], title: str, cell: Any
) -> None:
    from openpyxl.utils import get_column_letter

    column = f"{get_column_letter(len(TITLES) + 1)} ({title})"
    juki = systems["juki"]
    before = _costs(juki)
    rows = [[*_row(code=juki.code, name=juki.name, businesses="住民基本台帳"), cell]]
    with pytest.raises(services.ImportRefused) as refused:
        _import(miyakonojo, policy, _book(rows, [*TITLES, title]))
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, column)]
    assert _costs(juki) == before


def test_cost_titles() -> None:
    assert register.cost_year("2025年度経費（円）") == 2025
    assert register.cost_year("令和7年度経費") == 2025
    assert register.cost_year("２０２５年度 費用") == 2025
    assert register.cost_year("経費") is None
    assert register.cost_year("2025年度予算") is None


def _layout(system: Any) -> dict[str, list[str]]:
    links = list(system.businesses.all())
    return {
        name: sorted(b.business for b in links if getattr(b, name))
        for name in register.LAYOUT_COLUMNS
    }


def test_the_layout_flags_per_business_are_columns_too(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    juki = systems["juki"]
    services.system_update(
        municipality=miyakonojo,
        actor=policy,
        system=juki,
        businesses=["resident_register", "seal_registration"],
        layout_in_procurement=["resident_register"],
        layout_in_migration=["resident_register", "seal_registration"],
    )
    data = register.workbook_bytes(list(selectors.system_list(miyakonojo, viewer=policy)))
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == juki.code)
    cells = dict(zip(header, row, strict=False))
    assert cells["中間標準レイアウト調達仕様書記載業務"] == "住民基本台帳"
    assert cells["中間標準レイアウト移行業務"] == "住民基本台帳;印鑑登録"

    # The file edited: procurement now names both, migration none.
    edited = _row(
        code=juki.code,
        name=juki.name,
        businesses="住民基本台帳;印鑑登録",
        layout_in_procurement="住民基本台帳、印鑑登録",
        layout_in_migration="",
    )
    outcome = _import(miyakonojo, policy, _book([edited]))
    assert outcome.updated == [juki.code]
    assert _layout(juki) == {
        "layout_in_procurement": ["resident_register", "seal_registration"],
        "layout_in_migration": [],
    }

    # Without the two columns, the flags of the 業務 still covered stay.
    titles = [t for t in TITLES if "中間標準レイアウト" not in t or t.endswith(("対象", "対応"))]
    kept = [
        v
        for c, v in zip(
            register.COLUMNS,
            _row(code=juki.code, name=juki.name, businesses="住民基本台帳"),
            strict=True,
        )
        if c.key not in register.LAYOUT_COLUMNS
    ]
    _import(miyakonojo, policy, _book([kept], titles))
    assert _layout(juki) == {
        "layout_in_procurement": ["resident_register"],
        "layout_in_migration": [],
    }


def test_a_layout_flag_outside_the_rows_businesses_imports_nothing(
    miyakonojo: Any, policy: Any, systems: dict[str, Any]
) -> None:
    juki = systems["juki"]
    before = _layout(juki)
    bad = _row(
        code=juki.code,
        name=juki.name,
        businesses="住民基本台帳",
        layout_in_migration="印鑑登録",
        layout_in_procurement="存在しない業務",
    )
    with pytest.raises(services.ImportRefused) as refused:
        _import(miyakonojo, policy, _book([bad]))
    columns = sorted(p.column for p in refused.value.problems)
    assert any("中間標準レイアウト調達仕様書記載業務" in c for c in columns)
    assert _layout(juki) == before
    bad = _row(
        code=juki.code, name=juki.name, businesses="住民基本台帳", layout_in_migration="印鑑登録"
    )
    with pytest.raises(services.ImportRefused) as refused:
        _import(miyakonojo, policy, _book([bad]))
    [problem] = refused.value.problems
    assert "中間標準レイアウト移行業務" in problem.column and "印鑑登録" in problem.message
    assert _layout(juki) == before
