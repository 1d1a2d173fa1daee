from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kanmin.procedures.apply_services import ORPHAN_MINUTES, attachment_orphans_sweep


class Command(BaseCommand):
    help = (
        "Delete uploaded attachment files that no application names (their upload's "
        "transaction rolled back, or the process died, after the file was written). Run it "
        "from cron or a systemd timer, e.g. hourly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=ORPHAN_MINUTES,
            metavar="MINUTES",
            help=f"Only files older than this (default {ORPHAN_MINUTES}): younger ones may "
            "belong to an upload still in progress.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = max(0, int(options["older_than"]))
        removed = attachment_orphans_sweep(older_than=dt.timedelta(minutes=minutes))
        for relative in removed:
            self.stdout.write(f"removed {relative}")
        self.stdout.write(
            self.style.SUCCESS(_("Orphaned attachment files removed: %(n)s.") % {"n": len(removed)})
        )
