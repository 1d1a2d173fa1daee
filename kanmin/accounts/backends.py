"""Permissions per municipality: a user has a permission on an object when one of their
memberships in the object's municipality grants it through its role's group."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from kanmin.accounts.roles import PLATFORM_ADMIN, group_name


def _municipality_id(obj: Any) -> int | None:
    from kanmin.core.models import Municipality

    if obj is None:
        return None
    if isinstance(obj, Municipality):
        return int(obj.pk)
    value = getattr(obj, "municipality_id", None)
    return int(value) if value is not None else None


class MembershipBackend(ModelBackend):
    """Authenticate with the password; authorize by role in the object's municipality.

    A permission asked without an object is granted only to platform administrators: code
    that touches a municipality's rows must say which.
    """

    def _role_permissions(self, user: Any) -> dict[str, set[str]]:
        cache = getattr(user, "_kanmin_role_perms", None)
        if cache is None:
            cache = {}
            rows = Permission.objects.filter(group__name__startswith="kanmin:").values_list(
                "group__name", "content_type__app_label", "codename"
            )
            for group, app_label, codename in rows:
                cache.setdefault(group, set()).add(f"{app_label}.{codename}")
            user._kanmin_role_perms = cache
        return cache

    def memberships(self, user: Any) -> list[tuple[int | None, str]]:
        cached = getattr(user, "_kanmin_memberships", None)
        if cached is None:
            cached = list(user.memberships.values_list("municipality_id", "role"))
            user._kanmin_memberships = cached
        return cached

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        perms_by_group = self._role_permissions(user_obj)
        target = _municipality_id(obj)
        granted: set[str] = set()
        for municipality_id, role in self.memberships(user_obj):
            if role == PLATFORM_ADMIN or (target is not None and municipality_id == target):
                granted |= perms_by_group.get(group_name(role), set())
        return granted

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(
            perm.startswith(app_label + ".") for perm in self._all_municipality_perms(user_obj)
        )

    def _all_municipality_perms(self, user_obj: Any) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        perms_by_group = self._role_permissions(user_obj)
        granted: set[str] = set()
        for _municipality_id, role in self.memberships(user_obj):
            granted |= perms_by_group.get(group_name(role), set())
        return granted

    def municipality_ids_with(self, user_obj: Any, perm: str) -> list[int] | None:
        """Return the municipalities where the user holds ``perm``; None means all of them."""
        perms_by_group = self._role_permissions(user_obj)
        ids: list[int] = []
        for municipality_id, role in self.memberships(user_obj):
            if perm not in perms_by_group.get(group_name(role), set()):
                continue
            if role == PLATFORM_ADMIN:
                return None
            if municipality_id is not None:
                ids.append(municipality_id)
        return ids
