"""全国地方公共団体コード: 5 digits (JIS X 0401 prefecture + JIS X 0402 municipality) and a
check digit.

Check digit: with S = d1*6 + d2*5 + d3*4 + d4*3 + d5*2, the check digit is the last digit of
11 - (S mod 11), i.e. ``(11 - S % 11) % 10``. So a remainder of 1 gives 0 (栃木県 090000) and a
remainder of 0 gives 1 (埼玉県 110001, 新宿区 131041).

``data/lg_codes.csv`` is 総務省's list of codes of prefectures and municipalities (市区町村,
東京都の特別区; not the wards of designated cities) as of October 2020: code, prefecture,
municipality (empty for a prefecture).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kanmin.core.bilingual import BilingualError

__all__ = [
    "PREFECTURES",
    "LgCodeError",
    "Prefecture",
    "check_digit",
    "is_prefecture_code",
    "official_name",
    "prefecture_of",
    "validate_lg_code",
]

_WEIGHTS = (6, 5, 4, 3, 2)
_FOLD = str.maketrans({0xFF10 + i: str(i) for i in range(10)})


@dataclass(frozen=True)
class Prefecture:
    code: str  # JIS X 0401, two digits
    name_ja: str
    kana: str
    name_en: str

    @property
    def lg_code(self) -> str:
        """The prefecture's own 6-digit 地方公共団体コード, e.g. 450006 for 宮崎県."""
        first5 = self.code + "000"
        return first5 + str(check_digit(first5))


_PREFECTURE_DATA: tuple[tuple[str, str, str, str], ...] = (
    ("01", "北海道", "ほっかいどう", "Hokkaido"),
    ("02", "青森県", "あおもりけん", "Aomori"),
    ("03", "岩手県", "いわてけん", "Iwate"),
    ("04", "宮城県", "みやぎけん", "Miyagi"),
    ("05", "秋田県", "あきたけん", "Akita"),
    ("06", "山形県", "やまがたけん", "Yamagata"),
    ("07", "福島県", "ふくしまけん", "Fukushima"),
    ("08", "茨城県", "いばらきけん", "Ibaraki"),
    ("09", "栃木県", "とちぎけん", "Tochigi"),
    ("10", "群馬県", "ぐんまけん", "Gunma"),
    ("11", "埼玉県", "さいたまけん", "Saitama"),
    ("12", "千葉県", "ちばけん", "Chiba"),
    ("13", "東京都", "とうきょうと", "Tokyo"),
    ("14", "神奈川県", "かながわけん", "Kanagawa"),
    ("15", "新潟県", "にいがたけん", "Niigata"),
    ("16", "富山県", "とやまけん", "Toyama"),
    ("17", "石川県", "いしかわけん", "Ishikawa"),
    ("18", "福井県", "ふくいけん", "Fukui"),
    ("19", "山梨県", "やまなしけん", "Yamanashi"),
    ("20", "長野県", "ながのけん", "Nagano"),
    ("21", "岐阜県", "ぎふけん", "Gifu"),
    ("22", "静岡県", "しずおかけん", "Shizuoka"),
    ("23", "愛知県", "あいちけん", "Aichi"),
    ("24", "三重県", "みえけん", "Mie"),
    ("25", "滋賀県", "しがけん", "Shiga"),
    ("26", "京都府", "きょうとふ", "Kyoto"),
    ("27", "大阪府", "おおさかふ", "Osaka"),
    ("28", "兵庫県", "ひょうごけん", "Hyogo"),
    ("29", "奈良県", "ならけん", "Nara"),
    ("30", "和歌山県", "わかやまけん", "Wakayama"),
    ("31", "鳥取県", "とっとりけん", "Tottori"),
    ("32", "島根県", "しまねけん", "Shimane"),
    ("33", "岡山県", "おかやまけん", "Okayama"),
    ("34", "広島県", "ひろしまけん", "Hiroshima"),
    ("35", "山口県", "やまぐちけん", "Yamaguchi"),
    ("36", "徳島県", "とくしまけん", "Tokushima"),
    ("37", "香川県", "かがわけん", "Kagawa"),
    ("38", "愛媛県", "えひめけん", "Ehime"),
    ("39", "高知県", "こうちけん", "Kochi"),
    ("40", "福岡県", "ふくおかけん", "Fukuoka"),
    ("41", "佐賀県", "さがけん", "Saga"),
    ("42", "長崎県", "ながさきけん", "Nagasaki"),
    ("43", "熊本県", "くまもとけん", "Kumamoto"),
    ("44", "大分県", "おおいたけん", "Oita"),
    ("45", "宮崎県", "みやざきけん", "Miyazaki"),
    ("46", "鹿児島県", "かごしまけん", "Kagoshima"),
    ("47", "沖縄県", "おきなわけん", "Okinawa"),
)

PREFECTURES: tuple[Prefecture, ...] = tuple(Prefecture(*row) for row in _PREFECTURE_DATA)
_BY_CODE: dict[str, Prefecture] = {p.code: p for p in PREFECTURES}


class LgCodeError(BilingualError):
    """``code`` is "format", "check_digit" or "prefecture". For a wrong check digit,
    ``suggestion`` holds the code with the right last digit."""

    def __init__(
        self,
        code: str,
        text: str,
        message_ja: str,
        message_en: str,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(code, text, message_ja, message_en)
        self.suggestion = suggestion


def _clean(text: str) -> str:
    return text.strip().translate(_FOLD)


def _is_ascii_digits(s: str, n: int) -> bool:
    return len(s) == n and s.isascii() and s.isdigit()


def _format_error(text: str, first5_hint: str | None = None) -> LgCodeError:
    ja = f"「{text}」は地方公共団体コードの形式ではありません。6桁の数字で入力してください。"
    en = f"'{text}' is not a local government code: it must be 6 digits."
    suggestion = None
    if first5_hint is not None:
        suggestion = first5_hint + str(check_digit(first5_hint))
        ja += f"5桁のコードには検査数字を付けて「{suggestion}」と書きます。"
        en += f" A 5-digit code is written with its check digit: {suggestion}."
    return LgCodeError("format", text, ja, en, suggestion)


def check_digit(first5: str) -> int:
    """Check digit of the first five digits (full-width digits accepted)."""
    s = _clean(first5)
    if not _is_ascii_digits(s, 5):
        raise LgCodeError(
            "format",
            first5,
            f"「{first5}」は5桁の数字ではありません。",
            f"'{first5}' is not 5 digits.",
        )
    total = sum(int(ch) * w for ch, w in zip(s, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def _prefecture_error(text: str, pref: str) -> LgCodeError:
    return LgCodeError(
        "prefecture",
        text,
        f"「{text}」の先頭2桁「{pref}」は都道府県コード（01〜47）ではありません。",
        f"The first two digits of '{text}' ({pref}) are not a prefecture code (01-47).",
    )


def validate_lg_code(code: str) -> str:
    """Return the normalised 6-digit code or raise :class:`LgCodeError`."""
    s = _clean(code)
    if not _is_ascii_digits(s, 6):
        raise _format_error(code, s if _is_ascii_digits(s, 5) else None)
    if s[:2] not in _BY_CODE:
        raise _prefecture_error(code, s[:2])
    expected = check_digit(s[:5])
    if int(s[5]) != expected:
        right = s[:5] + str(expected)
        raise LgCodeError(
            "check_digit",
            code,
            f"「{code}」の検査数字（6桁目）が合いません。6桁目は{expected}で、"
            f"正しくは「{right}」です。番号を確認してください。",
            f"The check digit (6th digit) of '{code}' is wrong: it should be {expected}, "
            f"giving {right}. Please check the code.",
            right,
        )
    return s


def is_prefecture_code(code: str) -> bool:
    """True for a valid 6-digit code of a prefecture itself (PP000C), False otherwise."""
    try:
        s = validate_lg_code(code)
    except LgCodeError:
        return False
    return s[2:5] == "000"


def prefecture_of(code: str) -> Prefecture:
    """The prefecture of a 2-digit prefecture code, a 5-digit code or a valid 6-digit code."""
    s = _clean(code)
    if _is_ascii_digits(s, 6):
        s = validate_lg_code(code)
    elif not (_is_ascii_digits(s, 2) or _is_ascii_digits(s, 5)):
        raise _format_error(code)
    pref = _BY_CODE.get(s[:2])
    if pref is None:
        raise _prefecture_error(code, s[:2])
    return pref


@cache
def _names() -> dict[str, str]:
    with resources.files("kanmin.core").joinpath("data/lg_codes.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["prefecture"] + row["municipality"] for row in csv.DictReader(f)}


def official_name(code: str) -> str | None:
    """The name of a local government as its code list writes it, prefecture first
    (``452025`` → ``宮崎県都城市``, ``450006`` → ``宮崎県``); None for a code not in the list
    (the wards of designated cities, or a code created after the list's date)."""
    try:
        return _names().get(validate_lg_code(code))
    except LgCodeError:
        return None
