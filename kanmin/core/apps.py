from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """The database cache's table (when CACHES uses one), after every migrate."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "kanmin.core"
    label = "core"
    verbose_name = _("Municipalities")

    def ready(self) -> None:
        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="kanmin.core.cache")
        from kanmin.core import (
            checks,  # noqa: F401  (registers the system checks)
            staff_actions,
        )

        staff_actions.register(
            "core.departments",
            group="administration",
            title=_("Departments"),
            text=_("The municipality's departments and divisions, and adding one."),
            url="core:staff_home#departments",
            permission="core.add_department",
        )
