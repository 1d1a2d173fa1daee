from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kanmin.core"
    label = "core"
    verbose_name = _("Municipalities")

    def ready(self) -> None:
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
