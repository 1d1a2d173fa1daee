"""Japanese text normalisation shared by the standards checks and search.

Policy (shared/reference/japanese-data.md §2): stored values are never blanket-NFKC'd. Each
column type gets its own, narrow normaliser; characters that other systems cannot show are
reported by :func:`find_platform_dependent` and only the unambiguous ones are replaced.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jaconv

from kanmin.core.bilingual import BilingualError

__all__ = [
    "COMPATIBILITY_IDEOGRAPH_RANGES",
    "HALFWIDTH_KATAKANA",
    "HALFWIDTH_KATAKANA_RANGE",
    "HYPHEN_LIKE",
    "PLATFORM_DEPENDENT_CHARS",
    "PLATFORM_DEPENDENT_RANGES",
    "PLATFORM_DEPENDENT_REPLACEMENTS",
    "PRIVATE_USE_RANGES",
    "VARIATION_SELECTOR_RANGES",
    "CharIssue",
    "IssueKind",
    "NumberFormatError",
    "find_platform_dependent",
    "normalize_address",
    "normalize_code",
    "normalize_digits_ascii",
    "normalize_kana_fullwidth",
    "normalize_name",
    "normalize_number",
    "replace_platform_dependent",
    "search_key",
]

# --------------------------------------------------------------------------------------------
# Character policy tables (§2.1)
# --------------------------------------------------------------------------------------------

# 外字: user-defined area of CP932 and the supplementary private use planes. Error, no fix.
PRIVATE_USE_RANGES: tuple[tuple[int, int], ...] = ((0xE000, 0xF8FF), (0xF0000, 0x10FFFF))

# NEC row 13 and IBM extension symbols, by block. Error, fixed where a replacement is known.
PLATFORM_DEPENDENT_RANGES: tuple[tuple[int, int], ...] = (
    (0x2160, 0x217F),  # Ⅰ … ⅿ roman numerals
    (0x2460, 0x24FF),  # ① … ⓿ enclosed alphanumerics
    (0x3200, 0x32FF),  # ㈱ ㊤ ㋿ enclosed CJK letters
    (0x3300, 0x33FF),  # ㌔ ㍻ ㎝ CJK compatibility squares
)
PLATFORM_DEPENDENT_CHARS: frozenset[str] = frozenset("№℡∮∑∟⊿〝〟￢￤＇＂")

HALFWIDTH_KATAKANA_RANGE: tuple[int, int] = (0xFF61, 0xFF9F)

# Warn only: the registrant may have chosen the glyph (names), so there is no automatic fix.
# U+FA0E..FA2D also holds the 12 unified ideographs such as 﨑; they are flagged all the same.
COMPATIBILITY_IDEOGRAPH_RANGES: tuple[tuple[int, int], ...] = (
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
VARIATION_SELECTOR_RANGES: tuple[tuple[int, int], ...] = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))

# The usual municipal / DS-461 replacements that NFKC does not give; the standard ones inside
# the blocks above (① → (1), Ⅳ → IV, ㈱ → (株), ㍻ → 平成, ㎡ → m2, ㊤ → (上) …) are NFKC's,
# derived below.
_EXPLICIT_REPLACEMENTS: dict[str, str] = {
    "№": "No.",
    "℡": "TEL",
    # Symbols outside the blocks above, mapped to their JIS X 0208 counterparts.
    "∑": "Σ",
    "〝": "“",
    "〟": "”",
    "￢": "¬",
    "＇": "'",
    "＂": '"',
}
# No safe replacement: ∮ ∟ ⊿ have no JIS X 0208 twin, ￤ would become ¦ (not in JIS X 0208).
_NO_REPLACEMENT = frozenset("∮∟⊿￤")


def _derived_replacement(ch: str) -> str | None:
    """Rest of the blocks: NFKC of the character, keeping the enclosure of circled ones
    (㊙ → (秘), ㉑ → (21)) so that an enumeration stays an enumeration."""
    folded = unicodedata.normalize("NFKC", ch)
    if folded == ch:
        return None  # ⓫ ⓵ ㉈ ㉿ …: no decomposition, a person has to decide
    if "CIRCLED" in unicodedata.name(ch, "") and not folded.startswith("("):
        return f"({folded})"
    return folded


def _build_replacements() -> dict[str, str]:
    table: dict[str, str] = {}
    for lo, hi in PLATFORM_DEPENDENT_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if not unicodedata.name(ch, ""):
                continue  # unassigned
            replacement = _derived_replacement(ch)
            if replacement is not None:
                table[ch] = replacement
    table.update(_EXPLICIT_REPLACEMENTS)
    for ch in _NO_REPLACEMENT:
        table.pop(ch, None)
    return table


PLATFORM_DEPENDENT_REPLACEMENTS: dict[str, str] = _build_replacements()

# Half-width katakana and punctuation → full width; the sound marks become the spacing ゛゜.
HALFWIDTH_KATAKANA = "｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ"
_FULLWIDTH_KATAKANA = (
    "。「」、・ヲァィゥェォャュョッーアイウエオ"
    "カキクケコサシスセソタチツテトナニヌネノ"
    "ハヒフヘホマミムメモヤユヨラリルレロワン゛゜"
)
_HW_TO_FW: dict[str, str] = dict(zip(HALFWIDTH_KATAKANA, _FULLWIDTH_KATAKANA, strict=True))

_VOICED = "\u3099"  # combining ゛
_SEMI_VOICED = "\u309a"  # combining ゜
_MARK_KIND: dict[str, str] = {
    "ﾞ": _VOICED,
    "゛": _VOICED,
    _VOICED: _VOICED,
    "ﾟ": _SEMI_VOICED,
    "゜": _SEMI_VOICED,
    _SEMI_VOICED: _SEMI_VOICED,
}


def _build_compositions() -> dict[tuple[str, str], str]:
    """(kana, combining mark) → precomposed kana, for targets in JIS X 0208 only: ヴ is
    composed, but ゔ and ヷヸヹヺ (JIS X 0213 only) are left as kana + ゛."""
    table: dict[tuple[str, str], str] = {}
    for cp in range(0x3041, 0x30FB):
        ch = chr(cp)
        decomposed = unicodedata.normalize("NFD", ch)
        if len(decomposed) != 2 or decomposed[1] not in (_VOICED, _SEMI_VOICED):
            continue
        try:
            ch.encode("shift_jis")
        except UnicodeEncodeError:
            continue
        table[(decomposed[0], decomposed[1])] = ch
    return table


_COMPOSE = _build_compositions()

# Hyphen-like characters (§2.1 tilde/dash variants, minus the tildes). ASCII '-' is the target.
HYPHEN_LIKE = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2500\u2501\ufe63\uff0d\u30fc\uff70"

# --------------------------------------------------------------------------------------------
# find / replace
# --------------------------------------------------------------------------------------------

IssueKind = Literal[
    "private_use",
    "platform_dependent",
    "halfwidth_katakana",
    "compatibility_ideograph",
    "variation_selector",
    "outside_jis_x0213",
]


@dataclass(frozen=True)
class CharIssue:
    """One finding. ``char`` is the flagged text: usually one character, but a half-width
    katakana with its sound mark (ｶﾞ), or a kana followed by a half-width mark (カﾞ), is one
    issue so that its replacement can be the composed ガ."""

    index: int
    char: str
    kind: IssueKind
    severity: Literal["error", "warning"]
    replacement: str | None


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


_KANA = "\u3041-\u3096\u30a1-\u30fa"
_HW_BASE = "\uff61-\uff9d"
_HW_MARKS = "\uff9e\uff9f"
_HALFWIDTH_CLUSTER = f"[{_KANA}]?[{_HW_MARKS}]|[{_HW_BASE}][{_HW_MARKS}]?"
_PD_CLASS = _class(PLATFORM_DEPENDENT_RANGES) + "".join(sorted(PLATFORM_DEPENDENT_CHARS))
_IDEOGRAPHS = _class(((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x3134F)))

_FIND_RE = re.compile(
    f"(?P<private_use>[{_class(PRIVATE_USE_RANGES)}])"
    f"|(?P<platform_dependent>[{_PD_CLASS}])"
    f"|(?P<halfwidth_katakana>{_HALFWIDTH_CLUSTER})"
    f"|(?P<compatibility_ideograph>[{_class(COMPATIBILITY_IDEOGRAPH_RANGES)}])"
    f"|(?P<variation_selector>[{_class(VARIATION_SELECTOR_RANGES)}])"
    f"|(?P<ideograph>[{_IDEOGRAPHS}])"
)
_REPLACE_RE = re.compile(f"(?P<hw>{_HALFWIDTH_CLUSTER})|(?P<pd>[{_PD_CLASS}])")


@lru_cache(maxsize=4096)
def _in_jis_x0213(ch: str) -> bool:
    try:
        ch.encode("shift_jis_2004")
    except UnicodeEncodeError:
        return False
    return True


def _compose(base: str, mark: str) -> str:
    """Full-width text for a kana (or nothing) followed by a sound mark."""
    base = _HW_TO_FW.get(base, base)
    composed = _COMPOSE.get((base, _MARK_KIND[mark])) if base else None
    if composed is not None:
        return composed
    return base + _HW_TO_FW.get(mark, mark)


def _fullwidth_cluster(cluster: str) -> str:
    if cluster[-1] in _MARK_KIND:
        return _compose(cluster[:-1], cluster[-1])
    return _HW_TO_FW[cluster]


def find_platform_dependent(text: str) -> list[CharIssue]:
    """Characters other systems may not show, in order of position."""
    issues: list[CharIssue] = []
    for m in _FIND_RE.finditer(text):
        kind = m.lastgroup
        ch = m.group()
        if kind == "private_use":
            issues.append(CharIssue(m.start(), ch, "private_use", "error", None))
        elif kind == "platform_dependent":
            issues.append(
                CharIssue(
                    m.start(),
                    ch,
                    "platform_dependent",
                    "error",
                    PLATFORM_DEPENDENT_REPLACEMENTS.get(ch),
                )
            )
        elif kind == "halfwidth_katakana":
            issues.append(
                CharIssue(m.start(), ch, "halfwidth_katakana", "error", _fullwidth_cluster(ch))
            )
        elif kind == "compatibility_ideograph":
            issues.append(CharIssue(m.start(), ch, "compatibility_ideograph", "warning", None))
        elif kind == "variation_selector":
            issues.append(CharIssue(m.start(), ch, "variation_selector", "warning", None))
        elif not _in_jis_x0213(ch):
            # 髙 𠮷: not even in JIS X 0213, so outside 文字情報基盤's 縮退 target; a 縮退
            # candidate (高, 吉) needs a name table such as jntajis and a person's decision.
            issues.append(CharIssue(m.start(), ch, "outside_jis_x0213", "warning", None))
    return issues


def _replace_match(m: re.Match[str]) -> str:
    if m.lastgroup == "hw":
        return _fullwidth_cluster(m.group())
    ch = m.group()
    return PLATFORM_DEPENDENT_REPLACEMENTS.get(ch, ch)


def replace_platform_dependent(text: str) -> str:
    """Apply the safe fixes (errors with a known replacement); warnings are left alone."""
    return _REPLACE_RE.sub(_replace_match, text)


# --------------------------------------------------------------------------------------------
# Column-type normalisers (§2.4)
# --------------------------------------------------------------------------------------------

# Full-width ASCII → ASCII, ideographic space → space: jaconv's z2h with explicit flags, its
# answer for every full-width character taken once into a translate table (z2h with
# ``ignore`` copies its own table on every call, and this runs once per cell). Two exceptions:
# ＼ would become "\", which Japanese fonts draw as ¥, and ～ is the agreed range mark in
# Japanese text.
_FULLWIDTH_ASCII = "".join(chr(cp) for cp in range(0xFF01, 0xFF5F)) + "\u3000"
_ASCII_WIDTH_TABLE = str.maketrans(
    _FULLWIDTH_ASCII,
    jaconv.z2h(_FULLWIDTH_ASCII, ignore="＼～", kana=False, ascii=True, digit=True),
)

_KANA_RE = re.compile(f"[{_KANA}{_HW_BASE}][{''.join(_MARK_KIND)}]|[{_HW_BASE}]|[{_HW_MARKS}]")


def _kana_match(m: re.Match[str]) -> str:
    s = m.group()
    if len(s) == 1:
        return _HW_TO_FW[s]
    return _compose(s[0], s[1])


def normalize_digits_ascii(text: str) -> str:
    """Full-width letters, digits and symbols → ASCII (except ＼ and ～); kana untouched."""
    return text.translate(_ASCII_WIDTH_TABLE)


def normalize_kana_fullwidth(text: str) -> str:
    """Half-width katakana → full width, composing ﾞﾟ; a standalone ゛゜ (or combining mark)
    after a kana is composed too (ス゛ → ズ). Marks that cannot compose are kept."""
    return _KANA_RE.sub(_kana_match, text)


def normalize_name(text: str) -> str:
    """Names and free text: width only (kana full, ASCII half), composed marks, trimmed.
    Compatibility ideographs and variation selectors are kept as written."""
    return normalize_digits_ascii(normalize_kana_fullwidth(text)).strip()


_HYPHEN_TABLE = str.maketrans(dict.fromkeys(HYPHEN_LIKE, "-"))


def normalize_code(text: str) -> str:
    """Codes (地方公共団体コード, 郵便番号, 電話番号): half-width, hyphen-likes → '-', leading
    zeros kept, trimmed."""
    return normalize_digits_ascii(text).translate(_HYPHEN_TABLE).strip()


# A run of hyphen-likes becomes '-' after a letter or digit (1ー3, Aー1), or before a digit
# when it does not follow kana (1丁目ー3). After kana it is a long vowel mark (センター).
_ADDRESS_HYPHEN_RE = re.compile(
    f"(?<=[0-9A-Za-z])[{HYPHEN_LIKE}]+|(?<![{_KANA}{HYPHEN_LIKE}])[{HYPHEN_LIKE}]+(?=[0-9])"
)


def _hyphens(m: re.Match[str]) -> str:
    return "-" * len(m.group())  # one for one: a doubled dash stays visible as a typo


def normalize_address(text: str) -> str:
    """Addresses: ASCII and digits half-width, kana full-width, hyphen-likes after digits →
    '-', while ー after katakana (センター) is kept. 丁目 and below follow DS-442 elsewhere."""
    s = normalize_digits_ascii(normalize_kana_fullwidth(text))
    return _ADDRESS_HYPHEN_RE.sub(_hyphens, s).strip()


class NumberFormatError(BilingualError):
    """``code`` is "empty" or "not_a_number"; ``text`` is the input."""


_NEGATIVE_SIGNS = frozenset("-▲△−－")
_NUMBER_RE = re.compile(r"(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?")
_NUMBER_DROP = re.compile(r"[\s,，]+")


def normalize_number(text: str) -> str:
    """A plain decimal string: ``"▲1,234.50"`` → ``"-1234.50"``.

    Full-width digits are folded, ``,`` ``，`` and spaces removed, a leading ▲ △ − － -
    becomes '-' and a leading '+' is dropped. Anything else left (a unit such as 円 or 人, a
    special symbol such as X or …) raises :class:`NumberFormatError`: the caller decides
    whether to split it off.
    """
    s = _NUMBER_DROP.sub("", normalize_digits_ascii(text))
    if not s:
        raise NumberFormatError("empty", text, "数値が入っていません。", "No number was given.")
    sign = ""
    if s[0] in _NEGATIVE_SIGNS:
        sign, s = "-", s[1:]
    elif s[0] == "+":
        s = s[1:]
    m = _NUMBER_RE.fullmatch(s)
    if m is None or not (m["int"] or m["frac"]):
        raise NumberFormatError(
            "not_a_number",
            text,
            f"「{text}」は数値だけではありません。単位や記号は別の列に分けてください。",
            f"'{text}' is not a plain number. Put units and symbols in a separate column.",
        )
    integer = m["int"].lstrip("0") or "0"
    frac = m["frac"]
    return f"{sign}{integer}.{frac}" if frac else f"{sign}{integer}"


# --------------------------------------------------------------------------------------------
# Search key
# --------------------------------------------------------------------------------------------

_SEARCH_PRE_MAP: dict[str, str] = {
    "゛": _VOICED,  # NFKC would turn the spacing marks into space + combining mark
    "゜": _SEMI_VOICED,
    "〜": "~",
    "～": "~",
    **dict.fromkeys(HYPHEN_LIKE.replace("\u30fc", "").replace("\uff70", ""), "-"),
}
_SEARCH_PRE = str.maketrans(_SEARCH_PRE_MAP)
_SEARCH_PRE_RE = re.compile(f"[{''.join(_SEARCH_PRE_MAP)}]")
_HIRAGANA_RUN = re.compile("[\u3041-\u3096\u309d\u309e]+")
_TO_KATAKANA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)}
_TO_KATAKANA.update({0x309D: 0x30FD, 0x309E: 0x30FE})  # ゝゞ → ヽヾ


def _katakana(m: re.Match[str]) -> str:
    return m.group().translate(_TO_KATAKANA)


# A text of these characters only is its own search key (digits, lower-case ASCII letters, a
# few ASCII marks, 々, katakana without ヷ-ヺ, ー, the unified kanji): a pattern for Python's re
# and for Arrow's RE2 alike, so that a column's values can skip search_key when they match.
SEARCH_KEY_FIXED = "^[0-9a-z._/:#()&,+\\-\u3005\u30a1-\u30f6\u30fc\u4e00-\u9fff]*$"


def search_key(text: str) -> str:
    """Key for substring search, derived and never stored as a value: NFKC width folding,
    hiragana → katakana, lower case (str.lower), all whitespace removed, 〜/～ → ~ and
    dashes other than ー → -.

    ``search_key("ﾎﾝﾏﾁ") == search_key("ほんまち") == "ホンマチ"``.
    """
    if text.isascii():
        return "".join(text.lower().split())
    if _SEARCH_PRE_RE.search(text):
        text = text.translate(_SEARCH_PRE)
    s = "".join(unicodedata.normalize("NFKC", text).lower().split())
    # NFC last: removing whitespace can bring a combining mark next to its base.
    return unicodedata.normalize("NFC", _HIRAGANA_RUN.sub(_katakana, s))
