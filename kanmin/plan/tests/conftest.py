from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kanmin.accounts import services as accounts_services
from kanmin.core import services as core_services
from kanmin.plan import services

SEED_JSON = Path(__file__).resolve().parents[1] / "data" / "miyakonojo_plan.json"


@pytest.fixture
def seed_data() -> dict[str, Any]:
    data = json.loads(SEED_JSON.read_text(encoding="utf-8"))
    data["first_fiscal_year"] = 2020
    return data


@pytest.fixture
def shimin(miyakonojo):
    """市民課, responsible for measure Ⅰ-1 in the ``plan`` fixture."""
    return core_services.department_create(
        municipality=miyakonojo, actor=None, code="shimin", name_ja="市民課"
    )


@pytest.fixture
def plan(miyakonojo, seed_data, shimin):
    plan = services.plan_load(municipality=miyakonojo, actor=None, data=seed_data)
    measure = plan.measures.get(number="Ⅰ-1")
    services.measure_update(
        municipality=miyakonojo, actor=None, measure=measure, departments=[shimin]
    )
    return plan


@pytest.fixture
def record_value(miyakonojo):
    """record_value(kpi, kind, fiscal_year, value, actor=user): a KPI figure entered through the
    service, in 都城市 unless ``municipality=`` says otherwise."""

    def record(kpi, kind, fiscal_year, value, *, actor, municipality=None, **more):
        return services.kpi_value_record(
            municipality=municipality or miyakonojo,
            actor=actor,
            kpi=kpi,
            kind=kind,
            fiscal_year=fiscal_year,
            value=value,
            **more,
        )

    return record


@pytest.fixture
def manager(make_user, miyakonojo):
    return make_user("manager", "plan_manager", miyakonojo)


@pytest.fixture
def clerk(make_user, miyakonojo, shimin):
    """Department staff of 市民課."""
    user = make_user("clerk")
    accounts_services.membership_grant(
        municipality=miyakonojo, actor=None, user=user, role="department_staff", department=shimin
    )
    return user
