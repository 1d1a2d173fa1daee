"""The admin site, scoped by role: staff see and change only their municipalities' rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kanmin.core import errors, services
from kanmin.core.models import Department, Municipality


class KanminAdminSite(admin.AdminSite):
    site_header = _("Kanmin administration")
    site_title = _("Kanmin")
    index_title = _("Administration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and user.is_staff)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for everything, with lockout and the second factor.
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(reverse("accounts:login") + "?" + urlencode({"next": target}))


admin_site = KanminAdminSite(name="admin")


def _user_municipality_ids(request: HttpRequest, perm: str) -> list[int] | None:
    backend = _backend()
    return backend.municipality_ids_with(request.user, perm)


def _backend() -> Any:
    # The backend lives in accounts, above core; find it through the settings, not an import.
    from django.contrib.auth import get_backends

    for backend in get_backends():
        if hasattr(backend, "municipality_ids_with"):
            return backend
    raise RuntimeError("No backend with per-municipality permissions is configured")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows to look at only: they are written by services, which keep the audit log."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TenantAdmin(admin.ModelAdmin):
    """ModelAdmin for tenant-owned rows: every permission is checked against the row's
    municipality, and lists show only the municipalities where the user holds the right."""

    municipality_field = "municipality"

    def _perm(self, action: str) -> str:
        opts = self.model._meta
        return f"{opts.app_label}.{action}_{opts.model_name}"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = self.model._base_manager.all()
        ids = _user_municipality_ids(request, self._perm("view"))
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.municipality_field}__in": ids})

    def _has(self, request: HttpRequest, action: str, obj: Any) -> bool:
        if obj is not None:
            return bool(request.user.has_perm(self._perm(action), obj))
        ids = _user_municipality_ids(request, self._perm(action))
        return ids is None or bool(ids)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has(request, "view", obj) or self._has(request, "change", obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has(request, "change", obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "add", None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has(request, "delete", obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == self.municipality_field:
            ids = _user_municipality_ids(request, self._perm("add"))
            queryset = Municipality.objects.all()
            kwargs["queryset"] = queryset if ids is None else queryset.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not request.user.has_perm(self._perm("change" if change else "add"), obj):
            raise DjangoPermissionDenied
        super().save_model(request, obj, form, change)


@admin.register(Municipality, site=admin_site)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["lg_code", "name_ja", "name_en", "is_active"]
    search_fields = ["lg_code", "name_ja", "name_kana", "name_en"]
    readonly_fields = ["lg_code", "prefecture_code", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Municipality]:
        ids = _user_municipality_ids(request, "core.view_municipality")
        queryset = super().get_queryset(request)
        return queryset if ids is None else queryset.filter(pk__in=ids)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return bool(request.user.has_perm("core.view_municipality", obj))
        ids = _user_municipality_ids(request, "core.view_municipality")
        return ids is None or bool(ids)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return bool(request.user.has_perm("core.change_municipality", obj))
        ids = _user_municipality_ids(request, "core.change_municipality")
        return ids is None or bool(ids)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New municipalities come through `kanmin tenant add`, which checks the code.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


@admin.register(Department, site=admin_site)
class DepartmentAdmin(TenantAdmin):
    list_display = ["code", "name_ja", "name_en", "municipality", "sort_order"]
    search_fields = ["code", "name_ja", "name_en"]
    list_filter = ["municipality"]

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        with _as_admin_error():
            if change:
                services.department_update(
                    municipality=obj.municipality, actor=request.user, department=obj
                )
            else:
                created = services.department_create(
                    municipality=obj.municipality,
                    actor=request.user,
                    code=obj.code,
                    name_ja=obj.name_ja,
                    name_en=obj.name_en,
                    parent=obj.parent,
                    sort_order=obj.sort_order,
                )
                obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Department) -> None:
        with _as_admin_error():
            services.department_delete(
                municipality=obj.municipality, actor=request.user, department=obj
            )


@contextmanager
def _as_admin_error() -> Iterator[None]:
    try:
        yield
    except errors.PermissionDenied:
        raise DjangoPermissionDenied from None
