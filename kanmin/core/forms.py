from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from kanmin.core.errors import ImportRefused, KanminError, NotFound, PermissionDenied

T = TypeVar("T")


class DepartmentForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        help_text=_("Letters, digits and hyphens, e.g. jouhou-seisaku."),
    )
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)


def submit(
    form: forms.BaseForm,
    write: Callable[[], T],
    *,
    passes: tuple[type[KanminError], ...] = (),
) -> T | None:
    """Run ``write``, a service call that reads ``form.cleaned_data``, when the form is valid;
    a KanminError it raises is shown on the form. The row the service wrote, or None when the
    form has errors to show (:func:`error_status` gives the status to answer them with).

    A refusal (PermissionDenied) or a row that is gone (NotFound) is not the form's to show: it
    goes on to ``core.middleware``, which answers with the 403 or 404 page. So do the errors
    of the types in ``passes``, for a caller that shows them its own way."""
    if not form.is_valid():
        return None
    try:
        return write()
    except (PermissionDenied, NotFound):
        raise
    except KanminError as exc:
        if passes and isinstance(exc, passes):
            raise
        exc.add_to_form(form)
        form._kanmin_status = exc.status  # type: ignore[attr-defined]
        return None


def error_status(form: forms.BaseForm) -> int:
    """The HTTP status of a form that :func:`submit` returned None for: the service error's
    (409 for a Conflict, 422 for Invalid), or 422 when the form itself was not valid."""
    return int(getattr(form, "_kanmin_status", 422))


def perform(
    request: HttpRequest,
    write: Callable[[], T],
    *,
    show: Callable[[str], object] | None = None,
) -> T | None:
    """Run ``write``, a service call behind a button that has no fields to show errors on. A
    KanminError it raises is shown as an error message on the next page, or handed to ``show``
    for a page that shows it itself: its message, or its per-field messages when it carries no
    message of its own. What ``write`` returned, or None after an error.

    PermissionDenied and NotFound go on to ``core.middleware``, as with :func:`submit`."""
    try:
        return write()
    except (PermissionDenied, NotFound):
        raise
    except KanminError as exc:
        texts = [str(m) for msgs in exc.fields.values() for m in msgs]
        own = exc.message is not type(exc).default_message
        text = " ".join(texts) if texts and not own else str(exc.message)
        if show is None:
            messages.error(request, text)
        else:
            show(text)
        return None


def import_page(
    request: HttpRequest, form: forms.BaseForm, run: Callable[[bytes, str], Any], template: str
) -> HttpResponse:
    """A staff import's page: on POST, ``run(data, file_name)`` (a service) with the form's
    ``file``; the template gets ``form``, and ``result`` when it was imported, or ``refused``
    and its ``problems`` (422) when the file was refused."""
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        status = 422
        try:
            result = submit(
                form,
                lambda: run(form.cleaned_data["file"].read(), form.cleaned_data["file"].name),
                passes=(ImportRefused,),
            )
        except ImportRefused as exc:
            context.update({"refused": exc, "problems": exc.problems})
        else:
            if result is not None:
                status = 200
                context["result"] = result
    return render(request, template, context, status=status)
