from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kanmin.core.tenancy import single_tenant_code


def tenant(request: HttpRequest) -> dict[str, Any]:
    return {
        "municipality": getattr(request, "municipality", None),
        "single_tenant": bool(single_tenant_code()),
    }
