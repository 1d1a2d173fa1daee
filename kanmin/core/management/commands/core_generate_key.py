from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kanmin.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new key for KANMIN_ENCRYPTION_KEYS."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(generate_key())
