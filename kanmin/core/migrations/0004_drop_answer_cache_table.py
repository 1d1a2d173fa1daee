from django.db import migrations


class Migration(migrations.Migration):
    """The shared cache of API answers left Kanmin's database for a SQLite file of its own
    (kanmin.core.cache): the table `createcachetable` made for Django's database cache is
    no longer read or written. Its rows were only answers that can be computed again."""

    dependencies = [
        ("core", "0003_task_worker"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS kanmin_cache", migrations.RunSQL.noop),
    ]
