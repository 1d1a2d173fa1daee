from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProceduresConfig(AppConfig):
    name = "kanmin.procedures"
    label = "procedures"
    verbose_name = _("Online procedures")

    def ready(self) -> None:
        # Each part registers its staff pages, open data and the plan's KPIs here.
        self._ready_catalog()
        self._ready_queue()
        self._ready_counter()
        self._ready_notices()
        self._ready_builder()

    def _ready_catalog(self) -> None:
        # --- procedure catalog ---: the staff's catalog pages, the catalog as open data, and
        # the plan's KPIs of online procedures and applications (Ⅰ-1, Ⅰ-2).
        from kanmin.core import datasets, staff_actions
        from kanmin.procedures import metrics  # noqa: F401  (registers the plan's KPIs)
        from kanmin.procedures.datasets import procedures

        staff_actions.register(
            "procedures.catalog",
            group="services",
            title=_("Procedure catalog"),
            text=_(
                "The procedures residents can do: department, legal basis, fee, "
                "documents, channels, online or not. Export to Excel and import back."
            ),
            url="procedures:catalog_list",
            permission="procedures.view_procedure",
            order=10,
        )
        staff_actions.register(
            "procedures.catalog_new",
            group="services",
            title=_("Add a procedure"),
            text=_("A new entry of the catalog, published for residents at once or later."),
            url="procedures:catalog_new",
            permission="procedures.add_procedure",
            order=11,
        )
        staff_actions.register(
            "procedures.catalog_import",
            group="services",
            title=_("Import the procedure catalog"),
            text=_("The exported CSV edited in Excel (UTF-8 or Shift_JIS): all rows or none."),
            url="procedures:catalog_import",
            permission="procedures.change_procedure",
            order=12,
        )
        datasets.register(procedures)

    def _ready_queue(self) -> None:
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

    def _ready_counter(self) -> None:
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

    def _ready_notices(self) -> None:
        from kanmin.core import staff_actions

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

    def _ready_builder(self) -> None:
        from kanmin.core import staff_actions

        # --- builder: the staff form builder ---
        staff_actions.register(
            "procedures.forms",
            group="services",
            title=pgettext_lazy("form builder", "Application forms"),
            text=_(
                "Build a procedure's online form: pages, questions, routing on answers; preview, "
                "publish a version, see the history."
            ),
            url="procedures:builder_form_list",
            permission="procedures.view_form",
            order=20,
        )
        staff_actions.register(
            "procedures.form_new",
            group="services",
            title=_("Build a new application form"),
            text=_("For a procedure of the catalog, without a developer."),
            url="procedures:builder_form_new",
            permission="procedures.add_form",
            order=21,
        )
        # --- end builder ---
