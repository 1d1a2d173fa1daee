"""``kanmin repair FILE --schema SLUG -o OUT [--log CHANGES.csv]``.

Writes a corrected UTF-8 CSV and a change log (row, column, before, after, rule). Exit status:
0 written, 2 the file cannot be read at all.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kanmin.core.i18n import gettext_noop, translate
from kanmin.standards.messages import render


class Command(BaseCommand):
    help = "Repair a CSV/.xlsx file into a standard UTF-8 CSV, with a change log."

    # Reads and writes files only: no server configuration to check (kanmin.cli runs it without).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--schema", default="auto")
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--log", default=None, help="change log CSV (default OUT.changes.csv)")
        parser.add_argument("--no-bom", action="store_true", help="write UTF-8 without a BOM")
        parser.add_argument("--lang", choices=("ja", "en"), default="ja")
        parser.add_argument("--sheet", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        from kanmin.standards.reader import ReadError
        from kanmin.standards.repair import repair
        from kanmin.standards.schemas import SchemaError

        lang = options["lang"]
        out = Path(options["output"])
        if out.resolve() == Path(options["file"]).resolve():
            self.stderr.write(
                translate(gettext_noop("The output must differ from the input."), lang)
            )
            sys.exit(2)
        try:
            result = repair(
                options["file"],
                options["schema"],
                out,
                bom=not options["no_bom"],
                sheet=options["sheet"],
            )
        except (ReadError, SchemaError) as exc:
            self.stderr.write(render(exc.code, lang, exc.params))
            sys.exit(2)
        log = Path(options["log"]) if options["log"] else out.with_name(out.name + ".changes.csv")
        with log.open("w", encoding="utf-8-sig", newline="") as fh:
            result.write_log(fh)
        n = len(result.changes)
        done = gettext_noop(
            "Wrote {out} ({rows} rows, {changes} changes, change log: {log}). "
            "Run kanmin validate for what could not be fixed."
        )
        self.stdout.write(
            translate(done, lang).format(out=out, rows=result.rows, changes=n, log=log)
        )
