from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProceduresConfig(AppConfig):
    name = "kanmin.procedures"
    label = "procedures"
    verbose_name = _("Online procedures")

    def ready(self) -> None:
        # Each part registers its staff pages, open data and the plan's KPIs here.
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
