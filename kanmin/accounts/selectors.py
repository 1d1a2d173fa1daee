from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.db.models import Max, Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanmin.accounts.backends import MembershipBackend
from kanmin.accounts.models import ApiToken, Membership, User
from kanmin.accounts.roles import DISASTER_OPERATOR as DISASTER_OPERATOR
from kanmin.accounts.roles import MUNICIPALITY_ADMIN, PLATFORM_ADMIN, ROLES
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


def municipality_ids_with(*, user: Any, perm: str) -> list[int] | None:
    """The municipalities where the user holds ``perm`` through a role; None means all of them
    (a platform administrator's)."""
    return MembershipBackend().municipality_ids_with(user, perm)


def municipality_filter(user: Any, perm: str, field: str = "municipality") -> Q:
    """A Q object restricting a queryset to the municipalities where ``user`` holds ``perm``."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    ids = municipality_ids_with(user=user, perm=perm)
    if ids is None:
        return Q()
    return Q(**{f"{field}__in": ids})


def token_municipality(*, auth: Any) -> Municipality | None:
    """The municipality of the API token a request was authenticated with (``request.auth``);
    None for a session or an anonymous request."""
    return auth.municipality if isinstance(auth, ApiToken) else None


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


@dataclass(frozen=True)
class SignInLimit:
    """Where an account and address stand against the lock-out (django-axes's settings)."""

    failures: int
    limit: int
    cool_off: timedelta | None
    retry_at: datetime | None

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.failures)

    @property
    def locked(self) -> bool:
        return self.remaining == 0

    @property
    def lockout_minutes(self) -> int:
        """How long a lock-out lasts, in whole minutes."""
        return math.ceil(self.cool_off.total_seconds() / 60) if self.cool_off else 0

    def minutes_left(self, now: datetime | None = None) -> int:
        """Whole minutes until signing in works again (at least 1 while locked)."""
        if self.retry_at is None:
            return 0
        seconds = (self.retry_at - (now or timezone.now())).total_seconds()
        return max(1, math.ceil(seconds / 60))


def sign_in_limit(*, request: HttpRequest, username: str) -> SignInLimit:
    """The failed sign-ins django-axes counts for this user name from this request's address,
    and when a lock-out ends. Call after django-axes has seen the request (authenticate)."""
    credentials = {"username": username}
    handler = AxesProxyHandler.get_implementation()
    failures = 0
    latest: datetime | None = None
    for attempts in handler.get_user_attempts(request, credentials):
        summary = attempts.aggregate(
            failures=Sum("failures_since_start"), latest=Max("attempt_time")
        )
        if (summary["failures"] or 0) >= failures:
            failures = summary["failures"] or 0
            latest = summary["latest"] or latest
    cool_off = get_cool_off(request)
    retry_at = latest + cool_off if latest is not None and cool_off is not None else None
    return SignInLimit(
        failures=failures,
        limit=get_failure_limit(request, credentials),
        cool_off=cool_off,
        retry_at=retry_at,
    )


def token_digest(secret: str) -> str:
    """The digest under which a token secret is kept (API tokens, and other apps' device tokens)."""
    return ApiToken.digest_of(secret)


def emails_with_role(*, municipality: Municipality, role: str) -> list[str]:
    """The e-mail addresses of the active users holding ``role`` in the municipality.

    Other apps name the role by the constant exported here (``DISASTER_OPERATOR``), never by
    its slug: they may not import ``accounts.roles`` (the faces contract)."""
    users = User.objects.filter(
        is_active=True, memberships__municipality=municipality, memberships__role=role
    ).exclude(email="")
    return sorted({u.email for u in users})


# --- notices: residents (the citizen role) for the procedures' notices and consultations ---
CITIZEN = "citizen"  # the residents' role, named here so other apps need not import roles
_ADMIN_PERM = "accounts.add_membership"  # administrators act for every department


def is_member(*, user: Any, municipality: Municipality) -> bool:
    """Whether the user holds any role in the municipality (platform administrators do)."""
    return bool(roles_of(user=user, municipality=municipality))


def member_by_email(*, municipality: Municipality, email: str) -> User:
    """The active user with exactly this e-mail address (case aside) who holds a role in the
    municipality: a resident's account, for staff who send a notice."""
    address = email.strip()
    users = list(
        User.objects.filter(
            is_active=True, email__iexact=address, memberships__municipality=municipality
        ).distinct()[:2]
    )
    if len(users) != 1 or not address:
        raise NotFound(
            _(
                "No resident registered with %(municipality)s has the e-mail address "
                "%(email)s. Check the address, or ask the resident to register."
            )
            % {"municipality": municipality.display_name, "email": address}
        )
    return users[0]


def acting_department_ids(*, user: Any, municipality: Municipality) -> set[int] | None:
    """The departments a member of staff acts for in the municipality (their memberships'
    departments); None means every department (administrators, platform administrators)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_active and user.has_perm(_ADMIN_PERM, municipality):
        return None
    return department_ids_of(user=user, municipality=municipality)


def emails_of_department(*, municipality: Municipality, department_id: int) -> list[str]:
    """The e-mail addresses of the active staff who work in a department of the municipality."""
    users = (
        User.objects.filter(
            is_active=True,
            memberships__municipality=municipality,
            memberships__department_id=department_id,
        )
        .exclude(memberships__role=CITIZEN)
        .exclude(email="")
    )
    return sorted({u.email for u in users})


# --------------------------------------------------------------------------------------------
# CKAN capacities (the CKAN API's users, members and organizations of a user; issue 18)
# --------------------------------------------------------------------------------------------

CAPACITY_RANK = {"member": 1, "editor": 2, "admin": 3}
_CKAN_EDITOR_ROLES = frozenset(r.slug for r in ROLES if "catalog.add_dataset" in r.permissions)
_STAFF_ROLES = frozenset(r.slug for r in ROLES if r.staff)


def ckan_capacity(
    role: str, department_id: int | None, organization_department_id: Any
) -> str | None:
    """The CKAN capacity a membership (role, department) gives in an organization of its
    municipality (whose department is ``organization_department_id``): municipality
    administrators are ``admin`` of every organization, roles that manage the catalog
    (``catalog.add_dataset``: data stewards) ``editor``, other staff ``member`` of the
    organizations of their department; None for no capacity."""
    if role == MUNICIPALITY_ADMIN:
        return "admin"
    if role in _CKAN_EDITOR_ROLES:
        return "editor"
    if role in _STAFF_ROLES and department_id is not None:
        if department_id == organization_department_id:
            return "member"
    return None


def is_platform_admin(user: Any) -> bool:
    """CKAN's sysadmin: an active platform administrator (or Django superuser)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or user.memberships.filter(role=PLATFORM_ADMIN).exists())
    )


def memberships_of(*, user: Any) -> list[tuple[str, int | None, int]]:
    """(role, department id, municipality id) of a user's roles in municipalities."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return list(
        Membership.objects.filter(user=user, municipality__isnull=False).values_list(
            "role", "department_id", "municipality_id"
        )
    )


def members_of(*, municipality_id: int) -> list[tuple[User, str, int | None]]:
    """(user, role, department id) of the roles active users hold in a municipality."""
    rows = Membership.objects.filter(
        municipality_id=municipality_id, user__is_active=True
    ).select_related("user")
    return [(m.user, m.role, m.department_id) for m in rows]


def staff_of(*, municipality_id: int) -> list[tuple[User, int | None]]:
    """(user, department id) of the municipality's active staff, each once (with a department
    when one of their staff roles has one), by user name."""
    found: dict[int, tuple[User, int | None]] = {}
    for user, role, department_id in members_of(municipality_id=municipality_id):
        if role not in _STAFF_ROLES:
            continue
        if user.pk not in found or (found[user.pk][1] is None and department_id is not None):
            found[user.pk] = (user, department_id)
    return sorted(found.values(), key=lambda pair: pair[0].username)


def is_staff_of(*, user: Any, municipality_id: int) -> bool:
    """Whether a user is staff of the municipality, or a platform administrator."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_platform_admin(user):
        return True
    return Membership.objects.filter(
        user=user, municipality_id=municipality_id, role__in=_STAFF_ROLES
    ).exists()


def visible_users(*, viewer: Any, municipality: Municipality | None) -> QuerySet[User]:
    """The active users ``viewer`` may see: themselves, and the staff of the municipalities
    where they are staff (in ``municipality`` only, when given); platform administrators see
    everyone."""
    users = User.objects.filter(is_active=True)
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return users.none()
    if is_platform_admin(viewer):
        if municipality is None:
            return users
        there = Membership.objects.filter(municipality=municipality).values("user_id")
        return users.filter(pk__in=there)
    where = Membership.objects.filter(user=viewer, role__in=_STAFF_ROLES).values("municipality_id")
    if municipality is not None:
        where = where.filter(municipality=municipality)
    # Staff see the staff of their municipalities; residents' accounts are not theirs to list.
    colleagues = Membership.objects.filter(municipality_id__in=where, role__in=_STAFF_ROLES).values(
        "user_id"
    )
    return users.filter(Q(pk=viewer.pk) | Q(pk__in=colleagues))


def visible_user_get(*, viewer: Any, municipality: Municipality | None, key: str) -> User | None:
    """A user ``viewer`` may see, by public id (UUID) or user name; None when there is none."""
    users = visible_users(viewer=viewer, municipality=municipality)
    try:
        return users.filter(uuid=uuid.UUID(key)).first()
    except ValueError:
        return users.filter(username=key).first()
