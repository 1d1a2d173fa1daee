"""Which language a text is in, for marking content that exists only in Japanese on pages in
another language (``lang="ja"``, so that screen readers and translation tools read it right)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# Kana (full and half width), CJK ideographs and the full-width punctuation of a Japanese text.
_JAPANESE = re.compile(
    "[\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uff01-\uff0f\uff1a-\uff20\uff5b-\uff9f\U00020000-\U0003134f]"
)

# A run of Japanese, with any letters or digits inside it (山之口町1番, 第2版).
_JAPANESE_RUN = re.compile(f"{_JAPANESE.pattern}+(?:[0-9A-Za-z\\-]*{_JAPANESE.pattern}+)*")


def has_japanese(text: Any) -> bool:
    """Whether the text contains Japanese script (kana, kanji or full-width punctuation)."""
    return _JAPANESE.search(str(text or "")) is not None


def page_is_japanese() -> bool:
    """Whether the current request is answered in Japanese (the default language)."""
    return (get_language() or "ja").startswith("ja")


def ja_or_en() -> str:
    """``"en"`` when the current request (or command) is answered in English, else ``"ja"``:
    which of a pair of Japanese and English texts kept in the data to show."""
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def localized(ja: str, en: str) -> str:
    """The English text on a page in English when there is one, else the Japanese."""
    if ja_or_en() == "en" and en:
        return en
    return ja


def needs_japanese_mark(text: Any, english: Any = "") -> bool:
    """Whether ``text`` is Japanese shown on a page in another language for want of an English
    version: then its element must carry ``lang="ja"``."""
    return not page_is_japanese() and not english and has_japanese(text)


def mark_japanese(text: Any) -> SafeString:
    """Escaped ``text`` with each run of Japanese in a ``<span lang="ja">`` on a page in
    another language: for Japanese names inside an English sentence (a column named in an
    error message), where the whole element cannot be marked."""
    text = str(text or "")
    if page_is_japanese() or not has_japanese(text):
        return conditional_escape(text)
    parts: list[str] = []
    last = 0
    for run in _JAPANESE_RUN.finditer(text):
        parts.append(conditional_escape(text[last : run.start()]))
        parts.append(format_html('<span lang="ja">{}</span>', run.group()))
        last = run.end()
    parts.append(conditional_escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308  # every part escaped
