"""Rows of the ICT governance register for tests (through the services, as staff make them)."""

from __future__ import annotations

from typing import Any

from kanmin.core import services as core_services
from kanmin.governance import services


def department(municipality: Any, code: str = "shimin", name_ja: str = "市民課", **kw: Any) -> Any:
    return core_services.department_create(
        municipality=municipality, actor=None, code=code, name_ja=name_ja, **kw
    )


def system(municipality: Any, code: str = "SYS-001", **values: Any) -> Any:
    values.setdefault("name", f"システム {code}")
    values.setdefault("network_segment", "my_number")
    values.setdefault("classification", "3")
    return services.system_create(municipality=municipality, actor=None, code=code, **values)
