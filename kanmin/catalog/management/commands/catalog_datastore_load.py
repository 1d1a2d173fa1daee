"""``kanmin catalog datastore-load [--municipality CODE] [--missing]``: load the table files
(CSV, TSV, .xlsx) of the catalog into the DataStore now.

New uploads are loaded by the task worker after their check; this loads what was uploaded
before the DataStore existed, or reloads everything (e.g. after a change of type rules).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kanmin.catalog.datastore import services as datastore_services
from kanmin.catalog.models import DatastoreStatus
from kanmin.core import selectors as core_selectors
from kanmin.core.errors import KanminError


class Command(BaseCommand):
    help = "Load the catalog's table files (CSV, TSV, .xlsx) into the DataStore."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--municipality", default="", help="全国地方公共団体コード (default: every one)"
        )
        parser.add_argument(
            "--missing", action="store_true", help="only resources with no table loaded yet"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["municipality"].strip()
        municipality = None
        if code:
            try:
                municipality = core_selectors.municipality_get(lg_code=code)
            except KanminError as exc:
                raise CommandError(str(exc.message)) from None
        tables = datastore_services.datastore_load_all(
            municipality=municipality, only_missing=options["missing"]
        )
        failed = 0
        for table in tables:
            if table.status == DatastoreStatus.DONE:
                line = _("%(id)s: %(rows)s rows") % {
                    "id": table.resource_id,
                    "rows": table.row_count,
                }
            else:
                failed += 1
                line = _("%(id)s: not loaded (%(error)s)") % {
                    "id": table.resource_id,
                    "error": table.error,
                }
            self.stdout.write(line)
        self.stdout.write(
            _("%(done)s loaded, %(failed)s not loaded")
            % {"done": len(tables) - failed, "failed": failed}
        )
