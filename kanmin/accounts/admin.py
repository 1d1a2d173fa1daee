from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kanmin.accounts.backends import MembershipBackend
from kanmin.accounts.models import Membership, User
from kanmin.core.admin import ReadOnlyAdmin, TenantAdmin, admin_site


@admin.register(Membership, site=admin_site)
class MembershipAdmin(TenantAdmin):
    list_display = ["user", "municipality", "role", "department"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "municipality", "role", "department", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Roles are granted through the staff pages or `kanmin`, which write the audit log.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User, site=admin_site)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "is_active", "last_login"]
    search_fields = ["username"]
    fields = ("username", "is_active", "last_login", "date_joined")
    readonly_fields = ("username", "is_active", "last_login", "date_joined")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        ids = MembershipBackend().municipality_ids_with(request.user, "accounts.view_user")
        queryset = super().get_queryset(request)
        if ids is None:
            return queryset
        return queryset.filter(memberships__municipality__in=ids).distinct()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        ids = MembershipBackend().municipality_ids_with(request.user, "accounts.view_user")
        if ids is None:
            return True
        if obj is None:
            return bool(ids)
        return obj.memberships.filter(municipality__in=ids).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
