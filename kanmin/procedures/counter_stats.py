"""Counter (窓口) statistics: waiting, service, hold and total stay times, per procedure and per
hour of the day, with the median and the 90th percentile, and the weeks before and after a BPR
change.

The pure functions at the top take plain rows (``VisitRow``) and know nothing of the database;
the selectors at the bottom read the rows of one municipality.

Definitions (all in minutes):

- waiting time: from the ticket's issue to its first call (or to the start of service when it
  was served without a call); visits never called have none;
- service time: the serving periods summed (holds excluded), completed visits only;
- hold time: the on-hold periods summed, completed visits that were put on hold only;
- total stay: from issue to completion, completed visits only.

A visit for several procedures counts in the figures of each of them (its times cannot be split
between procedures at the counter). The hour is the local hour the ticket was issued.

Percentiles: linear interpolation between closest ranks (Hyndman and Fan's type 7, the default
of NumPy and R, and Excel's PERCENTILE.INC): for sorted values x₁…xₙ and q in [0, 1] the rank
is h = (n − 1)q, and the value x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋) (0-based). The median is q = 0.5.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Min, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.core.errors import Invalid, NotFound
from kanmin.core.models import Municipality
from kanmin.procedures.models import BprChange, CounterVisit, Procedure, VisitPeriod

State = CounterVisit.State
MEASURES = ("wait", "service", "hold", "stay")
# Figures made of fewer visits than this are withheld from the public (open-data) answer: one
# or two visits in an hour could be told apart by someone who saw them.
PUBLIC_MIN_N = 5
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class Period:
    state: str
    start: dt.datetime
    end: dt.datetime | None


@dataclass(frozen=True)
class VisitRow:
    pk: int
    issued_at: dt.datetime
    closed_at: dt.datetime | None
    state: str
    procedures: tuple[str, ...]
    periods: tuple[Period, ...]


@dataclass(frozen=True)
class Times:
    wait: float | None
    service: float | None
    hold: float | None
    stay: float | None


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


def visit_times(row: VisitRow) -> Times:
    """The waiting, service, hold and stay times of one visit (see the module's definitions)."""
    first_call = next(
        (p.start for p in row.periods if p.state in (State.CALLED, State.SERVING)), None
    )
    wait = _minutes(first_call - row.issued_at) if first_call is not None else None
    if row.state != State.DONE or row.closed_at is None:
        return Times(wait, None, None, None)

    def summed(state: str) -> float:
        return sum(
            (
                _minutes((p.end or row.closed_at or p.start) - p.start)
                for p in row.periods
                if p.state == state
            ),
            0.0,
        )

    held = any(p.state == State.ON_HOLD for p in row.periods)
    return Times(
        wait,
        summed(State.SERVING),
        summed(State.ON_HOLD) if held else None,
        _minutes(row.closed_at - row.issued_at),
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0 ≤ q ≤ 1) by linear interpolation between closest ranks (type 7)."""
    if not values:
        return None
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def summary(values: Sequence[float]) -> dict[str, Any]:
    """n, median and 90th percentile (minutes, one decimal) of ``values``."""

    def rounded(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return {
        "n": len(values),
        "median": rounded(percentile(values, 0.5)),
        "p90": rounded(percentile(values, 0.9)),
    }


def _summaries(times: Iterable[Times]) -> dict[str, dict[str, Any]]:
    columns: dict[str, list[float]] = {m: [] for m in MEASURES}
    for t in times:
        for m in MEASURES:
            value = getattr(t, m)
            if value is not None:
                columns[m].append(value)
    return {m: summary(v) for m, v in columns.items()}


def counter_stats(rows: Sequence[VisitRow], *, tz: Any = None) -> dict[str, Any]:
    """Counts, and each measure's n, median and p90, overall, per procedure and per hour."""
    tz = tz or timezone.get_current_timezone()
    timed = [(row, visit_times(row)) for row in rows]
    per_procedure: dict[str, list[Times]] = defaultdict(list)
    per_hour: dict[int, list[Times]] = defaultdict(list)
    for row, times in timed:
        for code in row.procedures:
            per_procedure[code].append(times)
        per_hour[row.issued_at.astimezone(tz).hour].append(times)
    return {
        "counts": {
            "issued": len(rows),
            "done": sum(1 for r in rows if r.state == State.DONE),
            "left": sum(1 for r in rows if r.state == State.LEFT),
            "open": sum(1 for r in rows if r.state not in (State.DONE, State.LEFT)),
        },
        "overall": _summaries(t for _r, t in timed),
        "by_procedure": {code: _summaries(ts) for code, ts in sorted(per_procedure.items())},
        "by_hour": {hour: _summaries(ts) for hour, ts in sorted(per_hour.items())},
    }


def comparison_window(
    change_on: dt.date, first: dt.date, last: dt.date
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]] | None:
    """The same number of whole weeks before and after ``change_on`` within first…last, so
    both sides have the same mix of weekdays (Mondays are busier); None when there is not a
    whole week on both sides. Each side is (first day, last day), inclusive."""
    weeks = min((change_on - first).days, (last - change_on).days + 1) // 7
    if weeks < 1:
        return None
    days = dt.timedelta(days=7 * weeks)
    one = dt.timedelta(days=1)
    return (change_on - days, change_on - one), (change_on, change_on + days - one)


def before_after(
    rows: Sequence[VisitRow], change_on: dt.date, first: dt.date, last: dt.date, *, tz: Any = None
) -> dict[str, Any] | None:
    """The statistics of the weeks before and after a change (see ``comparison_window``)."""
    tz = tz or timezone.get_current_timezone()
    window = comparison_window(change_on, first, last)
    if window is None:
        return None
    sides: dict[str, Any] = {"weeks": ((window[0][1] - window[0][0]).days + 1) // 7}
    for name, (start, end) in zip(("before", "after"), window, strict=True):
        chosen = [r for r in rows if start <= r.issued_at.astimezone(tz).date() <= end]
        sides[name] = {"from": start, "to": end, **counter_stats(chosen, tz=tz)}
    return sides


def suppress_small(stats: dict[str, Any], min_n: int = PUBLIC_MIN_N) -> dict[str, Any]:
    """A copy of ``counter_stats``'s answer with the median and p90 of any figure of fewer
    than ``min_n`` visits withheld (null, ``"suppressed": true``)."""

    def cell(s: dict[str, Any]) -> dict[str, Any]:
        if s["n"] >= min_n:
            return s
        return {"n": s["n"], "median": None, "p90": None, "suppressed": True}

    def group(g: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {m: cell(s) for m, s in g.items()}

    return {
        **stats,
        "overall": group(stats["overall"]),
        "by_procedure": {k: group(v) for k, v in stats["by_procedure"].items()},
        "by_hour": {k: group(v) for k, v in stats["by_hour"].items()},
    }


# ------------------------------------------------------------------------------------------
# Selectors
# ------------------------------------------------------------------------------------------


def visit_rows(
    *,
    municipality: Municipality,
    first: dt.date,
    last: dt.date,
    procedure: Procedure | None = None,
) -> list[VisitRow]:
    """The municipality's visits issued from ``first`` to ``last`` (inclusive) as rows."""
    visits = (
        CounterVisit.all_tenants.filter(
            municipality=municipality, issued_on__gte=first, issued_on__lte=last
        )
        .prefetch_related(
            Prefetch("procedures", queryset=Procedure.all_tenants.only("pk", "code")),
            Prefetch(
                "periods",
                queryset=VisitPeriod.all_tenants.only(
                    "visit_id", "state", "started_at", "ended_at"
                ).order_by("started_at", "pk"),
            ),
        )
        .order_by("issued_at", "pk")
    )
    if procedure is not None:
        visits = visits.filter(procedures=procedure)
    return [
        VisitRow(
            pk=v.pk,
            issued_at=v.issued_at,
            closed_at=v.closed_at,
            state=v.state,
            procedures=tuple(sorted(p.code for p in v.procedures.all())),
            periods=tuple(Period(p.state, p.started_at, p.ended_at) for p in v.periods.all()),
        )
        for v in visits
    ]


def default_range(*, municipality: Municipality) -> tuple[dt.date, dt.date]:
    """The four weeks up to the last day with visits (today when there are none)."""
    last = (
        CounterVisit.all_tenants.filter(municipality=municipality).aggregate(d=Max("issued_on"))[
            "d"
        ]
        or timezone.localdate()
    )
    return last - dt.timedelta(days=DEFAULT_DAYS - 1), last


def bpr_change_list(*, municipality: Municipality) -> list[BprChange]:
    return list(
        BprChange.all_tenants.filter(municipality=municipality).prefetch_related("procedures")
    )


def bpr_change_get(*, municipality: Municipality, pk: int) -> BprChange:
    change = BprChange.all_tenants.filter(municipality=municipality, pk=pk).first()
    if change is None:
        raise NotFound()
    return change


def procedure_by_code(*, municipality: Municipality, code: str) -> Procedure:
    procedure = Procedure.all_tenants.filter(municipality=municipality, code=code).first()
    if procedure is None:
        raise NotFound()
    return procedure


def procedure_names(*, municipality: Municipality) -> dict[str, Procedure]:
    return {p.code: p for p in Procedure.all_tenants.filter(municipality=municipality)}


def _around(municipality: Municipality, change_on: dt.date) -> tuple[dt.date, dt.date]:
    """Four weeks on each side of ``change_on``, within the days that have visits."""
    first = change_on - dt.timedelta(days=DEFAULT_DAYS)
    last = change_on + dt.timedelta(days=DEFAULT_DAYS - 1)
    extent = CounterVisit.all_tenants.filter(municipality=municipality).aggregate(
        first=Min("issued_on"), last=Max("issued_on")
    )
    if extent["first"] is not None:
        first, last = max(first, extent["first"]), min(last, extent["last"])
    return (first, last) if first <= last else (change_on, change_on)


@dataclass(frozen=True)
class StatsQuery:
    first: dt.date
    last: dt.date
    procedure: Procedure | None
    change: BprChange | None


def stats_query(
    *,
    municipality: Municipality,
    first: dt.date | None,
    last: dt.date | None,
    procedure_code: str | None,
    change_id: int | None,
) -> StatsQuery:
    """Check and complete the parameters of a statistics request (the API and the page)."""
    change = bpr_change_get(municipality=municipality, pk=change_id) if change_id else None
    default_first, default_last = default_range(municipality=municipality)
    if change is not None and first is None and last is None:
        # The four weeks on each side of the change, within the days that have visits.
        default_first, default_last = _around(municipality, change.effective_on)
    if first is None and last is not None:
        first = last - dt.timedelta(days=DEFAULT_DAYS - 1)
    first = first or default_first
    last = last or (
        first + dt.timedelta(days=DEFAULT_DAYS - 1) if first != default_first else default_last
    )
    if first > last:
        raise Invalid(
            fields={"to": [_("The last day must not be before the first day.")]},
        )
    if (last - first).days > 366:
        raise Invalid(fields={"to": [_("Ask for at most one year at a time.")]})
    procedure = (
        procedure_by_code(municipality=municipality, code=procedure_code)
        if procedure_code
        else None
    )
    return StatsQuery(first, last, procedure, change)


def counter_report(*, municipality: Municipality, query: StatsQuery) -> dict[str, Any]:
    """The statistics of ``query``: the range's figures and, with a change, before/after.

    The comparison takes the range when the change falls inside it, else the four weeks on
    each side of the change within the days that have visits at all (weeks before the counter
    was recorded are not "before")."""
    rows = visit_rows(
        municipality=municipality, first=query.first, last=query.last, procedure=query.procedure
    )
    report: dict[str, Any] = {
        "from": query.first,
        "to": query.last,
        "procedure": query.procedure.code if query.procedure else None,
        **counter_stats(rows),
        "bpr_change": None,
    }
    if query.change is not None:
        change_on = query.change.effective_on
        if query.first < change_on <= query.last:
            first, last = query.first, query.last
        else:
            first, last = _around(municipality, change_on)
        around = (
            rows
            if (first, last) == (query.first, query.last)
            else visit_rows(
                municipality=municipality, first=first, last=last, procedure=query.procedure
            )
        )
        report["bpr_change"] = {
            "id": query.change.pk,
            "effective_on": change_on,
            "description": query.change.description,
            "procedures": sorted(p.code for p in query.change.procedures.all()),
            "comparison": before_after(around, change_on, first, last),
        }
    return report
