from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kanmin.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup onto an empty instance: kanmin restore FILE"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        try:
            summary = restore_backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.objects} records and {summary.files} files from {summary.path}."
            )
        )
