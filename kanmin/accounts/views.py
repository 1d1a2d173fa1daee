from __future__ import annotations

from base64 import b32encode
from typing import Any, cast
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanmin.accounts import selectors, services
from kanmin.accounts.forms import SignInForm, TotpConfirmForm
from kanmin.accounts.models import User
from kanmin.core.errors import KanminError


def _user(request: HttpRequest) -> User:
    """The signed-in user of a view behind login_required."""
    return cast(User, request.user)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user, backend="kanmin.accounts.backends.MembershipBackend")
        if form.device is not None:
            otp_login(request, form.device)
        return redirect(_safe_next(request) or "accounts:home")
    status = 200
    if request.method == "POST":
        status = 429 if getattr(request, "axes_locked_out", False) else 400
    return render(
        request, "accounts/login.html", {"form": form, "next": _safe_next(request)}, status=status
    )


def locked_out(
    request: HttpRequest, response: Any = None, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes answers while an account and address are locked out: for how long
    (from django-axes's settings) and until when."""
    credentials = credentials if isinstance(credentials, dict) else {}
    username = str(credentials.get("username") or request.POST.get("username") or "")
    limit = selectors.sign_in_limit(request=request, username=username)
    retry_at = timezone.localtime(limit.retry_at) if limit.retry_at is not None else None
    return render(
        request,
        "accounts/login.html",
        {
            "form": SignInForm(request, initial={"username": username}),
            "locked_out": True,
            "lockout_minutes": limit.lockout_minutes,
            "minutes_left": limit.minutes_left(),
            "retry_at": retry_at,
            "next": _safe_next(request),
        },
        status=429,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:portal")


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    # notices: residents' municipalities lead to their own pages, not to the staff pages.
    memberships = list(_user(request).memberships.select_related("municipality"))
    resident_in = [m.municipality for m in memberships if m.role == selectors.CITIZEN]
    staff_in = {m.municipality_id for m in memberships if m.role != selectors.CITIZEN}
    return render(
        request,
        "accounts/home.html",
        {
            "resident_municipalities": resident_in,
            "municipalities": [
                m
                for m in selectors.municipalities_of(user=request.user)
                if m.pk in staff_in or None in staff_in
            ],
            "memberships": _user(request).memberships.select_related("municipality"),
            "totp_enabled": selectors.has_totp(user=_user(request)),
        },
    )


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return str(image.to_string(encoding="unicode"))


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            services.totp_device_confirm(
                actor=_user(request), device=device, token=form.cleaned_data["token"]
            )
        except KanminError as exc:
            for message in exc.fields.get("token", [exc.message]):
                form.add_error("token", str(message))
        else:
            messages.success(request, _("Two-step sign-in is on."))
            return redirect("accounts:home")
    if device is None:
        device = services.totp_device_start(actor=_user(request))
    secret = b32encode(device.bin_key).decode().rstrip("=")
    label = quote(f"Kanmin:{request.user.get_username()}")
    uri = f"otpauth://totp/{label}?secret={secret}&issuer=Kanmin&digits={device.digits}&period={device.step}"
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "secret": secret, "qr_svg": _qr_svg(uri)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def totp_disable(request: HttpRequest) -> HttpResponse:
    services.totp_device_remove(actor=_user(request))
    messages.info(request, _("Two-step sign-in is off."))
    return redirect("accounts:home")
