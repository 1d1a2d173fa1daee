from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "kanmin.catalog"
    label = "catalog"
    verbose_name = _("Open-data catalog")

    def ready(self) -> None:
        from kanmin.catalog import metrics, search  # noqa: F401  (metrics registers KPIs)
        from kanmin.core import serving, staff_actions

        serving.register(search.warm_up)
        # What the catalog's staff can do, listed on the staff home page.
        staff_actions.register(
            "catalog.dataset_new",
            group="catalog",
            title=_("Publish a new dataset"),
            text=_("Start from a national standard data set or a blank form, then add its files."),
            url="catalog:dataset_new",
            permission="catalog.add_dataset",
            order=10,
        )
        staff_actions.register(
            "catalog.unpublished",
            group="catalog",
            title=_("Drafts and datasets not public"),
            text=_("Datasets still in draft, private or withdrawn, yours first."),
            url="catalog:dataset_unpublished",
            permission="catalog.change_dataset",
            order=20,
        )
        staff_actions.register(
            "catalog.search",
            group="catalog",
            title=_("Search the catalog"),
            text=_("As visitors see it; staff also find drafts and private datasets."),
            url="catalog:home",
            order=30,
        )
