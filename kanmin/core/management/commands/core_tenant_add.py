from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kanmin.core import datasets, services
from kanmin.core.errors import KanminError


class Command(BaseCommand):
    help = "Add a municipality (tenant): kanmin tenant add CODE NAME [--kana K] [--en E]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="全国地方公共団体コード, six digits with the check digit")
        parser.add_argument("name", help="Name in Japanese, e.g. 都城市")
        parser.add_argument("--kana", default="", help="Name in kana")
        parser.add_argument("--en", default="", help="Name in English")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            municipality = services.municipality_create(
                actor=None,
                lg_code=options["code"],
                name_ja=options["name"],
                name_kana=options["kana"],
                name_en=options["en"],
            )
        except KanminError as exc:
            details = "; ".join(str(m) for msgs in exc.fields.values() for m in msgs)
            raise CommandError(details or str(exc.message)) from None
        # The tables the apps offer become datasets of its catalog (the catalog listens).
        datasets.notify(municipality)
        self.stdout.write(
            self.style.SUCCESS(
                _("Added %(name)s (%(code)s).")
                % {"name": municipality.name_ja, "code": municipality.lg_code}
            )
        )
