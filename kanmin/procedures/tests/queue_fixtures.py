"""Fixtures of the queue tests: 都城市 with 市民課 and こども課, a member of staff in each,
a procedures manager, and one procedure (form version) per department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from kanmin.procedures.tests import factories


@dataclass
class QueueWorld:
    municipality: Any
    shimin: Any
    kodomo: Any
    shimin_staff: Any
    shimin_staff2: Any
    kodomo_staff: Any
    manager: Any
    shimin_version: Any
    kodomo_version: Any


def staff_of(username: str, municipality: Any, role: str, department: Any = None) -> Any:
    from kanmin.accounts import services

    user = services.user_create(
        actor=None,
        municipality=municipality,
        username=username,
        password=f"pw-{username}-Long1",
        check_password=False,
    )
    services.membership_grant(
        municipality=municipality, actor=None, user=user, role=role, department=department
    )
    return user


@pytest.fixture(name="world")
def world_fixture(miyakonojo: Any) -> QueueWorld:
    shimin = factories.queue_department(miyakonojo, "shimin", "市民課")
    kodomo = factories.queue_department(miyakonojo, "kodomo", "こども課")
    return QueueWorld(
        municipality=miyakonojo,
        shimin=shimin,
        kodomo=kodomo,
        shimin_staff=staff_of("shimin1", miyakonojo, "department_staff", shimin),
        shimin_staff2=staff_of("shimin2", miyakonojo, "department_staff", shimin),
        kodomo_staff=staff_of("kodomo1", miyakonojo, "department_staff", kodomo),
        manager=staff_of("manager", miyakonojo, "procedures_manager"),
        shimin_version=factories.queue_version(miyakonojo, shimin),
        kodomo_version=factories.queue_version(miyakonojo, kodomo),
    )
