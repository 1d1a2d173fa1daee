from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import match_token

from kanmin.accounts.selectors import has_totp, sign_in_limit
from kanmin.accounts.signals import REASON_KEY

# Say how many attempts are left once this few remain before the lock-out.
WARN_WHEN_LEFT = 2


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=8,
        help_text=_("Only if you turned on two-step sign-in."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: Any = None
        self.device: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if not username or not password:
            return data
        user = authenticate(self.request, username=username, password=password)
        if getattr(self.request, "axes_locked_out", False):
            raise forms.ValidationError(
                _("Too many failed sign-ins. Try again later or ask your administrator."),
                code="locked_out",
            )
        if user is None:
            raise forms.ValidationError(
                [
                    forms.ValidationError(
                        _("The user name or the password is wrong."), code="invalid_login"
                    ),
                    *self._attempts_left(username),
                ]
            )
        if has_totp(user=user):
            token = (data.get("otp_token") or "").strip()
            if not token:
                self.add_error(
                    "otp_token", _("Enter the six-digit code from your authenticator app.")
                )
                return data
            device = match_token(user, token)
            if device is None:
                # A wrong code counts with wrong passwords, per account and address.
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": username, REASON_KEY: "totp"},
                    request=self.request,
                )
                if getattr(self.request, "axes_locked_out", False):
                    return data  # django-axes answers with the lock-out page
                self.add_error("otp_token", _("The code is wrong or has expired."))
                for warning in self._attempts_left(username):
                    self.add_error(None, warning)
                return data
            self.device = device
        self.user = user
        return data

    def _attempts_left(self, username: str) -> list[forms.ValidationError]:
        """A warning once few attempts are left before the lock-out, with how long it lasts."""
        limit = sign_in_limit(request=self.request, username=username)
        if limit.locked or limit.remaining > WARN_WHEN_LEFT:
            return []
        return [
            forms.ValidationError(
                ngettext(
                    "%(n)s attempt left: after one more failure, signing in is locked for "
                    "%(minutes)s minutes.",
                    "%(n)s attempts left: after %(n)s more failures, signing in is locked for "
                    "%(minutes)s minutes.",
                    limit.remaining,
                )
                % {"n": limit.remaining, "minutes": limit.lockout_minutes},
                code="attempts_left",
            )
        ]


class TotpConfirmForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100)
