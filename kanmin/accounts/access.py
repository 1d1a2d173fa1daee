"""Who may open a staff page (disaster headquarters, procedures, …), answered one way on every one.

Someone signed in with no role in the municipality of the address gets the 404 page, as for
anything of another tenant: another municipality's staff cannot tell which stations, decisions,
rules or shelters exist here. A member of this municipality without the permission (a resident,
another department) gets the 403 page. Anonymous visitors are sent to sign in first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_view

View = Callable[..., HttpResponse]


def refusal(request: HttpRequest, permission: str) -> HttpResponse | None:
    """None when the signed-in user holds ``permission`` in the request's municipality; the
    403 page for a member without it; Http404 for anyone with no role here."""
    municipality = request.municipality  # type: ignore[attr-defined]
    if allowed(request.user, permission, municipality):
        return None
    if not accounts_selectors.roles_of(user=request.user, municipality=municipality):
        raise Http404
    return render(request, "403.html", status=403)


def operator_page(
    permission: str, *, methods: Sequence[str] | None = ("GET",)
) -> Callable[[View], View]:
    """A page for those who hold ``permission`` in the municipality: sign-in first, then the
    methods (any when None), then :func:`refusal`."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            denied = refusal(request, permission)
            if denied is not None:
                return denied
            return view(request, *args, **kwargs)

        guarded = require_http_methods(list(methods))(checked) if methods else checked
        return tenant_view(login_required(guarded))

    return decorate
