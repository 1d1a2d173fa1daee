"""年度 (1 April – 31 March)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.wareki import WarekiError

D = dt.date


@pytest.mark.parametrize(
    ("d", "year"),
    [
        (D(2024, 3, 31), 2023),
        (D(2024, 4, 1), 2024),
        (D(2023, 4, 1), 2023),
        (D(2023, 3, 31), 2022),
        (D(2023, 12, 31), 2023),
        (D(2024, 1, 1), 2023),
        (D(2019, 4, 30), 2019),
        (D(2019, 5, 1), 2019),
    ],
)
def test_of(d: dt.date, year: int) -> None:
    assert FiscalYear.of(d) == FiscalYear(year)


def test_start_end_and_contains_at_the_boundaries() -> None:
    fy = FiscalYear(2023)
    assert fy.start == D(2023, 4, 1)
    assert fy.end == D(2024, 3, 31)
    assert fy.contains(D(2023, 4, 1))
    assert fy.contains(D(2024, 3, 31))
    assert fy.contains(D(2024, 2, 29))
    assert not fy.contains(D(2023, 3, 31))
    assert not fy.contains(D(2024, 4, 1))


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2023, "令和5年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1925, "大正14年度"),
        (1911, "明治44年度"),
    ],
)
def test_label_ja(year: int, label: str) -> None:
    assert FiscalYear(year).label_ja() == label


def test_label_en_and_str() -> None:
    assert FiscalYear(2023).label_en() == "FY2023"
    assert str(FiscalYear(2023)) == "2023"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("令和5年度", 2023),
        ("R5年度", 2023),
        ("令和元年度", 2019),
        ("平成31年度", 2019),
        ("2023年度", 2023),
        ("FY2023", 2023),
        ("2023", 2023),
        ("２０２３年度", 2023),
    ],
)
def test_parse(text: str, year: int) -> None:
    assert FiscalYear.parse(text) == FiscalYear(year)


def test_parse_rejects_a_year_without_era() -> None:
    with pytest.raises(WarekiError) as info:
        FiscalYear.parse("5年度")
    assert info.value.code == "ambiguous_no_era"


def test_next_previous_and_order() -> None:
    fy = FiscalYear(2023)
    assert fy.next() == FiscalYear(2024)
    assert fy.previous() == FiscalYear(2022)
    assert FiscalYear(2022) < fy < FiscalYear(2024)
    assert sorted([FiscalYear(2024), FiscalYear(2019), FiscalYear(2023)]) == [
        FiscalYear(2019),
        FiscalYear(2023),
        FiscalYear(2024),
    ]


def test_range_includes_both_ends() -> None:
    years = list(FiscalYear.range(FiscalYear(2019), FiscalYear(2023)))
    assert [fy.year for fy in years] == [2019, 2020, 2021, 2022, 2023]
    assert list(FiscalYear.range(2023, 2023)) == [FiscalYear(2023)]
    assert list(FiscalYear.range(2024, 2023)) == []


def test_frozen_and_hashable() -> None:
    fy = FiscalYear(2023)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fy.year = 2024  # type: ignore[misc]
    assert len({FiscalYear(2023), FiscalYear(2023), FiscalYear(2024)}) == 2


def test_year_must_leave_room_for_the_end_date() -> None:
    with pytest.raises(ValueError):
        FiscalYear(9999)
    with pytest.raises(ValueError):
        FiscalYear(0)


any_date = st.dates(min_value=D(2, 4, 1), max_value=D(9998, 12, 31))


@given(any_date)
def test_every_date_is_in_exactly_its_fiscal_year(d: dt.date) -> None:
    fy = FiscalYear.of(d)
    assert fy.start <= d <= fy.end
    assert fy.contains(d)
    assert not fy.previous().contains(d)
    if fy.year < 9998:
        assert not fy.next().contains(d)


@given(st.integers(min_value=1, max_value=9997))
def test_fiscal_years_tile_the_calendar(year: int) -> None:
    fy = FiscalYear(year)
    assert fy.next().start - fy.end == dt.timedelta(days=1)
    assert (fy.end - fy.start).days + 1 in (365, 366)
    assert fy.start.month == 4 and fy.start.day == 1
    assert fy.end.month == 3 and fy.end.day == 31


@given(st.integers(min_value=1873, max_value=2200))
def test_labels_parse_back(year: int) -> None:
    fy = FiscalYear(year)
    assert FiscalYear.parse(fy.label_ja()) == fy
    assert FiscalYear.parse(fy.label_en()) == fy
    assert FiscalYear.parse(str(fy)) == fy
