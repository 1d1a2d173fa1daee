"""The four errors every layer raises; the REST API and the CKAN facade map them to statuses."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class KanminError(Exception):
    status = 400
    default_code = "error"
    default_message: Any = _("The request could not be completed.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str | Promise]] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.code = code or self.default_code
        self.fields = fields or {}
        super().__init__(str(self.message))

    def add_to_form(self, form: Any) -> None:
        """Show the error on a Django form: per-field messages on their fields (or at the top
        when the form has no such field), else the message at the top."""
        for name, messages in self.fields.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, str(message))
        if not self.fields:
            form.add_error(None, str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {name: [str(m) for m in msgs] for name, msgs in self.fields.items()},
        }


class Invalid(KanminError):
    status = 422
    default_code = "invalid"
    default_message = _("Some of the values given are not valid.")


class ImportRefused(Invalid):
    """A staff import's file with problems: ``problems`` lists each (row, column, value, what
    to do); nothing was saved."""

    default_message = _(
        "Nothing was imported: fix the problems below in the file and import it again."
    )

    def __init__(self, problems: list[Any]) -> None:
        super().__init__(code="import_refused")
        self.problems = problems


class NotFound(KanminError):
    status = 404
    default_code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(KanminError):
    status = 403
    default_code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class Conflict(KanminError):
    status = 409
    default_code = "conflict"
    default_message = _("Someone else changed this in the meantime. Reload and try again.")


def full_clean(obj: Any, **kwargs: Any) -> None:
    """Run a model's ``full_clean`` and turn Django's ValidationError into ``Invalid``."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise Invalid(fields={k: list(v) for k, v in exc.message_dict.items()}) from None


class PageNotFound(Http404):
    """A web page's 404 that knows what was not found, so that the page can say so and offer
    the way on (the search for a dataset, the list of municipalities for a municipality).

    ``what``: ``municipality``, ``dataset``, ``resource``, ``measure`` or ``page``; ``name``:
    the name or code that was asked for."""

    def __init__(self, message: str | Promise = "", *, what: str = "page", name: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.what = what
        self.name = name


_STATUS_ERRORS: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _("The request could not be understood.")),
    401: (
        "not_authenticated",
        _("Give a valid API token of this municipality, or sign in."),
    ),
    403: (PermissionDenied.default_code, PermissionDenied.default_message),
    404: (NotFound.default_code, NotFound.default_message),
    405: ("method_not_allowed", _("This address does not accept this method.")),
    409: (Conflict.default_code, Conflict.default_message),
    413: ("too_large", _("The request is too large.")),
    422: (Invalid.default_code, Invalid.default_message),
    429: ("rate_limited", _("Too many requests. Wait a moment and try again.")),
}


def status_error(
    status: int, message: str | Promise | None = None, *, code: str | None = None
) -> KanminError:
    """The error for an answer that only has an HTTP status (from a middleware, a decorator or
    the REST API's framework), so that its body has the one shape ``{code, message, fields}``.
    """
    default_code, default_message = _STATUS_ERRORS.get(
        status, ("server_error" if status >= 500 else "error", KanminError.default_message)
    )
    error = KanminError(message or default_message, code=code or default_code)
    error.status = status
    return error
