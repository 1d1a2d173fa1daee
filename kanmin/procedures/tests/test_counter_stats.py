"""Counter statistics on known data: the times of a visit, percentiles (checked against the
standard library's own type-7 quantiles), per procedure and hour, before/after a change, the
JSON API's shape and tenancy, and the KPIs."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.metrics import get as get_metric
from kanmin.procedures import counter_services as cs
from kanmin.procedures import counter_stats as st
from kanmin.procedures.tests.counter_factories import visit_at

JST = ZoneInfo("Asia/Tokyo")


def _row(pk: int, minutes: list[tuple[str, float]], start: dt.datetime, codes=("a",), end="done"):
    t = start
    periods = []
    for state, m in minutes:
        periods.append(st.Period(state, t, t + dt.timedelta(minutes=m)))
        t += dt.timedelta(minutes=m)
    return st.VisitRow(pk, start, t if end else None, end or minutes[-1][0], codes, tuple(periods))


def test_times_of_one_visit() -> None:
    """Waiting runs to the first call; service sums serving periods; hold sums holds."""
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=JST)
    row = _row(
        1,
        [("waiting", 12), ("called", 1), ("serving", 5), ("on_hold", 7), ("serving", 3)],
        start,
    )
    times = st.visit_times(row)
    assert (times.wait, times.service, times.hold, times.stay) == (12, 8, 7, 28)
    never_held = st.visit_times(_row(2, [("waiting", 3), ("serving", 4)], start))
    assert (never_held.wait, never_held.service, never_held.hold) == (3, 4, None)
    gone = st.visit_times(_row(3, [("waiting", 20), ("called", 2)], start, end="left"))
    assert (gone.wait, gone.service, gone.stay) == (20, None, None)
    still = st.visit_times(_row(4, [("waiting", 5)], start, end=None))
    assert still == st.Times(None, None, None, None)


@pytest.mark.parametrize(
    "values",
    [
        [1.0],
        [3.0, 1.0],
        [5.0, 1.0, 9.0, 2.0],
        [float(v) for v in range(1, 12)],
        [2.5, 7.0, 7.0, 30.0, 4.0, 11.0, 0.5],
    ],
)
def test_percentiles_are_type_7(values: list[float]) -> None:
    """Median and p90 equal the standard library's inclusive quantiles (type 7) and its
    median."""
    assert st.percentile(values, 0.5) == pytest.approx(statistics.median(values))
    if len(values) > 1:
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
        assert st.percentile(values, 0.9) == pytest.approx(p90)
    else:
        assert st.percentile(values, 0.9) == values[0]
    assert st.percentile([], 0.5) is None


def test_known_p90_by_hand() -> None:
    """1…10 minutes: rank (10−1)·0.9 = 8.1 → 9 + 0.1·(10 − 9) = 9.1; median 5.5."""
    values = [float(v) for v in range(10, 0, -1)]
    assert st.summary(values) == {"n": 10, "median": 5.5, "p90": 9.1}


def test_stats_per_procedure_and_hour() -> None:
    nine = dt.datetime(2026, 3, 3, 9, 10, tzinfo=JST)
    rows = [
        _row(1, [("waiting", 10), ("serving", 4)], nine, codes=("a", "b")),
        _row(2, [("waiting", 20), ("serving", 6)], nine, codes=("a",)),
        _row(3, [("waiting", 30), ("serving", 8)], nine.replace(hour=14), codes=("b",)),
        _row(4, [("waiting", 40), ("called", 1)], nine.replace(hour=14), codes=("b",), end="left"),
    ]
    result = st.counter_stats(rows, tz=JST)
    assert result["counts"] == {"issued": 4, "done": 3, "left": 1, "open": 0}
    assert result["by_procedure"]["a"]["wait"] == {"n": 2, "median": 15.0, "p90": 19.0}
    assert result["by_procedure"]["b"]["wait"]["n"] == 3  # a visit for a and b counts for b
    assert result["by_procedure"]["b"]["service"] == {"n": 2, "median": 6.0, "p90": 7.6}
    assert set(result["by_hour"]) == {9, 14}
    assert result["by_hour"][14]["wait"]["median"] == 35.0


def test_before_after_uses_whole_weeks_on_both_sides() -> None:
    """A change on Monday 16 March in 2–31 March: two weeks each side, the same weekdays."""
    window = st.comparison_window(dt.date(2026, 3, 16), dt.date(2026, 3, 2), dt.date(2026, 3, 31))
    assert window == (
        (dt.date(2026, 3, 2), dt.date(2026, 3, 15)),
        (dt.date(2026, 3, 16), dt.date(2026, 3, 29)),
    )
    assert (
        st.comparison_window(dt.date(2026, 3, 5), dt.date(2026, 3, 2), dt.date(2026, 3, 31)) is None
    )
    rows = [
        _row(1, [("waiting", 10), ("serving", 9)], dt.datetime(2026, 3, 9, 10, tzinfo=JST)),
        _row(2, [("waiting", 10), ("serving", 5)], dt.datetime(2026, 3, 23, 10, tzinfo=JST)),
        _row(3, [("waiting", 10), ("serving", 1)], dt.datetime(2026, 3, 31, 10, tzinfo=JST)),
    ]
    result = st.before_after(
        rows, dt.date(2026, 3, 16), dt.date(2026, 3, 2), dt.date(2026, 3, 31), tz=JST
    )
    assert result["weeks"] == 2
    assert result["before"]["overall"]["service"]["median"] == 9.0
    # the 31st is outside the two weeks after, so the weekday mix stays the same
    assert result["after"]["overall"]["service"] == {"n": 1, "median": 5.0, "p90": 5.0}


@pytest.mark.django_db
def test_stats_api_shape_and_withheld_small_figures(
    miyakonojo: Any, counter_procedures: Any, counter_manager: Any
) -> None:
    """Public JSON: figures per procedure and hour; fewer than 5 visits: no median/p90."""
    juminhyo, tennyu = counter_procedures["juminhyo-copy"], counter_procedures["tennyu"]
    for i in range(6):
        visit_at(
            miyakonojo,
            number=i + 1,
            issued_at=dt.datetime(2026, 3, 2 + i % 2, 9, 0, tzinfo=JST),
            procedures=[juminhyo] + ([tennyu] if i == 0 else []),
            steps=[("waiting", 10 + i), ("called", 1), ("serving", 5)],
        )
    change = cs.bpr_change_record(
        municipality=miyakonojo,
        actor=counter_manager,
        effective_on=dt.date(2026, 3, 3),
        description="書かない窓口",
    )
    response = Client().get(
        "/api/v1/m/452025/counter/stats", {"from": "2026-03-01", "to": "2026-03-31"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["counts"] == {"issued": 6, "done": 6, "left": 0, "open": 0}
    assert body["overall"]["wait"] == {"n": 6, "median": 12.5, "p90": 14.5}
    assert body["by_procedure"]["juminhyo-copy"]["stay"]["n"] == 6
    assert body["by_procedure"]["tennyu"]["wait"] == {
        "n": 1,
        "median": None,
        "p90": None,
        "suppressed": True,
    }
    assert body["by_hour"]["9"]["wait"]["n"] == 6
    assert body["unit"] == "minutes" and body["min_n"] == 5
    assert "number" not in response.content.decode()  # no per-visit rows
    with_change = Client().get("/api/v1/m/452025/counter/stats", {"bpr_change": change.pk}).json()
    assert with_change["bpr_change"]["effective_on"] == "2026-03-03"
    assert Client().get("/api/v1/m/452025/counter/stats", {"procedure": "nope"}).status_code == 404
    bad = Client().get("/api/v1/m/452025/counter/stats", {"from": "2026-03-10", "to": "2026-03-01"})
    assert bad.status_code == 422 and "to" in bad.json()["fields"]


@pytest.mark.django_db
def test_stats_api_is_per_municipality(
    miyakonojo: Any, miyazaki: Any, counter_procedures: Any, make_user: Any
) -> None:
    """宮崎市's figures do not contain 都城市's visits; its change ids are not found here."""
    visit_at(
        miyakonojo,
        number=1,
        issued_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=JST),
        procedures=[counter_procedures["tennyu"]],
        steps=[("waiting", 5), ("serving", 5)],
    )
    theirs = Client().get(
        "/api/v1/m/452017/counter/stats", {"from": "2026-03-01", "to": "2026-03-31"}
    )
    assert theirs.json()["counts"]["issued"] == 0
    ours = cs.bpr_change_record(
        municipality=miyakonojo, actor=None, effective_on=dt.date(2026, 3, 2), description="x"
    )
    assert (
        Client().get("/api/v1/m/452017/counter/stats", {"bpr_change": ours.pk}).status_code == 404
    )


@pytest.mark.django_db
def test_counter_stay_kpis(miyakonojo: Any, miyazaki: Any, counter_procedures: Any) -> None:
    """Median and p90 of the stays of visits completed in the fiscal year, in minutes."""
    stays = [10, 20, 30, 40, 50]
    for i, minutes in enumerate(stays):
        visit_at(
            miyakonojo,
            number=i + 1,
            issued_at=dt.datetime(2025, 4, 1 + i, 9, 0, tzinfo=JST),
            procedures=[counter_procedures["tennyu"]],
            steps=[("waiting", minutes - 5), ("serving", 5)],
        )
    # left without service, and one in the previous fiscal year: neither counts
    visit_at(
        miyakonojo,
        number=9,
        issued_at=dt.datetime(2025, 4, 9, 9, 0, tzinfo=JST),
        procedures=[counter_procedures["tennyu"]],
        steps=[("waiting", 500)],
        end="left",
    )
    visit_at(
        miyakonojo,
        number=1,
        issued_at=dt.datetime(2025, 3, 31, 9, 0, tzinfo=JST),
        procedures=[counter_procedures["tennyu"]],
        steps=[("waiting", 900), ("serving", 5)],
    )
    fy = FiscalYear(2025)
    median = get_metric("procedures.counter_stay_median").compute(
        municipality=miyakonojo, fiscal_year=fy
    )
    p90 = get_metric("procedures.counter_stay_p90").compute(municipality=miyakonojo, fiscal_year=fy)
    assert float(median) == 30.0
    assert float(p90) == pytest.approx(statistics.quantiles(stays, n=10, method="inclusive")[8])
    assert (
        get_metric("procedures.counter_stay_median").compute(municipality=miyazaki, fiscal_year=fy)
        is None
    )
