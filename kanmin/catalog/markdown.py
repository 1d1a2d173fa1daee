"""Dataset descriptions are Markdown: rendered with raw HTML off, then sanitized again."""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default": CommonMark without raw HTML; dangerous link schemes are refused.
    return MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")


def render(text: str) -> SafeString:
    """HTML for a description. Headings start at h2, since the page's title is the h1."""
    html = _parser().render(text or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitized by nh3 just above


# A cut is kept on a word boundary unless the last word would take more than this share of
# the excerpt (a long URL or identifier): then it is cut inside the word.
_WORD_BACKTRACK = 0.3
_ELLIPSIS = "…"


def plain_text(text: str) -> str:
    """The text a reader sees of a Markdown description: rendered, tags stripped, entities
    decoded, whitespace folded (list markers, link targets and emphasis marks are gone)."""
    import html as html_lib
    import re

    rendered = str(render(text))
    # Block ends become spaces so that words of adjacent paragraphs and items stay apart.
    rendered = re.sub(
        r"</?(p|br|li|ul|ol|h[2-6]|tr|td|th|blockquote|pre|hr)\b[^>]*>", " ", rendered
    )
    stripped = nh3.clean(rendered, tags=set())
    return " ".join(html_lib.unescape(stripped).split())


def _is_word_char(ch: str) -> bool:
    """Letters and digits of scripts that put spaces between words (Latin, digits, …);
    Japanese can be cut between any two characters."""
    return ch in "'’-" or (ch.isalnum() and ord(ch) < 0x2E80)


def _char_width(ch: str) -> int:
    """Columns a character takes: 2 for wide (kanji, kana, full-width), 0 for a combining
    mark, else 1."""
    import unicodedata

    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns the text takes: a Japanese character counts as two Latin ones."""
    return sum(_char_width(ch) for ch in text)


def excerpt(text: str, width: int = 120) -> str:
    """A plain-text excerpt of a Markdown description at most ``width`` columns wide, ellipsis
    included (a Japanese character takes two columns, so cards are of a like length in both
    languages). It is cut between words in English, between characters in Japanese, never
    between a character and its combining mark; a word longer than a third of the excerpt
    (a URL, an identifier) is cut inside."""
    import unicodedata

    plain = plain_text(text)
    if display_width(plain) <= width:
        return plain
    budget = width - display_width(_ELLIPSIS)
    used = cut = 0
    for ch in plain:
        used += _char_width(ch)
        if used > budget:
            break
        cut += 1
    while 0 < cut < len(plain) and unicodedata.combining(plain[cut]):
        cut -= 1
    if cut and _is_word_char(plain[cut - 1]) and _is_word_char(plain[cut]):
        start = cut
        while start > 0 and _is_word_char(plain[start - 1]):
            start -= 1
        if start > 0 and cut - start <= cut * _WORD_BACKTRACK:
            cut = start
    head = plain[:cut].rstrip(" 、。,.;:・-–—(（「[")
    return head + _ELLIPSIS
