"""Background work of the disaster app. Tasks take ids and call services."""

from __future__ import annotations

from django_tasks import task

from kanmin.disaster import services


@task()
def alert_notify(alert_id: int) -> bool:
    """E-mail an alert to the municipality's disaster operators (once)."""
    return services.alert_notify(alert_id=alert_id) is not None


@task()
def levels_refresh(municipality_id: int, station_ids: list[int]) -> int:
    """Judge these stations again after the intake stored readings for them (the intake may
    enqueue this instead of calling ``services.levels_refresh`` inline); returns the number
    of alerts raised."""
    from kanmin.core.models import Municipality

    municipality = Municipality.objects.get(pk=municipality_id)
    return len(services.levels_refresh(municipality=municipality, stations=station_ids))
