"""Reads of the audit log, for the activity histories that pages show."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kanmin.audit.models import AuditEvent


def event_list(
    *,
    municipality_code: str,
    targets: list[tuple[str, str]] | None = None,
    extra: dict[str, str] | None = None,
    limit: int = 50,
) -> QuerySet[AuditEvent]:
    """The newest entries of one municipality about the given objects (``(object_type,
    object_id)`` pairs) or carrying the given values in their ``extra`` part."""
    match = Q(pk__in=[])
    for object_type, object_id in targets or []:
        match |= Q(object_type=object_type, object_id=object_id)
    for key, value in (extra or {}).items():
        match |= Q(**{f"changes__extra__{key}": value})
    return AuditEvent.objects.filter(match, municipality_code=municipality_code).order_by("-seq")[
        :limit
    ]
