"""Create the role groups and their permissions (accounts/roles.py is the source of truth).

Apps migrated later call ``sync_role_permissions`` from their own data migration, so each
role gains that app's permissions as soon as its tables exist.
"""

from django.db import migrations

from kanmin.accounts.roles import ROLES, group_name, sync_role_permissions


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[group_name(role.slug) for role in ROLES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_user_membership_apitoken"),
        ("core", "0001_municipality_department"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, remove_roles)]
