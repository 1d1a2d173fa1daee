from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisasterConfig(AppConfig):
    name = "kanmin.disaster"
    label = "disaster"
    verbose_name = _("Disaster information")

    def ready(self) -> None:
        from kanmin.disaster import metrics  # noqa: F401  (registers the plan's KPIs)
