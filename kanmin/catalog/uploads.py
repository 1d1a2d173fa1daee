"""Rules for uploaded files that pages, the CKAN API and services share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kanmin.catalog import filetypes
from kanmin.catalog.models import TABULAR_EXTENSIONS
from kanmin.core.errors import Invalid


def upload_limit() -> int:
    """The largest file a user may upload, in bytes (0: no limit)."""
    return int(getattr(settings, "FILE_UPLOAD_MAX_BYTES", 0) or 0)


def too_large_error(size: int) -> Invalid:
    limit = upload_limit()
    return Invalid(
        _("The file is too large: %(size)s; the limit is %(limit)s.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        fields={
            "upload": [
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            ]
        },
        code="too_large",
    )


def standard_file_name(lg_code: str, standard: str, filename: str) -> str:
    """A tabular file of a standard data set is stored under the standard's file name rule,
    ``<全国地方公共団体コード>_<slug>.<ext>`` (``452025_aed.csv``); other files keep their name."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    slug = standard.split("/")[-1]
    if not slug or ext not in TABULAR_EXTENSIONS:
        return filename
    return f"{lg_code}_{slug}.{ext}"


def refuses_large_bodies(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark an upload view: :class:`UploadSizeMiddleware` refuses a POST to it whose declared
    size (Content-Length) is over the limit, before anything reads the body."""
    view.refuses_large_bodies = True  # type: ignore[attr-defined]
    return view


class UploadSizeMiddleware:
    """Refuse an oversized upload from its Content-Length header alone.

    Must come before ``CsrfViewMiddleware`` in ``MIDDLEWARE``: that middleware reads the POST
    body (looking for the CSRF token), which would parse the whole upload into temporary
    files before the view could refuse it. The page answers in the reader's language and
    links back to the form (a GET of the same address). The browser checks the file's size
    too, before sending (``catalog/upload_limit.js``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.method != "POST" or not getattr(view_func, "refuses_large_bodies", False):
            return None
        limit = upload_limit()
        if not filetypes.body_too_large(request.META, limit):
            return None
        return refused_response(request, filetypes.declared_size(request.META))


def refused_response(request: HttpRequest, size: int) -> HttpResponse:
    """The page that refuses an upload of ``size`` bytes: what, the limit, and the way back."""
    from django.shortcuts import render

    return render(
        request,
        "catalog/refused.html",
        {
            "message": too_large_error(size).message,
            "limit": upload_limit(),
            "back_url": request.path,
        },
        status=413,
    )
