"""``kanmin token revoke TOKEN [--municipality CODE]``: TOKEN is the number or prefix that
``kanmin token list`` shows, or the token itself. The revocation is written to the audit log."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kanmin.accounts import selectors, services
from kanmin.accounts.management import tokens


class Command(BaseCommand):
    help = "Revoke an API token, named by its number or prefix (kanmin token list) or itself."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", help="number, prefix or the token itself")
        parser.add_argument("--municipality", default=None, help="only look in this one")
        tokens.add_lang(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with tokens.speaking(options):
            municipality = tokens.municipality_option(options)
            token = selectors.api_token_get(municipality=municipality, key=options["token"])
            services.api_token_revoke(municipality=token.municipality, actor=None, token=token)
            self.stdout.write(
                _("Revoked API token %(id)s (%(prefix)s…) of %(user)s in %(code)s.")
                % {
                    "id": token.pk,
                    "prefix": token.prefix,
                    "user": token.user.username,
                    "code": token.municipality.lg_code,
                }
            )
