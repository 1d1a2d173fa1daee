"""Reads of the counter pages: today's queue, a desk's current visit, the public display."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kanmin.core.errors import NotFound
from kanmin.core.models import Municipality
from kanmin.procedures.models import CounterVisit, VisitPeriod

State = CounterVisit.State
DISPLAY_LIMIT = 8


def _today(municipality: Municipality) -> QuerySet[CounterVisit]:
    return CounterVisit.all_tenants.filter(
        municipality=municipality, issued_on=timezone.localdate()
    )


def visit_get(*, municipality: Municipality, pk: int) -> CounterVisit:
    visit = (
        CounterVisit.all_tenants.filter(municipality=municipality, pk=pk)
        .prefetch_related("procedures")
        .first()
    )
    if visit is None:
        raise NotFound()
    return visit


def waiting_list(*, municipality: Municipality) -> list[CounterVisit]:
    """Today's waiting visits, longest waiting first, each with ``waited_minutes``."""
    now = timezone.now()
    visits = list(
        _today(municipality)
        .filter(state=State.WAITING)
        .prefetch_related("procedures")
        .order_by("issued_at", "number")
    )
    for visit in visits:
        visit.waited_minutes = int((now - visit.issued_at).total_seconds() // 60)  # type: ignore[attr-defined]
    return visits


def desk_visit(*, municipality: Municipality, desk: str) -> CounterVisit | None:
    """The visit called to or served at ``desk`` now, if any."""
    if not desk:
        return None
    return (
        _today(municipality)
        .filter(desk=desk, state__in=(State.CALLED, State.SERVING))
        .prefetch_related("procedures")
        .order_by("-issued_at")
        .first()
    )


def on_hold_list(*, municipality: Municipality) -> list[CounterVisit]:
    return list(
        _today(municipality)
        .filter(state=State.ON_HOLD)
        .prefetch_related("procedures")
        .order_by("issued_at")
    )


def display_state(*, municipality: Municipality) -> dict[str, Any]:
    """What the public display shows: numbers called (newest first) and their desks, the
    number of people waiting. No names, no procedures."""
    called = list(
        _today(municipality)
        .filter(state__in=(State.CALLED, State.SERVING))
        .order_by("-pk")
        .values("number", "desk", "state")
    )
    # Newest call first: the called period's start orders them.
    latest = dict(
        VisitPeriod.all_tenants.filter(
            municipality=municipality,
            visit__issued_on=timezone.localdate(),
            state=State.CALLED,
        )
        .order_by("started_at")
        .values_list("visit__number", "started_at")
    )
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    called.sort(key=lambda v: latest.get(v["number"], epoch), reverse=True)
    return {
        "called": called[:DISPLAY_LIMIT],
        "waiting": _today(municipality).filter(state=State.WAITING).count(),
    }
