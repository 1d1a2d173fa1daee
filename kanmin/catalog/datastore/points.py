"""The places of a DataStore table, for its map preview: which columns hold the latitude and
longitude (and a name and an address), and the rows with a usable point. A GeoJSON file's
Point features are read the same way, their properties as the columns.

Columns are recognised by name, ignoring case, width and surrounding spaces: the national
standard data sets' ``緯度``/``経度`` (and ``名称``, ``所在地_連結表記`` …; the names are those
of ``../shared/reference/standard-datasets``) and the usual English ``latitude``/``lat`` and
``longitude``/``lon``/``lng``. Without a recognised name column, a popup shows the first text
columns instead.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kanmin.catalog.datastore.load import ID
from kanmin.catalog.datastore.sql import Interrupter, connect_search, quote, timeout_seconds

# The most points a preview shows (the map and the list); beyond, it says so.
POINTS_MAX = 1000
# A GeoJSON file is read whole for its preview: larger ones get none.
GEOJSON_BYTES_MAX = 10 * 1024 * 1024
GSI_MAPS = "https://maps.gsi.go.jp/"
LINK_ZOOM = 17
# Text columns a popup shows when no name column is recognised.
FALLBACK_COLUMNS = 2

LATITUDE = ("緯度", "latitude", "lat")
LONGITUDE = ("経度", "longitude", "lon", "lng", "long")
# In order of preference; the standard data sets' first (名称 in most, 施設名称 in 食品等営業
# 許可・届出一覧, イベント名 in イベント一覧 …).
NAME = (
    "名称",
    "施設名称",
    "施設名",
    "イベント名",
    "介護サービス事業所名称",
    "学校名称",
    "場所名称",
    "name",
    "title",
)
ADDRESS = ("所在地_連結表記", "住所", "所在地", "施設所在地", "address")


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _find(names: Sequence[str], wanted: Sequence[str]) -> str | None:
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(_key(name), name)
    for candidate in wanted:
        found = by_key.get(_key(candidate))
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class MapColumns:
    """The columns a map preview reads: the point, and what its popup and list entry say
    (of a GeoJSON file: its features' properties; the point is the geometry's, and
    ``latitude`` and ``longitude`` are empty)."""

    latitude: str
    longitude: str
    name: str | None = None
    address: str | None = None
    # Shown instead of a name when none is recognised: the first text columns.
    fallback: tuple[str, ...] = ()


def map_columns(fields: Sequence[dict[str, str]]) -> MapColumns | None:
    """The latitude and longitude columns among a table's ``fields`` (CKAN's ``[{"id",
    "type"}]``), with its name and address columns; None without both coordinates."""
    names = [f["id"] for f in fields if f["id"] != ID]
    latitude = _find(names, LATITUDE)
    longitude = _find(names, LONGITUDE)
    if latitude is None or longitude is None or latitude == longitude:
        return None
    name = _find(names, NAME)
    address = _find(names, ADDRESS)
    fallback: tuple[str, ...] = ()
    if name is None:
        used = {latitude, longitude, address}
        fallback = tuple(
            f["id"]
            for f in fields
            if f["id"] != ID and f["id"] not in used and f.get("type") == "text"
        )[:FALLBACK_COLUMNS]
    return MapColumns(latitude, longitude, name, address, fallback)


@dataclass(frozen=True)
class Point:
    row: int  # the table's _id
    latitude: float
    longitude: float
    name: str
    address: str
    # (column, value) shown when the table has no name column.
    details: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """What names the place: its name, else its address, else the first detail."""
        return self.name or self.address or (self.details[0][1] if self.details else "")

    @property
    def map_url(self) -> str:
        """The place on 地理院地図 (the Geospatial Information Authority's web map), which
        needs no script of this site."""
        return f"{GSI_MAPS}#{LINK_ZOOM}/{self.latitude:.6f}/{self.longitude:.6f}/"


@dataclass(frozen=True)
class MapPoints:
    columns: MapColumns
    points: list[Point] = field(default_factory=list)
    # Rows with a usable point (the first ``limit`` are in ``points``).
    total: int = 0
    # Rows whose coordinates are missing, not numbers or out of range.
    skipped: int = 0

    @property
    def capped(self) -> bool:
        return self.total > len(self.points)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read(path: Path, columns: MapColumns, *, limit: int = POINTS_MAX) -> MapPoints:
    """The rows of the table at ``path`` with a point on the Earth (not 0, 0: a placeholder
    for "unknown"), in the table's order, at most ``limit``."""
    lat = f"TRY_CAST({quote(columns.latitude)} AS DOUBLE)"
    lon = f"TRY_CAST({quote(columns.longitude)} AS DOUBLE)"
    usable = (
        f"{lat} BETWEEN -90 AND 90 AND {lon} BETWEEN -180 AND 180 "
        f"AND NOT ({lat} = 0 AND {lon} = 0) AND isfinite({lat}) AND isfinite({lon})"
    )
    shown = [c for c in (columns.name, columns.address, *columns.fallback) if c]
    cells = "".join(f", CAST({quote(c)} AS VARCHAR)" for c in shown)
    statement = (
        f"SELECT {quote(ID)}, {lat}, {lon}{cells} FROM t "  # noqa: S608 - quoted identifiers
        f"WHERE {usable} ORDER BY {quote(ID)} LIMIT ?"
    )
    con, _clustering = connect_search(path)
    try:
        with Interrupter(con, timeout_seconds()):
            rows = con.execute(statement, [limit]).fetchall()
            counted = con.execute(
                f"SELECT count(*) FILTER (WHERE {usable}), count(*) FROM t"  # noqa: S608
            ).fetchone()
    finally:
        con.close()
    total, all_rows = (int(counted[0]), int(counted[1])) if counted else (0, 0)
    points = []
    for row in rows:
        values = dict(zip(shown, (_text(v) for v in row[3:]), strict=True))
        latitude, longitude = float(row[1]), float(row[2])
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            continue
        points.append(
            Point(
                row=int(row[0]),
                latitude=latitude,
                longitude=longitude,
                name=values.get(columns.name or "", ""),
                address=values.get(columns.address or "", ""),
                details=tuple((c, values[c]) for c in columns.fallback if values[c]),
            )
        )
    return MapPoints(columns, points, total, all_rows - total)


def _coordinates(geometry: Any) -> tuple[float, float] | None:
    """(latitude, longitude) of a GeoJSON Point on the Earth, else None."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    position = geometry.get("coordinates")
    if not isinstance(position, list) or len(position) < 2:
        return None
    lon, lat = position[0], position[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        return None
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def from_geojson(data: bytes, *, limit: int = POINTS_MAX) -> MapPoints | None:
    """The Point features of a GeoJSON file (a FeatureCollection or one Feature), their
    properties read like a table's columns; None when it is not GeoJSON or has no point."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document]}
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        return None
    usable: list[tuple[int, tuple[float, float], dict[str, Any]]] = []
    keys: dict[str, str] = {}  # property name → "text" when one of its values is a string
    for index, feature in enumerate(features, 1):
        if not isinstance(feature, dict):
            continue
        point = _coordinates(feature.get("geometry"))
        if point is None:
            continue
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        for key, value in properties.items():
            if isinstance(value, str) and value.strip():
                keys[str(key)] = "text"
            else:
                keys.setdefault(str(key), "other")
        usable.append((index, point, properties))
    if not usable:
        return None
    fields = [{"id": key, "type": kind} for key, kind in keys.items()]
    names = [f["id"] for f in fields]
    name = _find(names, NAME)
    address = _find(names, ADDRESS)
    fallback: tuple[str, ...] = ()
    if name is None:
        fallback = tuple(f["id"] for f in fields if f["type"] == "text" and f["id"] != address)[
            :FALLBACK_COLUMNS
        ]
    columns = MapColumns("", "", name, address, fallback)
    points = []
    for index, (lat, lon), properties in usable[:limit]:
        values = {key: _text(properties.get(key)) for key in (name, address, *fallback) if key}
        points.append(
            Point(
                row=index,
                latitude=lat,
                longitude=lon,
                name=values.get(name or "", ""),
                address=values.get(address or "", ""),
                details=tuple((c, values[c]) for c in fallback if values[c]),
            )
        )
    return MapPoints(columns, points, len(usable), len(features) - len(usable))


def feature_collection(found: MapPoints) -> dict[str, Any]:
    """The points as GeoJSON (RFC 7946: longitude first), with ``total`` and ``capped`` as
    foreign members."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": p.row,
                "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
                "properties": {
                    "name": p.name,
                    "address": p.address,
                    "label": p.label,
                    "map_url": p.map_url,
                    "details": [[column, value] for column, value in p.details],
                },
            }
            for p in found.points
        ],
        "total": found.total,
        "capped": found.capped,
    }
