"""Residents register themselves: an e-mail address, a link sent to it, a password.

1. :func:`registration_start` e-mails a link to the address. The link carries the address and
   the municipality, signed with Django's ``TimestampSigner`` (salted for this use); nothing is
   stored. Sign-ups are counted per address and per network address (:data:`PER_EMAIL`,
   :data:`PER_IP` an hour); an address that already has an account gets a reminder to sign in
   instead, so the page tells nobody which addresses are registered.
2. :func:`registration_check` opens the link: refused when its signature is wrong, when it is
   older than :data:`LINK_HOURS`, or when an account with the address exists (the link has
   been used: it works once).
3. :func:`registration_complete` sets the password (the configured password rules) and creates
   the user, whose user name is the address, with the ``citizen`` role in the municipality.

Residents then sign in on the ordinary sign-in page with their address as user name. The
citizen role holds no staff permission: every staff page answers them 403.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kanmin.accounts.models import Membership, User
from kanmin.accounts.roles import CITIZEN
from kanmin.core import auditing
from kanmin.core.errors import Conflict, Invalid
from kanmin.core.models import Municipality

SALT = "kanmin.accounts.register"
LINK_HOURS = 24
PER_EMAIL = 3  # sign-ups an hour for one e-mail address
PER_IP = 20  # sign-ups an hour from one network address
WINDOW_SECONDS = 3600


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _count(key: str, limit: int) -> bool:
    """Count one more sign-up under ``key``; False once the hour's ``limit`` is passed."""
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        value = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        value = 1
    return value <= limit


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def make_token(*, email: str, municipality: Municipality) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"e": normalize_email(email), "m": municipality.lg_code}
    )


@dataclass(frozen=True)
class Registration:
    email: str
    municipality: Municipality


def _send(template: str, context: dict[str, Any], to: str) -> None:
    """The message in Japanese, then in English (the resident's language is not known yet)."""
    parts = []
    for language in ("ja", "en"):
        with translation.override(language):
            subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
            parts.append((subject, render_to_string(f"{template}_body.txt", context)))
    subject = f"{parts[0][0]} / {parts[1][0]}"
    body = parts[0][1].rstrip() + "\n\n----- English -----\n\n" + parts[1][1]
    send_mail(subject, body, None, [to])


def registration_start(
    *, email: str, municipality: Municipality, base_url: str, client: str = ""
) -> None:
    """E-mail a registration link to ``email`` (or, when it has an account, a reminder).

    ``base_url`` is the site's address (``https://host``); ``client`` the network address of
    the request, for the count per address. Invalid when the address is malformed or too
    many sign-ups were asked for it (or from the client) in the last hour."""
    from django.urls import reverse

    address = normalize_email(email)
    try:
        validate_email(address)
    except ValidationError:
        message = _("Enter an e-mail address such as taro@example.jp.")
        raise Invalid(message, code="email", fields={"email": [message]}) from None
    if not _count(f"accounts.register.email.{_digest(address)}", PER_EMAIL) or (
        client and not _count(f"accounts.register.ip.{_digest(client)}", PER_IP)
    ):
        message = _(
            "Too many registration e-mails were asked for in the last hour. Wait an hour, "
            "then try again; check your spam folder for the e-mails already sent."
        )
        raise Invalid(message, code="rate_limited", fields={"email": [message]})
    context: dict[str, Any] = {
        "municipality": municipality,
        "hours": LINK_HOURS,
        "sign_in_url": base_url + reverse("accounts:login"),
    }
    if User.objects.filter(username=address).exists():
        _send("accounts/email/register_exists", context, address)
        return
    token = make_token(email=address, municipality=municipality)
    context["link"] = base_url + reverse("accounts:register_confirm", args=[token])
    _send("accounts/email/register", context, address)


def registration_check(token: str) -> Registration:
    """What a registration link names; Invalid (code ``expired``, ``bad`` or ``used``)."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        data = signer.unsign_object(token, max_age=LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise Invalid(
            _(
                "This registration link has expired (links work for %(hours)s hours). "
                "Ask for a new one below."
            )
            % {"hours": LINK_HOURS},
            code="expired",
        ) from None
    except signing.BadSignature:
        raise Invalid(
            _("This registration link is not valid: copy the whole link from the e-mail."),
            code="bad",
        ) from None
    municipality = Municipality.objects.filter(lg_code=data.get("m"), is_active=True).first()
    if municipality is None:
        raise Invalid(_("This registration link is not valid."), code="bad")
    email = str(data.get("e", ""))
    if User.objects.filter(username=email).exists():
        raise Conflict(
            _("This registration link has been used: the account exists. Sign in instead."),
            code="used",
        )
    return Registration(email=email, municipality=municipality)


@transaction.atomic
def registration_complete(*, token: str, password: str) -> User:
    """Create the resident's account from a registration link, with the ``citizen`` role."""
    registration = registration_check(token)
    user = User(username=registration.email, email=registration.email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(fields={"password1": list(exc.messages)}) from None
    user.set_password(password)
    # Two tabs posting the same link: the second finds the user name taken.
    if User.objects.select_for_update().filter(username=registration.email).exists():
        raise Conflict(_("This registration link has been used."), code="used")
    user.save()
    Membership.objects.create(user=user, municipality=registration.municipality, role=CITIZEN)
    auditing.record(
        actor=user,
        municipality=registration.municipality,
        action="accounts.resident.register",
        target=user,
        extra={"role": CITIZEN},
    )
    return user


# --- resident password reset (Django's PasswordResetView family; see resident_views) ---
RESET_PER_EMAIL = 3  # reset e-mails an hour for one address
RESET_PER_IP = 20  # reset e-mails an hour from one network address


def password_reset_allowed(*, email: str, client: str = "") -> bool:
    """Count one more password-reset request for ``email`` (and the client's network address);
    False once an hour's limit is passed. Every address counts, whether or not it has an
    account, so that the answer tells nobody which addresses are registered."""
    address = normalize_email(email)
    return _count(f"accounts.reset.email.{_digest(address)}", RESET_PER_EMAIL) and (
        not client or _count(f"accounts.reset.ip.{_digest(client)}", RESET_PER_IP)
    )


def resettable(user: User) -> bool:
    """Whether a password-reset link may be e-mailed to ``user``: residents only (the citizen
    role and no other). Staff accounts guard more than one person's data and have two-step
    sign-in; their administrators set a new password for them."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return roles == {CITIZEN}
