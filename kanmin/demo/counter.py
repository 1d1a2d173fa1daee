"""The demo's counter (窓口): a generated month of visits at 都城市's 市民課, March 2026.

March is the moving season (転入・転出), so the month is busy. Every build is the same (a fixed
seed). Residents arrive more at opening (8:30), at lunch time and on Mondays; about one visit in
five is for two or three procedures (a 転入届 with 児童手当 and a 住民票の写し); five desks serve
them in the order they came. Some 転入 visits are put on hold (a document to fetch), and a few
residents have left when they are called. On Monday 16 March a BPR change (住民票の写しの請求書
is filled in by staff from an interview: 書かない窓口) shortens the service of 住民票の写し.

The month is written in bulk by ``counter_services.visit_history_record`` (the step services one
visit at a time would take minutes), which checks every visit against the counter's moves first;
:func:`simulate` moves each visit through the same states in the same order as the desks do
(waiting → called → serving ⇄ on hold → done, or left), one period per state, so the statistics
read them as they read real ones. Times and numbers are fictional (デモ用の架空の値).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from kanmin.core.models import Department, Municipality
from kanmin.procedures import counter_services
from kanmin.procedures.models import BprChange, Channel, CounterVisit, Procedure

JST = ZoneInfo("Asia/Tokyo")
FIRST_DAY = dt.date(2026, 3, 2)
LAST_DAY = dt.date(2026, 3, 31)
BPR_DAY = dt.date(2026, 3, 16)
SEED = 20260316
DESKS = ("1", "2", "3", "4", "5")
OPENS = dt.time(8, 30)
LAST_TICKET = dt.time(17, 0)

# (code, Japanese, English, department, median service minutes, spread)
PROCEDURES = (
    (
        "juminhyo-copy",
        "住民票の写しの交付",
        "Copy of the residence certificate",
        "shimin",
        8.0,
        0.35,
    ),
    ("inkan-shomei", "印鑑登録証明書の交付", "Seal registration certificate", "shimin", 5.0, 0.3),
    ("tennyu", "転入届", "Moving-in notification", "shimin", 22.0, 0.35),
    ("tenshutsu", "転出届", "Moving-out notification", "shimin", 12.0, 0.3),
    ("jido-teate", "児童手当の認定請求", "Child allowance application", "kodomo", 14.0, 0.35),
)
# The share of visits coming first for each procedure (March: more moves than usual).
MAIN_WEIGHTS = {
    "juminhyo-copy": 0.40,
    "inkan-shomei": 0.18,
    "tennyu": 0.20,
    "tenshutsu": 0.15,
    "jido-teate": 0.07,
}
# What else a visit often comes with.
COMPANIONS = {
    "tennyu": ("jido-teate", "juminhyo-copy"),
    "tenshutsu": ("juminhyo-copy",),
    "juminhyo-copy": ("inkan-shomei",),
}
BPR_SERVICE_FACTOR = {"juminhyo-copy": 0.6}  # 書かない窓口: 住民票 service about 40 % shorter
# Arrivals per hour on a Tuesday to Friday, from the hour starting at 8 (opening at 8:30).
HOURLY_ARRIVALS = {8: 26, 9: 19, 10: 15, 11: 13, 12: 18, 13: 13, 14: 12, 15: 11, 16: 10}
MONDAY_FACTOR = 1.2
BPR_DESCRIPTION = (
    "住民票の写しの請求書を廃止し、職員が聞き取りで作成する（書かない窓口）。"
    "The request form for residence-certificate copies is filled in by staff from an interview."
)


@dataclass
class PlannedVisit:
    number: int
    issued_at: dt.datetime
    procedures: tuple[str, ...]
    state: str
    desk: str = ""
    closed_at: dt.datetime | None = None
    periods: list[tuple[str, str, dt.datetime, dt.datetime | None]] = field(default_factory=list)


def _minutes(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(value * 60))


def _arrivals(day: dt.date, rng: random.Random) -> list[dt.datetime]:
    """Arrival times of one weekday (a Poisson process, its rate changing by the hour)."""
    factor = MONDAY_FACTOR if day.weekday() == 0 else 1.0
    times = []
    for hour, rate in HOURLY_ARRIVALS.items():
        start = dt.datetime.combine(day, max(dt.time(hour), OPENS), tzinfo=JST)
        end = min(
            dt.datetime.combine(day, dt.time(hour + 1), tzinfo=JST),
            dt.datetime.combine(day, LAST_TICKET, tzinfo=JST),
        )
        t = start
        per_minute = rate * factor / 60
        while True:
            t += _minutes(rng.expovariate(per_minute))
            if t >= end:
                break
            times.append(t)
    return times


def _procedures_of_visit(rng: random.Random) -> tuple[str, ...]:
    main = rng.choices(list(MAIN_WEIGHTS), weights=list(MAIN_WEIGHTS.values()))[0]
    chosen = [main]
    for other in COMPANIONS.get(main, ()):
        if rng.random() < 0.3:
            chosen.append(other)
    return tuple(chosen)


def _service_minutes(codes: tuple[str, ...], day: dt.date, rng: random.Random) -> float:
    medians = {code: (median, spread) for code, _ja, _en, _d, median, spread in PROCEDURES}
    total = 0.0
    for code in codes:
        median, spread = medians[code]
        if day >= BPR_DAY:
            median *= BPR_SERVICE_FACTOR.get(code, 1.0)
        total += rng.lognormvariate(math.log(median), spread)
    return max(total, 1.5)


def simulate(seed: int = SEED) -> Iterator[PlannedVisit]:
    """Every visit of the month, moved through the counter's states by five desks serving in
    the order of the tickets."""
    rng = random.Random(seed)  # noqa: S311  (a demo, repeatable on purpose)
    day = FIRST_DAY
    while day <= LAST_DAY:
        if day.weekday() < 5:
            free = dict.fromkeys(DESKS, dt.datetime.combine(day, OPENS, tzinfo=JST))
            for number, arrival in enumerate(_arrivals(day, rng), start=1):
                codes = _procedures_of_visit(rng)
                visit = PlannedVisit(number, arrival, codes, CounterVisit.State.DONE)
                desk = min(free, key=lambda d: (free[d], d))
                called = max(arrival, free[desk]) + _minutes(rng.uniform(0.1, 0.5))
                visit.desk = desk
                visit.periods.append(("waiting", "", arrival, called))
                if rng.random() < 0.02:  # did not come when called
                    gone = called + _minutes(rng.uniform(1, 3))
                    visit.periods.append(("called", desk, called, gone))
                    visit.state, visit.closed_at = CounterVisit.State.LEFT, gone
                    free[desk] = gone
                    yield visit
                    continue
                serving = called + _minutes(rng.uniform(0.5, 1.5))
                visit.periods.append(("called", desk, called, serving))
                service = _service_minutes(codes, day, rng)
                if "tennyu" in codes and rng.random() < 0.25:
                    first = service * rng.uniform(0.3, 0.6)
                    hold_start = serving + _minutes(first)
                    hold_end = hold_start + _minutes(rng.uniform(4, 15))
                    visit.periods.append(("serving", desk, serving, hold_start))
                    visit.periods.append(("on_hold", desk, hold_start, hold_end))
                    done = hold_end + _minutes(service - first)
                    visit.periods.append(("serving", desk, hold_end, done))
                    free[desk] = done + _minutes(rng.uniform(0.3, 1.0))
                else:
                    done = serving + _minutes(service)
                    visit.periods.append(("serving", desk, serving, done))
                    free[desk] = done + _minutes(rng.uniform(0.3, 1.0))
                visit.closed_at = done
                yield visit
        day += dt.timedelta(days=1)


def _procedures(
    municipality: Municipality, departments: Mapping[str, Department]
) -> dict[str, Procedure]:
    """The procedures of the demo's counter, by code; made here when the catalog has none."""
    found: dict[str, Procedure] = {}
    for code, name_ja, name_en, department, _median, _spread in PROCEDURES:
        found[code], _created = Procedure.all_tenants.get_or_create(
            municipality=municipality,
            code=code,
            defaults={
                "name_ja": name_ja,
                "name_en": name_en,
                "department": departments.get(department),
                "channels": [Channel.COUNTER],
            },
        )
    return found


@transaction.atomic
def counter_build(
    *, municipality: Municipality, actor: Any, departments: Mapping[str, Department]
) -> int:
    """Write the month of visits and the BPR change; nothing when the month is there already.
    The number of visits written."""
    procedures = _procedures(municipality, departments)
    if not BprChange.all_tenants.filter(municipality=municipality, effective_on=BPR_DAY).exists():
        counter_services.bpr_change_record(
            municipality=municipality,
            actor=actor,
            effective_on=BPR_DAY,
            description=BPR_DESCRIPTION,
            procedures=[procedures["juminhyo-copy"]],
        )
    if CounterVisit.all_tenants.filter(
        municipality=municipality, issued_on__gte=FIRST_DAY, issued_on__lte=LAST_DAY
    ).exists():
        return 0
    planned = [
        counter_services.PastVisit(
            issued_at=p.issued_at,
            number=p.number,
            procedures=p.procedures,
            state=p.state,
            desk=p.desk,
            closed_at=p.closed_at,
            periods=tuple(p.periods),
        )
        for p in simulate()
    ]
    return counter_services.visit_history_record(
        municipality=municipality, actor=actor, visits=planned, procedures=procedures
    )
