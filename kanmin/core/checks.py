"""System checks: a misconfiguration stops start-up with an id, not a user's bad day."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register

from kanmin.core import conf
from kanmin.core.lg_code import LgCodeError, validate_lg_code

MY_NUMBER_NAME = re.compile(r"(my_?number|mynumber|kojin_?bango|individual_number)", re.I)


@register(Tags.security, deploy=False)
def check_options(app_configs: Any, **kwargs: Any) -> list[Error]:
    found = [
        Error(message, hint="Run `kanmin config` to see every option with its doc.", id="core.E001")
        for message in conf.errors()
    ]
    if settings.PROFILE == "production":
        if getattr(settings, "SECRET_KEY_MISSING", False):
            found.append(
                Error(
                    "KANMIN_SECRET_KEY is not set.",
                    hint="Set it to a long random string, kept out of the repository.",
                    id="core.E002",
                )
            )
        if not settings.ENCRYPTION_KEYS:
            found.append(
                Error(
                    "KANMIN_ENCRYPTION_KEYS is not set: personal data cannot be stored.",
                    hint="Generate a key with `kanmin generate-key`.",
                    id="core.E003",
                )
            )
        if not settings.ALLOWED_HOSTS:
            found.append(
                Error(
                    "KANMIN_ALLOWED_HOSTS is empty.",
                    hint="List the host names of this deployment, comma-separated.",
                    id="core.E004",
                )
            )
    code = settings.KANMIN_SINGLE_TENANT
    if code:
        try:
            validate_lg_code(code)
        except LgCodeError as exc:
            found.append(Error(f"KANMIN_SINGLE_TENANT: {exc.message_en}", id="core.E006"))
    return found


@register(Tags.models)
def check_no_my_number_fields(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Kanmin never stores a My Number (個人番号): no model may have a field meant for one."""
    return my_number_field_errors(apps.get_models())


def my_number_field_errors(models: Any) -> list[Error]:
    found = []
    for model in models:
        for field in model._meta.get_fields():
            if MY_NUMBER_NAME.search(field.name):
                found.append(
                    Error(
                        f"{model._meta.label}.{field.name} looks like a field for a My Number.",
                        hint="Kanmin never stores a My Number (個人番号). Remove the field.",
                        obj=model,
                        id="core.E005",
                    )
                )
    return found
