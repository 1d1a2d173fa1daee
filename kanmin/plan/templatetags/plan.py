"""Template helpers of the plan pages: figures, fiscal years, units, glossary links, and text
that exists only in Japanese (marked ``lang="ja"`` on English pages)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kanmin.core.units import unit_name
from kanmin.plan import glossary as glossary_terms

register = template.Library()

_JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff9f]")


def english() -> bool:
    return (get_language() or "ja").startswith("en")


def in_language(ja: Any, en: Any = "") -> SafeString:
    """``en`` on an English page when there is one; otherwise ``ja``, marked ``lang="ja"`` on an
    English page when it has Japanese in it. Escaped."""
    ja, en = str(ja or ""), str(en or "")
    if english():
        if en:
            return escape(en)
        if _JAPANESE.search(ja):
            return format_html('<span lang="ja">{}</span>', ja)
    return escape(ja)


@register.simple_tag
def bilingual(ja: Any, en: Any = "") -> SafeString:
    """``{% bilingual measure.title_ja measure.title_en %}``: see :func:`in_language`."""
    return in_language(ja, en)


@register.filter
def ja_text(value: Any) -> SafeString:
    """Text that exists only in Japanese (a department's name, a comment): marked on English
    pages."""
    return in_language(value)


@register.filter
def lang_attr(text: Any) -> SafeString:
    """`` lang="ja"`` for a form field holding Japanese text (a comment someone wrote)."""
    return mark_safe(' lang="ja"') if _JAPANESE.search(str(text or "")) else mark_safe("")


@register.filter(name="unit")
def unit_filter(unit: Any) -> SafeString:
    """A KPI unit in the page's language: 件 → items on an English page."""
    name, known = unit_name(str(unit or ""))
    if not name:
        return mark_safe("—")
    return escape(name) if known else in_language(name)


def unit_label(unit: Any) -> str:
    """A KPI unit in the current language, as plain text (for messages and charts)."""
    return unit_name(str(unit or ""))[0]


@register.filter
def sep(last: bool) -> str:
    """The separator between listed names: ``、`` in Japanese, ``, `` in English."""
    if last:
        return ""
    return ", " if english() else "、"


@register.simple_tag
def glossary_text(text: str, en_text: str, terms: Iterable[Any], glossary_url: str) -> SafeString:
    """A measure's text with its glossary terms linked to their glossary entries.

    On an English page the English text is used when there is one; otherwise the Japanese text
    is shown marked ``lang="ja"``. Each term's first mention links to ``glossary_url#term-N``.
    """
    use_english = english() and bool(en_text)
    body = en_text if use_english else text
    hint = _("(glossary)")
    pieces: list[str] = []
    for piece in glossary_terms.split_terms(body, list(terms), english=use_english):
        if piece.term is None:
            pieces.append(escape(piece.text))
            continue
        hidden = (
            format_html('<span class="visually-hidden" lang="en">{}</span>', f" {hint}")
            if english() and not use_english
            else format_html('<span class="visually-hidden">{}</span>', hint)
        )
        pieces.append(
            format_html(
                '<a class="term" href="{}#term-{}">{}{}</a>',
                glossary_url,
                piece.term.number,
                piece.text,
                hidden,
            )
        )
    html = "".join(pieces)
    if english() and not use_english:
        return format_html('<p class="measure-content" lang="ja">{}</p>', mark_safe(html))  # noqa: S308
    return format_html('<p class="measure-content">{}</p>', mark_safe(html))  # noqa: S308


@register.filter
def figure(value: Any) -> str:
    """1234.5 → 1,234.5; whole numbers without decimals."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    if number == number.to_integral():
        return f"{int(number):,}"
    return f"{number.normalize():,}"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if not mapping:
        return None
    return mapping.get(str(key), mapping.get(key))


@register.filter
def fy(year: Any) -> str:
    """2024 → 2024年度（令和6年度）in Japanese, FY2024 in English."""
    from kanmin.core.fiscal_year import FiscalYear

    try:
        fiscal_year = FiscalYear(int(year))
    except (TypeError, ValueError):
        return str(year)
    if english():
        return fiscal_year.label_en()
    return f"{fiscal_year.year}年度（{fiscal_year.label_ja()}）"
