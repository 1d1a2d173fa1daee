"""Character policy and column-type normalisers (reference §2).

Compatibility ideographs are written as escapes (\\ufa19) so that no editor or tool can
silently normalise them to their unified twins.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kanmin.core.jp_text import (
    PLATFORM_DEPENDENT_REPLACEMENTS,
    SEARCH_KEY_FIXED,
    CharIssue,
    IssueKind,
    NumberFormatError,
    find_platform_dependent,
    normalize_address,
    normalize_code,
    normalize_digits_ascii,
    normalize_kana_fullwidth,
    normalize_name,
    normalize_number,
    replace_platform_dependent,
    search_key,
)

KAMI_COMPAT = "\ufa19"  # 神 CJK COMPATIBILITY IDEOGRAPH-FA19
KAMI = "\u795e"  # 神 unified
SAKI_FA11 = "\ufa11"  # 﨑
TAKA_9AD9 = "\u9ad9"  # 髙
SHIKARU = "\U00020b9f"  # 𠮟 (常用漢字, JIS X 0213)
HAGU = "\u525d"  # 剝 (常用漢字, JIS X 0213)
YOSHI = "\U00020bb7"  # 𠮷 (outside JIS X 0213)

# --------------------------------------------------------------------------------------------
# find_platform_dependent
# --------------------------------------------------------------------------------------------

# The standard replacements listed in the brief / reference §2.1.
STANDARD_REPLACEMENTS = {
    "①": "(1)",
    "②": "(2)",
    "⑩": "(10)",
    "⑳": "(20)",
    "Ⅰ": "I",
    "Ⅳ": "IV",
    "Ⅸ": "IX",
    "Ⅹ": "X",
    "ⅰ": "i",
    "ⅳ": "iv",
    "ⅹ": "x",
    "㈱": "(株)",
    "㈲": "(有)",
    "㈹": "(代)",
    "㍻": "平成",
    "㍼": "昭和",
    "㍽": "大正",
    "㍾": "明治",
    "㋿": "令和",
    "㌔": "キロ",
    "㌢": "センチ",
    "㍍": "メートル",
    "㎝": "cm",
    "㎜": "mm",
    "㎞": "km",
    "㎏": "kg",
    "㎎": "mg",
    "㎡": "m2",
    "㏄": "cc",
    "№": "No.",
    "℡": "TEL",
    "㊤": "(上)",
    "㊥": "(中)",
    "㊦": "(下)",
    "㊧": "(左)",
    "㊨": "(右)",
}


@pytest.mark.parametrize(("char", "replacement"), sorted(STANDARD_REPLACEMENTS.items()))
def test_standard_replacements(char: str, replacement: str) -> None:
    assert find_platform_dependent(char) == [
        CharIssue(0, char, "platform_dependent", "error", replacement)
    ]
    assert replace_platform_dependent(char) == replacement


def test_all_circled_numbers_keep_their_enclosure() -> None:
    for n in range(1, 21):
        assert PLATFORM_DEPENDENT_REPLACEMENTS[chr(0x2460 + n - 1)] == f"({n})"


@pytest.mark.parametrize(
    ("char", "replacement"),
    [
        ("㉑", "(21)"),
        ("㊿", "(50)"),
        ("㊙", "(秘)"),
        ("⑴", "(1)"),
        ("⒈", "1."),
        ("Ⓐ", "(A)"),
        ("Ⅻ", "XII"),
        ("㍉", "ミリ"),
        ("㌘", "グラム"),
        ("㍑", "リットル"),
        ("㍿", "株式会社"),
        ("∑", "Σ"),
        ("〝", "“"),
        ("〟", "”"),
        ("￢", "¬"),
        ("＇", "'"),
        ("＂", '"'),
    ],
)
def test_rest_of_the_ranges(char: str, replacement: str) -> None:
    [issue] = find_platform_dependent(char)
    assert (issue.kind, issue.severity, issue.replacement) == (
        "platform_dependent",
        "error",
        replacement,
    )


@pytest.mark.parametrize("char", ["∮", "∟", "⊿", "￤", "⓫", "⓵"])
def test_platform_dependent_without_safe_replacement(char: str) -> None:
    assert find_platform_dependent(char) == [
        CharIssue(0, char, "platform_dependent", "error", None)
    ]
    assert replace_platform_dependent(char) == char


@pytest.mark.parametrize(
    ("text", "char", "replacement"),
    [
        ("ｶﾞ", "ｶﾞ", "ガ"),
        ("ﾊﾟ", "ﾊﾟ", "パ"),
        ("ｳﾞ", "ｳﾞ", "ヴ"),
        ("ｱ", "ｱ", "ア"),
        ("ｰ", "ｰ", "ー"),
        ("｡", "｡", "。"),
        ("ﾞ", "ﾞ", "゛"),
        ("カﾞ", "カﾞ", "ガ"),  # full-width kana + half-width mark is fixed as one
    ],
)
def test_halfwidth_katakana(text: str, char: str, replacement: str) -> None:
    assert find_platform_dependent(text) == [
        CharIssue(0, char, "halfwidth_katakana", "error", replacement)
    ]


def test_halfwidth_word_positions() -> None:
    issues = find_platform_dependent("ｶﾞｰﾃﾞﾝ")
    assert [(i.index, i.char, i.replacement) for i in issues] == [
        (0, "ｶﾞ", "ガ"),
        (2, "ｰ", "ー"),
        (3, "ﾃﾞ", "デ"),
        (5, "ﾝ", "ン"),
    ]
    assert replace_platform_dependent("ｶﾞｰﾃﾞﾝ") == "ガーデン"


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        (KAMI_COMPAT, "compatibility_ideograph"),
        (SAKI_FA11, "compatibility_ideograph"),
        ("\ufa10", "compatibility_ideograph"),  # 塚
        ("\U0002f8a6", "compatibility_ideograph"),
        ("\ufe00", "variation_selector"),
        ("\U000e0100", "variation_selector"),
        (TAKA_9AD9, "outside_jis_x0213"),
        (YOSHI, "outside_jis_x0213"),
    ],
)
def test_warnings_have_no_automatic_fix(char: str, kind: IssueKind) -> None:
    assert find_platform_dependent(char) == [CharIssue(0, char, kind, "warning", None)]
    assert replace_platform_dependent(char) == char


@pytest.mark.parametrize("char", ["\ue000", "\uf8ff", "\U000f0000", "\U0010fffd"])
def test_private_use_is_an_error_without_fix(char: str) -> None:
    assert find_platform_dependent(char) == [CharIssue(0, char, "private_use", "error", None)]
    assert replace_platform_dependent(char) == char


@pytest.mark.parametrize(
    "text",
    [
        "゛",
        "…",
        "〜",
        "～",
        "－",
        "−",
        "‐",
        "―",
        SHIKARU,
        HAGU,
        "高橋",
        "德",
        "山田太郎",
        "ABC 123",
        "≒≡∫√⊥∠∵∩∪",  # in row 13 but also JIS X 0208
        "ヴ",
    ],
)
def test_not_flagged(text: str) -> None:
    assert find_platform_dependent(text) == []


def test_mixed_text() -> None:
    text = f"①申請書 ㈱宮崎 ㍻31年 10㎡ ｶﾞｰﾃﾞﾝ {KAMI_COMPAT}戸 {TAKA_9AD9}橋 \ue000"
    issues = find_platform_dependent(text)
    assert [(i.index, i.kind) for i in issues] == [
        (0, "platform_dependent"),
        (5, "platform_dependent"),
        (9, "platform_dependent"),
        (16, "platform_dependent"),
        (18, "halfwidth_katakana"),
        (20, "halfwidth_katakana"),
        (21, "halfwidth_katakana"),
        (23, "halfwidth_katakana"),
        (25, "compatibility_ideograph"),
        (28, "outside_jis_x0213"),
        (31, "private_use"),
    ]
    assert replace_platform_dependent(text) == (
        f"(1)申請書 (株)宮崎 平成31年 10m2 ガーデン {KAMI_COMPAT}戸 {TAKA_9AD9}橋 \ue000"
    )


def test_replacements_contain_no_flagged_characters() -> None:
    for char, replacement in PLATFORM_DEPENDENT_REPLACEMENTS.items():
        assert replacement != char
        problems = [i for i in find_platform_dependent(replacement) if i.severity == "error"]
        assert problems == [], (char, replacement)


japanese = st.text(
    alphabet=st.sampled_from(
        list("あいうかがきぱアイウカガキパヴーｱｲｳｶｷﾊﾜｰｯﾞﾟ｡゛゜\u3099\u309a")
        + list("①⑳Ⅰⅰ㈱㊤㋿㍻㌔㎡№℡∮〝＂山田高橋德")
        + [KAMI_COMPAT, SAKI_FA11, TAKA_9AD9, SHIKARU, YOSHI, "\ue000", "\ufe00", "\U000e0100"]
        + list("ＡＢＣａｂｃ０１２３ABCabc0123 　-－−‐―ー〜～…,，.．▲△")
    ),
    max_size=20,
)
any_text = st.one_of(japanese, st.text(max_size=20))


@given(any_text)
def test_replace_is_idempotent_and_leaves_only_unfixable_errors(text: str) -> None:
    once = replace_platform_dependent(text)
    assert replace_platform_dependent(once) == once
    for issue in find_platform_dependent(once):
        if issue.severity == "error":
            assert issue.replacement is None, issue


@given(any_text)
def test_issue_indexes_point_at_the_text(text: str) -> None:
    for issue in find_platform_dependent(text):
        assert text[issue.index : issue.index + len(issue.char)] == issue.char


# --------------------------------------------------------------------------------------------
# Column-type normalisers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("ａｂｃ", "abc"),
        ("（１）", "(1)"),
        ("１－３－１", "1-3-1"),
        ("　", " "),
        ("ｶﾀｶﾅ", "ｶﾀｶﾅ"),  # kana untouched
        ("カタカナ", "カタカナ"),
        ("＼", "＼"),  # would render as ¥ in Japanese fonts
        ("～", "～"),  # the range mark stays
        ("①", "①"),
    ],
)
def test_normalize_digits_ascii(text: str, expected: str) -> None:
    assert normalize_digits_ascii(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｶﾞｰﾃﾞﾝ", "ガーデン"),
        ("ﾊﾟﾝ", "パン"),
        ("ｳﾞｧｲｵﾘﾝ", "ヴァイオリン"),
        ("ス゛", "ズ"),  # standalone ゛ after kana is composed
        ("は゜", "ぱ"),
        ("か\u3099", "が"),
        ("ﾎﾝﾏﾁ", "ホンマチ"),
        ("ｱﾞ", "ア゛"),  # nothing to compose with
        ("ﾞ", "゛"),
        ("゛", "゛"),
        ("う゛", "う゛"),  # ゔ is not in JIS X 0208: left as written
        ("ＡＢＣ１", "ＡＢＣ１"),
    ],
)
def test_normalize_kana_fullwidth(text: str, expected: str) -> None:
    assert normalize_kana_fullwidth(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("　ﾔﾏﾀﾞ　ﾀﾛｳ ", "ヤマダ タロウ"),
        ("ＡＢＣ商事", "ABC商事"),
        (f"{KAMI_COMPAT}戸", f"{KAMI_COMPAT}戸"),  # the registrant's glyph is kept
        (f"{SAKI_FA11}田", f"{SAKI_FA11}田"),
        (f"{TAKA_9AD9}橋", f"{TAKA_9AD9}橋"),
        (SHIKARU, SHIKARU),
        ("葛\U000e0100飾", "葛\U000e0100飾"),
        ("①申請書", "①申請書"),  # no NFKC: the enumeration is not lost
        ("…", "…"),
        ("9:00〜17:00", "9:00〜17:00"),
    ],
)
def test_normalize_name(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１－３－１", "1-3-1"),
        ("1ー3ー1", "1-3-1"),
        ("０１２３", "0123"),
        ("０１１００２", "011002"),
        ("８８０－０８０５", "880-0805"),
        ("0985\u221225\u22122111", "0985-25-2111"),
        ("0985\u201025\u20132111", "0985-25-2111"),
        ("ＡＢＣ－１２３", "ABC-123"),
        (" 452025 ", "452025"),
    ],
)
def test_normalize_code(text: str, expected: str) -> None:
    assert normalize_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("宮崎市橘通東１－３－１", "宮崎市橘通東1-3-1"),
        ("１－３－１", "1-3-1"),
        ("1ー3ー1", "1-3-1"),
        ("1\u22123\u22121", "1-3-1"),
        ("1‐2", "1-2"),
        ("3丁目ー1", "3丁目-1"),
        ("センター", "センター"),
        ("ｾﾝﾀｰ", "センター"),
        ("市民センター1ー2", "市民センター1-2"),
        ("コーポ宮崎 101", "コーポ宮崎 101"),
        ("Ａ－１棟", "A-1棟"),
        ("A\u2212B棟", "A-B棟"),
        ("1\u2212\u2212", "1--"),
    ],
)
def test_normalize_address(text: str, expected: str) -> None:
    assert normalize_address(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", "1234"),
        ("1，234", "1234"),
        ("１,２３４", "1234"),
        ("1 234", "1234"),
        ("▲1,234", "-1234"),
        ("△５", "-5"),
        ("−１２．５", "-12.5"),
        ("－3", "-3"),
        ("-3", "-3"),
        ("+3", "3"),
        ("0.50", "0.50"),
        ("007", "7"),
        ("0", "0"),
        (".5", "0.5"),
        ("12.", "12"),
        (" 42 ", "42"),
    ],
)
def test_normalize_number(text: str, expected: str) -> None:
    assert normalize_number(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("100円", "not_a_number"),
        ("5人", "not_a_number"),
        ("10㎡", "not_a_number"),
        ("X", "not_a_number"),
        ("…", "not_a_number"),
        ("-", "not_a_number"),
        ("▲", "not_a_number"),
        (".", "not_a_number"),
        ("1.2.3", "not_a_number"),
        ("1e5", "not_a_number"),
        ("--1", "not_a_number"),
    ],
)
def test_normalize_number_rejects(text: str, code: str) -> None:
    with pytest.raises(NumberFormatError) as info:
        normalize_number(text)
    assert isinstance(info.value, ValueError)
    assert info.value.code == code
    assert info.value.message_ja and info.value.message_en


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=99),
    st.booleans(),
)
def test_normalize_number_reads_formatted_numbers(whole: int, cents: int, triangle: bool) -> None:
    formatted = f"{abs(whole):,}.{cents:02d}"
    if whole < 0:
        formatted = ("▲" if triangle else "−") + formatted
    expected = f"{'-' if whole < 0 else ''}{abs(whole)}.{cents:02d}"
    assert normalize_number(formatted) == expected
    assert normalize_number(formatted.translate(FULLWIDTH_DIGITS)) == expected


FULLWIDTH_DIGITS = str.maketrans("0123456789,.", "０１２３４５６７８９，．")

NORMALISERS = [
    normalize_digits_ascii,
    normalize_kana_fullwidth,
    normalize_name,
    normalize_code,
    normalize_address,
    search_key,
]


@pytest.mark.parametrize("normalise", NORMALISERS, ids=lambda f: f.__name__)
@given(text=any_text)
def test_normalisers_are_idempotent(normalise: Callable[[str], str], text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(any_text)
def test_normalize_number_is_idempotent(text: str) -> None:
    try:
        once = normalize_number(text)
    except NumberFormatError:
        return
    assert normalize_number(once) == once


@given(any_text)
def test_kana_normaliser_leaves_no_halfwidth_katakana(text: str) -> None:
    out = normalize_kana_fullwidth(text)
    assert not any("\uff61" <= ch <= "\uff9f" for ch in out)


@given(any_text)
def test_digits_normaliser_leaves_no_fullwidth_alphanumerics(text: str) -> None:
    out = normalize_digits_ascii(text)
    assert not any("０" <= ch <= "９" or "Ａ" <= ch <= "Ｚ" or "ａ" <= ch <= "ｚ" for ch in out)


# --------------------------------------------------------------------------------------------
# search_key
# --------------------------------------------------------------------------------------------


def _fixed_alphabet() -> list[str]:
    """Every character the class of SEARCH_KEY_FIXED names, read from the pattern itself."""
    body = SEARCH_KEY_FIXED.removeprefix("^[").removesuffix("]*$")
    chars: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            chars.append(body[i + 1])
            i += 2
        elif i + 2 < len(body) and body[i + 1] == "-":
            chars += [chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)]
            i += 3
        else:
            chars.append(body[i])
            i += 1
    return chars


def test_the_fixed_alphabet_is_read_whole() -> None:
    alphabet = _fixed_alphabet()
    for ch in "09az._/:#()&,+-々ァヶー一鿿":
        assert ch in alphabet, ch
    assert "A" not in alphabet and "ぁ" not in alphabet and "ヷ" not in alphabet


@given(st.text(alphabet=st.sampled_from(_fixed_alphabet()), max_size=12))
def test_a_text_of_the_fixed_characters_is_its_own_key(text: str) -> None:
    """The load folds only values outside SEARCH_KEY_FIXED: one inside that search_key would
    change would be searched unfolded."""
    import re

    assert re.match(SEARCH_KEY_FIXED, text)
    assert search_key(text) == text


def test_every_fixed_character_is_its_own_key() -> None:
    moved = [ch for ch in _fixed_alphabet() if search_key(ch) != ch]
    assert not moved, moved


def test_search_key_folds_width_and_kana() -> None:
    assert search_key("ﾎﾝﾏﾁ") == search_key("ほんまち") == search_key("ホンマチ") == "ホンマチ"
    assert search_key("ｶﾞｰﾃﾞﾝ") == search_key("がーでん") == "ガーデン"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ　データ", "abcデータ"),
        ("Open Data 一覧", "opendata一覧"),
        ("避難所\t一覧\n", "避難所一覧"),
        ("9:00〜17:00", "9:00~17:00"),
        ("9:00～17:00", "9:00~17:00"),
        ("１－３－１", "1-3-1"),
        ("1\u22123\u22121", "1-3-1"),
        ("ス゛", "ズ"),
        (f"{KAMI_COMPAT}戸", f"{KAMI}戸"),
        ("ゝゞ", "ヽヾ"),
        ("ゔ", "ヴ"),
    ],
)
def test_search_key(text: str, expected: str) -> None:
    assert search_key(text) == expected


hiragana = st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3096))


@given(hiragana)
def test_search_key_hiragana_equals_katakana(text: str) -> None:
    katakana = "".join(chr(ord(ch) + 0x60) for ch in text)
    assert search_key(text) == search_key(katakana)
    assert not any("\u3041" <= ch <= "\u3096" for ch in search_key(text))


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)))
def test_search_key_full_width_ascii_equals_ascii(text: str) -> None:
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in text)
    assert search_key(fullwidth) == search_key(text) == text.lower()


@given(st.text(alphabet=st.sampled_from(list("ｱｲｳｴｵｶｷｸｹｺﾊﾋﾌﾍﾎﾞﾟｰ")), max_size=15))
def test_search_key_halfwidth_equals_nfkc(text: str) -> None:
    """Half-width katakana fold exactly as Unicode's compatibility mapping says."""
    assert search_key(text) == unicodedata.normalize("NFKC", text)
