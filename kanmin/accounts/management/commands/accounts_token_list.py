"""``kanmin token list [--municipality CODE] [USERNAME] [--format text|json]``.

Lists tokens with their number, prefix, owner, municipality, dates and state; never a secret
(only digests are kept).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts import selectors
from kanmin.accounts.management import tokens
from kanmin.accounts.models import ApiToken


class Command(BaseCommand):
    help = "List API tokens (never their secrets), newest first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", default=None, help="only this user's tokens")
        parser.add_argument("--municipality", default=None, help="only this municipality's")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        tokens.add_lang(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with tokens.speaking(options):
            municipality = tokens.municipality_option(options)
            user = tokens.user(options["username"]) if options["username"] else None
            found = list(selectors.api_token_list(municipality=municipality, user=user))
            if options["format"] == "json":
                rows = [_row(token) for token in found]
                self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
                return
            if not found:
                self.stdout.write(_("No API tokens."))
                return
            header = {
                "id": _("No."),
                "prefix": _("prefix"),
                "user": _("user"),
                "municipality": _("municipality"),
                "name": _("name"),
                "created_at": _("created"),
                "expires_at": _("expires"),
                "last_used_at": _("last used"),
                "state": _("state"),
            }
            table = [header, *(_cells(token) for token in found)]
            widths = {k: max(_width(r[k]) for r in table) for k in header}
            for r in table:
                cells = [r[k] + " " * (widths[k] - _width(r[k])) for k in header]
                self.stdout.write("  ".join(cells).rstrip())


def _row(token: ApiToken) -> dict[str, Any]:
    """The token as JSON gives it: ISO 8601 times, ``state`` one of active/expired/revoked."""
    if token.revoked_at is not None:
        state = "revoked"
    elif token.is_expired:
        state = "expired"
    else:
        state = "active"
    return {
        "id": token.pk,
        "prefix": token.prefix,
        "user": token.user.username,
        "municipality": token.municipality.lg_code,
        "name": token.name,
        "created_at": _iso(token.created_at),
        "expires_at": _iso(token.expires_at),
        "last_used_at": _iso(token.last_used_at),
        "revoked_at": _iso(token.revoked_at),
        "state": state,
    }


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment is not None else None


def _cells(token: ApiToken) -> dict[str, str]:
    """The token as the table shows it, in the chosen language."""
    if token.revoked_at is not None:
        state = _("revoked %(when)s") % {"when": tokens.when(token.revoked_at)}
    elif token.is_expired:
        state = _("expired")
    else:
        state = _("active")
    return {
        "id": str(token.pk),
        "prefix": token.prefix,
        "user": token.user.username,
        "municipality": token.municipality.lg_code,
        "name": token.name,
        "created_at": tokens.when(token.created_at),
        "expires_at": tokens.when(token.expires_at),
        "last_used_at": tokens.when(token.last_used_at),
        "state": state,
    }


def _width(text: str) -> int:
    """Columns a terminal gives the text: East Asian wide characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
