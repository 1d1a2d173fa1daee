"""Files of readings: CSV, and the hourly files of the 水文水質データベース (.dat).

Both are decoded with the standards engine's cascade (BOM → UTF-8 → CP932: the river database's
files are Shift_JIS/CP932). Each yields ``Incoming`` readings for ``observation_ingest``, a
row that cannot be read becoming a refused reading (``malformed``) that names its row.

CSV: a header row, then one reading a row. Columns (English or Japanese names):
``station``/``観測所コード`` (may be left out when the import names one station),
``observed_at``/``観測日時`` (ISO 8601; without an offset it is Japan time),
``value``/``観測値``, and optionally ``quality``/``品質``.

.dat (水文水質データベース, hourly stage or rain, "KIND=2"): header lines, then one line a day:
``YYYY/MM/DD,`` and 24 pairs ``value,flag`` for the hours 1 to 24 (24 is 00:00 of the next
day), Japan time. Flags: none final, ``*`` provisional, ``$`` missing, ``#`` station closed
and ``-`` not registered (neither is a reading: skipped).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kanmin.disaster.intake import JST, Incoming, Refused
from kanmin.disaster.models import ImportFormat, Quality, Refusal, Station

COLUMNS = {
    "station": ("station", "station_code", "観測所コード", "観測所記号", "観測所"),
    "observed_at": ("observed_at", "time", "datetime", "観測日時", "日時"),
    "value": ("value", "観測値", "値", "水位", "雨量"),
    "quality": ("quality", "flag", "品質", "フラグ"),
}
_DAT_LINE = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*,")
_DAT_STATION = re.compile(r"観測所記号\s*,\s*(\d+)")
_DAT_FLAGS = {"": Quality.FINAL, "*": Quality.PROVISIONAL, "$": Quality.MISSING}
_DAT_SKIP = {"#", "-"}


class FileError(Exception):
    """The file as a whole cannot be read; the message says why, in the active language."""


def detect_format(text: str) -> str:
    for line in text.splitlines()[:200]:
        if _DAT_LINE.match(line) and line.count(",") >= 48:
            return ImportFormat.WIS_DAT
    return ImportFormat.CSV


@dataclass
class Parsed:
    readings: list[Incoming]
    station_code: str | None = None  # what a .dat file's header names


def parse(text: str, fmt: str, *, name: str, station: Station | None) -> Parsed:
    if fmt == ImportFormat.WIS_DAT:
        return parse_wis_dat(text, name=name, station=station)
    return Parsed(list(parse_csv(text, name=name, station=station)))


def _column(header: list[str], key: str) -> int | None:
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    for alias in COLUMNS[key]:
        if alias.lower() in names:
            return names.index(alias.lower())
    return None


def parse_csv(text: str, *, name: str, station: Station | None) -> Iterator[Incoming]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header:
        raise FileError(_("The file is empty."))
    where = {key: _column(header, key) for key in COLUMNS}
    missing = [k for k in ("observed_at", "value") if where[k] is None]
    if where["station"] is None and station is None:
        missing.append("station")
    if missing:
        raise FileError(
            _("The header lacks the columns %(columns)s (e.g. station, observed_at, value).")
            % {"columns": ", ".join(missing)}
        )
    width = max(i for i in where.values() if i is not None) + 1
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        reading = Incoming(
            station=station if where["station"] is None else None,
            where=_("%(file)s row %(row)s") % {"file": name, "row": number},
            raw=",".join(row)[:500],
            naive_tz=JST,
        )
        if len(row) < width:
            reading.refusal = Refused(
                Refusal.MALFORMED, detail=_("Row %(row)s has too few cells.") % {"row": number}
            )
            yield reading
            continue
        if where["station"] is not None:
            reading.station_code = row[where["station"]].strip()
            if station is not None and reading.station_code != station.code:
                reading.refusal = Refused(Refusal.WRONG_STATION, code=station.code)
        reading.observed_at = row[where["observed_at"]].strip()  # type: ignore[index]
        value = row[where["value"]].strip()  # type: ignore[index]
        reading.value = value if value else None
        if where["quality"] is not None:
            reading.quality = row[where["quality"]].strip()
        yield reading


def parse_wis_dat(text: str, *, name: str, station: Station | None) -> Parsed:
    parsed = Parsed([])
    for number, line in enumerate(text.splitlines(), start=1):
        found = _DAT_STATION.search(line)
        if found and parsed.station_code is None:
            parsed.station_code = found.group(1)
        match = _DAT_LINE.match(line)
        if match is None:
            continue
        where = _("%(file)s row %(row)s") % {"file": name, "row": number}
        try:
            year, month, date = (int(g) for g in match.groups())
            day = dt.datetime(year, month, date, tzinfo=JST)
        except ValueError:
            parsed.readings.append(
                Incoming(where=where, raw=line[:500], refusal=Refused(Refusal.BAD_TIME))
            )
            continue
        cells = [c.strip() for c in line[match.end() :].split(",")]
        for hour in range(1, 25):
            if 2 * hour - 1 >= len(cells):
                break
            value, flag = cells[2 * hour - 2], cells[2 * hour - 1]
            if flag in _DAT_SKIP or (not value and not flag):
                continue
            quality = _DAT_FLAGS.get(flag)
            reading = Incoming(
                station=station,
                observed_at=day + dt.timedelta(hours=hour),
                value=None if quality == Quality.MISSING or not value else value,
                quality=quality or "",
                where=f"{where} {hour}時",
                raw=f"{match.group(0)}{hour}: {value},{flag}",
            )
            if quality is None:
                reading.refusal = Refused(Refusal.BAD_QUALITY, value=flag)
            parsed.readings.append(reading)
    return parsed
