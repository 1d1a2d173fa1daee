from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "kanmin.procedures"
    label = "procedures"
    verbose_name = _("Online procedures")

    def ready(self) -> None:
        # Each part registers its staff pages, open data and the plan's KPIs here.
        # --- counter: counter visits (窓口), their statistics and the work analysis ---
        from kanmin.core import staff_actions
        from kanmin.procedures import metrics  # noqa: F401  (registers the plan's KPIs)

        staff_actions.register(
            "procedures.counter_reception",
            group="services",
            title=_("Counter reception: issue a ticket"),
            text=_("Choose what the resident came for and give a numbered ticket."),
            url="procedures:counter_reception",
            permission="procedures.add_countervisit",
            order=60,
        )
        staff_actions.register(
            "procedures.counter_desk",
            group="services",
            title=_("Counter desk: call and serve"),
            text=_("Call the next resident, serve, put on hold, complete; the waiting list."),
            url="procedures:counter_desk",
            permission="procedures.change_countervisit",
            order=61,
        )
        staff_actions.register(
            "procedures.counter_display",
            group="services",
            title=_("Counter display"),
            text=_("The numbers called and their desks, for the screen in the waiting area."),
            url="procedures:counter_display",
            permission="procedures.view_countervisit",
            order=62,
        )
        staff_actions.register(
            "procedures.counter_dashboard",
            group="services",
            title=_("Counter statistics and BPR"),
            text=_(
                "Waiting and service time per procedure and per hour, median and 90th "
                "percentile, before and after a change to the counter's work."
            ),
            url="procedures:counter_dashboard",
            permission="procedures.view_bprchange",
            order=63,
        )
        staff_actions.register(
            "procedures.bottlenecks",
            group="services",
            title=_("Work analysis: event log and bottlenecks"),
            text=_(
                "The steps of counter visits and online applications as an event log for "
                "process-mining tools, and the slowest step of each procedure."
            ),
            url="procedures:bottlenecks",
            permission="procedures.view_bprchange",
            order=64,
        )
        # --- end counter ---
