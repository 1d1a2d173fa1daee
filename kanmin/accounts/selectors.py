from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanmin.accounts.models import ApiToken, Membership, User
from kanmin.accounts.roles import PLATFORM_ADMIN
from kanmin.core.errors import Conflict, NotFound
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


def user_get(*, username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise NotFound(
            _("No user named %(name)s. User names are case-sensitive.") % {"name": username}
        ) from None


def api_token_list(
    *, municipality: Municipality | None, user: User | None = None
) -> QuerySet[ApiToken]:
    """API tokens of a municipality (of every one for None: the operator's ``kanmin token
    list``), optionally of one user, newest first. Only digests are kept: no secret is listed."""
    tokens = ApiToken.objects.select_related("user", "municipality").order_by("-created_at", "-pk")
    if municipality is not None:
        tokens = tokens.filter(municipality=municipality)
    if user is not None:
        tokens = tokens.filter(user=user)
    return tokens


def api_token_get(*, municipality: Municipality | None, key: str) -> ApiToken:
    """The token named by its number (as ``kanmin token list`` shows it), the first characters
    of its secret (its prefix, at least 6) or the whole secret."""
    key = key.strip()
    tokens = api_token_list(municipality=municipality)
    if key.isdigit():
        found = tokens.filter(pk=int(key))
    elif key.startswith("kanmin_"):
        found = tokens.filter(digest=ApiToken.digest_of(key))
    elif len(key) >= 6:
        found = tokens.filter(Q(prefix__startswith=key))
    else:
        found = tokens.none()
    matches = list(found[:2])
    if not matches:
        raise NotFound(
            _("No API token %(key)s. Give its number or prefix as `kanmin token list` shows them.")
            % {"key": key}
        )
    if len(matches) > 1:
        raise Conflict(
            _("Several API tokens start with %(key)s: give the token's number instead.")
            % {"key": key},
            code="ambiguous",
        )
    return matches[0]
