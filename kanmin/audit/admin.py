from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kanmin.accounts.selectors import municipality_ids_with
from kanmin.audit.models import AuditEvent
from kanmin.core.admin import ReadOnlyAdmin, admin_site
from kanmin.core.models import Municipality


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_name", "municipality_code", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "actor_name"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        queryset = super().get_queryset(request)
        ids = municipality_ids_with(user=request.user, perm="audit.view_auditevent")
        if ids is None:
            return queryset
        codes = Municipality.objects.filter(pk__in=ids).values_list("lg_code", flat=True)
        return queryset.filter(municipality_code__in=list(codes))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        ids = municipality_ids_with(user=request.user, perm="audit.view_auditevent")
        if obj is None or ids is None:
            return ids is None or bool(ids)
        return Municipality.objects.filter(pk__in=ids, lg_code=obj.municipality_code).exists()
