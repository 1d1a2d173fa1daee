"""Drawings of the disaster pages: a station's last hours with its reference levels (matplotlib,
as the plan's KPI charts: SVG, no pyplot) and the stations' map (positions only, as an SVG the
template draws: it needs no script, no tile server and no map library)."""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

LINE_COLOUR = "#0b6bcb"
REFERENCE_STYLE = {
    "standby": ("#4d5358", ":"),
    "caution": ("#8a6d00", "--"),
    "evacuation": ("#c8102e", "--"),
    "danger": ("#7a0d7a", "-."),
    "overflow": ("#000000", "-"),
}


@cache
def _font_family() -> str:
    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("japanize-matplotlib is not installed: no Japanese font for charts")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def station_chart(
    *,
    readings: Sequence[tuple[Any, Decimal | float | None]],
    references: Mapping[str, tuple[str, Decimal]],
    unit: str,
    time_label: str,
    width: float = 7.0,
    height: float = 3.0,
) -> bytes:
    """The readings as a line and each reference level as a labelled horizontal line.

    ``references``: {level key: (label, value)}."""
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    family = _font_family()
    axes = figure.add_subplot(1, 1, 1)
    points = [(timezone.localtime(t), float(v)) for t, v in readings if v is not None]
    if points:
        times: Any = [t for t, _v in points]
        axes.plot(times, [v for _t, v in points], color=LINE_COLOUR, linewidth=2)
    for key, (label, value) in references.items():
        colour, style = REFERENCE_STYLE.get(key, ("#4d5358", "--"))
        axes.axhline(float(value), color=colour, linestyle=style, linewidth=1.3)
        axes.annotate(
            label,
            xy=(1.0, float(value)),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=8,
            color=colour,
            fontfamily=family,
        )
    axes.xaxis.set_major_formatter(DateFormatter("%m/%d %H:%M", tz=timezone.get_current_timezone()))
    for tick in axes.get_xticklabels():
        tick.set_fontsize(8)
    axes.set_xlabel(time_label, fontfamily=family)
    if unit:
        axes.set_ylabel(unit, fontfamily=family)
    axes.grid(axis="y", color="#d0d4d9")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    item: Any
    width: int

    @property
    def label_left(self) -> bool:
        """Whether the label goes left of the point (points on the right half), so it stays
        inside the drawing."""
        return self.x > self.width / 2


@dataclass(frozen=True)
class MapLayout:
    width: int
    height: int
    points: list[MapPoint]


def map_layout(
    items: Sequence[Any], *, bounds: tuple[float, float, float, float] | None, width: int = 480
) -> MapLayout | None:
    """Place items with ``.station.latitude/longitude`` in an SVG of ``width``: an
    equirectangular projection of ``bounds`` (south, west, north, east), or of the stations'
    own extent; None when no station has a position."""
    placed = [
        i for i in items if i.station.latitude is not None and i.station.longitude is not None
    ]
    if not placed:
        return None
    if bounds is None:
        lats = [float(i.station.latitude) for i in placed]
        lons = [float(i.station.longitude) for i in placed]
        pad = 0.02
        bounds = (min(lats) - pad, min(lons) - pad, max(lats) + pad, max(lons) + pad)
    south, west, north, east = bounds
    scale_x = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * scale_x, 1e-6)
    span_y = max(north - south, 1e-6)
    margin = 24
    inner = width - 2 * margin
    height = int(min(max(inner * span_y / span_x, 160), inner * 0.8)) + 2 * margin
    inner_y = height - 2 * margin
    points = []
    for item in placed:
        lat, lon = float(item.station.latitude), float(item.station.longitude)
        x = margin + (lon - west) * scale_x / span_x * inner
        y = margin + (north - lat) / span_y * inner_y
        points.append(MapPoint(round(x, 1), round(y, 1), item, width))
    return MapLayout(width, height, points)
