"""The demo's disaster information: observation stations of 都城市 and a generated history.

Four river water-level stations on 大淀川 and its tributaries 庄内川, 沖水川 and 横市川, with
their four reference levels; three rain gauges; three farm sensors (soil moisture and soil
temperature) and two wildlife traps. The history (April 2022 to November 2025) has eight
flood events, a 梅雨前線 and a 台風 each year, generated from a seeded shape so that every
build is the same: 10-minute readings around each event's rise and peak, hourly readings
in the days around it, and one reading a day otherwise (a full hourly record of four years
would add about 280,000 rows and a minute to every demo build, and show nothing more).

``PAST_DECISIONS`` are the city's evacuation decisions in those events, as plain data: most
were made before the level they answer to was reached, one 避難指示 was 50 minutes late and
one was never issued. They are recorded through the decision service by
:func:`record_past_decisions`.

``SHELTERS`` are thirteen designated places (schools' gyms, 地区公民館, halls, a park, a
welfare shelter) and ``SHELTER_OPENINGS`` the ones opened in the September 2022 and August
2024 typhoons, with their evacuee counts, built by :func:`shelters_build`.

Station names are the districts they stand in; coordinates, reference levels, readings and
decisions are fictional (デモ用の架空の値), not the city's or the river office's.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from kanmin.accounts.models import User
from kanmin.core.models import Municipality
from kanmin.disaster import selectors, services
from kanmin.disaster.models import Station, StationKind

JST = ZoneInfo("Asia/Tokyo")
HISTORY_START = dt.datetime(2022, 4, 1, 9, 0, tzinfo=JST)
HISTORY_END = dt.datetime(2025, 11, 30, 9, 0, tzinfo=JST)
LEVELS_VALID_FROM = dt.datetime(2021, 4, 1, 0, 0, tzinfo=JST)
FICTION = "デモ用の架空の値です（Fictional values for the Kanmin demo）。"
SEED = 20220401
MAIN_STATION = "odo-takeshita"


@dataclass(frozen=True)
class StationSpec:
    code: str
    name_ja: str
    name_en: str
    kind: str
    unit: str
    latitude: str
    longitude: str
    river: str = ""
    # River: 水防団待機, 氾濫注意, 避難判断, 氾濫危険, 氾濫開始相当 (m).
    levels: tuple[str, str, str, str, str] | None = None
    base: float = 0.0  # river: the level between events (m)
    scale: float = 1.0  # river: share of the rise at 岳下; rain: share of the rain at 都城
    lag_hours: float = 0.0  # river: peak this much later (−: earlier) than at 岳下
    pace: float = 1.0  # river: rise and recession this much longer than at 岳下


STATIONS = (
    StationSpec(
        MAIN_STATION,
        "岳下",
        "Takeshita",
        StationKind.RIVER,
        "m",
        "31.748000",
        "131.056000",
        river="大淀川",
        levels=("1.50", "2.50", "3.40", "4.10", "4.80"),
        base=0.80,
    ),
    StationSpec(
        "shonai",
        "庄内",
        "Shonai",
        StationKind.RIVER,
        "m",
        "31.782000",
        "131.008000",
        river="庄内川",
        levels=("0.90", "1.50", "2.10", "2.60", "3.10"),
        base=0.35,
        scale=0.55,
        lag_hours=-2,
        pace=0.8,
    ),
    StationSpec(
        "okimizu",
        "沖水",
        "Okimizu",
        StationKind.RIVER,
        "m",
        "31.695000",
        "131.038000",
        river="沖水川",
        levels=("1.00", "1.60", "2.20", "2.70", "3.20"),
        base=0.40,
        scale=0.6,
        lag_hours=-3,
        pace=0.7,
    ),
    StationSpec(
        "yokoichi",
        "横市",
        "Yokoichi",
        StationKind.RIVER,
        "m",
        "31.725000",
        "131.015000",
        river="横市川",
        levels=("0.80", "1.30", "1.90", "2.30", "2.80"),
        base=0.30,
        scale=0.5,
        lag_hours=-2.5,
        pace=0.75,
    ),
    StationSpec(
        "rain-miyakonojo", "都城", "Miyakonojo", StationKind.RAIN, "mm", "31.730000", "131.080000"
    ),
    StationSpec(
        "rain-takajo",
        "高城",
        "Takajo",
        StationKind.RAIN,
        "mm",
        "31.800000",
        "131.105000",
        scale=0.85,
    ),
    StationSpec(
        "rain-yamada",
        "山田",
        "Yamada",
        StationKind.RAIN,
        "mm",
        "31.815000",
        "130.950000",
        scale=1.15,
    ),
    StationSpec(
        "farm-takazaki-moisture",
        "高崎 茶園 土壌水分",
        "Takazaki tea field, soil moisture",
        StationKind.FARM,
        "%",
        "31.838000",
        "131.012000",
    ),
    StationSpec(
        "farm-takazaki-soiltemp",
        "高崎 茶園 地温",
        "Takazaki tea field, soil temperature",
        StationKind.FARM,
        "℃",
        "31.838000",
        "131.012000",
    ),
    StationSpec(
        "farm-yamanokuchi-moisture",
        "山之口 畑 土壌水分",
        "Yamanokuchi field, soil moisture",
        StationKind.FARM,
        "%",
        "31.660000",
        "131.140000",
    ),
    StationSpec(
        "trap-yamada-1",
        "山田 くくりわな1号",
        "Yamada snare trap 1",
        StationKind.TRAP,
        "回",
        "31.832000",
        "130.928000",
    ),
    StationSpec(
        "trap-takajo-1",
        "高城 箱わな1号",
        "Takajo box trap 1",
        StationKind.TRAP,
        "回",
        "31.812000",
        "131.152000",
    ),
)


@dataclass(frozen=True)
class FloodEvent:
    key: str
    name_ja: str
    name_en: str
    peak_at: dt.datetime  # at 岳下
    rise: float  # at 岳下, above its base (m)
    rise_hours: float  # from the base to the peak, at 岳下
    fall_hours: float  # the recession's time constant, at 岳下
    rain_mm: float  # the event's rain at 都城


def _jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=JST)


def _rng(code: str) -> random.Random:
    """The same numbers on every build (a seeded shape, not a secret)."""
    return random.Random(f"{SEED}-{code}")  # noqa: S311


# A 梅雨前線 rises slowly over a day; a 台風 in a few hours. Peaks at 岳下: 3.60, 4.55, 4.25,
# 2.70, 3.00, 4.70, 3.55, 4.30 m against its 避難判断水位 3.40 and 氾濫危険水位 4.10.
FLOOD_EVENTS = (
    FloodEvent(
        "2022-06",
        "2022年6月 梅雨前線",
        "June 2022 rain front",
        _jst(2022, 6, 25, 14),
        2.80,
        20,
        14,
        260,
    ),
    FloodEvent(
        "2022-09",
        "2022年9月 台風",
        "September 2022 typhoon",
        _jst(2022, 9, 18, 23),
        3.75,
        9,
        10,
        420,
    ),
    FloodEvent(
        "2023-07",
        "2023年7月 梅雨前線",
        "July 2023 rain front",
        _jst(2023, 7, 1, 6),
        3.45,
        24,
        16,
        380,
    ),
    FloodEvent(
        "2023-08", "2023年8月 台風", "August 2023 typhoon", _jst(2023, 8, 9, 4), 1.90, 10, 9, 170
    ),
    FloodEvent(
        "2024-06",
        "2024年6月 梅雨前線",
        "June 2024 rain front",
        _jst(2024, 6, 22, 18),
        2.20,
        20,
        14,
        210,
    ),
    FloodEvent(
        "2024-08", "2024年8月 台風", "August 2024 typhoon", _jst(2024, 8, 29, 11), 3.90, 8, 11, 480
    ),
    FloodEvent(
        "2025-07",
        "2025年7月 梅雨前線",
        "July 2025 rain front",
        _jst(2025, 7, 10, 16),
        2.75,
        18,
        14,
        250,
    ),
    FloodEvent(
        "2025-09", "2025年9月 台風", "September 2025 typhoon", _jst(2025, 9, 5, 3), 3.50, 8, 10, 360
    ),
)

# The decisions the city made in those events (警戒レベル 3 高齢者等避難, 4 避難指示), for the
# areas along 大淀川 below 岳下; every one names the station 岳下. Against its levels: most
# were issued before the crossing, the 避難指示 of July 2023 50 minutes after it, and in
# September 2025 no 避難指示 was issued although 4.10 m was reached.
_AREA = "大淀川沿い（五十市・中郷・沖水地区）"


def _decision(at: dt.datetime, action: str, level: int, note: str = "") -> dict[str, Any]:
    return {
        "decided_at": at,
        "action": action,
        "level": level,
        "kind": "flood",
        "area": _AREA,
        "stations": [MAIN_STATION],
        "note": note,
    }


PAST_DECISIONS: tuple[dict[str, Any], ...] = (
    # June 2022 rain front (peak 3.60): 高齢者等避難 40 min before 3.40 m was reached.
    _decision(_jst(2022, 6, 25, 10, 0), "issue", 3),
    _decision(_jst(2022, 6, 25, 17, 30), "lift", 3),
    # September 2022 typhoon: level 3 on the forecast, 避難指示 30 min before 4.10 m.
    _decision(_jst(2022, 9, 18, 16, 50), "issue", 3, "台風の接近に備えて"),
    _decision(_jst(2022, 9, 18, 20, 40), "issue", 4),
    _decision(_jst(2022, 9, 19, 6, 0), "lift", 4),
    _decision(_jst(2022, 9, 19, 10, 0), "lift", 3),
    # July 2023 rain front: level 3 15 min early; 避難指示 50 min after 4.10 m was reached.
    _decision(_jst(2023, 6, 30, 22, 5), "issue", 3),
    _decision(_jst(2023, 7, 1, 3, 50), "issue", 4),
    _decision(_jst(2023, 7, 1, 9, 0), "lift", 4),
    _decision(_jst(2023, 7, 1, 13, 0), "lift", 3),
    # August 2024 typhoon: level 3 the evening before, 避難指示 an hour before 4.10 m.
    _decision(_jst(2024, 8, 28, 18, 0), "issue", 3, "台風の接近に備えて"),
    _decision(_jst(2024, 8, 29, 8, 0), "issue", 4),
    _decision(_jst(2024, 8, 29, 17, 0), "lift", 4),
    _decision(_jst(2024, 8, 30, 9, 0), "lift", 3),
    # July 2025 rain front (peak 3.55): level 3 20 min before 3.40 m.
    _decision(_jst(2025, 7, 10, 13, 10), "issue", 3),
    _decision(_jst(2025, 7, 10, 20, 0), "lift", 3),
    # September 2025 typhoon: level 3 90 min early; no 避難指示 although 4.10 m was reached.
    _decision(_jst(2025, 9, 4, 22, 50), "issue", 3),
    _decision(_jst(2025, 9, 5, 9, 0), "lift", 3),
)


# ------------------------------------------------------------------------------------------
# The generated history
# ------------------------------------------------------------------------------------------


def _smoothstep(x: float) -> float:
    return 3 * x * x - 2 * x * x * x


def _pulse(t: dt.datetime, peak_at: dt.datetime, rise_hours: float, fall_hours: float) -> float:
    """0 before the rise, 0 → 1 along a smooth rise to the peak, then a receding exponential."""
    hours = (t - peak_at).total_seconds() / 3600
    if hours >= 0:
        return math.exp(-hours / fall_hours)
    x = 1 + hours / rise_hours
    return 0.0 if x <= 0 else _smoothstep(x)


def _at_nine(moment: dt.datetime, *, later: bool) -> dt.datetime:
    """The 09:00 JST on or before ``moment`` (on or after it when ``later``)."""
    local = moment.astimezone(JST)
    nine = local.replace(hour=9, minute=0, second=0, microsecond=0)
    if later and nine < local:
        nine += dt.timedelta(days=1)
    if not later and nine > local:
        nine -= dt.timedelta(days=1)
    return nine


def _on_the_hour(moment: dt.datetime, *, later: bool) -> dt.datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor + dt.timedelta(hours=1) if later and floor < moment else floor


def _every(start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> Iterator[dt.datetime]:
    moment = start
    while moment <= end:
        yield moment
        moment += step


def _times(windows: list[tuple[dt.datetime, dt.datetime, dt.timedelta]]) -> list[dt.datetime]:
    """Daily 09:00 readings over the history, denser in the given windows."""
    times = set(_every(HISTORY_START, HISTORY_END, dt.timedelta(days=1)))
    for start, end, step in windows:
        times.update(_every(start, end, step))
    return sorted(times)


_TEN_MINUTES = dt.timedelta(minutes=10)
_HOUR = dt.timedelta(hours=1)


def _river_shape(spec: StationSpec, event: FloodEvent) -> tuple[dt.datetime, float, float, float]:
    """(peak time, rise above base, rise hours, recession hours) of an event at a station."""
    return (
        event.peak_at + dt.timedelta(hours=spec.lag_hours),
        event.rise * spec.scale,
        event.rise_hours * spec.pace,
        event.fall_hours * spec.pace,
    )


def river_history(spec: StationSpec) -> list[tuple[dt.datetime, float]]:
    """The station's levels (m, to the centimetre) over the whole history."""
    shapes = [_river_shape(spec, e) for e in FLOOD_EVENTS]
    windows = []
    for peak_at, _rise, rise_hours, fall_hours in shapes:
        begins = peak_at - dt.timedelta(hours=rise_hours)
        windows.append(
            (
                _at_nine(begins - dt.timedelta(days=1), later=False),
                _at_nine(peak_at + dt.timedelta(hours=4 * fall_hours + 24), later=True),
                _HOUR,
            )
        )
        windows.append(
            (
                _on_the_hour(begins - dt.timedelta(hours=3), later=False),
                _on_the_hour(peak_at + dt.timedelta(hours=fall_hours), later=True),
                _TEN_MINUTES,
            )
        )
    rng = _rng(spec.code)
    history = []
    for t in _times(windows):
        level = spec.base
        for peak_at, rise, rise_hours, fall_hours in shapes:
            if abs((t - peak_at).total_seconds()) < 30 * 86400:
                level += rise * _pulse(t, peak_at, rise_hours, fall_hours)
        history.append((t, round(level + rng.uniform(-0.01, 0.01), 2)))
    return history


def _rain_period(event: FloodEvent) -> tuple[dt.datetime, dt.datetime]:
    """When the event's rain falls: from 8 h before 岳下 starts rising to 1 h before its peak."""
    starts = event.peak_at - dt.timedelta(hours=event.rise_hours + 8)
    return starts, event.peak_at - dt.timedelta(hours=1)


def rain_history(spec: StationSpec) -> list[tuple[dt.datetime, float]]:
    """The gauge's amounts (mm, to 0.5 mm) since its previous reading, over the history."""
    windows = []
    for event in FLOOD_EVENTS:
        starts, ends = _rain_period(event)
        windows.append(
            (
                _at_nine(starts - dt.timedelta(days=1), later=False),
                _at_nine(event.peak_at + dt.timedelta(days=2), later=True),
                _HOUR,
            )
        )
        windows.append(
            (_on_the_hour(starts, later=False), _on_the_hour(ends, later=True), _TEN_MINUTES)
        )
    rng = _rng(spec.code)

    def fallen(until: dt.datetime) -> float:
        """Rain fallen from the history's start until ``until`` (mm)."""
        total = 0.0
        for event in FLOOD_EVENTS:
            starts, ends = _rain_period(event)
            share = (until - starts) / (ends - starts)
            total += event.rain_mm * spec.scale * _smoothstep(min(max(share, 0.0), 1.0))
        return total

    history = []
    times = _times(windows)
    previous = fallen(times[0])
    history.append((times[0], 0.0))
    for t in times[1:]:
        now = fallen(t)
        amount = max(now - previous, 0.0) * rng.uniform(0.7, 1.3)
        history.append((t, round(amount * 2) / 2))
        previous = now
    return history


def farm_history(spec: StationSpec) -> list[tuple[dt.datetime, float]]:
    """Every 6 hours from June to September 2025: soil moisture (%) that rises with each
    event's rain and dries over days, or soil temperature (℃) with the day's cycle."""
    rng = _rng(spec.code)
    start, end = _jst(2025, 6, 1, 0), _jst(2025, 9, 30, 18)
    wet_events = [e for e in FLOOD_EVENTS if start <= e.peak_at <= end]
    history = []
    for t in _every(start, end, dt.timedelta(hours=6)):
        if spec.unit == "%":
            wetness = sum(_pulse(t, e.peak_at, 12, 96) for e in wet_events)
            value = 24 + 18 * min(wetness, 1.0) + rng.uniform(-0.5, 0.5)
        else:
            day = (t - start).days
            season = 27 + 3 * math.sin(math.pi * day / 120)
            value = (
                season + 2.5 * math.sin(2 * math.pi * (t.hour - 9) / 24) + rng.uniform(-0.3, 0.3)
            )
        history.append((t, round(value, 1)))
    return history


# Days on which each trap was set off (1); it reads 0 every other day.
TRAP_DAYS = {
    "trap-yamada-1": (dt.date(2025, 10, 7), dt.date(2025, 10, 29), dt.date(2025, 11, 18)),
    "trap-takajo-1": (dt.date(2025, 10, 15), dt.date(2025, 11, 9)),
}


def trap_history(spec: StationSpec) -> list[tuple[dt.datetime, float]]:
    """One reading a day at 06:00 in October and November 2025: 1 when the trap went off."""
    days = TRAP_DAYS.get(spec.code, ())
    return [
        (t, 1.0 if t.date() in days else 0.0)
        for t in _every(_jst(2025, 10, 1, 6), _jst(2025, 11, 30, 6), dt.timedelta(days=1))
    ]


HISTORIES: dict[str, Callable[[StationSpec], list[tuple[dt.datetime, float]]]] = {
    StationKind.RIVER: river_history,
    StationKind.RAIN: rain_history,
    StationKind.FARM: farm_history,
    StationKind.TRAP: trap_history,
}


# ------------------------------------------------------------------------------------------
# Building it through the services
# ------------------------------------------------------------------------------------------


def _operator(municipality: Municipality, actor: Any) -> Any:
    """The demo's disaster operator registers the stations; ``actor`` (when given) wins."""
    if actor is not None:
        return actor
    return User.objects.filter(username="disaster", memberships__municipality=municipality).first()


def _station(spec: StationSpec, *, municipality: Municipality, actor: Any) -> Station:
    found = selectors.station_list(municipality=municipality, active=None).filter(code=spec.code)
    station = found.first()
    if station is None:
        station = services.station_create(
            municipality=municipality,
            actor=actor,
            code=spec.code,
            name_ja=spec.name_ja,
            name_en=spec.name_en,
            kind=spec.kind,
            unit=spec.unit,
            latitude=spec.latitude,
            longitude=spec.longitude,
            river_name=spec.river,
        )
    if spec.levels and selectors.reference_levels_at(station=station) is None:
        standby, caution, evacuation, danger, overflow = spec.levels
        services.reference_levels_set(
            municipality=municipality,
            actor=actor,
            station=station,
            standby=standby,
            caution=caution,
            evacuation=evacuation,
            danger=danger,
            overflow=overflow,
            valid_from=LEVELS_VALID_FROM,
            reason=FICTION,
        )
    return station


def disaster_build(*, municipality: Municipality, actor: Any = None) -> dict[str, int]:
    """Create what is missing of the demo's stations and history; {station code: readings
    added}. Running it again adds nothing."""
    operator = _operator(municipality, actor)
    added = {}
    for spec in STATIONS:
        station = _station(spec, municipality=municipality, actor=operator)
        added[spec.code] = services.observation_history_add(
            municipality=municipality, station=station, readings=HISTORIES[spec.kind](spec)
        )
    return added


def record_past_decisions(
    *, municipality: Municipality, actor: Any, record: Callable[..., Any]
) -> int:
    """Record ``PAST_DECISIONS`` through the decision service ``record`` (called with
    municipality, actor, action, level, kind, area, decided_at, stations and note), skipping
    none: call it once, when the municipality has no decisions yet. Returns how many."""
    stations = {s.code: s for s in selectors.station_list(municipality=municipality)}
    for decision in PAST_DECISIONS:
        record(
            municipality=municipality,
            actor=actor,
            **{**decision, "stations": [stations[code] for code in decision["stations"]]},
        )
    return len(PAST_DECISIONS)


def record_demo_decisions(*, municipality: Municipality, actor: Any) -> int:
    """Record ``PAST_DECISIONS`` once (nothing when the municipality has decisions already),
    each with the order its level names in the rules in force."""
    if selectors.decision_list(municipality).exists():
        return 0
    definition = services.ruleset_ensure(municipality=municipality).parsed

    def record(*, level: int, kind: str, note: str = "", **decision: Any) -> Any:
        level_def = definition.level(level)
        kind = level_def.action_ja if level_def is not None else kind
        return services.decision_record(level=level, kind=kind, reason=note, **decision)

    return record_past_decisions(municipality=municipality, actor=actor, record=record)


# ------------------------------------------------------------------------------------------
# Shelters (engineer "shelters"): a dozen designated places and their openings in two of the
# past flood events. Names are of the kinds of place the city designates (schools' gyms,
# 地区公民館, halls); positions, capacities and telephone numbers are fictional (the 00
# exchange does not exist), and each says so in its remarks.
# ------------------------------------------------------------------------------------------

SHELTER_FICTION = "デモ用の架空のデータです（位置・収容人数・電話番号は実在のものではありません）。"
_FLOOD_SAFE = ("hazard_flood", "hazard_landslide", "hazard_earthquake", "hazard_large_fire")


@dataclass(frozen=True)
class ShelterSpec:
    code: str
    name_ja: str
    name_kana: str
    name_en: str
    address: str
    latitude: str
    longitude: str
    capacity: int
    hazards: tuple[str, ...] = (*_FLOOD_SAFE, "hazard_inland_flood")
    emergency_site: bool = True
    shelter: bool = True
    welfare: bool = False
    accessible: bool = False
    phone: str = ""


SHELTERS = (
    ShelterSpec(
        "452025-0001",
        "都城市総合文化ホール",
        "ミヤコノジョウシソウゴウブンカホール",
        "Miyakonojo Civic Cultural Hall",
        "宮崎県都城市北原町",
        "31.726000",
        "131.065000",
        800,
        accessible=True,
        phone="0986-00-0001",
    ),
    ShelterSpec(
        "452025-0002",
        "妻ケ丘小学校体育館",
        "ツマガオカショウガッコウタイイクカン",
        "Tsumagaoka Elementary School Gym",
        "宮崎県都城市早鈴町",
        "31.724000",
        "131.056000",
        400,
    ),
    ShelterSpec(
        "452025-0003",
        "明道小学校体育館",
        "メイドウショウガッコウタイイクカン",
        "Meido Elementary School Gym",
        "宮崎県都城市姫城町",
        "31.718000",
        "131.070000",
        350,
    ),
    ShelterSpec(
        "452025-0004",
        "五十市小学校体育館",
        "イソイチショウガッコウタイイクカン",
        "Isoichi Elementary School Gym",
        "宮崎県都城市五十町",
        "31.704000",
        "131.033000",
        300,
        # Near 大淀川: not for floods.
        hazards=("hazard_earthquake", "hazard_large_fire"),
    ),
    ShelterSpec(
        "452025-0005",
        "沖水小学校体育館",
        "オキミズショウガッコウタイイクカン",
        "Okimizu Elementary School Gym",
        "宮崎県都城市大岩田町",
        "31.745000",
        "131.086000",
        300,
    ),
    ShelterSpec(
        "452025-0006",
        "中郷地区公民館",
        "ナカゴウチクコウミンカン",
        "Nakago District Community Hall",
        "宮崎県都城市安久町",
        "31.678000",
        "131.040000",
        120,
        phone="0986-00-0006",
    ),
    ShelterSpec(
        "452025-0007",
        "庄内地区公民館",
        "ショウナイチクコウミンカン",
        "Shonai District Community Hall",
        "宮崎県都城市庄内町",
        "31.785000",
        "131.015000",
        150,
        phone="0986-00-0007",
    ),
    ShelterSpec(
        "452025-0008",
        "志和池地区公民館",
        "シワチチクコウミンカン",
        "Shiwachi District Community Hall",
        "宮崎県都城市蓑原町",
        "31.800000",
        "131.050000",
        100,
    ),
    ShelterSpec(
        "452025-0009",
        "早水公園体育文化センター",
        "ハヤミズコウエンタイイクブンカセンター",
        "Hayamizu Park Sports and Culture Centre",
        "宮崎県都城市早水町",
        "31.740000",
        "131.040000",
        1000,
        accessible=True,
        phone="0986-00-0009",
    ),
    ShelterSpec(
        "452025-0010",
        "高城生涯学習センター",
        "タカジョウショウガイガクシュウセンター",
        "Takajo Lifelong Learning Centre",
        "宮崎県都城市高城町穂満坊",
        "31.805000",
        "131.115000",
        200,
        accessible=True,
    ),
    ShelterSpec(
        "452025-0011",
        "山之口地区体育館",
        "ヤマノクチチクタイイクカン",
        "Yamanokuchi District Gym",
        "宮崎県都城市山之口町花木",
        "31.770000",
        "131.160000",
        250,
    ),
    ShelterSpec(
        "452025-0012",
        "都城市ウエルネス交流プラザ",
        "ミヤコノジョウシウエルネスコウリュウプラザ",
        "Miyakonojo Wellness Plaza",
        "宮崎県都城市蔵原町",
        "31.728000",
        "131.060000",
        80,
        emergency_site=False,
        welfare=True,
        accessible=True,
        phone="0986-00-0012",
    ),
    ShelterSpec(
        "452025-0013",
        "早水公園",
        "ハヤミズコウエン",
        "Hayamizu Park",
        "宮崎県都城市早水町",
        "31.743000",
        "131.038000",
        5000,
        hazards=("hazard_earthquake", "hazard_large_fire"),
        shelter=False,
    ),
)

# Openings in two past events, on the orders of PAST_DECISIONS: (the time of the order it
# answers, shelter, opened, closed, counts as (time, evacuees)).
SHELTER_OPENINGS: tuple[
    tuple[dt.datetime, str, dt.datetime, dt.datetime, tuple[tuple[dt.datetime, int], ...]], ...
] = (
    # September 2022 typhoon: 高齢者等避難 16:50, 避難指示 20:40, lifted the next morning.
    (
        _jst(2022, 9, 18, 16, 50),
        "452025-0009",
        _jst(2022, 9, 18, 17, 0),
        _jst(2022, 9, 19, 10, 30),
        (
            (_jst(2022, 9, 18, 18, 0), 45),
            (_jst(2022, 9, 18, 21, 0), 310),
            (_jst(2022, 9, 18, 23, 30), 520),
            (_jst(2022, 9, 19, 7, 0), 140),
        ),
    ),
    (
        _jst(2022, 9, 18, 20, 40),
        "452025-0002",
        _jst(2022, 9, 18, 20, 50),
        _jst(2022, 9, 19, 9, 0),
        (
            (_jst(2022, 9, 18, 22, 0), 180),
            (_jst(2022, 9, 19, 0, 30), 365),
            (_jst(2022, 9, 19, 6, 0), 90),
        ),
    ),
    (
        _jst(2022, 9, 18, 16, 50),
        "452025-0012",
        _jst(2022, 9, 18, 17, 30),
        _jst(2022, 9, 19, 12, 0),
        ((_jst(2022, 9, 18, 19, 0), 22), (_jst(2022, 9, 19, 8, 0), 25)),
    ),
    # August 2024 typhoon: 高齢者等避難 the evening before, 避難指示 at 8:00.
    (
        _jst(2024, 8, 28, 18, 0),
        "452025-0001",
        _jst(2024, 8, 28, 18, 30),
        _jst(2024, 8, 30, 10, 0),
        (
            (_jst(2024, 8, 28, 21, 0), 120),
            (_jst(2024, 8, 29, 9, 0), 610),
            (_jst(2024, 8, 29, 13, 0), 790),
            (_jst(2024, 8, 29, 20, 0), 260),
        ),
    ),
    (
        _jst(2024, 8, 29, 8, 0),
        "452025-0007",
        _jst(2024, 8, 29, 8, 20),
        _jst(2024, 8, 29, 19, 0),
        ((_jst(2024, 8, 29, 10, 0), 64), (_jst(2024, 8, 29, 14, 0), 151)),
    ),
)


def _shelter_fields(spec: ShelterSpec) -> dict[str, Any]:
    return {
        "name_kana": spec.name_kana,
        "name_en": spec.name_en,
        "latitude": spec.latitude,
        "longitude": spec.longitude,
        "capacity": spec.capacity,
        "phone": spec.phone,
        "is_emergency_site": spec.emergency_site,
        "is_shelter": spec.shelter,
        "welfare": spec.welfare,
        "accessible": spec.accessible,
        "note": SHELTER_FICTION,
        **dict.fromkeys(spec.hazards, True),
    }


def shelters_build(*, municipality: Municipality, actor: Any = None) -> dict[str, int]:
    """Register the demo's shelters that are missing, and, when the municipality has never
    opened one, the openings of ``SHELTER_OPENINGS`` with their counts, each linked to the
    order it answered. Running it again adds nothing."""
    operator = _operator(municipality, actor)
    known = set(
        selectors.shelter_list(municipality=municipality, active=None).values_list(
            "code", flat=True
        )
    )
    added = 0
    for spec in SHELTERS:
        if spec.code in known:
            continue
        services.shelter_register(
            municipality=municipality,
            actor=operator,
            code=spec.code,
            name_ja=spec.name_ja,
            address=spec.address,
            **_shelter_fields(spec),
        )
        added += 1
    opened = 0
    if not selectors.shelter_openings(municipality=municipality).exists():
        orders = {d.decided_at: d for d in selectors.decision_list(municipality)}
        for order_at, code, opened_at, closed_at, counts in SHELTER_OPENINGS:
            shelter = selectors.shelter_get(municipality=municipality, code=code)
            opening = services.shelter_open(
                municipality=municipality,
                actor=operator,
                shelter=shelter,
                opened_at=opened_at,
                decision=orders.get(order_at),
            )
            for counted_at, evacuees in counts:
                services.shelter_count_record(
                    municipality=municipality,
                    actor=operator,
                    opening=opening,
                    evacuees=evacuees,
                    counted_at=counted_at,
                )
            services.shelter_close(
                municipality=municipality, actor=operator, opening=opening, closed_at=closed_at
            )
            opened += 1
    return {"shelters": added, "openings": opened}
