from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kanmin.core import staff_actions
from kanmin.core.tenancy import single_tenant_code, tenant_reverse


def tenant(request: HttpRequest) -> dict[str, Any]:
    municipality = getattr(request, "municipality", None)
    user = getattr(request, "user", None)
    return {
        "municipality": municipality,
        "single_tenant": bool(single_tenant_code()),
        # The header's link to what a signed-in member of staff can do here.
        "staff_home_url": tenant_reverse("core:staff_home", municipality)
        if municipality is not None and staff_actions.is_staff(user, municipality)
        else "",
    }
