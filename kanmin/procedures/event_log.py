"""Work analysis (Ⅴ-2): the steps of counter visits and online submissions as one event log.

An event log has one row per step: the case (one visit or one submission), the activity, its
time, and a few attributes. This is the shape process-mining tools read (the XES standard's
``concept:name``, ``time:timestamp``, ``org:resource``; PM4Py and Disco import the CSV with
these columns)::

    case_id, activity, timestamp, resource, procedure, source

- Counter visits (source ``counter``): ``issued``, ``called``, ``serving``, ``on_hold``, then
  ``done`` or ``left``; the resource is the desk. A visit for several procedures names them all
  in ``procedure``, separated by spaces.
- Submissions (source ``online``): each status change (``received``, ``reviewing``,
  ``correction``, ``completed``, ``rejected``, ``withdrawn``); the resource is ``staff`` or
  ``resident``, never a person's name.

The bottleneck analysis takes each case's consecutive activities (A → B) and measures the time
between them: per procedure and transition, n, mean and median, the slowest by median marked.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby, pairwise

from django.utils import timezone

from kanmin.core.models import Municipality
from kanmin.procedures.models import CounterVisit, SubmissionEvent, VisitPeriod

COLUMNS = ("case_id", "activity", "timestamp", "resource", "procedure", "source")


@dataclass(frozen=True)
class Event:
    case_id: str
    activity: str
    timestamp: dt.datetime
    resource: str
    procedure: str
    source: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.case_id,
            self.activity,
            timezone.localtime(self.timestamp).isoformat(timespec="seconds"),
            self.resource,
            self.procedure,
            self.source,
        )


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def counter_events(*, municipality: Municipality, first: dt.date, last: dt.date) -> Iterator[Event]:
    """The counter visits issued from ``first`` to ``last`` as events, case by case."""
    visits = (
        CounterVisit.all_tenants.filter(
            municipality=municipality, issued_on__gte=first, issued_on__lte=last
        )
        .prefetch_related("procedures")
        .order_by("issued_at", "pk")
    )
    periods: dict[int, list[VisitPeriod]] = defaultdict(list)
    for period in VisitPeriod.all_tenants.filter(
        municipality=municipality, visit__issued_on__gte=first, visit__issued_on__lte=last
    ).order_by("started_at", "pk"):
        periods[period.visit_id].append(period)
    for visit in visits.iterator(chunk_size=500):
        case = f"visit-{visit.issued_on:%Y%m%d}-{visit.number:04d}"
        codes = " ".join(sorted(p.code for p in visit.procedures.all()))
        yield Event(case, "issued", visit.issued_at, "", codes, "counter")
        for period in periods.get(visit.pk, []):
            if period.state == CounterVisit.State.WAITING:
                continue  # its start is the issue
            yield Event(case, period.state, period.started_at, period.desk, codes, "counter")
        if visit.closed_at is not None:
            yield Event(case, visit.state, visit.closed_at, visit.desk, codes, "counter")


def submission_events(
    *, municipality: Municipality, first: dt.date, last: dt.date
) -> Iterator[Event]:
    """The status changes of submissions from ``first`` to ``last`` as events."""
    start, end = _bounds(first, last)
    events = (
        SubmissionEvent.all_tenants.filter(
            municipality=municipality,
            kind=SubmissionEvent.Kind.STATUS,
            at__gte=start,
            at__lt=end,
        )
        .select_related("submission__procedure")
        .only(
            "status_to",
            "at",
            "by_resident",
            "submission__reference",
            "submission__id",
            "submission__procedure__code",
        )
        .order_by("submission_id", "at", "pk")
    )
    for e in events.iterator(chunk_size=500):
        submission = e.submission
        case = submission.reference or f"submission-{submission.pk}"
        yield Event(
            case,
            e.status_to,
            e.at,
            "resident" if e.by_resident else "staff",
            submission.procedure.code,
            "online",
        )


def event_log(*, municipality: Municipality, first: dt.date, last: dt.date) -> Iterator[Event]:
    yield from counter_events(municipality=municipality, first=first, last=last)
    yield from submission_events(municipality=municipality, first=first, last=last)


@dataclass(frozen=True)
class Transition:
    procedure: str
    source: str
    step_from: str
    step_to: str
    n: int
    mean: float  # minutes
    median: float
    slowest: bool = False


def bottlenecks(events: Iterable[Event]) -> dict[str, list[Transition]]:
    """Per procedure: each transition between consecutive activities of a case, with n, mean
    and median minutes, ordered as the work goes (by the median's position in the log), the
    slowest by median marked. A case of several procedures counts for each."""
    durations: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    order: dict[tuple[str, str, str, str], int] = {}
    rows = sorted(events, key=lambda e: (e.source, e.case_id, e.timestamp))
    for _key, case_events in groupby(rows, key=lambda e: (e.source, e.case_id)):
        steps = list(case_events)
        for position, (a, b) in enumerate(pairwise(steps)):
            minutes = (b.timestamp - a.timestamp).total_seconds() / 60
            for code in a.procedure.split() or ["-"]:
                key = (code, a.source, a.activity, b.activity)
                durations[key].append(minutes)
                order[key] = min(order.get(key, position), position)
    result: dict[str, list[Transition]] = defaultdict(list)
    for key in sorted(durations, key=lambda k: (k[0], k[1], order[k], k[2], k[3])):
        values = durations[key]
        result[key[0]].append(
            Transition(
                key[0],
                key[1],
                key[2],
                key[3],
                len(values),
                round(statistics.fmean(values), 1),
                round(statistics.median(values), 1),
            )
        )
    for code, transitions in result.items():
        slowest = max(transitions, key=lambda t: t.median)
        result[code] = [Transition(**{**t.__dict__, "slowest": t is slowest}) for t in transitions]
    return dict(sorted(result.items()))
