from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from kanmin.catalog import markdown as md
from kanmin.catalog.activity import activity_label

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """``{{ dataset.notes_ja|markdown }}``: safe HTML from a Markdown description."""
    return md.render(text)


register.filter("activity_label", activity_label)
