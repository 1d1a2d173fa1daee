"""Japanese era (和暦) parsing and formatting.

Facts (era start days, the same-day handovers, the Gregorian start in 明治6年) follow
shared/reference/japanese-data.md §3. Dates are always stored as ``datetime.date``; 和暦 is
only an input and display format.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

from kanmin.core.bilingual import BilingualError

__all__ = [
    "ERAS",
    "GREGORIAN_START",
    "Era",
    "ParsedDate",
    "WarekiError",
    "WarekiWarning",
    "era_of",
    "format_date",
    "format_year",
    "parse_date",
    "parse_fiscal_year",
    "parse_year",
]


@dataclass(frozen=True)
class Era:
    name: str
    abbr: str
    kanji_abbr: str
    name_en: str
    symbol: str
    start: dt.date
    # Last day on which the era was in force (inclusive). 明治 and 大正 ended on the same day
    # the next era began (same-day handover); 昭和 and 平成 ended the day before. None = current.
    end: dt.date | None

    @property
    def offset(self) -> int:
        """Gregorian year = era year + offset."""
        return self.start.year - 1

    def gregorian_year(self, era_year: int) -> int:
        return era_year + self.offset

    def era_year(self, gregorian_year: int) -> int:
        return gregorian_year - self.offset


ERAS: tuple[Era, ...] = (
    Era("明治", "M", "明", "Meiji", "㍾", dt.date(1868, 1, 25), dt.date(1912, 7, 30)),
    Era("大正", "T", "大", "Taisho", "㍽", dt.date(1912, 7, 30), dt.date(1926, 12, 25)),
    Era("昭和", "S", "昭", "Showa", "㍼", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("平成", "H", "平", "Heisei", "㍻", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("令和", "R", "令", "Reiwa", "㋿", dt.date(2019, 5, 1), None),
)

# Before 明治6年1月1日 Japan used the lunisolar calendar: era-year arithmetic gives wrong days.
GREGORIAN_START = dt.date(1873, 1, 1)
_MEIJI = ERAS[0]

_ERA_BY_PREFIX: dict[str, Era] = {}
for _era in ERAS:
    for _key in (_era.name, _era.kanji_abbr, _era.abbr):
        _ERA_BY_PREFIX[_key] = _era
        _ERA_BY_PREFIX[_key + "."] = _era
_WESTERN_PREFIXES = frozenset({"", "西暦"})


@dataclass(frozen=True)
class WarekiWarning:
    code: str
    message_ja: str
    message_en: str


@dataclass(frozen=True)
class ParsedDate:
    value: dt.date
    warnings: tuple[WarekiWarning, ...] = ()


class WarekiError(BilingualError):
    """Raised when a date or year cannot be read. ``code`` is stable; messages are for people.

    Codes: empty, unrecognized, unknown_era, before_era_start, before_gregorian, invalid_date,
    ambiguous_no_era, era_mismatch.
    """


# --------------------------------------------------------------------------------------------
# Input folding
# --------------------------------------------------------------------------------------------

_FOLD: dict[int, str] = {0xFF01 + i: chr(0x21 + i) for i in range(94)}  # full-width ASCII
_FOLD.update(
    {
        0x3000: " ",
        ord("○"): "〇",  # WHITE CIRCLE typed for kanji zero
        ord("零"): "〇",
        ord("（"): "(",
        ord("）"): ")",
    }
)
for _era in ERAS:
    _FOLD[ord(_era.symbol)] = _era.name
for _ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63":
    _FOLD[ord(_ch)] = "-"
_FOLD_TABLE = str.maketrans(_FOLD)
_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FOLD)) + "]")


def _fold(text: str) -> str:
    if _NEEDS_FOLD.search(text):
        text = text.translate(_FOLD_TABLE)
    return "".join(text.split()).upper()


_KANJI_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")}
_KN = "〇一二三四五六七八九十"
_NOT_NUM = f"[^0-9{_KN}元]"
_MD = rf"(?:[0-9]{{1,2}}|[{_KN}]{{1,3}})"
_Y = rf"(?:[0-9]{{1,4}}|元|[{_KN}]{{1,4}})"
# "2019年(令和元年)" companion form, as written by format_date(style="iso_with_era").
_ERA2 = rf"(?:\((?P<era2>{_NOT_NUM}+)(?P<year2>{_Y})年\))"

_DATE_RE = re.compile(
    rf"(?P<prefix>{_NOT_NUM}*)(?P<year>{_Y})"
    rf"(?:年{_ERA2}?(?P<m>{_MD})月(?P<d>{_MD})日?"
    rf"|(?P<sep>[./-])(?P<m2>{_MD})(?P=sep)(?P<d2>{_MD}))"
)
_YEAR_RE = re.compile(rf"(?P<prefix>{_NOT_NUM}*)(?P<year>{_Y})(?:年{_ERA2}?)?")
_FISCAL_RE = re.compile(rf"(?P<prefix>{_NOT_NUM}*)(?P<year>{_Y})(?:年度|年)?")
_FY_RE = re.compile(r"FY\.?(?P<year>[0-9]+)")


_What = Literal["date", "year", "fiscal_year"]


def _kanji_number(token: str) -> int | None:
    if "十" in token:
        left, _, right = token.partition("十")
        if "十" in right or len(left) > 1 or len(right) > 1:
            return None
        tens = _KANJI_DIGITS[left] if left else 1
        ones = _KANJI_DIGITS[right] if right else 0
        if tens == 0 or (right and ones == 0):
            return None
        return tens * 10 + ones
    value = 0
    for ch in token:
        value = value * 10 + _KANJI_DIGITS[ch]
    return value


class _Num(NamedTuple):
    value: int
    width: int  # digits written (元 counts as 1); 4-digit years are Gregorian


def _number(token: str, text: str, what: _What) -> _Num:
    if token == "元":
        return _Num(1, 1)
    if token.isascii():
        return _Num(int(token), len(token))
    value = _kanji_number(token)
    if value is None:
        raise _unrecognized(text, what)
    # 十-forms (二十三) are never a four-digit Gregorian year.
    return _Num(value, 2 if "十" in token else len(token))


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def _ja_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _era_year_label(y: int) -> str:
    return "元" if y == 1 else str(y)


_WHAT_JA = {"date": "日付", "year": "年", "fiscal_year": "年度"}
_WHAT_EN = {"date": "date", "year": "year", "fiscal_year": "fiscal year"}
_EXAMPLES = {
    "date": "2023-04-01, 令和5年4月1日, R5.4.1",
    "year": "2023, 2023年, 令和5年, R5",
    "fiscal_year": "2023, 2023年度, 令和5年度, R5年度, FY2023",
}


def _unrecognized(text: str, what: _What) -> WarekiError:
    return WarekiError(
        "unrecognized",
        text,
        f"「{text}」は{_WHAT_JA[what]}として読み取れません。"
        f"次のような形で入力してください: {_EXAMPLES[what].replace(', ', '、')}",
        f"'{text}' is not a recognised {_WHAT_EN[what]}. Use a form such as {_EXAMPLES[what]}.",
    )


def _empty(text: str) -> WarekiError:
    return WarekiError("empty", text, "日付が入力されていません。", "No date was given.")


def _era_mismatch(text: str) -> WarekiError:
    return WarekiError(
        "era_mismatch",
        text,
        f"「{text}」の西暦と和暦の年が一致しません。",
        f"The Gregorian year and the era year in '{text}' do not match.",
    )


def _folded(text: str) -> str:
    """The input folded for matching; an empty one is an error."""
    s = _fold(text)
    if not s:
        raise _empty(text)
    return s


def _match(pattern: re.Pattern[str], text: str, what: _What) -> re.Match[str]:
    """The whole folded input matched by ``pattern``, or the error that says how to write it."""
    m = pattern.fullmatch(_folded(text))
    if m is None:
        raise _unrecognized(text, what)
    return m


def _unknown_era(prefix: str, text: str) -> WarekiError:
    return WarekiError(
        "unknown_era",
        text,
        f"「{prefix}」は使える元号ではありません。"
        "明治・大正・昭和・平成・令和（M・T・S・H・R）のいずれかを使ってください。",
        f"'{prefix}' is not a supported era. Use 明治, 大正, 昭和, 平成 or 令和 (M, T, S, H, R).",
    )


def _ambiguous(year: int, text: str) -> WarekiError:
    return WarekiError(
        "ambiguous_no_era",
        text,
        f"「{text}」の年（{year}）には元号がなく、西暦か和暦か判断できません。"
        "令和5年、R5、2023年のように元号または4桁の西暦で書いてください。",
        f"The year in '{text}' ({year}) has no era, so it is ambiguous. Write the era "
        "(令和5年, R5) or a four-digit Gregorian year (2023).",
    )


def _invalid_date(year_label: str, month: int, day: int, text: str) -> WarekiError:
    return WarekiError(
        "invalid_date",
        text,
        f"{year_label}{month}月{day}日という日付はありません。",
        f"'{text}' is not a real date (month {month}, day {day}).",
    )


def _before_gregorian(text: str) -> WarekiError:
    return WarekiError(
        "before_gregorian",
        text,
        f"「{text}」は明治6年（1873年）1月1日より前の日付です。"
        "それ以前は旧暦（太陰太陽暦）のため、西暦の日付に換算できません。",
        f"'{text}' is before Meiji 6-01-01 (1873-01-01). Japan used the lunisolar calendar "
        "before that day, so the date cannot be converted to a Gregorian date.",
    )


# --------------------------------------------------------------------------------------------
# Era lookup and formatting
# --------------------------------------------------------------------------------------------


def era_of(d: dt.date) -> Era:
    """The era in force on ``d``: the latest era whose start is on or before ``d``."""
    for era in reversed(ERAS):
        if era.start <= d:
            return era
    raise WarekiError(
        "before_gregorian",
        d.isoformat(),
        f"{_ja_date(d)}は明治より前の日付のため、和暦で表せません。",
        f"{d.isoformat()} is before the Meiji era and has no supported era name.",
    )


def format_date(d: dt.date, style: Literal["kanji", "abbr", "iso_with_era"] = "kanji") -> str:
    """``令和5年4月1日`` (kanji), ``R5.4.1`` (abbr) or ``2019年（令和元年）5月1日``."""
    if d < GREGORIAN_START:
        raise _before_gregorian(d.isoformat())
    era = era_of(d)
    y = era.era_year(d.year)
    if style == "kanji":
        return f"{era.name}{_era_year_label(y)}年{d.month}月{d.day}日"
    if style == "abbr":
        return f"{era.abbr}{y}.{d.month}.{d.day}"
    if style == "iso_with_era":
        return f"{d.year}年（{era.name}{_era_year_label(y)}年）{d.month}月{d.day}日"
    raise ValueError(f"unknown style: {style!r}")


def format_year(year: int) -> str:
    """Era label of a calendar year, e.g. ``2019`` → ``令和元年``.

    A calendar year is named after the era in force on its last day (31 December), which is
    how 1989 = 平成元年 and 2019 = 令和元年 are written.
    """
    era = era_of(dt.date(year, 12, 31))
    return f"{era.name}{_era_year_label(era.era_year(year))}年"


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _era_for_prefix(prefix: str, text: str) -> Era | None:
    if prefix in _WESTERN_PREFIXES:
        return None
    era = _ERA_BY_PREFIX.get(prefix)
    if era is None:
        raise _unknown_era(prefix, text)
    return era


def _gregorian_year(
    prefix: str, token: str, text: str, what: _What
) -> tuple[Era | None, int, _Num]:
    """(era or None, Gregorian year, era-year number) for a prefix and a year token."""
    era = _era_for_prefix(prefix, text)
    num = _number(token, text, what)
    if era is None:
        if num.width != 4:
            raise _ambiguous(num.value, text)
        if num.value < dt.MINYEAR:
            raise WarekiError(
                "invalid_date",
                text,
                f"{num.value}年という年は扱えません。",
                f"Year {num.value} is not supported.",
            )
        return None, num.value, num
    if num.width > 3:
        raise _unrecognized(text, what)
    if num.value < 1:
        raise WarekiError(
            "invalid_date",
            text,
            f"{era.name}{num.value}年という年はありません（元年＝1年から数えます）。",
            f"{era.name_en} {num.value} does not exist: era years start at 1 (元年).",
        )
    return era, era.gregorian_year(num.value), num


def _after_end_warning(era: Era, end: dt.date, d: dt.date, written: str) -> WarekiWarning:
    right = format_date(d)
    return WarekiWarning(
        "after_era_end",
        f"{era.name}は{_ja_date(end)}で終わっています。"
        f"「{written}」は{right}（{d.isoformat()}）として読み取りました。",
        f"{era.name_en} ended on {end.isoformat()}. '{written}' was read as "
        f"{d.isoformat()} ({right}).",
    )


def _check_era_range(era: Era, d: dt.date, text: str, code: str) -> tuple[WarekiWarning, ...]:
    if era is _MEIJI and d < GREGORIAN_START:
        raise _before_gregorian(text)
    if d < era.start:
        right = format_date(d) if d >= GREGORIAN_START else d.isoformat()
        raise WarekiError(
            code,
            text,
            f"「{text}」は{era.name}の始まり（{_ja_date(era.start)}）より前の日付です。"
            f"この日は{right}です。",
            f"'{text}' is before the start of {era.name_en} ({era.start.isoformat()}). "
            f"That day is {right} ({d.isoformat()}).",
        )
    if era.end is not None and d > era.end:
        return (_after_end_warning(era, era.end, d, text),)
    return ()


def parse_date(text: str) -> ParsedDate:
    """Read an ISO, Gregorian-Japanese or 和暦 date.

    Dates written in an era after that era ended (平成31年5月1日) are converted by the era's
    arithmetic and carry an ``after_era_end`` warning; everything else that is not a real,
    unambiguous date raises :class:`WarekiError`.
    """
    m = _match(_DATE_RE, text, "date")
    era, year, num = _gregorian_year(m["prefix"], m["year"], text, "date")
    month = _number(m["m"] or m["m2"], text, "date").value
    day = _number(m["d"] or m["d2"], text, "date").value
    year_label = f"{era.name}{_era_year_label(num.value)}年" if era else f"{year}年"
    try:
        d = dt.date(year, month, day)
    except ValueError:
        if era is _MEIJI and year < GREGORIAN_START.year:
            raise _before_gregorian(text) from None
        raise _invalid_date(year_label, month, day, text) from None
    if era is not None:
        if m["era2"] is not None:
            raise _unrecognized(text, "date")
        return ParsedDate(d, _check_era_range(era, d, text, "before_era_start"))
    if m["era2"] is None:
        return ParsedDate(d)
    # "2019年(令和元年)5月1日": the Gregorian date decides; the era in brackets must agree.
    era2, year2, _ = _gregorian_year(m["era2"], m["year2"], text, "date")
    if era2 is None or year2 != year:
        raise _era_mismatch(text)
    return ParsedDate(d, _check_era_range(era2, d, text, "era_mismatch"))


def parse_year(text: str) -> int:
    """Gregorian year of ``令和5年``, ``R5``, ``令和元年``, ``2023年`` or ``2023``.

    Era years past the era's end (平成32年 = 2020) are accepted by the era's arithmetic, as
    they are for dates; use :func:`parse_date` when the warning matters.
    """
    m = _match(_YEAR_RE, text, "year")
    _, year, _ = _gregorian_year(m["prefix"], m["year"], text, "year")
    if m["era2"] is not None:
        _, year2, _ = _gregorian_year(m["era2"], m["year2"], text, "year")
        if year2 != year:
            raise _era_mismatch(text)
    return year


def parse_fiscal_year(text: str) -> int:
    """Starting Gregorian year of a 年度: ``令和5年度`` → 2023, ``平成31年度`` → 2019,
    ``2023年度``, ``FY2023`` and ``2023`` → 2023."""
    s = _folded(text)
    fy = _FY_RE.fullmatch(s)
    if fy is not None:
        if len(fy["year"]) != 4:  # FY23: 2023 or 令和23?
            raise _ambiguous(int(fy["year"]), text)
        return int(fy["year"])
    m = _FISCAL_RE.fullmatch(s)
    if m is None:
        raise _unrecognized(text, "fiscal_year")
    return _gregorian_year(m["prefix"], m["year"], text, "fiscal_year")[1]
