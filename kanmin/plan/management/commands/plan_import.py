from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kanmin.core import selectors as core_selectors
from kanmin.core.errors import KanminError
from kanmin.plan import exchange


class Command(BaseCommand):
    help = "Read a plan export (JSON, CSV or Excel) back; refuse every row if any row is bad."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            municipality = core_selectors.municipality_get(lg_code=options["municipality"])
            result = exchange.import_file(municipality=municipality, actor=None, path=path)
        except KanminError as exc:
            raise CommandError(str(exc.message)) from None
        if result.errors:
            for error in result.errors:
                self.stderr.write(_("row %(row)s, column %(column)s: %(message)s") % error)
            raise CommandError(
                _("Nothing was imported: %(n)s rows need fixing.") % {"n": len(result.errors)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported %(values)s values (%(unchanged)s unchanged).")
                % {"values": result.values, "unchanged": result.unchanged}
            )
        )
