"""警戒レベル rules as data: what a rule set says, how it is checked, how a station is judged.

A rule set (``RuleSet.definition``, JSON) holds:

- ``levels``: for each 警戒レベル 1–5, its name, what it means and the action a municipality
  issues at it (高齢者等避難, 避難指示, 緊急安全確保 — empty for the levels only the weather agency
  issues), in Japanese, English and やさしい日本語, and its colour;
- ``rules``: each maps either an observation (a kind of station, optionally one station; its
  latest value, the sum over a window or the rise over a window; compared with one of the
  station's 基準水位 or with a number) or a piece of official information entered by an operator
  (e.g. 土砂災害警戒情報) to a level;
- ``stale_after_minutes``: a station whose newest reading is older counts as "no recent reading"
  and gets no level;
- ``areas`` (optional): the municipality's 地区 as decisions and official information name them,
  each with a code, names and the stations that stand for it. Official information entered
  for some areas counts only for the stations of those areas; information with no area
  counts for the whole municipality (every station), as all information did before areas
  existed. A station in no area gets only the whole municipality's information.

Nothing here knows the national names: they come from the data (``data/rules_default.json`` is
the default, made from the 避難情報に関するガイドライン), so when the names change (2026) the
operator saves a new version. Pure functions: no database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kanmin.core.language import ja_or_en

DEFAULT_FILE = Path(__file__).parent / "data" / "rules_default.json"

LEVEL_NUMBERS = (1, 2, 3, 4, 5)
REFERENCE_LEVELS = ("standby", "caution", "evacuation", "danger", "overflow")
STATION_KINDS = ("rain", "river_level", "soil_moisture", "farm_sensor", "wildlife_trap", "other")
TRIGGERS = ("observation", "official")
MEASURES = ("value", "sum", "rise")
HAZARDS = {
    "river_flood": gettext_lazy("River flood"),
    "inundation": gettext_lazy("Inundation by heavy rain"),
    "landslide": gettext_lazy("Landslide"),
    "storm_surge": gettext_lazy("Storm surge"),
    "general": gettext_lazy("General"),
}
# In Japanese the official names (水防団待機水位, 氾濫注意水位, 避難判断水位, 氾濫危険水位,
# 氾濫開始相当水位), through the translations.
REFERENCE_NAMES = {
    "standby": gettext_lazy("stand-by level"),
    "caution": gettext_lazy("flood caution level"),
    "evacuation": gettext_lazy("evacuation decision level"),
    "danger": gettext_lazy("flood danger level"),
    "overflow": gettext_lazy("overflow level"),
}
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
# An area's code: a district number, a JMA area code or a short name in Latin letters.
_AREA_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class LevelDef:
    """One 警戒レベル as a rule set names it."""

    level: int
    name_ja: str
    name_en: str = ""
    name_easy: str = ""
    meaning_ja: str = ""
    meaning_en: str = ""
    meaning_easy: str = ""
    action_ja: str = ""
    action_en: str = ""
    action_easy: str = ""
    issued_by: str = "municipality"
    colour: str = "#777777"

    def text(self, what: str, variant: str | None = None) -> str:
        """``what`` is name, meaning or action; ``variant`` ja, en or easy (the page's by
        default). English falls back to Japanese, やさしい日本語 to Japanese."""
        variant = variant or ja_or_en()
        ja = str(getattr(self, f"{what}_ja"))
        other = str(getattr(self, f"{what}_{variant}", "")) if variant != "ja" else ""
        return other or ja

    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def meaning(self) -> str:
        return self.text("meaning")

    @property
    def action(self) -> str:
        return self.text("action")

    @property
    def text_colour(self) -> str:
        """Black or white, whichever reads on ``colour``."""
        red, green, blue = (int(self.colour[i : i + 2], 16) for i in (1, 3, 5))
        return "#000000" if (red * 299 + green * 587 + blue * 114) / 1000 >= 128 else "#ffffff"


@dataclass(frozen=True)
class RuleDef:
    """One rule: when it fires, the station (or the municipality) is at ``level``."""

    key: str
    level: int
    hazard: str
    trigger: str
    station_kind: str = ""
    station: str = ""
    measure: str = ""
    reference_level: str = ""
    threshold: Decimal | None = None
    window_minutes: int | None = None
    official_kind: str = ""
    official_name_en: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["threshold"] = None if self.threshold is None else str(self.threshold)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleDef:
        """A rule as ``as_json`` stored it (in an alert or a decision's evidence)."""
        names = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in names}
        threshold = values.get("threshold")
        values["threshold"] = None if threshold in (None, "") else Decimal(str(threshold))
        return cls(**values)

    def applies_to(self, kind: str, code: str) -> bool:
        return (
            self.trigger == "observation"
            and self.station_kind == kind
            and (not self.station or self.station == code)
        )

    @property
    def official_name(self) -> str:
        if ja_or_en() == "en" and self.official_name_en:
            return self.official_name_en
        return self.official_kind

    def describe(self) -> str:
        """The rule in words, in the page's language."""
        if self.trigger == "official":
            return _("%(info)s in force") % {"info": self.official_name}
        if self.reference_level:
            target = str(REFERENCE_NAMES.get(self.reference_level, self.reference_level))
        else:
            target = str(self.threshold)
        values = {"target": target, "minutes": self.window_minutes}
        if self.measure == "sum":
            text = _("the sum over %(minutes)s minutes reaches %(target)s") % values
        elif self.measure == "rise":
            text = _("the rise over %(minutes)s minutes reaches %(target)s") % values
        elif self.window_minutes:
            text = _("the value stays at or above %(target)s for %(minutes)s minutes") % values
        else:
            text = _("the value reaches %(target)s") % values
        if self.station:
            return _("Station %(station)s: %(text)s") % {"station": self.station, "text": text}
        return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class AreaDef:
    """One of the municipality's areas (地区) and the stations that stand for it."""

    code: str
    name_ja: str
    name_en: str = ""
    stations: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.name_en if ja_or_en() == "en" and self.name_en else self.name_ja

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_ja": self.name_ja,
            "name_en": self.name_en,
            "stations": list(self.stations),
        }


def covers(info_areas: Iterable[str], station_areas: Iterable[str]) -> bool:
    """Whether official information entered for ``info_areas`` (none: the whole municipality)
    counts for a station of ``station_areas``."""
    named = set(info_areas)
    return not named or bool(named & set(station_areas))


@dataclass(frozen=True)
class Definition:
    levels: tuple[LevelDef, ...]
    rules: tuple[RuleDef, ...]
    stale_after_minutes: int = 120
    errors: tuple[str, ...] = field(default=(), compare=False)
    areas: tuple[AreaDef, ...] = ()

    def level(self, number: int | None) -> LevelDef | None:
        return next((lv for lv in self.levels if lv.level == number), None)

    def area(self, code: str) -> AreaDef | None:
        return next((a for a in self.areas if a.code == code), None)

    def areas_of(self, station_code: str) -> tuple[str, ...]:
        """The codes of the areas a station stands for (none: it counts for no one area)."""
        return tuple(a.code for a in self.areas if station_code in a.stations)

    def area_names(self, codes: Iterable[str]) -> str:
        """The areas' names in the page's language (a code the rules no longer know as it
        is), joined; empty for none."""
        names = []
        for code in codes:
            area = self.area(code)
            names.append(area.name if area else code)
        return "、".join(names) if ja_or_en() == "ja" else ", ".join(names)

    def rule(self, key: str) -> RuleDef | None:
        return next((r for r in self.rules if r.key == key), None)

    def official_kinds(self) -> list[RuleDef]:
        """The official information the rules know, one rule per kind (the highest level)."""
        seen: dict[str, RuleDef] = {}
        for rule in sorted(self.rules, key=lambda r: -r.level):
            if rule.trigger == "official" and rule.official_kind not in seen:
                seen[rule.official_kind] = rule
        return sorted(seen.values(), key=lambda r: (r.level, r.official_kind))

    def actions(self) -> list[LevelDef]:
        """The levels at which the municipality issues an order (those with an action)."""
        return [lv for lv in self.levels if lv.action_ja]

    def as_json(self) -> dict[str, Any]:
        return {
            "stale_after_minutes": self.stale_after_minutes,
            "levels": [asdict(lv) for lv in self.levels],
            "rules": [r.as_json() for r in self.rules],
            "areas": [a.as_json() for a in self.areas],
        }


class DefinitionError(ValueError):
    """A rule set that cannot be used; ``problems`` says what is wrong, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _text(value: Any, limit: int = 200) -> str:
    return str(value or "").strip()[:limit]


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")
    return number


def parse(data: Mapping[str, Any]) -> Definition:
    """Check a rule set's JSON and return it; raises DefinitionError listing every problem."""
    problems: list[str] = []
    levels: list[LevelDef] = []
    for raw in data.get("levels") or []:
        number = raw.get("level")
        if number not in LEVEL_NUMBERS:
            problems.append(_("A level must be a number from 1 to 5."))
            continue
        colour = _text(raw.get("colour")) or "#777777"
        if not _COLOUR.match(colour):
            problems.append(
                _("Level %(level)s: the colour must look like #aa00aa.") % {"level": number}
            )
            colour = "#777777"
        names = {
            f"{what}_{variant}": _text(raw.get(f"{what}_{variant}"), 300)
            for what in ("name", "meaning", "action")
            for variant in ("ja", "en", "easy")
        }
        if not names["name_ja"]:
            problems.append(_("Level %(level)s has no Japanese name.") % {"level": number})
        issued_by = _text(raw.get("issued_by")) or "municipality"
        levels.append(LevelDef(level=number, issued_by=issued_by, colour=colour, **names))
    numbers = sorted(lv.level for lv in levels)
    if numbers != list(LEVEL_NUMBERS):
        problems.append(_("Name each of the levels 1 to 5 exactly once."))
    rules: list[RuleDef] = []
    keys: set[str] = set()
    for position, raw in enumerate(data.get("rules") or [], start=1):
        where = _("Rule %(number)s") % {"number": position}
        key = _text(raw.get("key"), 60)
        if not _KEY.match(key):
            problems.append(
                _("%(where)s: the key must be lower-case letters, digits, - or _.")
                % {"where": where}
            )
        elif key in keys:
            problems.append(
                _("%(where)s: the key %(key)s is used twice.") % {"where": where, "key": key}
            )
        keys.add(key)
        level = raw.get("level")
        try:
            level = int(level)
        except (TypeError, ValueError):
            level = 0
        if level not in LEVEL_NUMBERS:
            problems.append(_("%(where)s: choose a level from 1 to 5.") % {"where": where})
        hazard = _text(raw.get("hazard")) or "general"
        if hazard not in HAZARDS:
            problems.append(_("%(where)s: unknown hazard.") % {"where": where})
        trigger = _text(raw.get("trigger"))
        values: dict[str, Any] = {}
        if trigger == "observation":
            kind = _text(raw.get("station_kind"))
            measure = _text(raw.get("measure")) or "value"
            reference = _text(raw.get("reference_level"))
            threshold = _decimal(raw.get("threshold"))
            window = raw.get("window_minutes")
            window = int(window) if str(window or "").strip().isdigit() else None
            if kind not in STATION_KINDS:
                problems.append(_("%(where)s: choose the kind of station.") % {"where": where})
            if measure not in MEASURES:
                problems.append(_("%(where)s: unknown measure.") % {"where": where})
            if reference and reference not in REFERENCE_LEVELS:
                problems.append(_("%(where)s: unknown reference level.") % {"where": where})
            if bool(reference) == (threshold is not None):
                problems.append(
                    _("%(where)s: give either a reference level or a threshold, not both.")
                    % {"where": where}
                )
            if threshold is not None and not threshold.is_finite():
                problems.append(_("%(where)s: the threshold must be a number.") % {"where": where})
                threshold = None
            if reference and kind != "river_level":
                problems.append(
                    _("%(where)s: reference levels exist only for river stations.")
                    % {"where": where}
                )
            if measure in ("sum", "rise") and not window:
                problems.append(
                    _("%(where)s: a sum or a rise needs a window in minutes.") % {"where": where}
                )
            if window is not None and not 1 <= window <= 24 * 60:
                problems.append(
                    _("%(where)s: the window must be 1 to 1440 minutes.") % {"where": where}
                )
            values = {
                "station_kind": kind,
                "station": _text(raw.get("station"), 40),
                "measure": measure,
                "reference_level": reference,
                "threshold": threshold,
                "window_minutes": window,
            }
        elif trigger == "official":
            kind_name = _text(raw.get("official_kind"), 100)
            if not kind_name:
                problems.append(
                    _("%(where)s: name the official information (e.g. 土砂災害警戒情報).")
                    % {"where": where}
                )
            values = {
                "official_kind": kind_name,
                "official_name_en": _text(raw.get("official_name_en"), 100),
            }
        else:
            problems.append(
                _("%(where)s: choose what triggers it (an observation or official information).")
                % {"where": where}
            )
        rules.append(RuleDef(key=key, level=level, hazard=hazard, trigger=trigger, **values))
    areas = _parse_areas(data.get("areas") or [], problems)
    stale = data.get("stale_after_minutes", 120)
    try:
        stale = int(stale)
    except (TypeError, ValueError):
        stale = 0
    if not 10 <= stale <= 24 * 60:
        problems.append(_("A reading counts as recent for 10 to 1440 minutes."))
        stale = 120
    if problems:
        raise DefinitionError(problems)
    return Definition(
        tuple(sorted(levels, key=lambda lv: lv.level)), tuple(rules), stale, areas=areas
    )


def _parse_areas(raw_areas: Any, problems: list[str]) -> tuple[AreaDef, ...]:
    areas: list[AreaDef] = []
    codes: set[str] = set()
    if not isinstance(raw_areas, list):
        problems.append(_("The areas must be a list."))
        return ()
    for position, raw in enumerate(raw_areas, start=1):
        where = _("Area %(number)s") % {"number": position}
        if not isinstance(raw, Mapping):
            problems.append(_("%(where)s: give a code and a name.") % {"where": where})
            continue
        code = _text(raw.get("code"), 40)
        if not _AREA_CODE.match(code):
            problems.append(
                _("%(where)s: the code must be letters, digits, - or _ (e.g. 05).")
                % {"where": where}
            )
        elif code in codes:
            problems.append(
                _("%(where)s: the code %(code)s is used twice.") % {"where": where, "code": code}
            )
        codes.add(code)
        name_ja = _text(raw.get("name_ja"), 100)
        if not name_ja:
            problems.append(_("%(where)s has no Japanese name.") % {"where": where})
        stations = raw.get("stations") or []
        if isinstance(stations, str):
            stations = stations.replace("、", ",").split(",")
        codes_given = [_text(c, 40) for c in stations if _text(c, 40)]
        areas.append(
            AreaDef(
                code=code,
                name_ja=name_ja,
                name_en=_text(raw.get("name_en"), 100),
                stations=tuple(dict.fromkeys(codes_given)),
            )
        )
    return tuple(areas)


@cache
def default_data() -> dict[str, Any]:
    """The default rule set (``data/rules_default.json``) as JSON."""
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    data.pop("_about", None)
    return data


# ------------------------------------------------------------------------------------------
# Judging a station
# ------------------------------------------------------------------------------------------

Point = tuple[dt.datetime, Decimal]


@dataclass(frozen=True)
class Judgement:
    """What the rules say about one station at one time."""

    level: int  # 0: no rule fired
    rule: RuleDef | None
    stale: bool  # no reading recent enough to judge
    measured: Decimal | None  # what the fired rule compared (the value, the sum or the rise)
    target: Decimal | None  # what it was compared with


def _target(rule: RuleDef, references: Mapping[str, Decimal | None] | None) -> Decimal | None:
    if rule.reference_level:
        return (references or {}).get(rule.reference_level)
    return rule.threshold


def _measure(rule: RuleDef, points: Sequence[Point], at: dt.datetime) -> Decimal | None:
    """What the rule compares, from the points (oldest first, none after ``at``)."""
    if not points:
        return None
    latest_time, latest = points[-1]
    if rule.measure == "value":
        if not rule.window_minutes:
            return latest
        since = at - dt.timedelta(minutes=rule.window_minutes)
        inside = [v for t, v in points if t >= since]
        # Sustained: the lowest value over the window, and only if readings span it.
        if not inside or points[0][0] > since:
            return None
        return min(inside)
    window = dt.timedelta(minutes=rule.window_minutes or 0)
    since = at - window
    if rule.measure == "sum":
        # Amounts per interval (e.g. 10-minute rain) summed over (since, at].
        return sum((v for t, v in points if t > since), Decimal(0))
    # rise: the latest value minus the value at the start of the window (the last reading at
    # or before it), so a window without a reading at its start gives nothing.
    before = [v for t, v in points if t <= latest_time - window]
    if not before:
        return None
    return latest - before[-1]


def judge(
    rules: Iterable[RuleDef],
    *,
    kind: str,
    code: str,
    points: Sequence[Point],
    references: Mapping[str, Decimal | None] | None,
    at: dt.datetime,
    stale_after_minutes: int,
) -> Judgement:
    """The highest level whose rule fires for this station's points (oldest first, values
    of missing or suspect readings left out), with the rule that fired."""
    usable = [(t, v) for t, v in points if t <= at]
    if not usable or usable[-1][0] < at - dt.timedelta(minutes=stale_after_minutes):
        return Judgement(0, None, True, None, None)
    best = Judgement(0, None, False, None, None)
    for rule in rules:
        if not rule.applies_to(kind, code) or rule.level <= best.level:
            continue
        target = _target(rule, references)
        if target is None:
            continue
        measured = _measure(rule, usable, at)
        if measured is not None and measured >= target:
            best = Judgement(rule.level, rule, False, measured, target)
    return best


def judge_official(rules: Iterable[RuleDef], kinds_in_force: Iterable[str]) -> Judgement:
    """The highest level among the official information in force."""
    in_force = set(kinds_in_force)
    best = Judgement(0, None, False, None, None)
    for rule in rules:
        fires = rule.trigger == "official" and rule.official_kind in in_force
        if fires and rule.level > best.level:
            best = Judgement(rule.level, rule, False, None, None)
    return best


def lookback_minutes(definition: Definition) -> int:
    """How far back readings are needed to judge any station under these rules."""
    windows = [r.window_minutes or 0 for r in definition.rules if r.trigger == "observation"]
    return max([definition.stale_after_minutes, *windows]) + 10
