from __future__ import annotations

from django import template

from kanmin.procedures import status_labels

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """A submission status as people read it (受付, 審査中, …)."""
    return status_labels.label(value)
