from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisasterConfig(AppConfig):
    name = "kanmin.disaster"
    label = "disaster"
    verbose_name = _("Disaster information")

    def ready(self) -> None:
        from kanmin.core import staff_actions
        from kanmin.disaster import metrics  # noqa: F401  (registers the plan's KPIs)

        staff_actions.register(
            "disaster.criteria",
            group="disaster",
            title=_("Objective evacuation criteria"),
            text=_(
                "Past flood events of each station, thresholds derived from them, and how "
                "rules and past decisions did in every event."
            ),
            url="disaster:criteria_index",
            permission="disaster.view_observation",
            order=50,
        )
