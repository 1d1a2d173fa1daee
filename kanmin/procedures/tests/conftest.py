from __future__ import annotations

from typing import Any

import pytest


# --- counter ---
@pytest.fixture
def clerk(make_user: Any, miyakonojo: Any) -> Any:
    return make_user("madoguchi", "counter_clerk", miyakonojo)


@pytest.fixture
def counter_manager(make_user: Any, miyakonojo: Any) -> Any:
    return make_user("tetsuzuki", "procedures_manager", miyakonojo)


@pytest.fixture
def counter_procedures(miyakonojo: Any) -> dict[str, Any]:
    from kanmin.procedures.tests import counter_factories

    return counter_factories.procedures(miyakonojo)


# --- end counter ---
