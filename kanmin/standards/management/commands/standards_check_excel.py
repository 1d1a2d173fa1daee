"""``kanmin check-excel FILE.xlsx [--format text|json] [--lang ja|en]``: the 15 総務省 items.

Exit status: 0 machine-readable, 1 violations found, 2 the file cannot be read.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kanmin.core.i18n import gettext_noop, translate
from kanmin.standards.messages import render


class Command(BaseCommand):
    help = "Check a workbook against the 総務省 machine-readability rules (items 1-1 … 2-2)."

    # Reads and writes files only: no server configuration to check (kanmin.cli runs it without).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--lang", choices=("ja", "en"), default="ja")

    def handle(self, *args: Any, **options: Any) -> None:
        from kanmin.standards.excel import ITEMS, check_excel
        from kanmin.standards.reader import ReadError

        lang = options["lang"]
        try:
            report = check_excel(options["file"])
        except ReadError as exc:
            self.stderr.write(render(exc.code, lang, exc.params))
            sys.exit(2)
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2))
        else:
            if report.machine_readable:
                verdict = gettext_noop("Machine-readable.")
            else:
                verdict = gettext_noop("Machine-readability violations.")
            self.stdout.write(translate(verdict, lang))
            for f in report.findings:
                rule = translate(ITEMS[f.item], lang)
                where = f"{f.sheet}!{f.cell}" if f.sheet else f.cell or "-"
                msg = f.detail_en if lang == "en" else f.detail_ja
                self.stdout.write(f"- [{f.item} {rule}] {f.severity} {where}: {msg}")
        sys.exit(0 if report.machine_readable else 1)
