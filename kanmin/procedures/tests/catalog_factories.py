"""Rows of the procedure catalog for tests (through the service, as staff make them)."""

from __future__ import annotations

from typing import Any

from kanmin.core import services as core_services
from kanmin.procedures import services


def department(municipality: Any, code: str = "shimin", name_ja: str = "市民課", **kw: Any) -> Any:
    return core_services.department_create(
        municipality=municipality, actor=None, code=code, name_ja=name_ja, **kw
    )


def procedure(municipality: Any, code: str = "juminhyo", **values: Any) -> Any:
    values.setdefault("name_ja", "住民票の写し交付請求")
    values.setdefault("channels", ["counter", "post"])
    return services.procedure_create(municipality=municipality, actor=None, code=code, **values)
