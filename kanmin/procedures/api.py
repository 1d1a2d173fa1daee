"""The online procedures in the REST API (``/api/v1/``).

Each part of the app adds its routes in a block of its own below.
"""

from __future__ import annotations

# --- procedure catalog ---
# Public reads of the published catalog: anyone, no token.
import datetime as dt
import re
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from kanmin.core import selectors as core_selectors
from kanmin.core.schemas import ErrorOut
from kanmin.procedures import catalog, counter_stats, selectors

catalog_router = Router(tags=["procedures"])

CATALOG_PREFIX = "/m/{lg_code}/procedures"
# An offset beyond this is no page at all (and SQLite answered one past 64 bits with a 500).
MAX_OFFSET = 1_000_000_000


class ProcedureOut(Schema):
    code: str
    name_ja: str
    name_en: str
    department_code: str | None
    department_ja: str | None
    department_en: str | None
    description_ja: str
    description_en: str
    legal_basis: str
    fee_yen: int | None = Field(description="Empty when there is no fee.")
    fee_note: str
    documents: list[str]
    channels: list[str] = Field(description="Any of online, counter and post.")
    is_online: bool = Field(description="Whether it can be completed online.")
    online_url: str
    pittari_id: str = Field(description="Its ぴったりサービス identifier, if it has one.")


class ProcedureListOut(Schema):
    count: int
    results: list[ProcedureOut]


class ProcedureFilters(Schema):
    q: str = Field("", max_length=100, description="Words of the name or description.")
    department: str = Field("", max_length=50, description="A department's code.")
    channel: str = Field("", description="online, counter or post.")
    online: bool | None = Field(None, description="Only those that can (not) be done online.")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _procedure_out(procedure: Any) -> dict[str, Any]:
    department = procedure.department
    return {
        "code": procedure.code,
        "name_ja": procedure.name_ja,
        "name_en": procedure.name_en,
        "department_code": department.code if department else None,
        "department_ja": department.name_ja if department else None,
        "department_en": department.name_en if department else None,
        "description_ja": procedure.description_ja,
        "description_en": procedure.description_en,
        "legal_basis": procedure.legal_basis,
        "fee_yen": procedure.fee_yen,
        "fee_note": procedure.fee_note,
        "documents": catalog.documents_list(procedure),
        "channels": list(procedure.channels),
        "is_online": procedure.is_online,
        "online_url": procedure.online_url,
        "pittari_id": procedure.pittari_id,
    }


@catalog_router.get(
    CATALOG_PREFIX,
    response={200: ProcedureListOut, 404: ErrorOut},
    operation_id="procedures_procedure_list",
)
def procedure_list(
    request: HttpRequest, lg_code: str, filters: Query[ProcedureFilters]
) -> dict[str, Any]:
    """The municipality's published procedures (手続), in its departments' order."""
    municipality = core_selectors.municipality_get(lg_code=lg_code)
    rows = selectors.procedure_list(
        municipality,
        published_only=True,
        q=filters.q,
        department=filters.department or None,
        channel=filters.channel,
        online=filters.online,
    )
    page = list(rows[filters.offset : filters.offset + filters.limit])
    return {"count": rows.count(), "results": [_procedure_out(p) for p in page]}


@catalog_router.get(
    CATALOG_PREFIX + "/{code}",
    response={200: ProcedureOut, 404: ErrorOut},
    operation_id="procedures_procedure_get",
)
def procedure_get(request: HttpRequest, lg_code: str, code: str) -> dict[str, Any]:
    """One published procedure by its code."""
    municipality = core_selectors.municipality_get(lg_code=lg_code)
    return _procedure_out(selectors.procedure_get(municipality, code, published_only=True))


# Public: the figures are aggregates without names, publishable as open data. Any figure made of
# fewer than counter_stats.PUBLIC_MIN_N visits has its median and p90 withheld for everyone,
# and no per-visit row is ever given here (those are in the staff's event log).
counter_router = Router(tags=["counter"])
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CounterStatsFilters(Schema):
    from_: dt.date | None = Field(None, alias="from", description="First day (issue date).")
    to: dt.date | None = Field(None, description="Last day, inclusive.")
    procedure: str | None = Field(None, description="A procedure's code.")
    bpr_change: int | None = Field(None, description="Compare the weeks around this change.")

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        """Only YYYY-MM-DD, as the document says (pydantic would read "0" as 1970-01-01)."""
        if isinstance(value, str) and value and not _ISO_DATE.fullmatch(value):
            raise ValueError("Give a date as YYYY-MM-DD.")
        return value


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
