"""Give the roles the audit log's permissions (view, verify_chain) now that it exists."""

from django.db import migrations

from kanmin.accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_auditevent_chainhead"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
