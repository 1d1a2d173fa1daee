import uuid

from django.db import migrations


def give_the_catalog_a_token(apps, schema_editor):
    """Every database gets its own generation token when it is made, not at its first catalog
    write: the shared cache keys the API's answers by it, and an empty token would be the
    same in every database that shares a cache."""
    SearchGeneration = apps.get_model("catalog", "SearchGeneration")
    row, _created = SearchGeneration.objects.get_or_create(pk=1)
    if not row.token:
        row.token = uuid.uuid4().hex
        row.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_validation_rule_counts"),
    ]

    operations = [
        migrations.RunPython(give_the_catalog_a_token, migrations.RunPython.noop),
    ]
