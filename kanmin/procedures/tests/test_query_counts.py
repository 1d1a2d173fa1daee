"""Pages that list rows make the same number of queries for 30 rows as for 2: the staff queue,
the counter dashboard and desk, the event-log export, and the resident's My page. A query per
row (a missing select_related / prefetch_related) makes these fail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kanmin.accounts import services as accounts_services
from kanmin.procedures import notice_services
from kanmin.procedures.models import Submission
from kanmin.procedures.tests import counter_factories, factories
from kanmin.procedures.tests.queue_fixtures import QueueWorld, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "/m/452025"
FEW, MANY = 2, 30


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _same_for_many(
    client: Client,
    url: str,
    add_rows: Callable[[int, int], None],
    django_assert_max_num_queries: Any,
) -> None:
    """Queries for FEW rows, then at most as many for MANY rows."""
    add_rows(0, FEW)
    few = _count(client, url)
    add_rows(FEW, MANY)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200


def test_queue_page(world: QueueWorld, django_assert_max_num_queries: Any) -> None:
    def add(start: int, stop: int) -> None:
        for i in range(start, stop):
            s = factories.queue_submission(world.shimin_version)
            if i % 2:
                s.assignee = world.shimin_staff
                s.status = Submission.Status.REVIEWING
                s.save()

    _same_for_many(
        _client(world.manager),
        f"{BASE}/procedures/staff/queue/?status=all",
        add,
        django_assert_max_num_queries,
    )


def _visits(municipality: Any, procedures: dict[str, Any]) -> Callable[[int, int], None]:
    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time(9), tzinfo=timezone.get_current_timezone())
    codes = list(procedures.values())

    def add(first: int, stop: int) -> None:
        for n in range(first, stop):
            counter_factories.visit_at(
                municipality,
                number=n + 1,
                issued_at=start + dt.timedelta(minutes=5 * n),
                procedures=[codes[n % 3], codes[(n + 1) % 3]],
                steps=[("waiting", 10), ("serving", 5)],
                end="done" if n % 3 else None,
                desk=str(n % 4 + 1),
            )

    return add


def test_counter_dashboard(
    miyakonojo: Any,
    counter_manager: Any,
    counter_procedures: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _same_for_many(
        _client(counter_manager),
        f"{BASE}/counter/staff/",
        _visits(miyakonojo, counter_procedures),
        django_assert_max_num_queries,
    )


def test_counter_desk(
    miyakonojo: Any, clerk: Any, counter_procedures: Any, django_assert_max_num_queries: Any
) -> None:
    _same_for_many(
        _client(clerk),
        f"{BASE}/counter/desk/?desk=1",
        _visits(miyakonojo, counter_procedures),
        django_assert_max_num_queries,
    )


def test_event_log_export(
    world: QueueWorld, counter_procedures: Any, django_assert_max_num_queries: Any
) -> None:
    visits = _visits(world.municipality, counter_procedures)

    def add(start: int, stop: int) -> None:
        visits(start, stop)
        for _ in range(start, stop):
            factories.queue_submission(world.shimin_version)

    _same_for_many(
        _client(world.manager),
        f"{BASE}/procedures/staff/event-log.csv",
        add,
        django_assert_max_num_queries,
    )


def test_my_page(world: QueueWorld, make_user: Any, django_assert_max_num_queries: Any) -> None:
    resident = make_user("jumin")
    resident.email = "jumin@example.jp"
    resident.save()
    accounts_services.membership_grant(
        municipality=world.municipality, actor=None, user=resident, role="citizen"
    )
    m = world.municipality

    def add(start: int, stop: int) -> None:
        for i in range(start, stop):
            submission = factories.queue_submission(world.shimin_version, applicant=resident)
            notice_services.notice_send(
                municipality=m,
                actor=world.shimin_staff,
                recipient=resident,
                subject=f"お知らせ {i}",
                body="本文",
                department=world.shimin,
                submission=submission if i % 2 else None,
            )
            notice_services.consultation_open(
                municipality=m,
                actor=resident,
                department=world.kodomo if i % 2 else world.shimin,
                subject=f"相談 {i}",
                body="質問です",
                procedure=world.shimin_version.form.procedure if i % 2 else None,
            )

    _same_for_many(_client(resident), f"{BASE}/my/", add, django_assert_max_num_queries)
