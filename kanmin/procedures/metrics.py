"""KPI providers for the plan: online procedures and the counter (窓口BPR).

Counter stays are of the visits completed and issued within the fiscal year (年度), from the
ticket to completion, in minutes; the percentile method is ``counter_stats.percentile``'s."""

from __future__ import annotations

# --- counter: the time residents stay at the counter (窓口BPR) ---------------------------------
import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from kanmin.core.metrics import metric
from kanmin.procedures import counter_stats
from kanmin.procedures.models import CounterVisit


def _counter_stays(municipality: Any, fiscal_year: Any) -> list[float]:
    """Total stays (minutes) of the visits completed in the fiscal year (年度, by issue day)."""
    rows = CounterVisit.all_tenants.filter(
        municipality=municipality,
        state=CounterVisit.State.DONE,
        issued_on__gte=fiscal_year.start,
        issued_on__lte=fiscal_year.end,
        closed_at__isnull=False,
    ).values_list("issued_at", "closed_at")
    return [(closed - issued) / dt.timedelta(minutes=1) for issued, closed in rows]


@metric(
    "procedures.counter_stay_median",
    unit="分",
    description=_("Median time at the counter, from ticket to completion (minutes)"),
)
def counter_stay_median(*, municipality: Any, fiscal_year: Any) -> float | None:
    value = counter_stats.percentile(_counter_stays(municipality, fiscal_year), 0.5)
    return None if value is None else round(value, 1)


@metric(
    "procedures.counter_stay_p90",
    unit="分",
    description=_(
        "90th percentile of the time at the counter, from ticket to completion (minutes)"
    ),
)
def counter_stay_p90(*, municipality: Any, fiscal_year: Any) -> float | None:
    value = counter_stats.percentile(_counter_stays(municipality, fiscal_year), 0.9)
    return None if value is None else round(value, 1)


# --- end counter ---
