from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kanmin.core import selectors as core_selectors
from kanmin.core import wareki
from kanmin.core.errors import KanminError
from kanmin.core.fiscal_year import FiscalYear
from kanmin.governance import kpi_services, kpis


class Command(BaseCommand):
    help = (
        "The plan's KPIs of the ICT governance register (Ⅴ-3..Ⅴ-6, Ⅵ-1..Ⅵ-3, Ⅳ-7) for one "
        "municipality and fiscal year, with numerator, denominator and definition version (and, "
        "for Ⅴ-4 per 業務, the version of the list of 業務 the denominator counted)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード")
        parser.add_argument(
            "--fiscal-year",
            required=True,
            help="年度: 2025, FY2025, 令和7年度 (1 April to 31 March)",
        )
        parser.add_argument("--format", choices=["json", "table"], default="table")
        parser.add_argument(
            "--freeze",
            action="store_true",
            help="Keep the computed figures as the year's figures (already frozen ones stay)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fiscal_year = FiscalYear.parse(str(options["fiscal_year"]))
        except (wareki.WarekiError, ValueError) as exc:
            raise CommandError(
                f"年度を読めません / cannot read the fiscal year: {options['fiscal_year']} ({exc})"
            ) from None
        try:
            municipality = core_selectors.municipality_get(lg_code=options["municipality"])
        except KanminError as exc:
            raise CommandError(str(exc.message)) from None
        if options["freeze"]:
            figures = kpi_services.kpi_figures_freeze(
                municipality=municipality, fiscal_year=fiscal_year
            )
        else:
            figures = kpis.kpi_figures(municipality=municipality, fiscal_year=fiscal_year)
        if options["format"] == "json":
            payload = {
                "municipality": municipality.lg_code,
                "fiscal_year": fiscal_year.year,
                "kpis": [figure.as_json() for figure in figures],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{municipality.name_ja} ({municipality.lg_code}) {fiscal_year.label_ja()}"
        )
        rows = [("施策", "KPI", "値", "分子", "分母", "定義版", "分母の業務一覧")]
        for f in figures:
            rows.append(
                (
                    f.measure,
                    f.name,
                    "—" if f.value is None else f"{f.value} {f.unit}",
                    "" if f.numerator is None else str(f.numerator),
                    "" if f.denominator is None else str(f.denominator),
                    f.definition_version + (" *" if f.frozen else ""),
                    f.spec_list or "",
                )
            )
        for row in rows:
            self.stdout.write("\t".join(row))
