"""Turn Kanmin's errors raised in HTML views into the site's 403 and 404 pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kanmin.core.errors import NotFound, PermissionDenied


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
