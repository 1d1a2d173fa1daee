"""Which municipality a request is for: from the /m/<code>/ prefix or the single-tenant setting."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kanmin.core.errors import PageNotFound
from kanmin.core.permissions import allowed

if TYPE_CHECKING:
    from kanmin.core.models import Municipality

_current: ContextVar[int | None] = ContextVar("kanmin_municipality_id", default=None)


def current_municipality_id() -> int | None:
    return _current.get()


@contextmanager
def activate(municipality: Municipality | None) -> Iterator[None]:
    """Scope tenant-owned default querysets to one municipality for the block."""
    token = _current.set(municipality.pk if municipality is not None else None)
    try:
        yield
    finally:
        _current.reset(token)


def single_tenant_code() -> str:
    return str(getattr(settings, "KANMIN_SINGLE_TENANT", "") or "")


def tenant_reverse(
    viewname: str, municipality: Municipality | str, kwargs: dict[str, Any] | None = None
) -> str:
    """Reverse a URL inside a municipality's part of the site (given as the model or its
    全国地方公共団体コード), with or without the prefix."""
    kwargs = dict(kwargs or {})
    if not single_tenant_code():
        kwargs["lg_code"] = municipality if isinstance(municipality, str) else municipality.lg_code
    return reverse(viewname, kwargs=kwargs)


def _lookup(code: str) -> Municipality:
    from kanmin.core.models import Municipality

    try:
        return Municipality.objects.get(lg_code=code, is_active=True)
    except Municipality.DoesNotExist:
        raise PageNotFound(
            _("No municipality with the code %(code)s is served here.") % {"code": code},
            what="municipality",
            name=code,
        ) from None


class TenantMiddleware:
    """Set ``request.municipality`` and scope tenant querysets for the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.municipality = None  # type: ignore[attr-defined]
        # Reset after the whole response, template rendering included, not just the view.
        token = _current.set(None)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not getattr(view_func, "tenant_view", False):
            return None  # e.g. the REST API, which takes lg_code as its own path parameter
        code = view_kwargs.pop("lg_code", None) or single_tenant_code()
        if not code:
            return None
        municipality = _lookup(code)
        request.municipality = municipality  # type: ignore[attr-defined]
        _current.set(municipality.pk)
        return None


def tenant_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view as belonging to a municipality's part of the site."""
    view.tenant_view = True  # type: ignore[attr-defined]
    return view


View = Callable[..., HttpResponse]


def staff_view(permission: str, *, methods: Sequence[str] | None = None) -> Callable[[View], View]:
    """A page of the municipality's staff: a sign-in first, then only ``methods`` (if given),
    then the 403 page for anyone who does not hold ``permission`` in the municipality."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            municipality = request.municipality  # type: ignore[attr-defined]
            if not allowed(request.user, permission, municipality):
                return render(request, "403.html", status=403)
            return view(request, *args, **kwargs)

        guarded = require_http_methods(list(methods))(checked) if methods else checked
        return tenant_view(login_required(guarded))

    return decorate
