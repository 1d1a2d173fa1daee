"""The KPI metric registry: apps register counting functions, the plan reads them by name.

An app declares in its own ``metrics.py``::

    @metric("catalog.datasets_published", unit="件", description=_("Datasets published"))
    def datasets_published(*, municipality, fiscal_year) -> Decimal: ...

``plan`` imports no domain app; it looks metrics up here. Apps that do not exist register
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MetricFunction = Callable[..., Decimal | int | float | None]


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: Any
    function: MetricFunction

    def compute(self, *, municipality: Any, fiscal_year: Any) -> Decimal | None:
        value = self.function(municipality=municipality, fiscal_year=fiscal_year)
        return None if value is None else Decimal(str(value))


_registry: dict[str, Metric] = {}


def metric(name: str, *, unit: str, description: Any) -> Callable[[MetricFunction], MetricFunction]:
    def decorate(function: MetricFunction) -> MetricFunction:
        if name in _registry and _registry[name].function is not function:
            raise ValueError(f"metric {name!r} is registered twice")
        _registry[name] = Metric(name, unit, description, function)
        return function

    return decorate


def get(name: str) -> Metric:
    return _registry[name]


def all_metrics() -> list[Metric]:
    return sorted(_registry.values(), key=lambda m: m.name)
