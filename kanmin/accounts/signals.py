"""Sign-in events reach the audit log from wherever they happen (the sign-in page, the admin
site, any ``login()``): Django's and django-axes's signals, each handed to a service."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from kanmin.accounts import services

# Set by the sign-in form on the credentials of a failure it reports itself (a wrong one-time
# code after a right password), so the audit entry says which factor failed.
REASON_KEY = "kanmin_reason"


def _newly_locked(request: HttpRequest | None) -> bool:
    """django-axes counts this request's failure only when the account was not locked yet."""
    return getattr(request, "axes_failures_since_start", None) is not None


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.sign_in_succeeded(actor=user, request=request)


def on_user_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Runs after django-axes has counted the failure (its receiver is connected first), so
    the request says whether this failure locked the account and address."""
    username = str(credentials.get("username") or "")
    locked = bool(getattr(request, "axes_locked_out", False))
    reason = str(credentials.get(REASON_KEY) or "password")
    if locked and not _newly_locked(request):
        reason = "locked_out"
    # Nobody is signed in yet: the attempt is anonymous, whatever name was typed.
    services.sign_in_failed(
        actor=AnonymousUser(), request=request, username=username, reason=reason
    )
    if locked and _newly_locked(request):
        cool_off = get_cool_off(request)
        minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
        services.sign_in_locked_out(
            actor=AnonymousUser(), request=request, username=username, minutes=minutes
        )
