"""Template filters of the disaster pages: an order's name and a reading in the page's
language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from kanmin.core.language import needs_japanese_mark, page_is_japanese

register = template.Library()


def order_kind(decision: Any) -> str:
    """The order a decision issued or lifted (高齢者等避難 …), in the page's language: the
    rules' English name of that level's order when the decision names it as the rules do
    (what it names otherwise was written by staff and stays as written)."""
    kind = decision.kind
    if page_is_japanese():
        return kind
    level = decision.ruleset.parsed.level(decision.level) if decision.ruleset_id else None
    if level is not None and level.action_ja == kind and level.action_en:
        return level.action_en
    return kind


@register.filter(name="order_kind")
def order_kind_filter(decision: Any) -> str:
    """:func:`order_kind`, marked ``lang="ja"`` when it stays Japanese on another page."""
    kind = order_kind(decision)
    if needs_japanese_mark(kind):
        return format_html('<span lang="ja">{}</span>', kind)
    return format_html("{}", kind)


@register.filter
def order_kind_text(decision: Any) -> str:
    """:func:`order_kind` as plain text (feeds, e-mails)."""
    return order_kind(decision)
