from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.utils.translation import gettext_lazy as _

from kanmin.core.errors import KanminError, NotFound, PermissionDenied

T = TypeVar("T")


class DepartmentForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        help_text=_("Letters, digits and hyphens, e.g. jouhou-seisaku."),
    )
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)


def submit(form: forms.BaseForm, write: Callable[[], T]) -> T | None:
    """Run ``write``, a service call that reads ``form.cleaned_data``, when the form is valid;
    a KanminError it raises is shown on the form. The row the service wrote, or None when the
    form has errors to show.

    A refusal (PermissionDenied) or a row that is gone (NotFound) is not the form's to show: it
    goes on to ``core.middleware``, which answers with the 403 or 404 page."""
    if not form.is_valid():
        return None
    try:
        return write()
    except (PermissionDenied, NotFound):
        raise
    except KanminError as exc:
        exc.add_to_form(form)
        return None
