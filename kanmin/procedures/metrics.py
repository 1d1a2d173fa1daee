"""KPI providers for the plan: Ⅰ-1 (online procedures), Ⅰ-2 (Mynaportal), Ⅰ-3 (counters).

Each part of the app adds its metrics in a block of its own below.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanmin.core.metrics import metric
from kanmin.procedures import counter_stats
from kanmin.procedures.models import (
    Channel,
    Consultation,
    ConsultationMessage,
    CounterVisit,
    Notice,
    Procedure,
    Submission,
)
from kanmin.procedures.notice_selectors import fiscal_year_bounds


def _bounds(fiscal_year: Any) -> tuple[dt.datetime, dt.datetime]:
    """The fiscal year (年度, 1 April to 31 March) as [start, end) in the site's time zone."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(fiscal_year.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(fiscal_year.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


# --- procedure catalog ---
# The catalog keeps no history of a procedure's state, so a fiscal year's count is the current
# catalog's procedures that existed by the end of that year: exact for the current year and
# for a year just closed, an approximation for years long past.


def _online_procedures(municipality: Any, fiscal_year: Any) -> Any:
    _start, end = _bounds(fiscal_year)
    return Procedure.all_tenants.filter(
        municipality=municipality, is_published=True, is_online=True, created_at__lt=end
    )


@metric(
    "procedures.online_procedures",
    unit="件",
    description=_(
        "Procedures that can be completed online: published procedures of the catalog marked "
        "“can be completed online”, added by the end of the fiscal year (counted from the "
        "catalog as it is now)"
    ),
)
def online_procedures(*, municipality: Any, fiscal_year: Any) -> int:
    return int(_online_procedures(municipality, fiscal_year).count())


@metric(
    "procedures.mynaportal_procedures",
    unit="件",
    description=_(
        "Procedures that can be completed online through Mynaportal: those counted as online "
        "procedures that have a Pittari Service (Mynaportal) identifier"
    ),
)
def mynaportal_procedures(*, municipality: Any, fiscal_year: Any) -> int:
    return int(_online_procedures(municipality, fiscal_year).exclude(pittari_id="").count())


@metric(
    "procedures.online_applications",
    unit="件",
    description=_(
        "Online applications submitted in the fiscal year (April to March), whatever became of "
        "them afterwards (withdrawn and rejected ones included; drafts not)"
    ),
)
def online_applications(*, municipality: Any, fiscal_year: Any) -> int:
    start, end = _bounds(fiscal_year)
    return int(
        Submission.all_tenants.filter(
            municipality=municipality,
            channel=Channel.ONLINE,
            submitted_at__gte=start,
            submitted_at__lt=end,
        ).count()
    )


def _counter_stays(municipality: Any, fiscal_year: Any) -> list[float]:
    """Total stays (minutes) of the visits completed in the fiscal year (年度, by issue day)."""
    rows = CounterVisit.all_tenants.filter(
        municipality=municipality,
        state=CounterVisit.State.DONE,
        issued_on__gte=fiscal_year.start,
        issued_on__lte=fiscal_year.end,
        closed_at__isnull=False,
    ).values_list("issued_at", "closed_at")
    return [
        (closed - issued) / dt.timedelta(minutes=1) for issued, closed in rows if closed is not None
    ]


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


@metric("procedures.notices_sent", unit="件", description=_("Electronic notices sent"))
def notices_sent(*, municipality: Any, fiscal_year: Any) -> int:
    """Notices sent to residents' inboxes within the fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    return int(
        Notice.all_tenants.filter(
            municipality=municipality, sent_at__gte=start, sent_at__lt=end
        ).count()
    )


@metric(
    "procedures.consultations_answered",
    unit="件",
    description=_("Consultations answered online by a department"),
)
def consultations_answered(*, municipality: Any, fiscal_year: Any) -> int:
    """Consultations whose first answer from staff was written within the fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    firsts = (
        ConsultationMessage.all_tenants.filter(municipality=municipality, by_staff=True)
        .values("consultation_id")
        .order_by()
        .annotate(first=Min("created_at"))
        .filter(first__gte=start, first__lt=end)
    )
    return int(
        Consultation.all_tenants.filter(
            municipality=municipality, pk__in=firsts.values("consultation_id")
        ).count()
    )
