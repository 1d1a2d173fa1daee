from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kanmin.core import conf


class Command(BaseCommand):
    help = "Print every KANMIN_* option with its value and what it does."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        for opt in conf.OPTIONS:
            raw = opt.raw()
            if opt.secret:
                shown = "(set)" if raw else "(not set)"
            else:
                shown = repr(conf.get(opt.name)) + ("" if raw is not None else " (default)")
            self.stdout.write(f"{opt.name} = {shown}\n    {opt.doc}")
        for problem in conf.errors():
            self.stderr.write(self.style.ERROR(problem))
