"""Detection of 個人番号 (My Number) in text that is about to be published.

Kanmin never stores a My Number: these helpers only find candidates so that a file can be
stopped before publication. A 12-digit run whose last digit is a valid check digit is a
candidate; about one random 12-digit number in ten passes, so callers should present hits
for review rather than treat them as proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MyNumberMatch",
    "check_digit",
    "find_my_number_matches",
    "find_my_numbers",
    "is_my_number",
]

_FOLD = str.maketrans({0xFF10 + i: str(i) for i in range(10)})
_D = "[0-9０-９]"
_SEP = "[ \u3000\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d]"
_CANDIDATE = re.compile(
    rf"(?<![0-9０-９])(?:{_D}{{12}}|{_D}{{4}}(?P<sep>{_SEP}){_D}{{4}}(?P=sep){_D}{{4}})(?![0-9０-９])"
)
_DIGIT = re.compile(_D)


def check_digit(first11: str) -> int:
    """Check digit for the first 11 digits (個人番号 rule: weights 6,5,4,3,2,7,6,5,4,3,2 from
    the left, i.e. Q_n = n+1 / n-5 for the digit n places from the right)."""
    if len(first11) != 11 or not (first11.isascii() and first11.isdigit()):
        raise ValueError("first11 must be 11 ASCII digits")
    total = 0
    for n in range(1, 12):
        p = int(first11[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(digits: str) -> bool:
    """True if ``digits`` is exactly 12 digits (half- or full-width) with a valid check digit."""
    s = digits.translate(_FOLD)
    if len(s) != 12 or not (s.isascii() and s.isdigit()):
        return False
    return check_digit(s[:11]) == int(s[11])


@dataclass(frozen=True)
class MyNumberMatch:
    start: int
    end: int
    digits: str  # the 12 digits, half-width


def find_my_number_matches(text: str) -> list[MyNumberMatch]:
    """Candidates in ``text``: 12 digits in a row or in 4-4-4 groups separated by one kind of
    space or hyphen, half- or full-width, not part of a longer run of digits (or of a longer
    grouped number such as a 16-digit card number)."""
    found: list[MyNumberMatch] = []
    for m in _CANDIDATE.finditer(text):
        sep = m["sep"]
        if sep is not None:
            before = text[max(0, m.start() - 2) : m.start()]
            after = text[m.end() : m.end() + 2]
            if (len(before) == 2 and before[1] == sep and _DIGIT.fullmatch(before[0])) or (
                len(after) == 2 and after[0] == sep and _DIGIT.fullmatch(after[1])
            ):
                continue
        digits = "".join(_DIGIT.findall(m.group())).translate(_FOLD)
        if check_digit(digits[:11]) == int(digits[11]):
            found.append(MyNumberMatch(m.start(), m.end(), digits))
    return found


def find_my_numbers(text: str) -> list[str]:
    """The half-width 12-digit strings of :func:`find_my_number_matches`."""
    return [m.digits for m in find_my_number_matches(text)]
