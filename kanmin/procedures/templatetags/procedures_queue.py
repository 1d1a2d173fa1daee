from __future__ import annotations

from django import template

from kanmin.procedures.models import Submission

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """A submission status as people read it (受付, 審査中, …)."""
    try:
        return str(Submission.Status(value).label)
    except ValueError:
        return value
