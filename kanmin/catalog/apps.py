from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "kanmin.catalog"
    label = "catalog"
    verbose_name = _("Open-data catalog")

    def ready(self) -> None:
        from kanmin.catalog import metrics, search_index  # noqa: F401  (metrics registers KPIs)
        from kanmin.core import serving

        serving.register(search_index.current)
