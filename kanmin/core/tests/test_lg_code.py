"""全国地方公共団体コード check digit and prefectures.

The codes below are published codes (総務省 list), not outputs of the implementation.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kanmin.core.lg_code import (
    PREFECTURES,
    LgCodeError,
    check_digit,
    is_prefecture_code,
    prefecture_of,
    validate_lg_code,
)

KNOWN_CODES = [
    ("都城市", "452025"),
    ("宮崎市", "452017"),
    ("千代田区", "131016"),
    ("札幌市", "011002"),
    ("北海道", "010006"),
    ("東京都", "130001"),
    ("宮崎県", "450006"),
    ("三股町", "453412"),
    ("大阪市", "271004"),
    # S mod 11 == 0 → check digit 1; == 1 → 0; == 10 → 1
    ("埼玉県", "110001"),
    ("新宿区", "131041"),
    ("札幌市中央区", "011011"),
    ("栃木県", "090000"),
    ("長野県", "200000"),
    ("札幌市西区", "011070"),
    ("札幌市南区", "011061"),
    ("旭川市", "012041"),
    ("高千穂町", "454419"),
    ("西米良村", "454036"),
    ("那覇市", "472018"),
    ("沖縄県", "470007"),
    ("横浜市", "141003"),
    ("東大阪市", "272272"),
]


@pytest.mark.parametrize(("name", "code"), KNOWN_CODES)
def test_check_digit_of_known_codes(name: str, code: str) -> None:
    assert check_digit(code[:5]) == int(code[5]), name
    assert validate_lg_code(code) == code


def test_wrong_check_digit_says_what_is_right() -> None:
    with pytest.raises(LgCodeError) as info:
        validate_lg_code("452026")
    error = info.value
    assert isinstance(error, ValueError)
    assert error.code == "check_digit"
    assert error.suggestion == "452025"
    assert "452025" in error.message_ja
    assert "452025" in error.message_en
    assert "5" in error.message_en


@pytest.mark.parametrize("code", ["４５２０２５", " 452025 ", "\u3000452025", "452025\n"])
def test_full_width_and_spaces_are_accepted(code: str) -> None:
    assert validate_lg_code(code) == "452025"


@pytest.mark.parametrize("code", ["", "abc", "4520255", "45-2025", "45202５x", "452 025"])
def test_format_errors(code: str) -> None:
    with pytest.raises(LgCodeError) as info:
        validate_lg_code(code)
    assert info.value.code == "format"
    assert info.value.message_ja and info.value.message_en


def test_five_digit_code_gets_a_hint() -> None:
    with pytest.raises(LgCodeError) as info:
        validate_lg_code("45202")
    assert info.value.code == "format"
    assert info.value.suggestion == "452025"
    assert "452025" in info.value.message_ja


@pytest.mark.parametrize("code", ["000001", "480000", "990000"])
def test_prefecture_errors(code: str) -> None:
    with pytest.raises(LgCodeError) as info:
        validate_lg_code(code)
    assert info.value.code == "prefecture"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("450006", True),
        ("010006", True),
        ("130001", True),
        ("452025", False),
        ("131016", False),
        ("450007", False),  # wrong check digit
        ("abc", False),
        ("45", False),
    ],
)
def test_is_prefecture_code(code: str, expected: bool) -> None:
    assert is_prefecture_code(code) is expected


def test_prefectures_table() -> None:
    assert len(PREFECTURES) == 47
    assert [p.code for p in PREFECTURES] == [f"{i:02d}" for i in range(1, 48)]
    assert len({p.name_ja for p in PREFECTURES}) == 47
    assert all(p.name_ja.endswith(("都", "道", "府", "県")) for p in PREFECTURES)
    assert all(all("\u3041" <= ch <= "\u3096" for ch in p.kana) for p in PREFECTURES)
    by_code = {p.code: p for p in PREFECTURES}
    assert (by_code["45"].name_ja, by_code["45"].kana, by_code["45"].name_en) == (
        "宮崎県",
        "みやざきけん",
        "Miyazaki",
    )
    assert (by_code["01"].name_ja, by_code["13"].name_ja, by_code["47"].name_ja) == (
        "北海道",
        "東京都",
        "沖縄県",
    )
    assert (by_code["26"].name_ja, by_code["27"].name_ja) == ("京都府", "大阪府")
    assert by_code["28"].name_en == "Hyogo"


@pytest.mark.parametrize(
    ("pref", "lg_code"),
    [("01", "010006"), ("09", "090000"), ("11", "110001"), ("13", "130001"), ("27", "270008")],
)
def test_prefecture_lg_codes(pref: str, lg_code: str) -> None:
    assert next(p for p in PREFECTURES if p.code == pref).lg_code == lg_code


def test_every_prefecture_code_is_valid() -> None:
    for p in PREFECTURES:
        assert is_prefecture_code(p.lg_code)
        assert prefecture_of(p.lg_code) == p


@pytest.mark.parametrize(
    ("code", "name"),
    [("452025", "宮崎県"), ("45", "宮崎県"), ("13101", "東京都"), ("011002", "北海道")],
)
def test_prefecture_of(code: str, name: str) -> None:
    assert prefecture_of(code).name_ja == name


@pytest.mark.parametrize(("code", "error"), [("99", "prefecture"), ("452026", "check_digit")])
def test_prefecture_of_errors(code: str, error: str) -> None:
    with pytest.raises(LgCodeError) as info:
        prefecture_of(code)
    assert info.value.code == error


def reference_check_digit(first5: str) -> int:
    """The rule written out: last digit of 11 minus the remainder of the weighted sum."""
    s = sum(int(first5[i]) * (6 - i) for i in range(5))
    return int(str(11 - s % 11)[-1])


first5s = st.builds(
    lambda pref, rest: f"{pref:02d}{rest:03d}",
    st.integers(min_value=1, max_value=47),
    st.integers(min_value=0, max_value=999),
)


@given(first5s)
def test_check_digit_matches_the_written_rule(first5: str) -> None:
    assert check_digit(first5) == reference_check_digit(first5)


@given(first5s, st.integers(min_value=0, max_value=9))
def test_only_the_right_last_digit_validates(first5: str, last: int) -> None:
    code = f"{first5}{last}"
    right = reference_check_digit(first5)
    if last == right:
        assert validate_lg_code(code) == code
    else:
        with pytest.raises(LgCodeError) as info:
            validate_lg_code(code)
        assert info.value.code == "check_digit"
        assert info.value.suggestion == f"{first5}{right}"
