from __future__ import annotations

from decimal import Decimal

import pytest

from kanmin.core import metrics


def test_a_registered_metric_is_found_by_name_and_computes_a_decimal():
    @metrics.metric("test.answer", unit="件", description="answer")
    def answer(*, municipality, fiscal_year):
        return 42 if fiscal_year == 2025 else None

    found = metrics.get("test.answer")
    assert found.compute(municipality=None, fiscal_year=2025) == Decimal(42)
    assert found.compute(municipality=None, fiscal_year=2024) is None
    assert "test.answer" in [m.name for m in metrics.all_metrics()]


def test_a_name_cannot_be_registered_twice_by_different_functions():
    @metrics.metric("test.twice", unit="件", description="x")
    def first(*, municipality, fiscal_year):
        return 1

    with pytest.raises(ValueError):

        @metrics.metric("test.twice", unit="件", description="x")
        def second(*, municipality, fiscal_year):
            return 2
