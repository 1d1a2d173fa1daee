"""Which of a Japanese and an English text a page or a command shows."""

from __future__ import annotations

import pytest
from django.utils import translation

from kanmin.core.language import ja_or_en, localized


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
