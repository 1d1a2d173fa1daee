"""Indexes for catalog search (issue #4).

PostgreSQL: a trigram GIN index (pg_trgm) on ``Dataset.search_key``, which serves
``search_key LIKE '%…%'`` for search terms of three or more characters (shorter ones read the
table, as before). Where the extension cannot be created (no privilege, not installed) the
index is skipped and search stays correct, only slower. On the link tables, an index that
starts with ``tag_id``/``group_id`` already exists; resources get one on ``format`` for
``res_format:`` filters. SQLite: only the ``format`` index.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

TRGM_INDEX = "catalog_dataset_search_key_trgm"


def create_trigram_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001 (no privilege: search works without the index)
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON catalog_dataset"
            " USING gin (search_key gin_trgm_ops)"
        )


def drop_trigram_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_resource_validation")]

    operations = [
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS catalog_resource_format_search"
            " ON catalog_resource (format, dataset_id)",
            "DROP INDEX IF EXISTS catalog_resource_format_search",
        ),
    ]
