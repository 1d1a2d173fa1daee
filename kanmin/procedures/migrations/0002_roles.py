"""Give the roles the procedures app's permissions now that its tables exist."""

from django.db import migrations

from kanmin.accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0001_procedures_forms_submissions_notices_counter"),
        ("accounts", "0004_procedures_roles"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
