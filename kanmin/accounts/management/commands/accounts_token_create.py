"""``kanmin token create USERNAME --municipality CODE [--name NAME] [--expires DAYS]``.

Prints the new API token alone on standard output (it is shown only this once); what it is for
goes to standard error. The creation is written to the audit log.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts import services
from kanmin.accounts.management import tokens


class Command(BaseCommand):
    help = "Create an API token for a user in one municipality and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user the token acts as")
        parser.add_argument(
            "--municipality", required=True, help="全国地方公共団体コード, e.g. 452025"
        )
        parser.add_argument("--name", default="", help="what the token is for (default: API)")
        parser.add_argument(
            "--expires", metavar="DAYS", help="expire after DAYS days (default never)"
        )
        tokens.add_lang(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with tokens.speaking(options):
            expires_at = None
            if options["expires"] is not None:
                expires_at = timezone.now() + timedelta(days=_days(options["expires"]))
            municipality = tokens.municipality(options["municipality"], options["lang"])
            user = tokens.user(options["username"])
            token, secret = services.api_token_create(
                municipality=municipality,
                actor=None,
                user=user,
                name=options["name"] or "API",
                expires_at=expires_at,
            )
            expiry = (
                _("expires %(when)s") % {"when": tokens.when(token.expires_at)}
                if token.expires_at
                else _("does not expire")
            )
            self.stderr.write(
                _(
                    "API token %(id)s “%(name)s” for %(user)s in %(municipality)s (%(code)s), "
                    "%(expiry)s. It is shown only now: keep it somewhere safe."
                )
                % {
                    "id": token.pk,
                    "name": token.name,
                    "user": user.username,
                    "municipality": municipality.display_name,
                    "code": municipality.lg_code,
                    "expiry": expiry,
                }
            )
            self.stdout.write(secret)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1 or days > 3650:
        raise CommandError(
            _("--expires takes a number of days from 1 to 3650, not %(value)s.") % {"value": text}
        )
    return days
