from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "kanmin.procedures"
    label = "procedures"
    verbose_name = _("Online procedures")

    def ready(self) -> None:
        # Each part registers its staff pages, open data and the plan's KPIs here.
        pass

        # --- queue: the staff queue of applications ---
        from kanmin.core import staff_actions

        staff_actions.register(
            "procedures.queue",
            group="services",
            title=_("Applications to process"),
            text=_(
                "Your department's online applications: assign, review, ask for a "
                "correction, complete or reject, and export them for the back-office system."
            ),
            url="procedures:queue",
            permission="procedures.view_submission",
            order=20,
        )
