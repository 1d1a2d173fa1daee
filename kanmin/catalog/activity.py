"""A dataset's activity history in words, for its page and the REST API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

_ACTIVITY = {
    "catalog.dataset.create": _("Dataset created"),
    "catalog.dataset.update": _("Metadata changed"),
    "catalog.dataset.patch": _("Metadata changed"),
    "catalog.dataset.publish": _("Published"),
    "catalog.dataset.make_private": _("Made private"),
    "catalog.dataset.withdraw": _("Withdrawn"),
    "catalog.dataset.registered_sync": _("Brought up to date from the app that keeps it"),
    "catalog.resource.create": _("File added"),
    "catalog.resource.update": _("File replaced or changed"),
    "catalog.resource.delete": _("File removed"),
    "catalog.resource.validate": _("Check requested"),
    "catalog.resource.validated": _("File checked"),
    "catalog.resource.validation_failed": _("Check failed"),
    "catalog.resource.repair": _("Corrected copy made"),
    "catalog.resource.replace_with_copy": _("File replaced by its corrected copy"),
    "catalog.resource.keep_both": _("Corrected copy kept beside the original"),
}


def activity_label(event: Any) -> str:
    """A line of a dataset's activity history: what happened, to which file."""
    label = str(_ACTIVITY.get(event.action, event.action))
    if event.object_type == "catalog.resource" and event.object_repr:
        return f"{label}: {event.object_repr}"
    changes = event.changes or {}
    before, after = changes.get("before") or {}, changes.get("after") or {}
    if event.action in ("catalog.dataset.update", "catalog.dataset.patch") and before and after:
        changed = sorted(k for k in after if k != "version" and before.get(k) != after.get(k))
        if changed:
            return f"{label} ({', '.join(changed)})"
    return label
