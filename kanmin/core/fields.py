"""Model fields for personal data: encrypted at rest, never holding a My Number."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kanmin.core import crypto
from kanmin.core.errors import Invalid
from kanmin.core.mynumber import find_my_numbers


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; the database and backups never see the plaintext.

    Serialization (dumpdata, backups) writes the token; loading accepts a token or plaintext.
    Values cannot be filtered or ordered on in the database.
    """

    personal = True

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if crypto.is_token(value):
            return value
        if find_my_numbers(value):
            raise Invalid(
                _("A My Number (個人番号) must never be stored. Remove it and try again."),
                code="my_number",
                fields={self.name: [_("This looks like a My Number (個人番号).")]},
            )
        return crypto.encrypt(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value) if crypto.is_token(value) else value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and crypto.is_token(value):
            return crypto.decrypt(value)
        return super().to_python(value)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        if value in (None, ""):
            return value or ""
        return crypto.encrypt(value)


def personal_field_names(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields() if getattr(f, "personal", False)}
