"""Counter (窓口) BPR changes, for the before/after statistics; the managers' roles get their
permissions."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kanmin.accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_drop_answer_cache_table"),
        ("procedures", "0002_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BprChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("effective_on", models.DateField(verbose_name="in effect from")),
                ("description", models.TextField(verbose_name="what changed")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="recorded at")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.municipality",
                        verbose_name="municipality",
                    ),
                ),
                (
                    "procedures",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Leave empty when the change concerns the whole counter.",
                        related_name="bpr_changes",
                        to="procedures.procedure",
                        verbose_name="procedures concerned",
                    ),
                ),
            ],
            options={
                "verbose_name": "BPR change",
                "verbose_name_plural": "BPR changes",
                "ordering": ["-effective_on", "-pk"],
            },
        ),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
