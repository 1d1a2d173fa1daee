from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kanmin.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Walk the audit log's hash chain and name the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                _("Audit chain broken at entry %(seq)s after %(n)s good entries: %(reason)s")
                % {"seq": report.broken_seq, "n": report.checked, "reason": report.reason}
            )
        self.stdout.write(
            self.style.SUCCESS(_("Audit chain intact: %(n)s entries.") % {"n": report.checked})
        )
