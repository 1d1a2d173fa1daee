"""和暦 parsing and formatting.

Expected values come from the era facts (shared/reference/japanese-data.md §3.1): the first
day of each era and "Gregorian year = era year + (first year - 1)". They are written out by
hand here, not taken from the implementation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kanmin.core.wareki import (
    ERAS,
    GREGORIAN_START,
    ParsedDate,
    WarekiError,
    era_of,
    format_date,
    format_year,
    parse_date,
    parse_fiscal_year,
    parse_year,
)

D = dt.date

# (name, abbreviation, first day, last day) straight from the reference table.
ERA_FACTS = [
    ("明治", "M", D(1868, 1, 25), D(1912, 7, 30)),
    ("大正", "T", D(1912, 7, 30), D(1926, 12, 25)),
    ("昭和", "S", D(1926, 12, 25), D(1989, 1, 7)),
    ("平成", "H", D(1989, 1, 8), D(2019, 4, 30)),
    ("令和", "R", D(2019, 5, 1), None),
]


def test_era_table_matches_reference_facts() -> None:
    assert [(e.name, e.abbr, e.start, e.end) for e in ERAS] == ERA_FACTS
    assert GREGORIAN_START == D(1873, 1, 1)


# --------------------------------------------------------------------------------------------
# Every format of §3.2 (and the Gregorian ones)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-01", D(2023, 4, 1)),
        ("2023/4/1", D(2023, 4, 1)),
        ("2023/04/01", D(2023, 4, 1)),
        ("2023.4.1", D(2023, 4, 1)),
        ("2023年4月1日", D(2023, 4, 1)),
        ("２０２３年４月１日", D(2023, 4, 1)),
        ("二〇二三年四月一日", D(2023, 4, 1)),
        ("西暦2023年4月1日", D(2023, 4, 1)),
        ("令和5年4月1日", D(2023, 4, 1)),
        ("令和５年４月１日", D(2023, 4, 1)),
        ("令和五年四月一日", D(2023, 4, 1)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("令和元年五月一日", D(2019, 5, 1)),
        ("R5.4.1", D(2023, 4, 1)),
        ("R05.04.01", D(2023, 4, 1)),
        ("Ｒ５．４．１", D(2023, 4, 1)),
        ("Ｒ０５．０４．０１", D(2023, 4, 1)),
        ("R5/4/1", D(2023, 4, 1)),
        ("R5-4-1", D(2023, 4, 1)),
        ("令5.4.1", D(2023, 4, 1)),
        ("㋿5.4.1", D(2023, 4, 1)),
        ("H31.4.30", D(2019, 4, 30)),
        ("㍻31年4月30日", D(2019, 4, 30)),
        ("r5.4.1", D(2023, 4, 1)),
        ("h31.4.30", D(2019, 4, 30)),
        ("  令和5年4月1日  ", D(2023, 4, 1)),
        ("\u3000R5.4.1\u3000", D(2023, 4, 1)),
        ("令和 5年 4月 1日", D(2023, 4, 1)),
        ("S64.1.7", D(1989, 1, 7)),
        ("㍼64年1月7日", D(1989, 1, 7)),
        ("T15.12.25", D(1926, 12, 25)),
        ("㍽元年7月30日", D(1912, 7, 30)),
        ("㍾45年7月30日", D(1912, 7, 30)),
        ("M6.1.1", D(1873, 1, 1)),
        # kanji numerals with 十
        ("令和十年十月十日", D(2028, 10, 10)),
        ("R100.1.1", D(2118, 1, 1)),
        ("平成二十年十二月三十一日", D(2008, 12, 31)),
        ("昭和三十九年十月十日", D(1964, 10, 10)),
        ("平成三十一年四月三十日", D(2019, 4, 30)),
        ("令和二年二月二十九日", D(2020, 2, 29)),
        ("令和五年十一月二十一日", D(2023, 11, 21)),
    ],
)
def test_parse_date_formats(text: str, expected: dt.date) -> None:
    result = parse_date(text)
    assert result == ParsedDate(expected, ())


def test_companion_format_is_read() -> None:
    assert parse_date("2019年（令和元年）5月1日").value == D(2019, 5, 1)
    assert parse_date("2023年(令和5年)4月1日").value == D(2023, 4, 1)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2019年（令和2年）5月1日", "era_mismatch"),
        ("1989年（平成元年）1月7日", "era_mismatch"),
    ],
)
def test_companion_format_must_agree(text: str, code: str) -> None:
    with pytest.raises(WarekiError) as info:
        parse_date(text)
    assert info.value.code == code


# --------------------------------------------------------------------------------------------
# Era boundaries, both directions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # last day of the old era, first day of the new one
        ("明治45年7月29日", D(1912, 7, 29)),
        ("明治45年7月30日", D(1912, 7, 30)),  # same-day handover
        ("大正元年7月30日", D(1912, 7, 30)),
        ("大正15年12月24日", D(1926, 12, 24)),
        ("大正15年12月25日", D(1926, 12, 25)),  # same-day handover
        ("昭和元年12月25日", D(1926, 12, 25)),
        ("昭和64年1月7日", D(1989, 1, 7)),
        ("平成元年1月8日", D(1989, 1, 8)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("明治6年1月1日", D(1873, 1, 1)),
    ],
)
def test_valid_dates_at_era_boundaries(text: str, expected: dt.date) -> None:
    assert parse_date(text) == ParsedDate(expected, ())


@pytest.mark.parametrize(
    ("text", "expected", "right_era"),
    [
        ("明治45年7月31日", D(1912, 7, 31), "大正元年7月31日"),
        ("大正15年12月26日", D(1926, 12, 26), "昭和元年12月26日"),
        ("昭和64年1月8日", D(1989, 1, 8), "平成元年1月8日"),
        ("昭和65年1月1日", D(1990, 1, 1), "平成2年1月1日"),
        ("平成31年5月1日", D(2019, 5, 1), "令和元年5月1日"),
        ("H31.5.1", D(2019, 5, 1), "令和元年5月1日"),
        ("平成32年1月1日", D(2020, 1, 1), "令和2年1月1日"),
    ],
)
def test_dates_after_era_end_are_accepted_with_a_warning(
    text: str, expected: dt.date, right_era: str
) -> None:
    result = parse_date(text)
    assert result.value == expected
    assert [w.code for w in result.warnings] == ["after_era_end"]
    warning = result.warnings[0]
    assert right_era in warning.message_ja
    assert expected.isoformat() in warning.message_en


@pytest.mark.parametrize(
    ("text", "same_day"),
    [
        ("大正元年7月29日", "明治45年7月29日"),
        ("昭和元年12月24日", "大正15年12月24日"),
        ("平成元年1月7日", "昭和64年1月7日"),
        ("令和元年4月30日", "平成31年4月30日"),
        ("H1.1.1", "昭和64年1月1日"),
    ],
)
def test_dates_before_era_start_are_errors(text: str, same_day: str) -> None:
    with pytest.raises(WarekiError) as info:
        parse_date(text)
    assert info.value.code == "before_era_start"
    assert same_day in info.value.message_ja


@pytest.mark.parametrize(
    "text", ["明治5年12月31日", "明治5年12月2日", "明治元年1月25日", "M1.10.23", "明治2年3月1日"]
)
def test_meiji_before_gregorian_calendar_is_an_error(text: str) -> None:
    with pytest.raises(WarekiError) as info:
        parse_date(text)
    assert info.value.code == "before_gregorian"
    assert "1873" in info.value.message_en


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u3000", "empty"),
        ("abc", "unrecognized"),
        ("2023-04", "unrecognized"),
        ("令和5年4月", "unrecognized"),
        ("2023-04/01", "unrecognized"),
        ("R2023.4.1", "unrecognized"),
        ("慶応3年1月1日", "unknown_era"),
        ("X5.4.1", "unknown_era"),
        ("A5.4.1", "unknown_era"),
        ("5.4.1", "ambiguous_no_era"),
        ("05/04/01", "ambiguous_no_era"),
        ("5年4月1日", "ambiguous_no_era"),
        ("23-4-1", "ambiguous_no_era"),
        ("令和5年2月30日", "invalid_date"),
        ("2023-02-29", "invalid_date"),
        ("2023-13-01", "invalid_date"),
        ("2023-04-00", "invalid_date"),
        ("R5.4.31", "invalid_date"),
        ("令和0年1月1日", "invalid_date"),
        ("平成31年2月29日", "invalid_date"),
    ],
)
def test_errors(text: str, code: str) -> None:
    with pytest.raises(WarekiError) as info:
        parse_date(text)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.code == code
    assert error.text == text
    assert error.message_ja and error.message_en
    assert error.message_ja != error.message_en
    assert str(error) == error.message_en


@pytest.mark.parametrize("text", ["2024-02-29", "令和6年2月29日", "R2.2.29", "平成12年2月29日"])
def test_leap_days(text: str) -> None:
    assert parse_date(text).value.day == 29


# --------------------------------------------------------------------------------------------
# Year and fiscal year
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和5年", 2023),
        ("令和５年", 2023),
        ("令和五年", 2023),
        ("令和元年", 2019),
        ("R5", 2023),
        ("R05", 2023),
        ("Ｒ５", 2023),
        ("㋿5", 2023),
        ("H31", 2019),
        ("S64", 1989),
        ("平成元年", 1989),
        ("2023年", 2023),
        ("2023", 2023),
        (" 2023 ", 2023),
        ("2019年（令和元年）", 2019),
    ],
)
def test_parse_year(text: str, expected: int) -> None:
    assert parse_year(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [("5", "ambiguous_no_era"), ("5年", "ambiguous_no_era"), ("令和5年度", "unrecognized")],
)
def test_parse_year_errors(text: str, code: str) -> None:
    with pytest.raises(WarekiError) as info:
        parse_year(text)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和5年度", 2023),
        ("令和５年度", 2023),
        ("R5年度", 2023),
        ("R5", 2023),
        ("令和元年度", 2019),
        ("平成31年度", 2019),
        ("平成30年度", 2018),
        ("昭和63年度", 1988),
        ("2023年度", 2023),
        ("FY2023", 2023),
        ("fy2023", 2023),
        ("FY 2023", 2023),
        ("ＦＹ２０２３", 2023),
        ("2023", 2023),
    ],
)
def test_parse_fiscal_year(text: str, expected: int) -> None:
    assert parse_fiscal_year(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [("23年度", "ambiguous_no_era"), ("FY23", "ambiguous_no_era"), ("", "empty")],
)
def test_parse_fiscal_year_errors(text: str, code: str) -> None:
    with pytest.raises(WarekiError) as info:
        parse_fiscal_year(text)
    assert info.value.code == code


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "kanji", "abbr", "iso"),
    [
        (D(2023, 4, 1), "令和5年4月1日", "R5.4.1", "2023年（令和5年）4月1日"),
        (D(2019, 5, 1), "令和元年5月1日", "R1.5.1", "2019年（令和元年）5月1日"),
        (D(2019, 4, 30), "平成31年4月30日", "H31.4.30", "2019年（平成31年）4月30日"),
        (D(1989, 1, 8), "平成元年1月8日", "H1.1.8", "1989年（平成元年）1月8日"),
        (D(1989, 1, 7), "昭和64年1月7日", "S64.1.7", "1989年（昭和64年）1月7日"),
        (D(1926, 12, 25), "昭和元年12月25日", "S1.12.25", "1926年（昭和元年）12月25日"),
        (D(1926, 12, 24), "大正15年12月24日", "T15.12.24", "1926年（大正15年）12月24日"),
        (D(1912, 7, 30), "大正元年7月30日", "T1.7.30", "1912年（大正元年）7月30日"),
        (D(1912, 7, 29), "明治45年7月29日", "M45.7.29", "1912年（明治45年）7月29日"),
        (D(1873, 1, 1), "明治6年1月1日", "M6.1.1", "1873年（明治6年）1月1日"),
    ],
)
def test_format_date(d: dt.date, kanji: str, abbr: str, iso: str) -> None:
    assert format_date(d) == kanji
    assert format_date(d, "kanji") == kanji
    assert format_date(d, "abbr") == abbr
    assert format_date(d, "iso_with_era") == iso


def test_format_date_rejects_lunisolar_dates() -> None:
    with pytest.raises(WarekiError) as info:
        format_date(D(1872, 12, 31))
    assert info.value.code == "before_gregorian"


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2019, "令和元年"),
        (2018, "平成30年"),
        (1989, "平成元年"),
        (1988, "昭和63年"),
        (2023, "令和5年"),
    ],
)
def test_format_year(year: int, label: str) -> None:
    assert format_year(year) == label


@pytest.mark.parametrize(
    ("d", "name"),
    [
        (D(1912, 7, 30), "大正"),
        (D(1912, 7, 29), "明治"),
        (D(1926, 12, 25), "昭和"),
        (D(1989, 1, 7), "昭和"),
        (D(1989, 1, 8), "平成"),
        (D(2019, 4, 30), "平成"),
        (D(2019, 5, 1), "令和"),
    ],
)
def test_era_of(d: dt.date, name: str) -> None:
    assert era_of(d).name == name


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

dates = st.dates(min_value=D(1873, 1, 1), max_value=D(2100, 12, 31))
STYLES = ("kanji", "abbr", "iso_with_era")


@given(dates, st.sampled_from(STYLES))
def test_round_trip_property(d: dt.date, style: str) -> None:
    assert parse_date(format_date(d, style)) == ParsedDate(d, ())  # type: ignore[arg-type]


def test_round_trip_every_day_1873_to_2100() -> None:
    d = D(1873, 1, 1)
    one_day = dt.timedelta(days=1)
    while d <= D(2100, 12, 31):
        for style in STYLES:
            text = format_date(d, style)  # type: ignore[arg-type]
            assert parse_date(text) == ParsedDate(d, ()), text
        d += one_day


@given(dates)
def test_formatted_era_is_in_force(d: dt.date) -> None:
    """The era chosen for d is the one whose [first day, last day] contains d."""
    text = format_date(d)
    name = text[:2]
    first, last = next((f, last) for n, _, f, last in ERA_FACTS if n == name)
    assert first <= d
    assert last is None or d <= last
    year_part = text[2 : text.index("年")]
    era_year = 1 if year_part == "元" else int(year_part)
    assert era_year == d.year - first.year + 1


FULLWIDTH = str.maketrans("0123456789./R", "０１２３４５６７８９．／Ｒ")


@given(dates)
def test_full_width_input_means_the_same(d: dt.date) -> None:
    text = format_date(d, "abbr")
    assert parse_date(text.translate(FULLWIDTH)).value == d


KANJI = "〇一二三四五六七八九"


def kanji_numeral(n: int) -> str:
    """1..99 as 一 … 九十九, written independently of the parser."""
    tens, ones = divmod(n, 10)
    out = ""
    if tens:
        out += ("" if tens == 1 else KANJI[tens]) + "十"
    if ones:
        out += KANJI[ones]
    return out


@given(st.dates(min_value=D(2019, 5, 1), max_value=D(2117, 12, 31)))
def test_kanji_numerals_property(d: dt.date) -> None:
    y = d.year - 2018
    text = f"令和{'元' if y == 1 else kanji_numeral(y)}年{kanji_numeral(d.month)}月"
    text += f"{kanji_numeral(d.day)}日"
    assert parse_date(text).value == d


@given(
    st.sampled_from(ERA_FACTS[1:]),
    st.integers(min_value=1, max_value=99),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=31),
)
def test_any_era_date_follows_the_arithmetic(
    era: tuple[str, str, dt.date, dt.date | None], y: int, month: int, day: int
) -> None:
    name, abbr, first, last = era
    year = first.year - 1 + y
    try:
        expected = D(year, month, day)
    except ValueError:
        with pytest.raises(WarekiError) as info:
            parse_date(f"{abbr}{y}.{month}.{day}")
        assert info.value.code == "invalid_date"
        return
    text = f"{name}{y}年{month}月{day}日"
    if expected < first:
        with pytest.raises(WarekiError) as info:
            parse_date(text)
        assert info.value.code == "before_era_start"
        return
    result = parse_date(text)
    assert result.value == expected
    after_end = last is not None and expected > last
    assert [w.code for w in result.warnings] == (["after_era_end"] if after_end else [])
