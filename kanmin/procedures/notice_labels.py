"""Words for statuses on the notices' and consultations' pages, with a context of their own:
the models' bare labels ("Received", "Closed", …) share their msgids with other apps' words
(受信日時, 閉鎖中) in the Japanese catalog."""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

CONSULTATION_STATUS = {
    "open": pgettext_lazy("consultation status", "Waiting for the department"),
    "answered": pgettext_lazy("consultation status", "Answered"),
    "closed": pgettext_lazy("consultation status", "Closed"),
}

SUBMISSION_STATUS = {
    "draft": pgettext_lazy("application status", "Draft (not sent)"),
    "received": pgettext_lazy("application status", "Received"),
    "reviewing": pgettext_lazy("application status", "Under review"),
    "correction": pgettext_lazy("application status", "Correction requested"),
    "completed": pgettext_lazy("application status", "Completed"),
    "rejected": pgettext_lazy("application status", "Rejected"),
    "withdrawn": pgettext_lazy("application status", "Withdrawn"),
}


def label(rows: Any, table: dict[str, Any]) -> Any:
    """Give each row (or the one row) a ``status_label`` from ``table``."""
    for row in rows if isinstance(rows, list | tuple) else [rows]:
        row.status_label = table.get(row.status, row.status)
    return rows
