from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from kanmin.core import selectors, services
from kanmin.core.errors import PermissionDenied
from kanmin.core.permissions import require
from kanmin.core.schemas import DepartmentIn, DepartmentOut, ErrorOut, MunicipalityOut

public_router = Router(tags=["municipalities"])
router = Router(tags=["municipalities"])


@public_router.get(
    "/municipalities", response=list[MunicipalityOut], operation_id="core_municipality_list"
)
def municipality_list(request: HttpRequest) -> list[MunicipalityOut]:
    """List the municipalities served by this deployment."""
    return list(selectors.municipality_list())  # type: ignore[arg-type]


@router.get(
    "/m/{lg_code}/departments",
    response={200: list[DepartmentOut], 403: ErrorOut, 404: ErrorOut},
    operation_id="core_department_list",
)
def department_list(request: HttpRequest, lg_code: str) -> list[DepartmentOut]:
    """List a municipality's departments (staff of that municipality only)."""
    municipality = selectors.municipality_get(lg_code=lg_code)
    require(request.user, "core.view_department", municipality)
    return list(selectors.department_list(municipality=municipality))  # type: ignore[arg-type]


@router.post(
    "/m/{lg_code}/departments",
    response={201: DepartmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="core_department_create",
)
def department_create(request: HttpRequest, lg_code: str, payload: DepartmentIn) -> Status[Any]:
    """Add a department to a municipality."""
    municipality = selectors.municipality_get(lg_code=lg_code)
    if not request.user.is_authenticated:
        raise PermissionDenied()
    department = services.department_create(
        municipality=municipality, actor=request.user, **payload.dict()
    )
    return Status(201, department)
