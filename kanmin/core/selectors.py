"""Reads of municipalities and departments, always scoped to a tenant."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kanmin.core.errors import NotFound
from kanmin.core.models import Department, Municipality


def municipality_list(*, active_only: bool = True) -> QuerySet[Municipality]:
    queryset = Municipality.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


def municipality_get(*, lg_code: str) -> Municipality:
    try:
        return Municipality.objects.get(lg_code=lg_code, is_active=True)
    except Municipality.DoesNotExist:
        raise NotFound(_("No municipality with the code %(code)s.") % {"code": lg_code}) from None


def department_list(*, municipality: Municipality) -> QuerySet[Department]:
    return Department.all_tenants.filter(municipality=municipality).select_related("parent")


def department_get(*, municipality: Municipality, code: str, viewer: Any = None) -> Department:
    try:
        return department_list(municipality=municipality).get(code=code)
    except Department.DoesNotExist:
        raise NotFound(_("No department with the code %(code)s.") % {"code": code}) from None
