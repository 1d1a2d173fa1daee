from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def with_glossary(text: str, terms: Iterable[Any]) -> SafeString:
    """Escape ``text`` and turn the first mention of each glossary term into a button that
    shows the definition (HTML popover: no script needed)."""
    terms = sorted(terms, key=lambda t: len(t.term_ja), reverse=True)
    by_text = {t.term_ja: t for t in terms if len(t.term_ja) >= 2}
    if not by_text:
        return mark_safe(escape(text))  # noqa: S308 - escaped just above
    pattern = re.compile("|".join(re.escape(k) for k in by_text))
    used: set[str] = set()
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        word = match.group(0)
        if word in used:
            continue
        used.add(word)
        term = by_text[word]
        pieces.append(escape(text[last : match.start()]))
        pieces.append(
            format_html(
                '<button type="button" class="term" popovertarget="term-{n}-{s}">{w}</button>'
                '<span class="term-popover" id="term-{n}-{s}" popover>'
                "<strong>{w}</strong> {d}</span>",
                n=term.number,
                s=match.start(),
                w=word,
                d=term.definition_ja,
            )
        )
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped or format_html


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
    from django.utils.translation import get_language

    from kanmin.core.fiscal_year import FiscalYear

    try:
        fiscal_year = FiscalYear(int(year))
    except (TypeError, ValueError):
        return str(year)
    if (get_language() or "ja").startswith("en"):
        return fiscal_year.label_en()
    return f"{fiscal_year.year}年度（{fiscal_year.label_ja()}）"
