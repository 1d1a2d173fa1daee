"""The statuses of an application as residents and staff read them (受付, 審査中, …).

Their own translation context: the same English words mean other things elsewhere in the
site ("Received" a date, "Withdrawn" a dataset taken offline)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

LABELS: dict[str, Any] = {
    "draft": pgettext_lazy("application status", "Draft"),
    "received": pgettext_lazy("application status", "Received"),
    "reviewing": pgettext_lazy("application status", "Under review"),
    "correction": pgettext_lazy("application status", "Correction requested"),
    "completed": pgettext_lazy("application status", "Completed"),
    "rejected": pgettext_lazy("application status", "Rejected"),
    "withdrawn": pgettext_lazy("application status", "Withdrawn"),
}


def label(status: str) -> str:
    return str(LABELS.get(status, status))
