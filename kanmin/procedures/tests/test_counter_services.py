"""Counter visits: the number of the day, the state machine and its periods, tenancy."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.procedures import counter_services as cs
from kanmin.procedures.models import CounterVisit, VisitPeriod
from kanmin.procedures.tests import counter_factories

pytestmark = pytest.mark.django_db
State = CounterVisit.State


def _issue(m: Any, clerk: Any, procs: dict[str, Any], *codes: str) -> CounterVisit:
    return cs.visit_issue(
        municipality=m, actor=clerk, procedures=[procs[c] for c in codes or ("juminhyo-copy",)]
    )


def test_numbers_of_the_day_count_from_one_per_municipality(
    miyakonojo: Any, miyazaki: Any, clerk: Any, counter_procedures: Any
) -> None:
    """Tickets are numbered 1, 2, … per day and municipality; another city starts at 1."""
    first = _issue(miyakonojo, clerk, counter_procedures)
    second = _issue(miyakonojo, clerk, counter_procedures, "tennyu", "juminhyo-copy")
    other = cs.visit_issue(
        municipality=miyazaki,
        actor=None,
        procedures=list(counter_factories.procedures(miyazaki).values())[:1],
    )
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.issued_on == timezone.localdate()
    assert sorted(p.code for p in second.procedures.all()) == ["juminhyo-copy", "tennyu"]
    assert list(first.periods.values_list("state", "ended_at")) == [("waiting", None)]


def test_a_taken_number_is_skipped_not_reused(
    miyakonojo: Any, clerk: Any, counter_procedures: Any, monkeypatch: Any
) -> None:
    """When another clerk took the number just read, the insert fails on the constraint and
    the next number is taken (the race, replayed by making the first read stale)."""
    _issue(miyakonojo, clerk, counter_procedures)
    real = cs._next_number
    calls = []

    def stale(municipality: Any, day: Any) -> int:
        calls.append(day)
        return 1 if len(calls) == 1 else real(municipality, day)  # the first read is stale

    monkeypatch.setattr(cs, "_next_number", stale)
    visit = _issue(miyakonojo, clerk, counter_procedures)
    assert visit.number == 2
    assert len(calls) == 2
    assert CounterVisit.all_tenants.filter(municipality=miyakonojo).count() == 2


def test_a_visit_goes_through_every_state_with_one_period_each(
    miyakonojo: Any, clerk: Any, counter_procedures: Any
) -> None:
    """Call, serve, hold, resume, complete: each closes the open period and opens the next."""
    visit = _issue(miyakonojo, clerk, counter_procedures)
    cs.visit_call(municipality=miyakonojo, actor=clerk, visit=visit, desk="3")
    cs.visit_serve(municipality=miyakonojo, actor=clerk, visit=visit)
    cs.visit_hold(municipality=miyakonojo, actor=clerk, visit=visit)
    cs.visit_resume(municipality=miyakonojo, actor=clerk, visit=visit)
    cs.visit_complete(municipality=miyakonojo, actor=clerk, visit=visit)
    visit.refresh_from_db()
    assert visit.state == State.DONE and visit.closed_at is not None and visit.desk == "3"
    periods = list(VisitPeriod.all_tenants.filter(visit=visit).order_by("started_at", "pk"))
    assert [p.state for p in periods] == ["waiting", "called", "serving", "on_hold", "serving"]
    assert all(p.ended_at is not None for p in periods)
    for before, after in itertools.pairwise(periods):
        assert before.ended_at == after.started_at
    assert periods[-1].ended_at == visit.closed_at
    assert periods[1].staff == clerk and periods[1].desk == "3"
    actions = set(
        AuditEvent.objects.filter(action__startswith="procedures.visit.").values_list(
            "action", flat=True
        )
    )
    assert {
        "procedures.visit.issue",
        "procedures.visit.call",
        "procedures.visit.complete",
    } <= actions


@pytest.mark.parametrize(
    ("done_steps", "refused"),
    [
        ([], "hold"),
        ([], "complete"),
        ([], "resume"),
        (["call"], "hold"),
        (["call", "serve"], "resume"),
        (["call", "serve", "complete"], "serve"),
        (["call", "serve", "complete"], "left"),
        (["left"], "call"),
    ],
)
def test_impossible_moves_are_refused_with_a_conflict(
    miyakonojo: Any, clerk: Any, counter_procedures: Any, done_steps: list[str], refused: str
) -> None:
    """A step from a state it does not start from is refused, and nothing changes."""
    visit = _issue(miyakonojo, clerk, counter_procedures)
    for step in done_steps:
        if step == "call":
            cs.visit_call(municipality=miyakonojo, actor=clerk, visit=visit, desk="1")
        else:
            getattr(cs, f"visit_{step}")(municipality=miyakonojo, actor=clerk, visit=visit)
    periods = VisitPeriod.all_tenants.filter(visit=visit).count()
    with pytest.raises(Conflict) as caught:
        if refused == "call":
            cs.visit_call(municipality=miyakonojo, actor=clerk, visit=visit, desk="1")
        else:
            getattr(cs, f"visit_{refused}")(municipality=miyakonojo, actor=clerk, visit=visit)
    assert str(visit.number) in str(caught.value.message)
    assert VisitPeriod.all_tenants.filter(visit=visit).count() == periods


def test_a_stale_copy_cannot_move_a_visit_another_desk_moved(
    miyakonojo: Any, clerk: Any, counter_procedures: Any
) -> None:
    """Two desks with the same waiting visit on screen: the second call is refused."""
    visit = _issue(miyakonojo, clerk, counter_procedures)
    stale = CounterVisit.all_tenants.get(pk=visit.pk)
    cs.visit_call(municipality=miyakonojo, actor=clerk, visit=visit, desk="1")
    with pytest.raises(Conflict):
        cs.visit_call(municipality=miyakonojo, actor=clerk, visit=stale, desk="2")
    assert CounterVisit.all_tenants.get(pk=visit.pk).desk == "1"


def test_call_next_takes_the_oldest_waiting_and_filters_by_procedure(
    miyakonojo: Any, clerk: Any, counter_procedures: Any
) -> None:
    one = _issue(miyakonojo, clerk, counter_procedures, "juminhyo-copy")
    two = _issue(miyakonojo, clerk, counter_procedures, "tennyu")
    three = _issue(miyakonojo, clerk, counter_procedures, "juminhyo-copy")
    called = cs.visit_call_next(
        municipality=miyakonojo, actor=clerk, desk="2", procedures=[counter_procedures["tennyu"]]
    )
    assert called.pk == two.pk and called.state == State.CALLED
    assert cs.visit_call_next(municipality=miyakonojo, actor=clerk, desk="1").pk == one.pk
    # desk 1 is busy with ticket 1 until it completes, holds or marks it left
    with pytest.raises(Conflict) as busy:
        cs.visit_call_next(municipality=miyakonojo, actor=clerk, desk="1")
    assert busy.value.code == "desk_busy"
    cs.visit_left(municipality=miyakonojo, actor=clerk, visit=one)
    assert cs.visit_call_next(municipality=miyakonojo, actor=clerk, desk="1").pk == three.pk
    with pytest.raises(Conflict) as nobody:
        cs.visit_call_next(municipality=miyakonojo, actor=clerk, desk="4")
    assert nobody.value.code == "nobody_waiting"


def test_issue_needs_a_procedure_and_call_a_desk(
    miyakonojo: Any, clerk: Any, counter_procedures: Any
) -> None:
    with pytest.raises(Invalid) as none:
        cs.visit_issue(municipality=miyakonojo, actor=clerk, procedures=[])
    assert "procedures" in none.value.fields
    visit = _issue(miyakonojo, clerk, counter_procedures)
    with pytest.raises(Invalid) as nodesk:
        cs.visit_call(municipality=miyakonojo, actor=clerk, visit=visit, desk="  ")
    assert "desk" in nodesk.value.fields


def test_another_municipality_cannot_issue_with_or_move_our_rows(
    miyakonojo: Any, miyazaki: Any, make_user: Any, clerk: Any, counter_procedures: Any
) -> None:
    """宮崎市's clerk gets not-found for 都城市's procedures and visits; a resident gets
    permission denied."""
    theirs = make_user("miyazaki-clerk", "counter_clerk", miyazaki)
    visit = _issue(miyakonojo, clerk, counter_procedures)
    with pytest.raises(NotFound):
        cs.visit_issue(
            municipality=miyazaki, actor=theirs, procedures=[counter_procedures["tennyu"]]
        )
    with pytest.raises(NotFound):
        cs.visit_call(municipality=miyazaki, actor=theirs, visit=visit, desk="1")
    with pytest.raises(PermissionDenied):
        cs.visit_call(municipality=miyakonojo, actor=theirs, visit=visit, desk="1")
    resident = make_user("jumin", "citizen", miyakonojo)
    with pytest.raises(PermissionDenied):
        _issue(miyakonojo, resident, counter_procedures)
    assert CounterVisit.all_tenants.get(pk=visit.pk).state == State.WAITING


def test_bpr_change_needs_the_managers_permission(
    miyakonojo: Any, clerk: Any, counter_manager: Any, counter_procedures: Any
) -> None:
    with pytest.raises(PermissionDenied):
        cs.bpr_change_record(
            municipality=miyakonojo,
            actor=clerk,
            effective_on=timezone.localdate(),
            description="x",
        )
    change = cs.bpr_change_record(
        municipality=miyakonojo,
        actor=counter_manager,
        effective_on=timezone.localdate(),
        description="書かない窓口",
        procedures=[counter_procedures["juminhyo-copy"]],
    )
    assert [p.code for p in change.procedures.all()] == ["juminhyo-copy"]
    with pytest.raises(Invalid):
        cs.bpr_change_record(
            municipality=miyakonojo,
            actor=counter_manager,
            effective_on=timezone.localdate(),
            description="  ",
        )


def _past(number: int, states: list[str], end_state: str = "done") -> cs.PastVisit:
    import datetime as dt

    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    periods = []
    t = start
    for state in states:
        periods.append((state, "1", t, t + dt.timedelta(minutes=5)))
        t += dt.timedelta(minutes=5)
    return cs.PastVisit(start, number, ("tennyu",), end_state, "1", t, tuple(periods))


def test_past_visits_are_checked_against_the_moves_before_any_is_written(
    miyakonojo: Any, counter_procedures: Any
) -> None:
    """A history where a visit goes from waiting straight to on hold is refused whole."""
    good = _past(1, ["waiting", "called", "serving", "on_hold", "serving"])
    bad = _past(2, ["waiting", "on_hold", "serving"])
    with pytest.raises(Invalid) as refused:
        cs.visit_history_record(
            municipality=miyakonojo, actor=None, visits=[good, bad], procedures=counter_procedures
        )
    assert "on_hold cannot follow waiting" in str(refused.value.message)
    assert not CounterVisit.all_tenants.filter(municipality=miyakonojo).exists()
    left_while_serving = _past(3, ["waiting", "called", "serving"], end_state="left")
    with pytest.raises(Invalid):
        cs.visit_history_record(
            municipality=miyakonojo,
            actor=None,
            visits=[left_while_serving],
            procedures=counter_procedures,
        )
    assert (
        cs.visit_history_record(
            municipality=miyakonojo, actor=None, visits=[good], procedures=counter_procedures
        )
        == 1
    )
    assert VisitPeriod.all_tenants.filter(municipality=miyakonojo).count() == 5
