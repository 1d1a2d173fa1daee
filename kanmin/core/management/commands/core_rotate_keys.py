from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from kanmin.core import crypto
from kanmin.core.fields import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the first key of KANMIN_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            names = [f.attname for f in fields]
            with transaction.atomic():
                # Read the raw tokens: .values() skips from_db_value only for expressions, so
                # re-encrypting the decrypted value is the simple, equivalent path.
                for obj in model._base_manager.select_for_update().only("pk", *names):
                    model._base_manager.filter(pk=obj.pk).update(
                        **{
                            name: crypto.encrypt(getattr(obj, name))
                            for name in names
                            if getattr(obj, name)
                        }
                    )
                    total += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows."))
