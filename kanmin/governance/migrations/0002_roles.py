"""Give the roles the governance app's permissions now that its tables exist."""

from django.db import migrations

from kanmin.accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("accounts", "0006_ict_governance_role"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
