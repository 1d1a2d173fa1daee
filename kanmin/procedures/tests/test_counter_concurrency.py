"""Two clerks issuing at the same moment never get the same number (PostgreSQL: real
concurrent transactions; SQLite writes one at a time, so the race cannot happen there)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from kanmin.procedures import counter_services as cs
from kanmin.procedures.models import CounterVisit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
    ),
]


def test_two_concurrent_issues_get_different_numbers(
    miyakonojo: Any, clerk: Any, counter_procedures: Any, monkeypatch: Any
) -> None:
    """Both transactions read the day's highest number before either writes (a barrier makes
    sure of it); the one that loses the race on the unique constraint takes the next number."""
    real = cs._next_number
    barrier = threading.Barrier(2, timeout=20)
    first_read = threading.local()

    def racing(municipality: Any, day: Any) -> int:
        number = real(municipality, day)
        if not getattr(first_read, "done", False):
            first_read.done = True
            barrier.wait()  # both have read the same highest number now
        return number

    monkeypatch.setattr(cs, "_next_number", racing)
    numbers: list[int] = []
    errors: list[BaseException] = []
    procedure = counter_procedures["juminhyo-copy"]

    def issue() -> None:
        try:
            visit = cs.visit_issue(municipality=miyakonojo, actor=clerk, procedures=[procedure])
            numbers.append(visit.number)
        except BaseException as exc:  # noqa: BLE001  (reported by the test below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(numbers) == [1, 2]
    assert sorted(
        CounterVisit.all_tenants.filter(municipality=miyakonojo).values_list("number", flat=True)
    ) == [1, 2]
