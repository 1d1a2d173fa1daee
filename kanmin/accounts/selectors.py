from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanmin.accounts.models import Membership, User
from kanmin.accounts.roles import PLATFORM_ADMIN
from kanmin.core.models import Municipality


def municipalities_of(*, user: Any) -> QuerySet[Municipality]:
    """The municipalities where the user holds any role (all of them for platform admins)."""
    if not user.is_authenticated:
        return Municipality.objects.none()
    if user.memberships.filter(role=PLATFORM_ADMIN).exists():
        return Municipality.objects.filter(is_active=True)
    return Municipality.objects.filter(memberships__user=user, is_active=True).distinct()


def membership_list(*, municipality: Municipality) -> QuerySet[Membership]:
    return Membership.objects.filter(municipality=municipality).select_related("user", "department")


def roles_of(*, user: Any, municipality: Municipality) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(
        user.memberships.filter(municipality__in=[municipality.pk])
        .values_list("role", flat=True)
        .union(user.memberships.filter(role=PLATFORM_ADMIN).values_list("role", flat=True))
    )


def has_totp(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def department_ids_of(*, user: Any, municipality: Municipality) -> set[int]:
    """The departments a user works in within a municipality (from their memberships)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        user.memberships.filter(municipality=municipality, department__isnull=False).values_list(
            "department_id", flat=True
        )
    )
