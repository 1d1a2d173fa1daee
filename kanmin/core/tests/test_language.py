"""Which of a Japanese and an English text a page or a command shows."""

from __future__ import annotations

import pytest
from django.utils import translation

from kanmin.core.language import ja_or_en, localized, mark_japanese


@pytest.mark.parametrize(
    ("language", "expected"), [("ja", "ja"), ("en", "en"), ("en-gb", "en"), ("fr", "ja")]
)
def test_ja_or_en_follows_the_active_language(language: str, expected: str) -> None:
    with translation.override(language):
        assert ja_or_en() == expected
        assert localized("岳下", "Takeshita") == ("Takeshita" if expected == "en" else "岳下")


def test_english_falls_back_to_japanese() -> None:
    with translation.override("en"):
        assert localized("岳下", "") == "岳下"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The value “many” of field “人口” is not <int>.",
            'The value “many” of field “<span lang="ja">人口</span>” is not &lt;int&gt;.',
        ),
        (
            "Select a valid choice. 山之口町1番 and 第2版",
            'Select a valid choice. <span lang="ja">山之口町1番</span> and '
            '<span lang="ja">第2版</span>',
        ),
        ("No Japanese & nothing marked", "No Japanese &amp; nothing marked"),
    ],
)
def test_mark_japanese_marks_each_japanese_run_on_english_pages(text: str, expected: str) -> None:
    with translation.override("en"):
        assert mark_japanese(text) == expected
    with translation.override("ja"):
        assert mark_japanese(text) == text.replace("&", "&amp;").replace("<", "&lt;").replace(
            ">", "&gt;"
        )
