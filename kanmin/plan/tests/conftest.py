from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kanmin.plan import services

SEED_JSON = Path(__file__).resolve().parents[1] / "data" / "miyakonojo_plan.json"


@pytest.fixture
def seed_data() -> dict[str, Any]:
    data = json.loads(SEED_JSON.read_text(encoding="utf-8"))
    data["first_fiscal_year"] = 2020
    return data


@pytest.fixture
def plan(miyakonojo, seed_data):
    return services.plan_load(municipality=miyakonojo, actor=None, data=seed_data)


@pytest.fixture
def manager(make_user, miyakonojo):
    return make_user("manager", "plan_manager", miyakonojo)


@pytest.fixture
def clerk(make_user, miyakonojo):
    return make_user("clerk", "department_staff", miyakonojo)
