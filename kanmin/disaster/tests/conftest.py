from __future__ import annotations

from typing import Any

import pytest

from kanmin.disaster.tests import factories


@pytest.fixture
def operator(make_user: Any, miyakonojo: Any) -> Any:
    return make_user("bousai", "disaster_operator", miyakonojo)


@pytest.fixture
def river(miyakonojo: Any) -> Any:
    return factories.station(miyakonojo, code="takeshita")
