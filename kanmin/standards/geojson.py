"""GeoJSON content checks (RFC 7946): ``validate_geojson(path_or_stream) -> Report``.

The file is read whole (up to :data:`MAX_BYTES`) and parsed with :mod:`json`; what cannot be
read at all (not text, not UTF-8, not JSON, not GeoJSON) is a fatal issue, as for a CSV file
that cannot be read. Then every feature is checked: its members, the geometry's type and how
its coordinates nest, and every position (2 or 3 numbers, longitude first, inside Japan,
inside the municipality's box when one is given).

Issues name the feature by its 1-based index in ``row`` and say it in the message
("地物3" / "Feature 3"), and the place inside it in ``column`` as a path
(``geometry.coordinates[0][3]``). Within one feature each kind of finding is reported once,
at its first place, with how many more there are: a polygon of ten thousand swapped points
gives one finding, not ten thousand.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kanmin.core.i18n import both, gettext_noop, pgettext, translate
from kanmin.standards.checks import Area, in_japan
from kanmin.standards.reader import ReadError, Source, sniff_kind
from kanmin.standards.report import Issue, Report, Severity

__all__ = [
    "GEOMETRY_TYPES",
    "MAX_BYTES",
    "NOT_GEOJSON_CODES",
    "GeoJsonReport",
    "validate_geojson",
]

# A GeoJSON file is parsed whole: its Python objects take about five times its size.
MAX_BYTES = 64 * 1024 * 1024
# GeometryCollections inside GeometryCollections (RFC 7946 §3.1.8 says to avoid them at all).
MAX_COLLECTION_DEPTH = 8
_VALUE_CHARS = 120

_SHAPE_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
GEOMETRY_TYPES = frozenset({*_SHAPE_TYPES, "GeometryCollection"})
# Fatal codes meaning "this is not a GeoJSON document at all" (the CLI then reads a .json
# file as it did before).
NOT_GEOJSON_CODES = frozenset({"not_geojson", "geojson_not_json"})

_EXAMPLES = {
    "Point": "[131.061, 31.719]",
    "MultiPoint": "[[131.061, 31.719], [131.07, 31.72]]",
    "LineString": "[[131.061, 31.719], [131.07, 31.72]]",
    "MultiLineString": "[[[131.061, 31.719], [131.07, 31.72]]]",
    "Polygon": "[[[131.06, 31.71], [131.07, 31.71], [131.07, 31.72], [131.06, 31.71]]]",
    "MultiPolygon": "[[[[131.06, 31.71], [131.07, 31.71], [131.07, 31.72], [131.06, 31.71]]]]",
}

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BLANK = b" \t\r\n"

# What json says, in words a clerk can act on.
_SYNTAX_REASONS: tuple[tuple[str, str], ...] = (
    (
        "Expecting property name enclosed in double quotes",
        gettext_noop(
            'A member name is not in double quotes ("), or there is a comma (,) after the '
            "last item."
        ),
    ),
    (
        "Expecting ',' delimiter",
        gettext_noop(
            "A comma (,) between items is missing, or there is one bracket (] or }) too many."
        ),
    ),
    ("Expecting ':' delimiter", gettext_noop("The colon (:) after a member name is missing.")),
    (
        "Expecting value",
        gettext_noop(
            "A value is missing (the file is cut short, a comma is too many, or a string is "
            "not in quotes)."
        ),
    ),
    ("Unterminated string", gettext_noop("A string's quote (\") is never closed.")),
    (
        "Invalid control character",
        gettext_noop("A string holds a line break or a tab; write it as \\n or \\t."),
    ),
    (
        "Invalid \\escape",
        gettext_noop("A backslash (\\) in a string is not a valid escape; write it as \\\\."),
    ),
    (
        "Extra data",
        gettext_noop("There is more text after the end of the data (two files joined together?)."),
    ),
)


class _Constant(ValueError):
    """NaN or Infinity: Python's json reads them, JSON (RFC 8259) does not allow them."""


def _no_constants(name: str) -> Any:
    raise _Constant(name)


# A string, or a bare NaN/Infinity outside strings (found only after a failed parse).
_CONSTANT_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.DOTALL)


@dataclass
class GeoJsonReport(Report):
    """A :class:`Report` whose text names features ("地物3") rather than rows."""

    file_format: str = "geojson"

    def _summary(self, lang: str) -> str:
        summary = gettext_noop("GeoJSON / encoding: {encoding} / features: {rows}")
        return translate(summary, lang).format(encoding=self.encoding, rows=self.rows)

    def _where(self, i: Issue, lang: str) -> list[str]:
        where: list[str] = []
        if i.row is not None:
            where.append(translate(gettext_noop("feature {row}"), lang).format(row=i.row))
        if i.column:
            where.append(translate(gettext_noop("at {column}"), lang).format(column=i.column))
        if i.value:
            where.append(translate(gettext_noop("value {value}"), lang).format(value=i.value))
        return where


# ------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------


class _Fatal(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _read(source: Source, limit: int) -> bytes:
    """At most ``limit`` bytes of the file (one more means too large)."""
    if isinstance(source, str | Path):
        try:
            with Path(source).open("rb") as fh:
                return fh.read(limit + 1)
        except (FileNotFoundError, IsADirectoryError):
            raise _Fatal("file_not_found", path=str(source)) from None
    return source.read(limit + 1)


def _binary_kind(head: bytes) -> tuple[str, str] | None:
    """(Japanese, English) name of what a binary file looks like, or None for text."""
    try:
        kind = sniff_kind(head)
    except ReadError as exc:
        kind = str(exc.params.get("kind", "binary"))
    if kind == "csv":
        return None  # text
    if kind == "binary":  # the catalog's "binary data" names a file type, not a guess
        return pgettext("what a file looks like", "binary data", "ja"), "binary data"
    names = {
        "xlsx": gettext_noop("an Excel workbook or a ZIP archive"),
        "xls": gettext_noop("an old Office file (.xls)"),
    }
    if kind in names:
        return both(names[kind])
    return both(gettext_noop("a {kind} file"), kind=kind)


def _text_kind(stripped: bytes) -> tuple[str, str]:
    """(Japanese, English) name of what text that is not JSON looks like."""
    lowered = stripped[:200].lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return both(gettext_noop("a web page (HTML)"))
    if lowered.startswith(b"<"):
        return both(gettext_noop("XML (such as KML)"))
    first_line = stripped.split(b"\n", 1)[0]
    if b"," in first_line or b"\t" in first_line:
        return both(gettext_noop("a table (CSV)"))
    return both(gettext_noop("plain text"))


def _encoding_name(data: bytes) -> tuple[str, str]:
    if data.startswith(_UTF16_BOMS):
        return ("UTF-16", "UTF-16")
    try:
        data.decode("cp932")
    except UnicodeDecodeError:
        return both(gettext_noop("an unknown encoding"))
    return both(gettext_noop("Shift_JIS (CP932)"))


def _syntax_reason(msg: str) -> dict[str, str]:
    for prefix, reason in _SYNTAX_REASONS:
        if msg.startswith(prefix):
            ja, en = both(reason)
            break
    else:
        ja, en = both(gettext_noop("({message})"), message=msg)
    return {"reason_ja": ja, "reason_en": en + " "}


def _constant_place(text: str) -> tuple[int, int, str]:
    """Line, column and spelling of the first NaN/Infinity outside a string."""
    for m in _CONSTANT_RE.finditer(text):
        if m.group(1):
            start = m.start(1)
            line = text.count("\n", 0, start) + 1
            return line, start - (text.rfind("\n", 0, start) + 1) + 1, m.group(1)
    return 0, 0, "NaN"


def _load(data: bytes, report: Report) -> Any:
    """The parsed document, or raise :class:`_Fatal` saying why it cannot be read."""
    if not data.strip(_BLANK):
        raise _Fatal("geojson_empty")
    if data.startswith(_UTF16_BOMS):
        ja, en = _encoding_name(data)
        raise _Fatal("geojson_encoding", what_ja=ja, what_en=en)
    binary = _binary_kind(data[:8192])
    if binary is not None:
        raise _Fatal("geojson_binary", what_ja=binary[0], what_en=binary[1])
    bom = data.startswith(_UTF8_BOM)
    body = data[len(_UTF8_BOM) :] if bom else data
    stripped = body.lstrip(_BLANK)
    if stripped[:1] not in (b"{", b"["):
        ja, en = _text_kind(stripped)
        raise _Fatal("geojson_not_json", what_ja=ja, what_en=en)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        ja, en = _encoding_name(body)
        raise _Fatal("geojson_encoding", what_ja=ja, what_en=en) from None
    report.encoding = "utf-8-sig" if bom else "utf-8"
    if bom:
        report.add(Issue("geojson_bom", "warning"))
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise _Fatal(
            "json_syntax", line=exc.lineno, col=exc.colno, **_syntax_reason(exc.msg)
        ) from None
    except _Constant:
        line, col, name = _constant_place(text)
        raise _Fatal("json_constant", line=line, col=col, value=name) from None
    except RecursionError:
        raise _Fatal("json_too_deep") from None
    except ValueError:  # a number with more digits than Python converts
        raise _Fatal("json_number_too_long") from None


# ------------------------------------------------------------------------------------------
# Checking
# ------------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 3] + "..."


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


_NUMBERS = (int, float)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _in_japan(lon: float, lat: float) -> bool:
    return in_japan(lat, lon)


def _looks_swapped(lon: float, lat: float) -> bool:
    return in_japan(lon, lat)


@dataclass
class _Pending:
    severity: Severity
    column: str
    value: str | None
    params: dict[str, Any]
    count: int = 1


@dataclass
class _Checker:
    report: Report
    area: Area | None
    # Findings of the feature being checked: code -> its first place and how many.
    pending: dict[str, _Pending] = field(default_factory=dict)

    # -- findings ------------------------------------------------------------------------
    def found(
        self,
        code: str,
        column: str,
        value: Any = None,
        severity: Severity = "error",
        **params: Any,
    ) -> None:
        seen = self.pending.get(code)
        if seen is not None:
            seen.count += 1
            return
        shown = None if value is None else _shown(value)
        self.pending[code] = _Pending(severity, column, shown, params)

    def flush(self, row: int | None, where: str, **where_params: object) -> None:
        """Add the findings of one feature (or of the place named by the msgid ``where``) to
        the report."""
        if not self.pending:
            return
        where_ja, where_en = both(where, **where_params)
        for code, p in self.pending.items():
            params = {"where_ja": where_ja, "where_en": where_en, **p.params}
            if p.count > 1:
                if p.count == 2:
                    more = both(gettext_noop("The same problem occurs once more."))
                else:
                    more = both(
                        gettext_noop("The same problem occurs {count} more times."),
                        count=p.count - 1,
                    )
                params["more_ja"], params["more_en"] = more
                params["more_count"] = p.count - 1
            self.report.add(Issue(code, p.severity, row, p.column or None, p.value, params))
        self.pending.clear()

    # -- document ------------------------------------------------------------------------
    def document(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            ja, en = both(gettext_noop("the top level is an array"))
            raise _Fatal("not_geojson", detail_ja=ja, detail_en=en)
        kind = doc.get("type")
        if kind == "FeatureCollection":
            self.collection(doc)
        elif kind == "Feature":
            self.report.rows = 1
            self.feature(doc, 1)
        elif kind in GEOMETRY_TYPES:
            self.geometry(doc, "")
            if "crs" in doc:
                self.found("crs_member", "crs", severity="warning")
            self.flush(None, gettext_noop("The geometry"))
        else:
            raise _Fatal("not_geojson", **_not_geojson_detail(kind))

    def collection(self, doc: dict[str, Any]) -> None:
        if "crs" in doc:
            self.found("crs_member", "crs", severity="warning")
        features = doc.get("features")
        if not isinstance(features, list):
            self.found("features_missing", "features", features)
            self.flush(None, gettext_noop("The top level"))
            return
        self.flush(None, gettext_noop("The top level"))
        self.report.rows = len(features)
        if not features:
            self.report.add(Issue("no_features", "warning"))
        for n, feature in enumerate(features, 1):
            self.feature(feature, n)

    def feature(self, feature: Any, n: int) -> None:
        if not isinstance(feature, dict):
            self.found("feature_not_object", "", feature)
        else:
            if feature.get("type") != "Feature":
                self.found("feature_type", "type", feature.get("type"))
            if "id" in feature and not (
                isinstance(feature["id"], str) or _is_number(feature["id"])
            ):
                self.found("feature_id", "id", feature["id"])
            if "geometry" not in feature:
                self.found("geometry_missing", "geometry")
            elif feature["geometry"] is not None:
                self.geometry(feature["geometry"], "geometry")
            if "properties" not in feature:
                self.found("properties_missing", "properties")
            elif not (feature["properties"] is None or isinstance(feature["properties"], dict)):
                self.found("properties_type", "properties", feature["properties"])
            if "crs" in feature:
                self.found("crs_member", "crs", severity="warning")
        self.flush(n, gettext_noop("Feature {n}"), n=n)

    def geometry(self, geometry: Any, path: str, depth: int = 0) -> None:
        if not isinstance(geometry, dict):
            self.found("geometry_not_object", path, geometry)
            return
        kind = geometry.get("type")
        if kind == "GeometryCollection":
            parts = geometry.get("geometries")
            if not isinstance(parts, list):
                self.found("geometries_missing", _join(path, "geometries"), parts)
                return
            if depth >= 1:
                self.found("nested_geometry_collection", path, severity="warning")
            if depth >= MAX_COLLECTION_DEPTH:
                self.found("geometry_too_deep", path, limit=MAX_COLLECTION_DEPTH)
                return
            for i, part in enumerate(parts):
                self.geometry(part, f"{_join(path, 'geometries')}[{i}]", depth + 1)
            return
        if kind not in _SHAPE_TYPES:
            self.found("geometry_type", _join(path, "type"), kind, "error", **_type_hint(kind))
            return
        if "coordinates" not in geometry:
            self.found(
                "coordinates_missing",
                _join(path, "coordinates"),
                type=kind,
                example=_EXAMPLES[kind],
            )
            return
        coords = geometry["coordinates"]
        where = _join(path, "coordinates")
        if coords == []:
            return  # an empty geometry (RFC 7946 §3.1)
        shape = _Shape(self, kind)
        if kind == "Point":
            shape.position(coords, where)
        elif kind == "MultiPoint":
            for i, pos in enumerate(shape.array(coords, where)):
                shape.position(pos, f"{where}[{i}]")
        elif kind == "LineString":
            shape.line(coords, where)
        elif kind == "MultiLineString":
            for i, line in enumerate(shape.array(coords, where)):
                shape.line(line, f"{where}[{i}]")
        elif kind == "Polygon":
            shape.polygon(coords, where)
        else:
            for i, polygon in enumerate(shape.array(coords, where)):
                shape.polygon(polygon, f"{where}[{i}]")

    # -- positions -----------------------------------------------------------------------
    def position(self, pos: list[Any], path: str) -> None:
        """A position that is a list of 2 or 3 numbers."""
        lon, lat = pos[0], pos[1]
        if _in_japan(lon, lat):
            area = self.area
            if area is not None and not (
                area.south <= lat <= area.north and area.west <= lon <= area.east
            ):
                self.found(
                    "position_outside_area",
                    path,
                    pos,
                    "warning",
                    south=_fmt(area.south),
                    west=_fmt(area.west),
                    north=_fmt(area.north),
                    east=_fmt(area.east),
                )
        elif _looks_swapped(lon, lat):
            self.found("coordinates_swapped", path, pos, suggestion=_shown([lat, lon, *pos[2:]]))
        elif not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.found("position_range", path, pos)
        else:
            self.found("position_outside_japan", path, pos)


@dataclass
class _Shape:
    """The coordinates of one geometry: a nesting error is reported once for it, and its
    checking stops there."""

    checker: _Checker
    kind: str
    broken: bool = False

    def nesting(self, path: str, value: Any) -> None:
        if not self.broken:
            self.broken = True
            self.checker.found(
                "coordinates_nesting", path, value, type=self.kind, example=_EXAMPLES[self.kind]
            )

    def array(self, value: Any, path: str) -> list[Any]:
        if isinstance(value, list):
            return value
        self.nesting(path, value)
        return []

    def position(self, pos: Any, path: str) -> bool:
        """Check one position; False when it is not 2 or 3 numbers."""
        if self.broken:
            return False
        # json gives exactly these types: bool (not a number here) is not int by type().
        if type(pos) is list and 2 <= len(pos) <= 3 and all(type(v) in _NUMBERS for v in pos):
            self.checker.position(pos, path)
            return True
        if _is_number(pos) or (isinstance(pos, list) and any(isinstance(v, list) for v in pos)):
            self.nesting(path, pos)  # one level too shallow or too deep
            return False
        self.checker.found("position_invalid", path, pos)
        return False

    def positions(self, value: Any, path: str) -> list[Any] | None:
        """A list of positions, or None when it is broken (its findings reported)."""
        items = self.array(value, path)
        ok = True
        for i, pos in enumerate(items):
            ok = self.position(pos, f"{path}[{i}]") and ok
        return items if ok and not self.broken else None

    def line(self, value: Any, path: str) -> None:
        items = self.positions(value, path)
        if items is not None and len(items) < 2:
            self.checker.found("line_too_short", path, value, count=len(items))

    def polygon(self, value: Any, path: str) -> None:
        for i, ring in enumerate(self.array(value, path)):
            self.ring(ring, f"{path}[{i}]")

    def ring(self, value: Any, path: str) -> None:
        items = self.positions(value, path)
        if items is None:
            return
        if len(items) < 4:
            self.checker.found("ring_too_short", path, value, count=len(items))
        elif items[0] != items[-1]:
            self.checker.found("ring_not_closed", path, items[-1], first=_shown(items[0]))


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _type_hint(kind: Any) -> dict[str, str]:
    if isinstance(kind, str):
        for name in GEOMETRY_TYPES:
            if kind.lower() == name.lower() and kind != name:
                ja, en = both(gettext_noop("Write '{value}'."), value=name)
                return {"hint_ja": ja, "hint_en": en}
    return {}


def _not_geojson_detail(kind: Any) -> dict[str, str]:
    if kind is None:
        ja, en = both(gettext_noop('there is no "type"'))
    elif kind == "Topology":
        ja, en = both(gettext_noop("it is TopoJSON; convert it to GeoJSON in your GIS software"))
    else:
        ja, en = both(gettext_noop("\"type\" is '{value}'"), value=_shown(kind))
    return {"detail_ja": ja, "detail_en": en}


def validate_geojson(
    source: Source,
    *,
    area: Area | None = None,
    max_errors: int | None = None,
    max_bytes: int = MAX_BYTES,
) -> Report:
    """Check a GeoJSON file (path or binary stream) against RFC 7946.

    ``area``: the publishing municipality's bounding box; positions outside it are warned.
    Never raises for bad input: a file that cannot be read as GeoJSON gives a report with
    ``fatal`` set (exit status 2). ``report.rows`` is the number of features.
    """
    report = GeoJsonReport(schema="geojson", max_errors=max_errors)
    try:
        data = _read(source, max_bytes)
        if len(data) > max_bytes:
            raise _Fatal("geojson_too_large", limit=max_bytes)
        doc = _load(data, report)
        del data
        _Checker(report, area).document(doc)
    except _Fatal as exc:
        report.fatal = Issue(exc.code, "error", None, params=exc.params)
        report.rows = 0
    report.sort()
    return report
