from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kanmin.audit.services import audit_prune
from kanmin.core import conf


class Command(BaseCommand):
    help = (
        "Remove audit log entries older than KANMIN_AUDIT_RETENTION_DAYS (0 keeps every entry); "
        "the removal is itself an entry, and `kanmin audit verify` keeps working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days instead of KANMIN_AUDIT_RETENTION_DAYS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is None:
            days = conf.get("KANMIN_AUDIT_RETENTION_DAYS")
        if days <= 0:
            self.stdout.write(
                _(
                    "Audit entries are kept for good (KANMIN_AUDIT_RETENTION_DAYS is 0): "
                    "nothing to do."
                )
            )
            return
        result = audit_prune(actor=None, retention_days=days)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Removed %(n)s audit entries older than %(days)s days; the chain now "
                    "starts at entry %(seq)s."
                )
                % {"n": result.removed, "days": days, "seq": result.anchor_seq}
            )
            if result.removed
            else _("No audit entry is older than %(days)s days.") % {"days": days}
        )
