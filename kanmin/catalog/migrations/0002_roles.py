"""Give the roles the catalog's permissions now that its tables exist: data stewards and
administrators manage datasets, every staff member sees drafts."""

from django.db import migrations

from kanmin.accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_organizations_datasets_resources"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
