"""What the site header needs to know of the signed-in user beyond Django's ``user``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch

from kanmin.accounts.models import Membership
from kanmin.accounts.roles import CITIZEN
from kanmin.core.tenancy import tenant_reverse


def _my_page(municipality: Any) -> str:
    try:
        return tenant_reverse("procedures:my_home", municipality)
    except NoReverseMatch:  # the procedures app is not installed in this deployment
        return ""


def resident(request: HttpRequest) -> dict[str, Any]:
    """``my_page_url``: a resident's My page (inbox, applications, consultations), for a user
    who holds the citizen role. The municipality of the page when they are its resident, else
    the first municipality they registered with; empty for staff and for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_page_url": ""}
    citizen_of = list(
        Membership.objects.filter(user=user, role=CITIZEN, municipality__is_active=True)
        .select_related("municipality")
        .order_by("pk")
    )
    if not citizen_of:
        return {"my_page_url": ""}
    here = getattr(request, "municipality", None)
    chosen = next((m for m in citizen_of if m.municipality_id == getattr(here, "pk", None)), None)
    return {"my_page_url": _my_page((chosen or citizen_of[0]).municipality)}
