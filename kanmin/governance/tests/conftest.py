from __future__ import annotations

from typing import Any

import pytest

from kanmin.governance.tests.factories import department, system


@pytest.fixture
def departments(miyakonojo: Any) -> dict[str, Any]:
    return {
        "shimin": department(miyakonojo, "shimin", "市民課", name_en="Citizens Division"),
        "zeimu": department(miyakonojo, "zeimu", "税務課", sort_order=10),
    }


@pytest.fixture
def systems(miyakonojo: Any, departments: dict[str, Any]) -> dict[str, Any]:
    return {
        "juki": system(
            miyakonojo,
            "SYS-001",
            name="住民記録システム",
            department=departments["shimin"],
            vendor="A社",
            businesses=["resident_register", "seal_registration"],
            hosting="government_cloud",
            standard_compliant=True,
        ),
        "zei": system(
            miyakonojo,
            "SYS-002",
            name="税務システム",
            department=departments["zeimu"],
            businesses=["fixed_asset_tax", "individual_resident_tax"],
            applic_compliant=True,
        ),
    }


@pytest.fixture
def policy(make_user: Any, miyakonojo: Any) -> Any:
    """情報政策課: keeps the whole register."""
    return make_user("johoseisaku", "ict_governance", miyakonojo)


@pytest.fixture
def auditor(make_user: Any, miyakonojo: Any) -> Any:
    return make_user("kansa", "auditor", miyakonojo)


@pytest.fixture
def shimin_staff(make_user: Any, miyakonojo: Any, departments: dict[str, Any]) -> Any:
    """Department staff of 市民課."""
    from kanmin.accounts import services

    user = make_user("shimin")
    services.membership_grant(
        municipality=miyakonojo,
        actor=None,
        user=user,
        role="department_staff",
        department=departments["shimin"],
    )
    return user
