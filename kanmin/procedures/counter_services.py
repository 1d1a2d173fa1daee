"""Counter visits (窓口): a ticket is issued at reception, called to a desk, served (with holds
in between), and completed, or the resident left before being served.

Every step closes the visit's open ``VisitPeriod`` and opens the next, so the time spent in each
state falls out of the periods (TheQ's model)::

    waiting → called → serving ⇄ on_hold → done
       └────────┴──────────┴───────┴────→ left (no-show, or gave up)

A move from the wrong state (a second clerk pressing "serve" on a visit already completed) is
refused with ``Conflict``; each move is a conditional UPDATE on the visit's state, so two desks
can never both take the same visit, on SQLite or PostgreSQL.

The ticket number is the number of the day per municipality (1, 2, …): the next one is the day's
highest plus one, written under the unique constraint (municipality, day, number); when two
clerks issue at the same moment the second insert fails on the constraint and is retried with
the next number, inside a savepoint so the surrounding transaction carries on.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kanmin.core.actions import Changed, Outcome, action
from kanmin.core.errors import Conflict, Invalid
from kanmin.core.models import Municipality
from kanmin.procedures.models import BprChange, Channel, CounterVisit, Procedure, VisitPeriod

State = CounterVisit.State

# Which state each step moves a visit to, and from which states it may.
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "call": (frozenset({State.WAITING}), State.CALLED),
    "serve": (frozenset({State.CALLED, State.WAITING}), State.SERVING),
    "hold": (frozenset({State.SERVING}), State.ON_HOLD),
    "resume": (frozenset({State.ON_HOLD}), State.SERVING),
    "complete": (frozenset({State.SERVING, State.ON_HOLD}), State.DONE),
    "left": (frozenset({State.WAITING, State.CALLED, State.ON_HOLD}), State.LEFT),
}
CLOSED = frozenset({State.DONE, State.LEFT})
# A desk attends to one visit at a time: these states keep it busy.
AT_DESK = frozenset({State.CALLED, State.SERVING})
ISSUE_ATTEMPTS = 20
MAX_DESK_LENGTH = 40


def _now() -> dt.datetime:
    return timezone.now()


def _clean_desk(desk: str) -> str:
    desk = (desk or "").strip()
    if not desk:
        raise Invalid(
            _("Say which desk you are at (e.g. 3), so the display can show where to go."),
            fields={"desk": [_("Enter the desk's name or number.")]},
        )
    if len(desk) > MAX_DESK_LENGTH:
        raise Invalid(
            fields={
                "desk": [
                    _("Use at most %(n)d characters for the desk's name.") % {"n": MAX_DESK_LENGTH}
                ]
            }
        )
    return desk


def _open_period(visit: CounterVisit, state: str, at: dt.datetime, actor: Any, desk: str) -> None:
    VisitPeriod.all_tenants.create(
        municipality_id=visit.municipality_id,
        visit=visit,
        state=state,
        staff=actor if getattr(actor, "is_authenticated", False) else None,
        desk=desk,
        started_at=at,
    )


def _move(
    visit: CounterVisit, step: str, *, actor: Any, desk: str | None = None
) -> Outcome[CounterVisit]:
    """Move ``visit`` by ``step``: one conditional update, then close the open period and open
    the next (none after done or left)."""
    sources, target = MOVES[step]
    at = _now()
    current = CounterVisit.all_tenants.filter(pk=visit.pk).values_list("state", flat=True).first()
    if current not in sources:
        raise Conflict(
            _(
                "Ticket %(number)d is %(state)s now, so it cannot be %(step)s. "
                "Reload the page to see where it is."
            )
            % {
                "number": visit.number,
                "state": State(current).label if current else "?",
                "step": STEP_LABELS[step],
            },
            code="visit_state",
        )
    desk = visit.desk if desk is None else desk
    fields: dict[str, Any] = {"state": target, "desk": desk}
    if target in CLOSED:
        fields["closed_at"] = at
    # The state we read is part of the condition: a concurrent move by another desk makes
    # this update touch no row, and this one is refused instead of both going through.
    if not CounterVisit.all_tenants.filter(pk=visit.pk, state=current).update(**fields):
        raise Conflict(
            _("Another desk moved ticket %(number)d just now. Reload the page.")
            % {"number": visit.number},
            code="visit_state",
        )
    VisitPeriod.all_tenants.filter(visit=visit, ended_at__isnull=True).update(ended_at=at)
    if target not in CLOSED:
        _open_period(visit, target, at, actor, desk)
    before = {"state": current}
    for name, value in fields.items():
        setattr(visit, name, value)
    return Changed(visit, before=before, after={"state": target, "desk": desk})


STEP_LABELS = {
    "call": gettext_lazy("called"),
    "serve": gettext_lazy("served"),
    "hold": gettext_lazy("put on hold"),
    "resume": gettext_lazy("resumed"),
    "complete": gettext_lazy("completed"),
    "left": gettext_lazy("marked as left"),
}


def _next_number(municipality: Municipality, day: dt.date) -> int:
    highest = CounterVisit.all_tenants.filter(municipality=municipality, issued_on=day).aggregate(
        n=Max("number")
    )["n"]
    return (highest or 0) + 1


@action("procedures.visit.issue", perm="procedures.add_countervisit")
def visit_issue(
    *,
    municipality: Municipality,
    actor: Any,
    procedures: Sequence[Procedure],
    channel: str = Channel.COUNTER,
    desk: str = "",
) -> CounterVisit:
    """Issue a ticket with the number of the day for ``procedures`` (at least one)."""
    if not procedures:
        raise Invalid(
            _("Choose at least one procedure the resident came for."),
            fields={"procedures": [_("Choose at least one procedure.")]},
        )
    if channel not in Channel.values:
        raise Invalid(fields={"channel": [_("Choose a channel from the list.")]})
    at = _now()
    day = timezone.localdate(at)
    for _attempt in range(ISSUE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a lost race rolls back only this try
                visit = CounterVisit.all_tenants.create(
                    municipality=municipality,
                    issued_on=day,
                    number=_next_number(municipality, day),
                    channel=channel,
                    desk=(desk or "").strip()[:MAX_DESK_LENGTH],
                    issued_at=at,
                )
        except IntegrityError:
            continue  # another clerk took this number a moment ago: take the next one
        break
    else:
        raise Conflict(_("Too many tickets were issued at once. Try again."), code="busy")
    visit.procedures.set(procedures)
    _open_period(visit, State.WAITING, at, actor, "")
    return visit


@action("procedures.visit.call", perm="procedures.change_countervisit")
def visit_call(
    *, municipality: Municipality, actor: Any, visit: CounterVisit, desk: str
) -> Outcome[CounterVisit]:
    """Call a waiting visit to ``desk`` (shown on the display)."""
    desk = _clean_desk(desk)
    _desk_free(municipality, desk, visit)
    return _move(visit, "call", actor=actor, desk=desk)


def _desk_free(municipality: Municipality, desk: str, visit: CounterVisit | None) -> None:
    busy = (
        CounterVisit.all_tenants.filter(
            municipality=municipality, desk=desk, state__in=AT_DESK, issued_on=timezone.localdate()
        )
        .exclude(pk=visit.pk if visit is not None else 0)
        .first()
    )
    if busy is not None:
        raise Conflict(
            _(
                "Desk %(desk)s is still attending to ticket %(number)d: complete it, put it on "
                "hold or mark it as left before calling the next one."
            )
            % {"desk": desk, "number": busy.number},
            code="desk_busy",
        )


@action("procedures.visit.call_next", perm="procedures.change_countervisit")
def visit_call_next(
    *,
    municipality: Municipality,
    actor: Any,
    desk: str,
    procedures: Sequence[Procedure] = (),
) -> Outcome[CounterVisit]:
    """Call the visit that has waited longest today (for one of ``procedures``, when given)."""
    desk = _clean_desk(desk)
    _desk_free(municipality, desk, None)
    waiting = CounterVisit.all_tenants.filter(
        municipality=municipality, state=State.WAITING, issued_on=timezone.localdate()
    ).order_by("issued_at", "number")
    if procedures:
        waiting = waiting.filter(procedures__in=list(procedures)).distinct()
    # Two desks pressing "call next" together: the conditional update in _move lets one have
    # each visit; the other tries the next one.
    for visit in waiting[:20]:
        try:
            with transaction.atomic():
                return _move(visit, "call", actor=actor, desk=desk)
        except Conflict:
            continue
    raise Conflict(_("Nobody is waiting."), code="nobody_waiting")


def _step(step: str, doc: str) -> Any:
    @action(f"procedures.visit.{step}", perm="procedures.change_countervisit")
    def move(
        *, municipality: Municipality, actor: Any, visit: CounterVisit, desk: str | None = None
    ) -> Outcome[CounterVisit]:
        if desk is not None:
            desk = _clean_desk(desk)
        return _move(visit, step, actor=actor, desk=desk)

    move.__name__ = f"visit_{step}"
    move.__doc__ = doc
    return move


visit_serve = _step("serve", "Start serving a called visit (or a waiting one, directly).")
visit_hold = _step("hold", "Put a visit being served on hold (a document to fetch, a check).")
visit_resume = _step("resume", "Go on serving a visit that was on hold.")
visit_complete = _step("complete", "Complete a visit: the resident is done.")
visit_left = _step("left", "Mark a visit as left without service (did not come when called).")


@action("procedures.bpr.record", perm="procedures.add_bprchange")
def bpr_change_record(
    *,
    municipality: Municipality,
    actor: Any,
    effective_on: dt.date,
    description: str,
    procedures: Sequence[Procedure] = (),
) -> BprChange:
    """Record a change to the counter's work (窓口BPR) from ``effective_on``."""
    description = (description or "").strip()
    if not description:
        raise Invalid(fields={"description": [_("Say what changed, in a sentence or two.")]})
    change = BprChange.all_tenants.create(
        municipality=municipality,
        effective_on=effective_on,
        description=description,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    change.procedures.set(procedures)
    return change


# ------------------------------------------------------------------------------------------
# Past visits written at once (the demo's generated month; an import from a ticket machine)
# ------------------------------------------------------------------------------------------
# Which state a period may follow: the same moves as above, read backwards.
_FOLLOWS: dict[str, frozenset[str]] = {
    State.CALLED: frozenset({State.WAITING}),
    State.SERVING: frozenset({State.CALLED, State.WAITING, State.ON_HOLD}),
    State.ON_HOLD: frozenset({State.SERVING}),
}


@dataclass(frozen=True)
class PastVisit:
    """A visit that already happened: its periods (state, desk, start, end) in order."""

    issued_at: dt.datetime
    number: int
    procedures: tuple[str, ...]
    state: str
    desk: str
    closed_at: dt.datetime | None
    periods: tuple[tuple[str, str, dt.datetime, dt.datetime | None], ...]


def _past_visit_problem(visit: PastVisit) -> str | None:
    """Why ``visit`` could not have happened at the counter, or None."""
    periods = visit.periods
    if not periods or periods[0][0] != State.WAITING or periods[0][2] != visit.issued_at:
        return "the first period must be waiting, from the issue"
    for (state, _d, _s, end), (next_state, _d2, start, _e) in itertools.pairwise(periods):
        if state not in _FOLLOWS.get(next_state, frozenset()):
            return f"{next_state} cannot follow {state}"
        if end != start:
            return "each period must end where the next begins"
    last_state, _desk, _start, last_end = periods[-1]
    if visit.state in CLOSED:
        allowed = MOVES["complete" if visit.state == State.DONE else "left"][0]
        if last_state not in allowed or last_end is None or last_end != visit.closed_at:
            return f"{visit.state} cannot follow {last_state} at {last_end}"
    elif visit.state != last_state or last_end is not None:
        return "an open visit ends in its open period"
    return None


@action("procedures.visit.history_record", perm="procedures.add_countervisit")
def visit_history_record(
    *,
    municipality: Municipality,
    actor: Any,
    visits: Sequence[PastVisit],
    procedures: Mapping[str, Procedure],
) -> Outcome[int]:
    """Write visits that already happened in bulk, each checked against the counter's moves
    first (one period per state, in an order the desks could have made); the number written.

    Bulk, because a month of visits through the step services one by one takes minutes; the
    checks are the same moves as ``MOVES``, so the statistics read these as they read the
    visits made at the desks."""
    for visit in visits:
        problem = _past_visit_problem(visit)
        unknown = [code for code in visit.procedures if code not in procedures]
        if problem or unknown or not visit.procedures:
            raise Invalid(
                _("Visit %(number)d of %(day)s cannot be recorded: %(problem)s.")
                % {
                    "number": visit.number,
                    "day": timezone.localdate(visit.issued_at),
                    "problem": problem or f"procedures {unknown or '-'}",
                }
            )
    if any(p.municipality_id != municipality.pk for p in procedures.values()):
        raise Invalid(_("The procedures must be this municipality's."))
    rows = CounterVisit.all_tenants.bulk_create(
        [
            CounterVisit(
                municipality=municipality,
                issued_on=timezone.localdate(v.issued_at),
                number=v.number,
                channel=Channel.COUNTER,
                state=v.state,
                desk=v.desk,
                issued_at=v.issued_at,
                closed_at=v.closed_at,
            )
            for v in visits
        ],
        batch_size=500,
    )
    through = CounterVisit.procedures.through
    through.objects.bulk_create(
        [
            through(countervisit_id=row.pk, procedure_id=procedures[code].pk)
            for row, v in zip(rows, visits, strict=True)
            for code in v.procedures
        ],
        batch_size=1000,
    )
    VisitPeriod.all_tenants.bulk_create(
        [
            VisitPeriod(
                municipality=municipality,
                visit_id=row.pk,
                state=state,
                desk=desk,
                started_at=start,
                ended_at=end,
            )
            for row, v in zip(rows, visits, strict=True)
            for state, desk, start, end in v.periods
        ],
        batch_size=1000,
    )
    days = sorted({timezone.localdate(v.issued_at) for v in visits})
    return Changed(
        len(rows),
        extra={
            "visits": len(rows),
            "first_day": str(days[0]) if days else "",
            "last_day": str(days[-1]) if days else "",
        },
    )
