"""Template filters of the disaster pages: an order's name and a reading in the page's
language."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import pgettext_lazy

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


# Units written as Japanese counters, with their names on pages in other languages (the msgid
# is English, the Japanese translation is the counter itself). Others (m, mm, %, ℃) are shown
# as written.
UNITS: dict[str, Any] = {
    "回": pgettext_lazy("reading unit", "times"),
    "件": pgettext_lazy("reading unit", "items"),
    "頭": pgettext_lazy("reading unit", "animals"),
    "匹": pgettext_lazy("reading unit", "animals (small)"),
    "人": pgettext_lazy("reading unit", "people"),
    "度": pgettext_lazy("reading unit", "degrees"),
    "％": "%",
}


def number_text(value: Any, unit: str = "") -> str:
    """A reading's value as people write it: no trailing zeros (23.6, not 23.600), except
    water levels in metres, given to the centimetre as river offices publish them (0.81 m,
    1.50 m)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    number = Decimal(0) if number == 0 else number.normalize()
    if unit.strip() == "m" and number.as_tuple().exponent > -2:  # type: ignore[operator]
        number = number.quantize(Decimal("0.01"))
    return format(number, "f")


def unit_text(unit: Any) -> str:
    """The unit in the page's language (回 → times on an English page)."""
    unit = str(unit or "").strip()
    known = UNITS.get(unit)
    return str(known) if known is not None else unit


@register.filter
def reading_text(value: Any, unit: Any = "") -> str:
    """``{{ value|reading_text:station.unit }}``: 0.81 m, 23.6 %, 0 times (plain text)."""
    unit = str(unit or "")
    number = number_text(value, unit)
    name = unit_text(unit)
    return f"{number} {name}".strip() if number else ""


@register.filter
def reading(value: Any, unit: Any = "") -> SafeString:
    """:func:`reading_text` for pages: a unit that stays Japanese on another page is marked
    ``lang="ja"``."""
    unit = str(unit or "")
    number = number_text(value, unit)
    if not number:
        return format_html("")
    name = unit_text(unit)
    if needs_japanese_mark(name):
        return format_html('{} <span lang="ja">{}</span>', number, name)
    return format_html("{} {}", number, name) if name else format_html("{}", number)


@register.filter
def reading_number(value: Any, unit: Any = "") -> str:
    """Only the number of :func:`reading_text` (for sentences that place the unit)."""
    return number_text(value, str(unit or ""))


@register.filter
def reading_unit(unit: Any) -> str:
    """Only the unit of :func:`reading_text`."""
    return unit_text(unit)
