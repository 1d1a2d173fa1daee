"""A missing measure's 404 says that the measure was not found and links the plan (issue 13)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_measure_says_so_and_links_the_plan(not_found_page, plan) -> None:
    page = not_found_page("/m/452025/plan/measures/Ⅸ-9/")
    assert "<h1>施策が見つかりません</h1>" in page
    assert "Ⅸ-9" in page and 'href="/m/452025/plan/"' in page
