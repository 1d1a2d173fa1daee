"""Users as the CKAN API shows them: their CKAN capacity in an organization, who may see whom,
and the user dicts (``user_show``, ``user_list``, ``organization_show``'s ``users``).

Kanmin's roles are held in a municipality, not in an organization; CKAN's capacities are
derived from them: a municipality administrator is ``admin`` of every organization of the
municipality, a role that manages the catalog (``catalog.add_dataset``: data stewards) makes
one ``editor`` of every organization, and any other staff role ``member`` of the
organizations of the member's department. A platform administrator is CKAN's sysadmin.

Names of staff are not for everyone: users are shown only to staff of a municipality they
belong to, to platform administrators and to themselves; e-mail addresses only to the user
and to platform administrators (CKAN shows them to the user and to sysadmins).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from kanmin.accounts import selectors as accounts
from kanmin.catalog.ckan.dictize import ckan_time
from kanmin.catalog.models import Dataset, DatasetState, Organization
from kanmin.core.models import Municipality

CAPACITY_RANK = accounts.CAPACITY_RANK
# CKAN's permission names (organization_list_for_user) → the least capacity that holds them.
PERMISSION_CAPACITY = {
    "read": "member",
    "manage_group": "admin",
    "create_dataset": "editor",
    "update_dataset": "editor",
    "delete_dataset": "editor",
    "publish_dataset": "editor",
}
is_sysadmin = accounts.is_platform_admin


def _better(capacity: str | None, held: str | None) -> bool:
    return capacity is not None and CAPACITY_RANK[capacity] > CAPACITY_RANK.get(held or "", 0)


def capacities(user: Any, municipality: Municipality | None) -> dict[uuid.UUID, str]:
    """The organizations (of ``municipality``, or of all) where ``user`` has a capacity."""
    organizations = Organization.all_tenants.all()
    if municipality is not None:
        organizations = organizations.filter(municipality=municipality)
    if is_sysadmin(user):
        return dict.fromkeys(organizations.values_list("pk", flat=True), "admin")
    memberships = accounts.memberships_of(user=user)
    found: dict[uuid.UUID, str] = {}
    rows = organizations.filter(municipality_id__in={m for _r, _d, m in memberships}).values_list(
        "pk", "municipality_id", "department_id"
    )
    for pk, municipality_id, org_department in rows:
        for role, department_id, where in memberships:
            if where != municipality_id:
                continue
            capacity = accounts.ckan_capacity(role, department_id, org_department)
            if _better(capacity, found.get(pk)):
                found[pk] = str(capacity)
    return found


def organization_members(organization: Organization) -> list[tuple[Any, str]]:
    """(user, capacity) of the active users with a capacity in the organization, by name."""
    best: dict[int, tuple[Any, str]] = {}
    for user, role, department_id in accounts.members_of(
        municipality_id=organization.municipality_id
    ):
        capacity = accounts.ckan_capacity(role, department_id, organization.department_id)
        held = best.get(user.pk)
        if _better(capacity, held[1] if held else None):
            best[user.pk] = (user, str(capacity))
    return sorted(best.values(), key=lambda item: item[0].username)


def may_see_users_of(viewer: Any, municipality_id: int) -> bool:
    """Staff of the municipality and platform administrators see who works there."""
    return accounts.is_staff_of(user=viewer, municipality_id=municipality_id)


def visible_users(viewer: Any, municipality: Municipality | None) -> Any:
    """The users ``viewer`` may see (see :func:`kanmin.accounts.selectors.visible_users`)."""
    return accounts.visible_users(viewer=viewer, municipality=municipality)


def user_get(viewer: Any, municipality: Municipality | None, id_or_name: str) -> Any:
    """A user ``viewer`` may see, by UUID or name; None when there is none."""
    return accounts.visible_user_get(viewer=viewer, municipality=municipality, key=id_or_name)


def user_dict(user: Any, viewer: Any, *, capacity: str | None = None) -> dict[str, Any]:
    """A user as CKAN's ``user_show`` gives them; ``email`` only to themselves and to platform
    administrators."""
    full_name = user.get_full_name()
    email = user.email or ""
    result: dict[str, Any] = {
        "id": str(user.uuid),
        "name": user.username,
        "fullname": full_name or None,
        "display_name": full_name or user.username,
        "created": ckan_time(user.date_joined),
        "about": None,
        "state": "active" if user.is_active else "deleted",
        "sysadmin": is_sysadmin(user),
        "email_hash": hashlib.md5(email.strip().lower().encode()).hexdigest(),  # noqa: S324 (Gravatar's hash, as CKAN gives it)
        "image_url": "",
        "image_display_url": "",
        "number_created_packages": Dataset.all_tenants.filter(
            creator=user, state=DatasetState.PUBLISHED
        ).count(),
    }
    if getattr(viewer, "pk", None) == user.pk or is_sysadmin(viewer):
        result["email"] = email
    if capacity is not None:
        result["capacity"] = capacity
    return result
