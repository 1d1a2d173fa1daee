"""``core.forms.submit`` and ``perform``: the one way a view runs a service and shows its error."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.core.forms import error_status, perform, submit


class NameForm(forms.Form):
    name = forms.CharField()


def _request():  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _raise(exc: Exception):  # type: ignore[no-untyped-def]
    def write() -> None:
        raise exc

    return write


def test_submit_shows_field_errors_and_the_status_of_the_error() -> None:
    form = NameForm({"name": "x"})
    assert submit(form, _raise(Invalid(fields={"name": ["Too short."]}))) is None
    assert form.errors["name"] == ["Too short."] and error_status(form) == 422
    form = NameForm({"name": "x"})
    assert submit(form, _raise(Conflict("Changed meanwhile."))) is None
    assert form.non_field_errors() == ["Changed meanwhile."] and error_status(form) == 409
    invalid = NameForm({})
    assert submit(invalid, lambda: pytest.fail("not run")) is None
    assert error_status(invalid) == 422
    assert submit(NameForm({"name": "x"}), lambda: 7) == 7


@pytest.mark.parametrize("exc", [PermissionDenied(), NotFound()])
def test_refusals_go_on_to_the_error_pages(exc: Exception) -> None:
    with pytest.raises(type(exc)):
        submit(NameForm({"name": "x"}), _raise(exc))
    with pytest.raises(type(exc)):
        perform(_request(), _raise(exc))


def test_submit_passes_the_errors_a_caller_shows_itself() -> None:
    form = NameForm({"name": "x"})
    with pytest.raises(Conflict):
        submit(form, _raise(Conflict("in use")), passes=(Conflict,))
    assert not form.errors


def test_perform_shows_the_message_or_else_the_field_messages() -> None:
    request = _request()
    assert perform(request, _raise(Conflict("Ticket 3 moved."))) is None
    assert perform(request, _raise(Invalid(fields={"desk": ["Enter the desk."]}))) is None
    assert perform(request, lambda: "done") == "done"
    assert [str(m) for m in get_messages(request)] == ["Ticket 3 moved.", "Enter the desk."]
    shown: list[str] = []
    perform(request, _raise(Invalid("Fix it.", fields={"x": ["a"]})), show=shown.append)
    assert shown == ["Fix it."]
