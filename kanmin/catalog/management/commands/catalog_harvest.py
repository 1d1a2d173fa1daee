"""``kanmin catalog harvest [--source ID] [--all] [--dry-run]``: import the datasets of the
harvest sources (other CKAN portals, other Kanmin catalogs, DCAT files).

Without ``--source`` it runs the active sources whose schedule says they are due: Kanmin has
no scheduler of its own, so this is what cron or a systemd timer runs (hourly, say)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from kanmin.catalog.harvest import selectors, services
from kanmin.catalog.models import HarvestRunStatus, HarvestSource
from kanmin.core.errors import KanminError


class Command(BaseCommand):
    help = (
        "Import the datasets of the harvest sources: the one given, every active one (--all), "
        "or those whose schedule says they are due (run this from cron, e.g. hourly)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", default="", help="the id of one harvest source")
        parser.add_argument("--all", action="store_true", help="every active source, due or not")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["source"]:
            source = (
                HarvestSource.all_tenants.select_related("municipality", "organization")
                .filter(pk=options["source"])
                .first()
                if _is_uuid(options["source"])
                else None
            )
            if source is None:
                raise CommandError(
                    _("No harvest source with the id %(id)s.") % {"id": options["source"]}
                )
            sources = [source]
        elif options["all"]:
            sources = list(HarvestSource.all_tenants.filter(active=True))
        else:
            sources = selectors.harvest_source_due()
        failed = False
        language = "en" if (get_language() or "ja").startswith("en") else "ja"
        for source in sources:
            try:
                run = services.harvest_run(
                    municipality=source.municipality,
                    actor=None,
                    source=source,
                    dry_run=options["dry_run"],
                )
            except KanminError as exc:
                self.stderr.write(f"{source.title}: {exc.message}")
                failed = True
                continue
            counts = ", ".join(
                f"{label} {getattr(run, f'{key}_count')}"
                for key, label in (
                    ("created", pgettext("harvest", "created")),
                    ("updated", pgettext("harvest", "updated")),
                    ("unchanged", pgettext("harvest", "unchanged")),
                    ("skipped", pgettext("harvest", "skipped")),
                    ("failed", pgettext("harvest", "failed")),
                )
            )
            prefix = _("(dry run) ") if options["dry_run"] else ""
            self.stdout.write(f"{prefix}{source.title} [{source.pk}]: {counts}")
            for result in run.results:
                message = (result.get("message") or {}).get(language, "")
                if result["outcome"] != "unchanged":
                    line = f"  {result['outcome']}: {result['name']}"
                    self.stdout.write(line + (f" — {message}" if message else ""))
            if run.status == HarvestRunStatus.FAILED:
                self.stderr.write(f"{source.title}: {run.error.get(language, '')}")
                failed = True
        if failed:
            raise CommandError(_("At least one harvest source could not be harvested."))


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
