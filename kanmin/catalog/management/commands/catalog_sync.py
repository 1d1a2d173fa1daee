"""``kanmin catalog sync [--municipality CODE]``: list the tables the apps offer
(``kanmin.core.datasets``) as datasets of each municipality's catalog.

What ``migrate`` does after every run, for an operator who adds an app or a municipality and
wants the catalog up to date without a migration, or for a scheduled run.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kanmin.catalog import services
from kanmin.core import selectors as core_selectors
from kanmin.core.errors import KanminError


class Command(BaseCommand):
    help = (
        "List the tables Kanmin's apps offer as open data (e.g. the evacuation orders issued) "
        "as datasets of each municipality's catalog; withdraw those of apps removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--municipality", default="", help="全国地方公共団体コード (default: every one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["municipality"].strip()
        if code:
            try:
                municipality = core_selectors.municipality_get(lg_code=code)
            except KanminError as exc:
                raise CommandError(str(exc.message)) from None
            reports = {
                municipality.lg_code: services.registered_datasets_sync(
                    municipality=municipality, actor=None
                )
            }
        else:
            reports = services.registered_datasets_sync_all(actor=None)
        for lg_code, report in reports.items():
            parts = [
                _("%(count)s added") % {"count": len(report.created)},
                _("%(count)s brought up to date") % {"count": len(report.updated)},
                _("%(count)s withdrawn") % {"count": len(report.withdrawn)},
            ]
            names = report.created + report.updated + report.withdrawn
            line = f"{lg_code}: {', '.join(parts)}"
            self.stdout.write(line + (f" ({', '.join(names)})" if names else ""))
