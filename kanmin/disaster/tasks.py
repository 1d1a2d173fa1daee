"""Background work of the disaster app. Tasks take ids and call services."""

from __future__ import annotations

from django_tasks import task

from kanmin.disaster import services


@task()
def alert_notify(alert_id: int) -> bool:
    """E-mail an alert to the municipality's disaster operators (once)."""
    return services.alert_notify(alert_id=alert_id) is not None
