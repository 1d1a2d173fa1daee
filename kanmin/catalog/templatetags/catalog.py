from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from kanmin.catalog import markdown as md
from kanmin.catalog.activity import activity_label
from kanmin.core.language import mark_japanese, needs_japanese_mark
from kanmin.standards import encoding_label, schema_label

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """``{{ dataset.notes_ja|markdown }}``: safe HTML from a Markdown description."""
    return md.render(text)


register.filter("activity_label", activity_label)
# ``{{ message|mark_japanese }}``: Japanese names inside an English sentence marked lang="ja".
register.filter("mark_japanese", mark_japanese)


def _lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


@register.filter
def standard_name(slug: str | None) -> str:
    """``{{ dataset.standard_dataset|standard_name }}``: a standard data set's human name in
    the page's language (``aed`` → AED設置箇所一覧), never its slug."""
    return schema_label(slug, _lang())


@register.filter
def encoding_name(encoding: str | None) -> str:
    """``{{ validation.encoding|encoding_name }}``: ``cp932`` → Shift_JIS, ``utf-8-sig`` →
    UTF-8（BOM付き）."""
    return encoding_label(encoding, _lang())


@register.filter
def activity_line(event: Any) -> SafeString:
    """An activity line for a page: the file's name marked as Japanese when it is Japanese on
    a page in another language."""
    label = activity_label(event)
    name = event.object_repr or ""
    if event.object_type == "catalog.resource" and name and label.endswith(name):
        if needs_japanese_mark(name):
            return format_html('{}<span lang="ja">{}</span>', label[: -len(name)], name)
    return conditional_escape(label)


@register.filter
def excerpt(text: str, width: int = 120) -> str:
    """``{{ dataset.notes_ja|excerpt }}``: a plain-text excerpt of a Markdown description,
    ``width`` columns wide (a Japanese character takes two)."""
    return md.excerpt(text, int(width))
