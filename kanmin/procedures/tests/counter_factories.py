"""Rows for the counter tests: procedures, and visits with chosen times (as plain rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kanmin.procedures.models import Channel, CounterVisit, Procedure, VisitPeriod

CODES = (
    ("juminhyo-copy", "住民票の写しの交付"),
    ("tennyu", "転入届"),
    ("inkan-shomei", "印鑑登録証明書の交付"),
)


def procedures(municipality: Any) -> dict[str, Procedure]:
    return {
        code: Procedure.all_tenants.get_or_create(
            municipality=municipality,
            code=code,
            defaults={"name_ja": name, "channels": [Channel.COUNTER]},
        )[0]
        for code, name in CODES
    }


def visit_at(
    municipality: Any,
    *,
    number: int,
    issued_at: dt.datetime,
    procedures: list[Procedure],
    steps: list[tuple[str, float]],
    end: str | None = "done",
    desk: str = "1",
) -> CounterVisit:
    """A visit issued at ``issued_at`` whose states follow ``steps``: (state, minutes in it);
    the first is waiting. Closed (``end``) at the end of the last step."""
    t = issued_at
    periods = []
    for state, minutes in steps:
        periods.append((state, t, t + dt.timedelta(minutes=minutes)))
        t += dt.timedelta(minutes=minutes)
    visit = CounterVisit.all_tenants.create(
        municipality=municipality,
        issued_on=issued_at.date(),
        number=number,
        issued_at=issued_at,
        state=end or periods[-1][0],
        desk=desk,
        closed_at=t if end else None,
    )
    visit.procedures.set(procedures)
    for state, start, stop in periods:
        VisitPeriod.all_tenants.create(
            municipality=municipality,
            visit=visit,
            state=state,
            desk="" if state == "waiting" else desk,
            started_at=start,
            ended_at=stop if (end or stop != t) else None,
        )
    return visit
