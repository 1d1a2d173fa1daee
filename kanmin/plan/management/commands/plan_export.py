from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kanmin.core import selectors as core_selectors
from kanmin.core.errors import KanminError
from kanmin.plan import exchange, selectors


class Command(BaseCommand):
    help = "Write a municipality's plan with its KPIs and values as JSON, CSV or Excel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード")
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument("-o", "--output", type=Path, help="File to write (default: stdout)")
        parser.add_argument(
            "--template",
            type=int,
            metavar="FISCAL_YEAR",
            help="Write the Excel sheet departments fill in for this fiscal year instead",
        )
        parser.add_argument("--department", help="With --template: only this department's KPIs")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            municipality = core_selectors.municipality_get(lg_code=options["municipality"])
            plan = selectors.plan_get(municipality=municipality)
            if options["template"]:
                payload = exchange.department_template(
                    plan, options["template"], options["department"]
                )
            else:
                payload = exchange.export_plan(plan, options["format"])
        except KanminError as exc:
            raise CommandError(str(exc.message)) from None
        if options["output"]:
            options["output"].write_bytes(payload)
        else:
            sys.stdout.buffer.write(payload)
