"""One way to check a permission: ``require(actor, "app.codename", obj)``.

``actor`` None means the system itself (a management command run by an operator on the
server); views and APIs always pass the request's user, anonymous or not.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from kanmin.core.errors import PermissionDenied


def allowed(actor: Any, perm: str, obj: models.Model | None) -> bool:
    if actor is None:
        return True
    return bool(actor.is_active and actor.has_perm(perm, obj))


def require(actor: Any, perm: str, obj: models.Model | None) -> None:
    if not allowed(actor, perm, obj):
        raise PermissionDenied()


def require_same_tenant(municipality: Any, *objects: Any) -> None:
    """Refuse, as not found, any row that belongs to another municipality (None is skipped)."""
    from kanmin.core.errors import NotFound

    for obj in objects:
        if obj is not None and obj.municipality_id != municipality.pk:
            raise NotFound()
