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
