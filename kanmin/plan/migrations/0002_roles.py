"""Give the roles the plan's permissions now that its tables exist."""

from django.db import migrations

from kanmin.accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0001_plan_measures_kpis_reviews"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
