"""Turn Kanmin's errors raised in HTML views into the site's 403 and 404 pages, give every
error of the REST API the one body ``{code, message, fields}``, and refuse NUL characters in
addresses before they reach the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kanmin.core.errors import Invalid, NotFound, PermissionDenied, status_error

NUL = "\x00"


def contains_nul(value: Any) -> bool:
    """Whether a string anywhere in ``value`` (a parsed JSON document, a query's values) holds
    a NUL character, which no text column stores (PostgreSQL refuses it outright)."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


def nul_message() -> str:
    return _("A value contains a NUL character (0x00), which Kanmin does not accept.")


class NulQueryMiddleware:
    """A query string with a NUL character (``%00``) is refused before any view reads it: the
    REST API answers 422 naming the parameter, a page answers 400. PostgreSQL cannot compare
    a text column with such a value, so it would otherwise end as a server error. The CKAN
    action API checks its own data and answers as CKAN does."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" not in request.META.get("QUERY_STRING", "") or "/api/3/" in request.path_info:
            return self.get_response(request)
        names = [key for key, values in request.GET.lists() if contains_nul([key, *values])]
        if not names:
            return self.get_response(request)
        if request.path_info.startswith(ApiErrorBodyMiddleware.prefix):
            error = Invalid(fields={name.replace(NUL, "\ufffd"): [nul_message()] for name in names})
            return JsonResponse(error.as_dict(), status=error.status)
        return HttpResponseBadRequest(nul_message(), content_type="text/plain; charset=utf-8")


class KanminErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            from kanmin.core.views import not_found_response, not_found_what

            return not_found_response(
                request, what=not_found_what(exception.code), message=exception.message
            )
        if isinstance(exception, PermissionDenied):
            return render(request, "403.html", {"message": exception.message}, status=403)
        return None


class ApiErrorBodyMiddleware:
    """An error answer of the REST API (``/api/v1/``) that is not JSON — a 405 for a method the
    address does not take, a 404 for an address that does not exist, a refusal by a middleware
    or a decorator, a 500 — gets the body every REST error has, ``{code, message, fields}``,
    keeping its status and headers (Allow, Retry-After, WWW-Authenticate). Errors the API's
    own handlers answer are JSON of that shape already and pass unchanged.

    Comes after ``LocaleMiddleware`` (the message is in the request's language) and before
    the middleware whose answers it rewrites."""

    prefix = "/api/v1/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(self.prefix)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        error = status_error(response.status_code)
        answer = JsonResponse(error.as_dict(), status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
            if header in response:
                answer[header] = response[header]
        return answer
