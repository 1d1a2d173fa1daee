from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from kanmin.core.language import needs_japanese_mark
from kanmin.core.tenancy import tenant_reverse

register = template.Library()


@register.simple_tag
def tenant_url(viewname: str, municipality: Any, **kwargs: Any) -> str:
    """``{% tenant_url "core:home" municipality %}``: a URL inside a municipality's pages."""
    return tenant_reverse(viewname, municipality, kwargs)


@register.filter
def kpi_unit(unit: Any) -> str:
    """A KPI unit in the page's language: 回 → times on an English page (as written when it
    is not a known counter)."""
    from kanmin.core.units import unit_name

    return unit_name(str(unit or ""))[0]


@register.filter
def fiscal_year_label(fiscal_year: Any) -> str:
    """A :class:`~kanmin.core.fiscal_year.FiscalYear` as 令和8年度, or FY2026 on an English
    page."""
    return str(fiscal_year.label())


@register.filter
def wareki(value: Any) -> str:
    """A date (or datetime, in local time) as ISO with its 和暦: 2026-11-26（令和8年11月26日）."""
    import datetime as dt

    from django.utils import timezone
    from django.utils.translation import get_language

    from kanmin.core.wareki import format_date

    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if (get_language() or "ja").startswith("en"):
        return value.isoformat()
    return f"{value.isoformat()}（{format_date(value)}）"


# --------------------------------------------------------------------------------------------
# Content that exists only in Japanese, on pages in another language
# --------------------------------------------------------------------------------------------

_NOTICE_KEY = "_kanmin_japanese_only"


@register.simple_tag(takes_context=True)
def lang_ja(context: template.Context, text: Any, english: Any = "") -> str:
    """`` lang="ja"`` for an element whose text is Japanese on a page in another language
    (no English version was entered): ``<a{% lang_ja d.title_ja d.title_en %}>``. Nothing on
    Japanese pages, when an English version exists or when the text has no Japanese in it.
    The page then says once, at the top, that some content is only available in Japanese
    (``{% japanese_only_notice %}`` in base.html)."""
    from django.utils.safestring import mark_safe

    if not needs_japanese_mark(text, english):
        return ""
    flags = context.get(_NOTICE_KEY)
    if isinstance(flags, list):
        flags.append(True)
    return mark_safe(' lang="ja"')


@register.simple_tag
def list_separator() -> str:
    """The separator of a list in the page's language: 、 in Japanese, a comma in English."""
    from django.utils.translation import pgettext

    return pgettext("list separator", ", ")


class JapaneseOnlyNoticeNode(template.Node):
    """Renders its content first, then puts before it a notice that some content is only
    available in Japanese when the content marked any (see :func:`lang_ja`; on a page in
    another language, any element marked ``lang="ja"`` counts). The one notice of every page:
    apps need no notice of their own."""

    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        from django.template.loader import render_to_string

        flags: list[bool] = []
        with context.push({_NOTICE_KEY: flags}):
            content = self.nodelist.render(context)
        # Marked by {% lang_ja %}, or by any app's own lang="ja" marks on an English page.
        english = not (translation.get_language() or "ja").startswith("ja")
        marked_elsewhere = english and 'lang="ja"' in content
        if not flags and not marked_elsewhere:
            return content
        notice = render_to_string("japanese_only_notice.html")
        return notice + content


@register.tag
def japanese_only_notice(parser: Any, token: Any) -> JapaneseOnlyNoticeNode:
    """``{% japanese_only_notice %}…{% end_japanese_only_notice %}``."""
    nodelist = parser.parse(("end_japanese_only_notice",))
    parser.delete_first_token()
    return JapaneseOnlyNoticeNode(nodelist)
