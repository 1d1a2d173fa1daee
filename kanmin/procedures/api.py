"""The procedures app's REST API."""

from __future__ import annotations

# --- counter: the counter statistics as open data ---------------------------------------------
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kanmin.core import selectors as core_selectors
from kanmin.core.schemas import ErrorOut
from kanmin.procedures import counter_stats

# Public: the figures are aggregates without names, publishable as open data. Any figure made of
# fewer than counter_stats.PUBLIC_MIN_N visits has its median and p90 withheld for everyone,
# and no per-visit row is ever given here (those are in the staff's event log).
counter_router = Router(tags=["counter"])


class CounterStatsFilters(Schema):
    from_: dt.date | None = Field(None, alias="from", description="First day (issue date).")
    to: dt.date | None = Field(None, description="Last day, inclusive.")
    procedure: str | None = Field(None, description="A procedure's code.")
    bpr_change: int | None = Field(None, description="Compare the weeks around this change.")


@counter_router.get(
    "/m/{lg_code}/counter/stats",
    response={200: dict[str, Any], 404: ErrorOut, 422: ErrorOut},
    operation_id="procedures_counter_stats",
    summary="Counter waiting and service times",
)
def counter_stats_get(
    request: HttpRequest,
    lg_code: str,
    filters: Query[CounterStatsFilters],
) -> dict[str, Any]:
    """Waiting time (issue to first call), service time (serving periods summed), hold time
    and total stay of counter visits, in minutes: n, median and 90th percentile (linear
    interpolation, type 7), overall, per procedure and per hour of issue; with ``bpr_change``
    the same for equal whole weeks before and after it. Without dates, the last four weeks
    with visits."""
    municipality = core_selectors.municipality_get(lg_code=lg_code)
    query = counter_stats.stats_query(
        municipality=municipality,
        first=filters.from_,
        last=filters.to,
        procedure_code=filters.procedure,
        change_id=filters.bpr_change,
    )
    report = counter_stats.counter_report(municipality=municipality, query=query)
    public = counter_stats.suppress_small(report)
    comparison = (report["bpr_change"] or {}).get("comparison")
    if comparison:
        for side in ("before", "after"):
            comparison[side] = counter_stats.suppress_small(comparison[side])
    public["unit"] = "minutes"
    public["percentile_method"] = "linear interpolation between closest ranks (type 7)"
    public["min_n"] = counter_stats.PUBLIC_MIN_N
    return public


# --- end counter ---
