from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "kanmin.procedures"
    label = "procedures"
    verbose_name = _("Online procedures")

    def ready(self) -> None:
        # Each part registers its staff pages, open data and the plan's KPIs here.
        from kanmin.core import staff_actions
        from kanmin.procedures import metrics  # noqa: F401  (registers the plan's KPIs)

        # --- notices: electronic notices and consultations ---
        staff_actions.register(
            "procedures.notice_new",
            group="services",
            title=_("Send a notice to a resident"),
            text=_(
                "To the resident's inbox, with an e-mail telling them it is there; by e-mail "
                "address or application reference number."
            ),
            url="procedures:staff_notice_new",
            permission="procedures.add_notice",
            order=60,
        )
        staff_actions.register(
            "procedures.notices",
            group="services",
            title=_("Notices sent"),
            text=_(
                "Your departments' notices, whether they were read, and counts per fiscal year."
            ),
            url="procedures:staff_notices",
            permission="procedures.view_notice",
            order=62,
        )
        staff_actions.register(
            "procedures.consultations",
            group="services",
            title=_("Consultations from residents"),
            text=_("Questions to your departments, the longest waiting first; answer or close."),
            url="procedures:staff_consultations",
            permission="procedures.view_consultation",
            order=64,
        )
