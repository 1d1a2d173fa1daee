"""Saved views of the cross-dataset analysis (EBPM), and their permissions for every staff
member."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from kanmin.accounts.roles import sync_role_permissions


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0012_datastore_tables'),
        ('accounts', '0002_roles'),
        ('core', '0004_drop_answer_cache_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SavedView',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('name_ja', models.CharField(max_length=200, verbose_name='name (Japanese)')),
                ('name_en', models.CharField(blank=True, max_length=200, verbose_name='name (English)')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('sql', models.TextField(verbose_name='query')),
                ('chart_kind', models.CharField(blank=True, choices=[('', 'No chart'), ('bar', 'Bar chart'), ('line', 'Line chart')], default='', max_length=10, verbose_name='chart')),
                ('chart_x', models.CharField(blank=True, max_length=200, verbose_name='chart labels (x)')),
                ('chart_y', models.CharField(blank=True, max_length=200, verbose_name='chart values (y)')),
                ('created', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('modified', models.DateTimeField(auto_now=True, verbose_name='modified')),
                ('derived_sql', models.TextField(blank=True, verbose_name='query of the derived table')),
                ('derived_sources', models.JSONField(blank=True, default=list, verbose_name='sources of the derived table')),
                ('derived_at', models.DateTimeField(blank=True, null=True, verbose_name='derived table computed')),
                ('refresh_error', models.TextField(blank=True, verbose_name='why the last refresh failed')),
                ('refresh_failed_at', models.DateTimeField(blank=True, null=True, verbose_name='last refresh failed')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('derived_resource', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='derived_from', to='catalog.resource', verbose_name='derived table')),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.municipality', verbose_name='municipality')),
            ],
            options={
                'verbose_name': 'saved view',
                'verbose_name_plural': 'saved views',
                'ordering': ['municipality', 'name_ja'],
            },
        ),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
