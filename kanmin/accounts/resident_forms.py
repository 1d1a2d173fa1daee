"""The forms of the residents' registration (see :mod:`kanmin.accounts.resident_services`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kanmin.core.models import Municipality


def _choice(form: forms.Form, name: str) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return cast(forms.ModelChoiceField, form.fields[name])  # type: ignore[type-arg]


class MunicipalityChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class RegisterForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=150,
        help_text=gettext_lazy(
            "We send a link to this address. It becomes your user name for signing in."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    municipality = MunicipalityChoice(
        label=gettext_lazy("Municipality"),
        queryset=Municipality.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Where you receive notices and ask questions."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "municipality").queryset = Municipality.objects.filter(is_active=True)


class PasswordForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        help_text=gettext_lazy("Type the same password, to be sure of it."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(password_validators_help_texts())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error(
                "password2", _("The two passwords differ. Type the same password twice.")
            )
        return data


class ResidentPasswordResetForm(PasswordResetForm):
    """Django's reset form, e-mailing a link only to residents' accounts (see
    :func:`resident_services.resettable`); the page says the same for any address."""

    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=254,
        help_text=gettext_lazy("The address you registered with (your user name)."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email: str) -> Iterator[Any]:
        from kanmin.accounts.resident_services import resettable

        return (user for user in super().get_users(email) if resettable(user))
