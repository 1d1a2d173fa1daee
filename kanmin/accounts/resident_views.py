"""The residents' registration pages (see :mod:`kanmin.accounts.resident_services`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse_lazy
from django.utils.translation import gettext as _

from kanmin.accounts import resident_forms
from kanmin.accounts import resident_services as residents
from kanmin.core.errors import KanminError
from kanmin.core.models import Municipality
from kanmin.core.tenancy import tenant_reverse


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _client(request: HttpRequest) -> str:
    return str(getattr(request, "axes_ip_address", "") or request.META.get("REMOTE_ADDR", ""))


def _my_page(municipality: Municipality) -> str:
    """The resident's page in the municipality (the procedures app's), or the account page."""
    try:
        return tenant_reverse("procedures:my_home", municipality)
    except NoReverseMatch:
        return ""


def register(request: HttpRequest) -> HttpResponse:
    initial = {}
    code = request.GET.get("municipality", "")
    chosen = Municipality.objects.filter(lg_code=code, is_active=True).first() if code else None
    if chosen is not None:
        initial["municipality"] = chosen.pk
    form = resident_forms.RegisterForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                residents.registration_start(
                    email=form.cleaned_data["email"],
                    municipality=form.cleaned_data["municipality"],
                    base_url=_base_url(request),
                    client=_client(request),
                )
            except KanminError as exc:
                exc.add_to_form(form)
                status = 429 if exc.code == "rate_limited" else 422
            else:
                return render(
                    request,
                    "accounts/register_sent.html",
                    {
                        "email": residents.normalize_email(form.cleaned_data["email"]),
                        "hours": residents.LINK_HOURS,
                    },
                )
        else:
            status = 422
    return render(
        request, "accounts/register.html", {"form": form, "chosen": chosen}, status=status
    )


def register_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        registration = residents.registration_check(token)
    except KanminError as exc:
        return render(
            request,
            "accounts/register_invalid.html",
            {"error": exc.message, "code": exc.code},
            status=410 if exc.code in ("expired", "used") else 400,
        )
    form = resident_forms.PasswordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = residents.registration_complete(
                    token=token, password=form.cleaned_data["password1"]
                )
            except KanminError as exc:
                exc.add_to_form(form)
            else:
                login(request, user, backend="kanmin.accounts.backends.MembershipBackend")
                return redirect(_my_page(registration.municipality) or "accounts:home")
        status = 422
    return render(
        request,
        "accounts/register_confirm.html",
        {"form": form, "registration": registration},
        status=status,
    )


# --- residents reset a forgotten password: Django's views, our templates and limits ---
class PasswordReset(auth_views.PasswordResetView):
    """Ask for a reset link. The page after it says the same whether or not the address has
    an account; a link goes only to residents' accounts. Requests are limited per address and
    per network address (:func:`resident_services.password_reset_allowed`)."""

    form_class = resident_forms.ResidentPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        if not residents.password_reset_allowed(
            email=form.cleaned_data["email"], client=_client(self.request)
        ):
            form.add_error(
                "email",
                _(
                    "Too many password-reset e-mails were asked for in the last hour. Wait an "
                    "hour, then try again; check your spam folder for the e-mails already sent."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=422)


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "hours": _reset_hours()}


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=422)


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _reset_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
