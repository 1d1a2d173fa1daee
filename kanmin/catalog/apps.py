from typing import Any

from django.apps import AppConfig
from django.core.exceptions import FieldDoesNotExist
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_registered(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate (each deployment), list every app's registered table in each
    municipality's catalog and withdraw those of apps removed since."""
    from kanmin.catalog import services

    apps = kwargs.get("apps")
    if using != "default" or apps is None:
        return
    try:  # migrated back below the field: nothing to keep
        apps.get_model("catalog", "Dataset")._meta.get_field("provider")
    except (LookupError, FieldDoesNotExist):
        return
    services.registered_datasets_sync_all(actor=None)


def _registered_changed(municipality: Any, providers: tuple[Any, ...]) -> None:
    """The dataset registry's listener: these providers' rows in the municipality changed
    (an app's action committed, or the municipality was added)."""
    from kanmin.catalog import services

    services.registered_datasets_sync(municipality=municipality, actor=None, providers=providers)


class CatalogConfig(AppConfig):
    name = "kanmin.catalog"
    label = "catalog"
    verbose_name = _("Open-data catalog")

    def ready(self) -> None:
        from kanmin.catalog import metrics, search  # noqa: F401  (metrics registers KPIs)
        from kanmin.core import datasets, serving, staff_actions

        serving.register(search.warm_up)
        # The tables the apps offer (kanmin.core.datasets) are datasets of each catalog.
        datasets.subscribe(_registered_changed)
        post_migrate.connect(_sync_registered, sender=self, dispatch_uid="kanmin.catalog.registry")
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
            "catalog.analysis",
            group="catalog",
            title=_("Cross-dataset analysis"),
            text=_(
                "Query several of the municipality's tables at once, chart the result, save it "
                "as a view and publish it as a derived dataset."
            ),
            url="catalog:analysis",
            permission="catalog.view_savedview",
            order=25,
        )
        staff_actions.register(
            "catalog.harvest",
            group="catalog",
            title=_("Harvest other catalogs"),
            text=_(
                "Import and keep up to date the datasets of another CKAN portal, another Kanmin "
                "or a DCAT catalog."
            ),
            url="catalog:harvest_sources",
            permission="catalog.view_harvestsource",
            order=27,
        )
        staff_actions.register(
            "catalog.search",
            group="catalog",
            title=_("Search the catalog"),
            text=_("As visitors see it; staff also find drafts and private datasets."),
            url="catalog:home",
            order=30,
        )
