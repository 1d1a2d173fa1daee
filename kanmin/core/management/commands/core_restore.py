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
        if not summary.tasks_recorded:
            self.stdout.write(
                self.style.WARNING(
                    "This backup was made by an older Kanmin that did not keep the background "
                    "tasks waiting at the time: none were queued again. Check again the files "
                    "whose check shows as waiting or running (the button on each file's page)."
                )
            )
        elif summary.pending_tasks:
            self.stdout.write(
                f"{len(summary.pending_tasks)} background tasks were waiting or running when "
                "the backup was made; they are queued again and run when the worker starts "
                "(kanmin serve):"
            )
            for task, arguments in summary.pending_tasks:
                self.stdout.write(f"  {task}({arguments})")
