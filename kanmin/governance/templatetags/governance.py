"""Template helpers of the register's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from kanmin.core.language import mark_japanese
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse

register = template.Library()

# ``{{ audit.get_kind_display|mark_japanese }}``: the Japanese inside an English text marked
# lang="ja" ("Audit (監査)").
register.filter("mark_japanese", mark_japanese)

# The register's pages besides the systems' list, each with the permission that opens it.
PAGES = (
    ("governance:vulnerability_list", _("Vulnerabilities"), "governance.view_vulnerability"),
    ("governance:audit_list", _("Audits and self-checks"), "governance.view_audit"),
    ("governance:incident_list", _("Incidents"), "governance.view_incident"),
    (
        "governance:training_list",
        _("Trainings and exercises"),
        "governance.view_trainingsession",
    ),
    (
        "governance:spec_lists",
        _("Specifications’ lists of businesses"),
        "governance.view_informationsystem",
    ),
)


@register.simple_tag(takes_context=True)
def register_pages(context: template.Context) -> list[tuple[str, Any]]:
    """(address, title) of the register's pages the signed-in user may open here."""
    request = context.get("request")
    municipality = context.get("municipality")
    user = getattr(request, "user", None)
    if municipality is None or user is None:
        return []
    return [
        (tenant_reverse(name, municipality), title)
        for name, title, perm in PAGES
        if allowed(user, perm, municipality)
    ]
