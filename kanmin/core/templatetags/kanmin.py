from __future__ import annotations

from typing import Any

from django import template

from kanmin.core.tenancy import tenant_reverse

register = template.Library()


@register.simple_tag
def tenant_url(viewname: str, municipality: Any, **kwargs: Any) -> str:
    """``{% tenant_url "core:home" municipality %}``: a URL inside a municipality's pages."""
    return tenant_reverse(viewname, municipality, kwargs)
