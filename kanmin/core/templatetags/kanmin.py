from __future__ import annotations

from typing import Any

from django import template

from kanmin.core.tenancy import tenant_reverse

register = template.Library()


@register.simple_tag
def tenant_url(viewname: str, municipality: Any, **kwargs: Any) -> str:
    """``{% tenant_url "core:home" municipality %}``: a URL inside a municipality's pages."""
    return tenant_reverse(viewname, municipality, kwargs)


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
