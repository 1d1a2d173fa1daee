"""個人番号 detection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kanmin.core.mynumber import check_digit, find_my_number_matches, find_my_numbers, is_my_number

# 123456789018 is the usual sample number: worked by hand from the rule, the weighted sum of
# 12345678901 is 212, 212 mod 11 = 3, 11 - 3 = 8.
VALID = "123456789018"


def reference_check_digit(first11: str) -> int:
    """The 個人番号 rule written left to right: weights 6 5 4 3 2 7 6 5 4 3 2."""
    weights = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(first11, weights, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def test_sample_number() -> None:
    assert check_digit(VALID[:11]) == 8
    assert is_my_number(VALID)


@pytest.mark.parametrize(
    ("first11", "digit"),
    [
        # weights from the left: 6 5 4 3 2 7 6 5 4 3 2
        ("00000000000", 0),  # sum 0, remainder 0 → 0
        ("20000000000", 0),  # 2*6 = 12, remainder 1 → 0
        ("00000000001", 9),  # 1*2 = 2 → 11 - 2
        ("00000000010", 8),  # 1*3 = 3 → 11 - 3
        ("00000000005", 1),  # 5*2 = 10 → 11 - 10
        ("10000000000", 5),  # 1*6 = 6 → 11 - 6
        ("00000100000", 4),  # 1*7 = 7 → 11 - 7
        ("60000000000", 8),  # 6*6 = 36, remainder 3 → 8
    ],
)
def test_check_digit_hand_computed(first11: str, digit: int) -> None:
    assert check_digit(first11) == digit


@pytest.mark.parametrize(
    "digits",
    ["123456789017", "12345678901", "1234567890180", "", "12345678901a", "1234-5678-9018"],
)
def test_not_my_number(digits: str) -> None:
    assert not is_my_number(digits)


def test_full_width_digits() -> None:
    assert is_my_number("１２３４５６７８９０１８")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("番号は123456789018です", [VALID]),
        ("1234-5678-9018", [VALID]),
        ("1234 5678 9018", [VALID]),
        ("1234\u30005678\u30009018", [VALID]),
        ("１２３４５６７８９０１８", [VALID]),
        ("１２３４－５６７８－９０１８", [VALID]),
        ("a123456789018b", [VALID]),
        ("A:123456789018,B:123456789018", [VALID, VALID]),
        ("123456789017", []),  # wrong check digit
        ("1234567890181", []),  # 13 digits
        ("0123456789018", []),  # longer run in front
        ("1234-5678 9018", []),  # mixed separators
        ("1234 5678 9018 1234", []),  # a 16-digit card number
        ("9999 1234 5678 9018", []),
        ("12345678901", []),
        ("電話 0985-25-2111", []),
    ],
)
def test_find_my_numbers(text: str, found: list[str]) -> None:
    assert find_my_numbers(text) == found


def test_matches_give_positions() -> None:
    text = "氏名 山田 番号 1234-5678-9018 以上"
    [match] = find_my_number_matches(text)
    assert text[match.start : match.end] == "1234-5678-9018"
    assert match.digits == VALID


eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


@given(eleven_digits)
def test_check_digit_matches_the_written_rule(first11: str) -> None:
    assert check_digit(first11) == reference_check_digit(first11)


@given(eleven_digits, st.integers(min_value=0, max_value=9))
def test_only_the_right_check_digit_is_a_my_number(first11: str, last: int) -> None:
    number = f"{first11}{last}"
    assert is_my_number(number) is (last == reference_check_digit(first11))


@given(eleven_digits, st.text(alphabet="あいう abc,.", max_size=5), st.sampled_from(["", " ", "-"]))
def test_valid_numbers_are_found_in_text(first11: str, around: str, sep: str) -> None:
    number = f"{first11}{reference_check_digit(first11)}"
    written = sep.join([number[:4], number[4:8], number[8:]]) if sep else number
    assert find_my_numbers(f"{around}{written}{around}") == [number]
