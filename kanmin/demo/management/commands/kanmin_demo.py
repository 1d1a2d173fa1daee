from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from kanmin.demo.services import demo_build


class Command(BaseCommand):
    help = "Set up the Miyakonojo demo on SQLite and serve it on http://127.0.0.1:8000"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Set up only; do not serve.")
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Loading the demo municipality 都城市 (452025)…")
        login = demo_build()
        host = options["bind"]
        lines = [
            "",
            "Kanmin demo is ready.",
            f"  Portal:       http://{host}/m/{login.municipality.lg_code}/",
            f"  Sign in:      http://{host}/accounts/login/",
            "  Admin login:  user 'admin'",
            f"                password '{login.password}'",
            "  Other demo users (same password): " + ", ".join(login.usernames[1:]),
            # notices: the demo resident
            f"  Resident:     http://{host}/m/{login.municipality.lg_code}/my/"
            " as 'resident@example.jp' (same password)",
            "",
        ]
        self.stdout.write("\n".join(lines))
        if not options["no_serve"]:
            call_command("core_serve", bind=host, workers=2)
