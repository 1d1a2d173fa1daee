"""``kanmin convert FILE.xlsx -o OUT.csv [--sheet NAME]``: a machine-readable sheet to CSV.

Refuses, with the reasons, a sheet with merged cells, several tables, notes or formulas in
the data area. Exit status: 0 written, 1 refused, 2 the file cannot be read.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kanmin.core.i18n import gettext_noop, translate
from kanmin.standards.messages import render


class Command(BaseCommand):
    help = "Convert a machine-readable worksheet to a UTF-8 CSV file."

    # Reads and writes files only: no server configuration to check (kanmin.cli runs it without).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--sheet", default=None)
        parser.add_argument("--no-bom", action="store_true")
        parser.add_argument("--lang", choices=("ja", "en"), default="ja")

    def handle(self, *args: Any, **options: Any) -> None:
        from pathlib import Path

        from kanmin.standards.excel import ITEMS, convert
        from kanmin.standards.reader import ReadError

        lang = options["lang"]
        out = Path(options["output"])
        try:
            report = convert(
                options["file"], out, sheet=options["sheet"], bom=not options["no_bom"]
            )
        except ReadError as exc:
            self.stderr.write(render(exc.code, lang, exc.params))
            sys.exit(2)
        if not out.exists():
            self.stderr.write(translate(gettext_noop("Cannot convert; fix the following:"), lang))
            for f in report.findings:
                if f.severity != "error":
                    continue
                rule = translate(ITEMS[f.item], lang)
                msg = f.detail_en if lang == "en" else f.detail_ja
                self.stderr.write(f"- [{f.item} {rule}] {f.sheet}!{f.cell}: {msg}")
            sys.exit(1)
        self.stdout.write(f"{out}")
        sys.exit(0)
