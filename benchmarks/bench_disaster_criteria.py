"""Issue #15 benchmark: a station's criteria page and chart on years of 10-minute readings.

    .venv/bin/python benchmarks/bench_disaster_criteria.py                      # SQLite
    .venv/bin/python benchmarks/bench_disaster_criteria.py \\
        --database-url postgres://postgres@127.0.0.1:5432/kanmin_hardening      # PostgreSQL

Makes a throw-away database (the SQLite file is deleted first; the PostgreSQL database is
dropped and made again), migrates, adds 都城市 with a river station and a rain gauge, each with
``--years`` (5) of 10-minute readings (about 263,000 rows each: a base flow or dry weather with
noise and showers, and about six floods a year with the rain before them), reference levels,
and an order (高齢者等避難, 避難指示) in most floods. Then, in this process through Django's
test client signed in as a disaster operator, it asks each station's criteria page and its
chart ``--runs`` (5) times:

- *before*: the analysis reading every reading of the station, as it did before this change
  (``backtest.analyse(..., whole_history=True)``);
- *after*: as the page runs now, reading only the readings around the events
  (``backtest.river_series`` / ``rain_series``).

Prints one JSON object: rows per station, readings read per analysis, and the median and
slowest page and chart times in milliseconds, before and after. Not a test: nothing here runs
in CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LG_CODE = "452025"
JST = dt.timezone(dt.timedelta(hours=9))
STEP = dt.timedelta(minutes=10)


def say(text: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    base, _slash, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def floods(start: dt.datetime, years: int, rng: random.Random) -> list[tuple[dt.datetime, float]]:
    """(peak time, peak level in m): about six a year, in the rainy and typhoon seasons."""
    found = []
    for year in range(years):
        for month, day in ((6, 10), (6, 28), (7, 12), (8, 20), (9, 5), (9, 25)):
            peak_at = dt.datetime(start.year + year, month, day, 12, tzinfo=JST)
            peak_at += dt.timedelta(hours=rng.uniform(-96, 96))
            found.append((peak_at, rng.choice([1.8, 2.4, 2.9, 3.3, 3.6, 3.9, 4.3, 4.6])))
    return sorted(found)


def histories(
    start: dt.datetime, years: int, seed: int
) -> tuple[list[tuple[dt.datetime, str]], list[tuple[dt.datetime, str]], list[Any]]:
    """River levels, rain amounts (each every 10 minutes) and the floods."""
    rng = random.Random(seed)
    events = floods(start, years, rng)
    end = start.replace(year=start.year + years)
    # Showers: about a third of the days (more in the rainy season) have a spell of 1 to 6
    # hours in which most 10-minute intervals are wet.
    spells = []
    day = start
    while day < end:
        wet_season = 6 <= day.month <= 9
        if rng.random() < (0.5 if wet_season else 0.3):
            begins = day + dt.timedelta(minutes=10 * rng.randrange(144))
            spells.append((begins, begins + dt.timedelta(hours=rng.uniform(1, 6))))
        day += dt.timedelta(days=1)
    river, rain = [], []
    at, k, spell = start, 0, 0
    while at < end:
        seasonal = 0.15 * math.sin(2 * math.pi * (at.timetuple().tm_yday - 100) / 365)
        level = 0.8 + seasonal + rng.uniform(-0.03, 0.03)
        while spell < len(spells) and spells[spell][1] < at:
            spell += 1
        showering = spell < len(spells) and spells[spell][0] <= at
        amount = rng.choice((0.5, 1.0, 1.5, 2.0)) if showering and rng.random() < 0.7 else 0.0
        for peak_at, peak in events:
            hours = (at - peak_at).total_seconds() / 3600
            if -60 < hours < 120:
                level += (peak - 0.8) * math.exp(-((hours / (8 if hours < 0 else 20)) ** 2))
            if -14 < hours < -1:  # the storm's rain, heaviest some hours before the peak
                amount += max(0.0, rng.gauss(peak * 1.6, 2.0)) * math.exp(-(((hours + 6) / 4) ** 2))
        river.append((at, f"{level:.3f}"))
        rain.append((at, f"{round(amount * 2) / 2:.1f}"))
        at, k = at + STEP, k + 1
    return river, rain, events


def populate(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command

    from kanmin.accounts import services as accounts_services
    from kanmin.core import services as core_services
    from kanmin.disaster import services

    call_command("migrate", verbosity=0)
    municipality = core_services.municipality_create(
        actor=None, lg_code=LG_CODE, name_ja="都城市", name_en="Miyakonojo City"
    )
    operator = accounts_services.user_create(
        actor=None,
        municipality=municipality,
        username="bench-bousai",
        password="bench-only-password-1",  # noqa: S106 - a throw-away database
        check_password=False,
    )
    accounts_services.membership_grant(
        actor=None, municipality=municipality, user=operator, role="disaster_operator"
    )
    start = dt.datetime(2021, 4, 1, tzinfo=JST)
    river_rows, rain_rows, events = histories(start, args.years, seed=15)
    river = services.station_create(
        municipality=municipality,
        actor=None,
        code="odo-takeshita",
        name_ja="岳下",
        kind="river_level",
        unit="m",
    )
    services.reference_levels_set(
        municipality=municipality,
        actor=None,
        station=river,
        standby="1.50",
        caution="2.50",
        evacuation="3.40",
        danger="4.10",
        overflow="4.80",
        valid_from=start - dt.timedelta(days=365),
    )
    gauge = services.station_create(
        municipality=municipality,
        actor=None,
        code="rain-miyakonojo",
        name_ja="都城",
        kind="rain",
        unit="mm",
    )
    t = time.perf_counter()
    for station, rows in ((river, river_rows), (gauge, rain_rows)):
        services.observation_history_add(
            municipality=municipality, station=station, readings=rows, batch_size=5000
        )
    stored_s = time.perf_counter() - t
    rng = random.Random(7)
    orders = 0
    for peak_at, peak in events:
        if peak < 3.3:
            continue
        for level, before in ((3, rng.uniform(1, 4)), (4, rng.uniform(-1, 2))):
            if level == 4 and peak < 4.1:
                continue
            services.decision_record(
                municipality=municipality,
                actor=operator,
                action="issue",
                level=level,
                kind={3: "高齢者等避難", 4: "避難指示"}[level],
                area="大淀川沿い",
                decided_at=peak_at - dt.timedelta(hours=before),
                stations=[river],
            )
            orders += 1
    return {
        "rows_per_station": len(river_rows),
        "floods": len(events),
        "orders": orders,
        "store_s": round(stored_s, 1),
    }


def timed(client: Any, url: str, runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.test import Client

    from kanmin.accounts.models import User
    from kanmin.core.models import Municipality
    from kanmin.disaster import backtest, selectors

    municipality = Municipality.objects.get(lg_code=LG_CODE)
    client = Client(HTTP_ACCEPT_LANGUAGE="ja", SERVER_NAME="localhost")
    client.force_login(User.objects.get(username="bench-bousai"))
    original = backtest.analyse
    figures: dict[str, Any] = {}
    for code in ("odo-takeshita", "rain-miyakonojo"):
        station = selectors.station_get(municipality=municipality, code=code)
        page = f"/m/{LG_CODE}/disaster/staff/stations/{code}/criteria/"
        chart = page + "chart.svg"
        result: dict[str, Any] = {}
        for name, whole in (("before", True), ("after", False)):
            backtest.analyse = functools.partial(original, whole_history=whole)  # type: ignore[assignment]
            try:
                analysis = backtest.analyse(municipality=municipality, station=station)
                client.get(page)  # warm: templates, fonts, the first query plans
                result[name] = {
                    "readings_read": len(analysis.series),
                    "page": timed(client, page, args.runs),
                    "chart": timed(client, chart, args.runs),
                }
            finally:
                backtest.analyse = original  # type: ignore[assignment]
        before, after = result["before"], result["after"]
        result["page_speedup"] = round(
            before["page"]["median_ms"] / max(after["page"]["median_ms"], 0.1), 1
        )
        result["chart_speedup"] = round(
            before["chart"]["median_ms"] / max(after["chart"]["median_ms"], 0.1), 1
        )
        figures[code] = result
        say(f"{code}: {json.dumps(result)}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database-url", default="sqlite:////tmp/kanmin-hardening-bench-criteria.sqlite3"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-criteria-"))
    os.environ.update(
        KANMIN_PROFILE="dev",
        KANMIN_DATA_DIR=str(work),
        KANMIN_DATABASE_URL=args.database_url,
        KANMIN_SECRET_KEY="bench-only-not-secret-0123456789abcdef0123456789",  # noqa: S106
        KANMIN_ENCRYPTION_KEYS="kNTKF0I_iTSsM5Oz6ei_T7Xk3GZ2VLCy4aooS-lbrlc=",
        KANMIN_STATIC_MANIFEST="false",
        DJANGO_SETTINGS_MODULE="kanmin.settings",
    )
    say("making the database")
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection

    t = time.perf_counter()
    figures: dict[str, Any] = {"database": connection.vendor, "years": args.years}
    figures.update(populate(args))
    figures["setup_s"] = round(time.perf_counter() - t, 1)
    say(f"set up in {figures['setup_s']} s; timing")
    figures["stations"] = measure(args)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
