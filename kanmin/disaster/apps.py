from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisasterConfig(AppConfig):
    name = "kanmin.disaster"
    label = "disaster"
    verbose_name = _("Disaster information")

    def ready(self) -> None:
        from kanmin.core import datasets, staff_actions
        from kanmin.disaster import metrics  # noqa: F401  (registers the plan's KPIs)
        from kanmin.disaster.datasets import (
            designated_shelters,
            evacuation_orders,
            evacuation_spaces,
            shelter_openings,
        )

        staff_actions.register(
            "disaster.dashboard",
            group="disaster",
            title=_("Disaster headquarters: live levels"),
            text=_("Stations by warning level, alerts, the last 72 hours, orders in force."),
            url="disaster:staff_dashboard",
            permission="disaster.view_decision",
            order=10,
        )
        # The operator's pages for stations, devices and file imports (station_views).
        staff_actions.register(
            "disaster.stations",
            group="disaster",
            title=_("Observation stations and reference levels"),
            text=_(
                "Register and change stations, their position and the history of their "
                "reference levels."
            ),
            url="disaster:station_list",
            permission="disaster.view_station",
            order=12,
        )
        staff_actions.register(
            "disaster.devices",
            group="disaster",
            title=_("Devices and their tokens"),
            text=_("Register a sensor that sends over HTTP, issue, rotate or revoke its token."),
            url="disaster:device_list",
            permission="disaster.view_device",
            order=14,
        )
        staff_actions.register(
            "disaster.import",
            group="disaster",
            title=_("Import readings from a file"),
            text=_("CSV or the river database's .dat files, imported in the background."),
            url="disaster:import_new",
            permission="disaster.add_importjob",
            order=16,
        )
        staff_actions.register(
            "disaster.decision_new",
            group="disaster",
            title=_("Record an evacuation decision"),
            text=_("Issued or lifted, with the evidence shown kept for good."),
            url="disaster:decision_new",
            permission="disaster.add_decision",
            order=20,
        )
        staff_actions.register(
            "disaster.rules",
            group="disaster",
            title=_("Warning-level rules"),
            text=_("Which observations and official information give which level."),
            url="disaster:rules",
            permission="disaster.view_ruleset",
            order=30,
        )
        datasets.register(evacuation_orders)
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
        staff_actions.register(
            "disaster.shelters",
            group="disaster",
            title=_("Shelters: open, count, close"),
            text=_(
                "Designated evacuation sites and shelters; open one, record how many people are "
                "there, close it. Residents see the open ones and how crowded they are."
            ),
            url="disaster:shelter_list",
            permission="disaster.view_shelter",
            order=15,
        )
        for provider in (evacuation_spaces, designated_shelters, shelter_openings):
            datasets.register(provider)
