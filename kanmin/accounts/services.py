"""Writes to users, memberships and API tokens; each writes its audit entry in its transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanmin.accounts.models import ApiToken, Membership, User
from kanmin.accounts.roles import BY_SLUG, PLATFORM_ADMIN
from kanmin.core import auditing
from kanmin.core.actions import Changed, Outcome, Unchanged, action, deleted
from kanmin.core.errors import Conflict, Invalid, PermissionDenied
from kanmin.core.models import Department, Municipality
from kanmin.core.permissions import require


def _record_for_user(
    user: User | None,
    *,
    actor: Any,
    action: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """Record an event about a person rather than a municipality's rows (sign-ins, two-step
    sign-in, passwords): one entry in each municipality where they hold a role, so each
    municipality's auditors see it; one entry without a municipality otherwise."""
    municipalities: list[Municipality | None] = []
    if user is not None:
        seen: set[int | None] = set()
        for membership in user.memberships.select_related("municipality").order_by("pk"):
            if membership.municipality_id not in seen:
                seen.add(membership.municipality_id)
                municipalities.append(membership.municipality)
    for municipality in municipalities or [None]:
        auditing.record(
            actor=actor, municipality=municipality, action=action, target=user, extra=extra
        )


def _client(request: HttpRequest | None) -> dict[str, Any]:
    """Where a request came from, as django-axes sees it (so that it matches the lock-out)."""
    if request is None:
        return {}
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")
    agent = str(request.META.get("HTTP_USER_AGENT", ""))[:200]
    return {"ip_address": address or "", "user_agent": agent}


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


# The sign-in records stay plain (not kanmin.core.actions): they are no staff write, and they
# record an event about a person in each of the person's municipalities (_record_for_user).
@transaction.atomic
def sign_in_succeeded(*, actor: User, request: HttpRequest | None) -> None:
    """Record that ``actor`` signed in (by the sign-in page, the admin site or any login())."""
    _record_for_user(actor, actor=actor, action="accounts.sign_in", extra=_client(request))


@transaction.atomic
def sign_in_failed(*, actor: Any, request: HttpRequest | None, username: str, reason: str) -> None:
    """Record a refused sign-in: ``reason`` is ``password`` (wrong user name or password),
    ``totp`` (wrong or missing one-time code) or ``locked_out`` (refused during a lock-out).
    The user name is recorded as typed; the entry goes to the user's municipalities."""
    extra = {"username": username[:150], "reason": reason, **_client(request)}
    _record_for_user(
        _user_named(username), actor=actor, action="accounts.sign_in.failed", extra=extra
    )


@transaction.atomic
def sign_in_locked_out(
    *, actor: Any, request: HttpRequest | None, username: str, minutes: int
) -> None:
    """Record that an account and address were locked out after repeated failures."""
    extra = {"username": username[:150], "minutes": minutes, **_client(request)}
    _record_for_user(_user_named(username), actor=actor, action="accounts.lockout", extra=extra)


def _forget_cached_permissions(user: User) -> None:
    for attr in ("_kanmin_memberships", "_kanmin_role_perms", "_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def _set_password(user: User, password: str, check_password: bool) -> None:
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(fields={"password": list(exc.messages)}) from None
    user.set_password(password)


@action("accounts.user.create", perm="accounts.add_membership")
def user_create(
    *,
    actor: Any,
    municipality: Municipality | None,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    check_password: bool = True,
) -> Outcome[User]:
    """Create a user. Staff of a municipality are created by its administrators."""
    if User.objects.filter(username=username).exists():
        raise Conflict(
            _("The user name %(name)s is taken.") % {"name": username},
            code="duplicate",
            fields={"username": [_("This user name is taken.")]},
        )
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name, phone=phone
    )
    _set_password(user, password, check_password)
    user.save()
    return Changed(user, after={"username": username, "email": email, "phone": phone})


# Plain: the person's own write, or an administrator's; recorded in each of their municipalities.
@transaction.atomic
def user_set_password(
    *, actor: Any, user: User, password: str, check_password: bool = True
) -> User:
    if (
        actor is not None
        and actor.pk != user.pk
        and not actor.has_perm("accounts.change_membership")
    ):
        raise PermissionDenied()
    _set_password(user, password, check_password)
    user.save(update_fields=["password"])
    _record_for_user(user, actor=actor, action="accounts.user.set_password")
    return user


@action("accounts.membership.grant", perm=None)  # the permission depends on the role
def membership_grant(
    *,
    municipality: Municipality | None,
    actor: Any,
    user: User,
    role: str,
    department: Department | None = None,
) -> Outcome[Membership]:
    if role not in BY_SLUG:
        raise Invalid(fields={"role": [_("Unknown role %(role)s.") % {"role": role}]})
    if role == PLATFORM_ADMIN:
        if municipality is not None:
            raise Invalid(
                fields={"municipality": [_("Platform administrators hold their role everywhere.")]}
            )
        require(actor, "core.add_municipality", None)
    else:
        if municipality is None:
            raise Invalid(fields={"municipality": [_("Choose the municipality.")]})
        require(actor, "accounts.add_membership", municipality)
    membership, created = Membership.objects.get_or_create(
        user=user, municipality=municipality, role=role, defaults={"department": department}
    )
    _forget_cached_permissions(user)
    if not created:
        return Unchanged(membership)
    if BY_SLUG[role].staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return Changed(membership, after={"user": user.username, "role": role})


@action("accounts.membership.revoke", perm="accounts.delete_membership")
def membership_revoke(
    *, municipality: Municipality | None, actor: Any, membership: Membership
) -> Outcome[None]:
    user = membership.user
    before = {"user": user.username, "role": membership.role}
    gone = deleted(membership)
    _forget_cached_permissions(user)
    return Changed(None, target=gone, before=before)


@action("accounts.api_token.create", perm=None)  # people create their own tokens only
def api_token_create(
    *,
    municipality: Municipality,
    actor: User | None,
    name: str,
    user: User | None = None,
    expires_at: datetime | None = None,
) -> Outcome[tuple[ApiToken, str]]:
    """Create a token in one municipality; return it and its secret (shown once).

    The token belongs to ``user``, by default the actor: people create their own tokens. Actor
    None is the system (``kanmin token create`` run by an operator on the server), which
    creates one for ``user``. ``expires_at`` None: the token does not expire.
    """
    owner = user if user is not None else actor
    if owner is None or not owner.is_authenticated:
        raise PermissionDenied()
    if actor is not None and actor.pk != owner.pk:
        raise PermissionDenied()
    if not any(
        m_id in (municipality.pk, None)
        for m_id, _role in owner.memberships.values_list("municipality_id", "role")
    ):
        if actor is not None:
            raise PermissionDenied()
        message = _(
            "%(user)s is not a member of %(municipality)s (%(code)s): grant them a role there "
            "first."
        ) % {
            "user": owner.username,
            "municipality": municipality.display_name,
            "code": municipality.lg_code,
        }
        raise Invalid(message, code="not_member", fields={"municipality": [message]})
    if expires_at is not None and expires_at <= timezone.now():
        message = _("The expiry must be in the future.")
        raise Invalid(message, fields={"expires_at": [message]})
    secret = ApiToken.new_secret()
    token = ApiToken(
        user=owner, municipality=municipality, name=name.strip() or "API", expires_at=expires_at
    )
    token.set_secret(secret)
    token.save()
    return Changed((token, secret), target=token, after={**token.as_dict(), "user": owner.username})


@action("accounts.api_token.revoke", perm=None)  # its owner, or an administrator
def api_token_revoke(
    *, municipality: Municipality, actor: User | None, token: ApiToken
) -> Outcome[ApiToken]:
    """Revoke a token. Its owner may, and an administrator of the municipality; actor None is
    the system (``kanmin token revoke``)."""
    if (
        actor is not None
        and token.user_id != actor.pk
        and not actor.has_perm("accounts.delete_membership", municipality)
    ):
        raise PermissionDenied()
    if token.revoked_at is not None:
        raise Conflict(
            _("The token %(prefix)s… was already revoked.") % {"prefix": token.prefix},
            code="revoked",
        )
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def api_token_use(*, actor: Any, token: ApiToken, request: HttpRequest | None = None) -> bool:
    """Note that ``actor`` used a token (the token's user); its first use on each (Japanese)
    calendar day is recorded in the audit log. Returns whether this use was recorded.

    The check and the update are one conditional UPDATE, so two requests arriving together
    record the day's first use once."""
    now = timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    first_today = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=day_start))
        .update(last_used_at=now)
    )
    if not first_today:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return False
    auditing.record(
        actor=actor,
        municipality=token.municipality,
        action="accounts.api_token.use",
        target=token,
        extra={**token.as_dict(), **_client(request)},
    )
    return True


# Two-step sign-in stays plain: a person's own device, recorded in each of their municipalities.
@transaction.atomic
def totp_device_start(*, actor: User) -> TOTPDevice:
    """Begin TOTP enrolment: an unconfirmed device whose key the user scans."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="TOTP", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> TOTPDevice:
    if device.user_id != actor.pk:
        raise PermissionDenied()
    if not device.verify_token(token.strip()):
        raise Invalid(
            fields={"token": [_("The code does not match. Check the time on your phone.")]}
        )
    TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _record_for_user(actor, actor=actor, action="accounts.totp.enable")
    return device


@transaction.atomic
def totp_device_remove(*, actor: User) -> None:
    TOTPDevice.objects.filter(user=actor).delete()
    _record_for_user(actor, actor=actor, action="accounts.totp.disable")


def api_token_authenticate(
    *, credential: str, request: HttpRequest | None = None, municipality_code: str | None = None
) -> ApiToken:
    """The token an API request names, its use noted (:func:`api_token_use`), for both APIs.

    ``credential`` is the header's value: the secret alone, as CKAN clients send it, or after
    a ``Bearer``/``Token`` prefix. The token must be neither revoked nor expired, its user
    active and, when ``municipality_code`` is given, its municipality that one; otherwise
    PermissionDenied (each API answers it in its own shape). There is no actor before this:
    the token's user is who acts.
    """
    value = credential.strip()
    secret = value.split(" ", 1)[1].strip() if " " in value else value
    try:
        token = ApiToken.objects.get_by_secret(secret)
    except ApiToken.DoesNotExist:
        raise PermissionDenied(code="token_invalid") from None
    if municipality_code is not None and municipality_code != token.municipality.lg_code:
        raise PermissionDenied(code="token_invalid")
    if not token.user.is_active:
        raise PermissionDenied(code="token_invalid")
    # Its first use each day goes to the audit log.
    api_token_use(actor=token.user, token=token, request=request)
    return token
