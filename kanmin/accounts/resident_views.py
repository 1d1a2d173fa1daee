"""The residents' registration pages (see :mod:`kanmin.accounts.resident_services`)."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch

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
