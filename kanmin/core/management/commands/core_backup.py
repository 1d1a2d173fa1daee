from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kanmin.core.backup import create_backup


class Command(BaseCommand):
    help = "Write the database and the stored files to one archive: kanmin backup FILE"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        summary = create_backup(options["file"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {summary.path}: {summary.objects} records, "
                f"{summary.files} files."
            )
        )
