"""What the three ``kanmin token`` commands share: the language option and the look-ups that
turn what an operator typed into rows, with errors that say what is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone, translation

from kanmin.accounts import selectors
from kanmin.accounts.models import User
from kanmin.core import selectors as core_selectors
from kanmin.core.errors import KanminError
from kanmin.core.lg_code import LgCodeError, validate_lg_code
from kanmin.core.models import Municipality


def add_lang(parser: CommandParser) -> None:
    parser.add_argument(
        "--lang", choices=("ja", "en"), default="ja", help="language of messages (default ja)"
    )


@contextmanager
def speaking(options: dict[str, Any]) -> Iterator[None]:
    """Messages in the chosen language; a Kanmin error becomes a CommandError (exit status 1)."""
    with translation.override(options["lang"]):
        try:
            yield
        except KanminError as exc:
            raise CommandError(error_text(exc)) from None


def error_text(exc: KanminError) -> str:
    details = [str(m) for messages in exc.fields.values() for m in messages]
    return str(exc.message) if str(exc.message) in details or not details else "; ".join(details)


def municipality(code: str, lang: str) -> Municipality:
    try:
        normalised = validate_lg_code(code)
    except LgCodeError as exc:
        raise CommandError(exc.message_en if lang == "en" else exc.message_ja) from None
    return core_selectors.municipality_get(lg_code=normalised)


def municipality_option(options: dict[str, Any]) -> Municipality | None:
    """The municipality of ``--municipality``, or None when it was not given."""
    code = options["municipality"]
    return municipality(code, options["lang"]) if code else None


def user(username: str) -> User:
    return selectors.user_get(username=username)


def when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
