"""Drawings of the disaster pages: a station's last hours with its reference levels (matplotlib,
as the plan's KPI charts: SVG, no pyplot) and the stations' map (positions only, as an SVG the
template draws: it needs no script, no tile server and no map library), and the criteria page's
chart: every past event of a station on one time axis, with the reference levels and the rule
being tried."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone

from kanmin.core import charts as drawing
from kanmin.disaster import criteria

LINE_COLOUR = "#0b6bcb"
REFERENCE_STYLE = {
    "standby": ("#4d5358", ":"),
    "caution": ("#8a6d00", "--"),
    "evacuation": ("#c8102e", "--"),
    "danger": ("#7a0d7a", "-."),
    "overflow": ("#000000", "-"),
}

# Distinguishable on white and in grey (with the line styles), one per event.
EVENT_COLOURS = (
    "#0b4f8a",
    "#b35900",
    "#1e6b2f",
    "#8a1c1c",
    "#5b3a8c",
    "#006b6b",
    "#6b4e00",
    "#3d4651",
)
EVENT_STYLES = ("-", "--", "-.", ":")
LEVEL_COLOUR = "#4d4d4d"
RULE_COLOUR = "#b00020"


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
    from matplotlib.dates import DateFormatter

    figure, axes, family = drawing.figure(width, height)
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
    return drawing.render(figure)


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    item: Any
    width: int
    number: int = 0  # a shelter's number in the list beside the map

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
    # Open shelters (``ShelterState``s, placed by ``item.shelter``), drawn as numbered squares.
    shelter_points: list[MapPoint] = field(default_factory=list)


def map_layout(
    items: Sequence[Any],
    *,
    bounds: tuple[float, float, float, float] | None,
    width: int = 480,
    shelters: Sequence[Any] = (),
) -> MapLayout | None:
    """Place items with ``.station.latitude/longitude`` (and ``shelters``, items with
    ``.shelter.latitude/longitude``) in an SVG of ``width``: an equirectangular projection of
    ``bounds`` (south, west, north, east), or of their own extent; None when nothing has a
    position."""
    placed = [
        i for i in items if i.station.latitude is not None and i.station.longitude is not None
    ]
    placed_shelters = [
        (number, s)
        for number, s in enumerate(shelters, start=1)
        if s.shelter.latitude is not None and s.shelter.longitude is not None
    ]
    if not placed and not placed_shelters:
        return None
    if bounds is None:
        places = [i.station for i in placed] + [s.shelter for _n, s in placed_shelters]
        lats = [float(p.latitude) for p in places]
        lons = [float(p.longitude) for p in places]
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

    def point(item: Any, place: Any, number: int = 0) -> MapPoint:
        lat, lon = float(place.latitude), float(place.longitude)
        x = margin + (lon - west) * scale_x / span_x * inner
        y = margin + (north - lat) / span_y * inner_y
        return MapPoint(round(x, 1), round(y, 1), item, width, number)

    # Shelters are numbered as in the list beside the map (their names are too long for it).
    return MapLayout(
        width,
        height,
        [point(item, item.station) for item in placed],
        [point(item, item.shelter, number) for number, item in placed_shelters],
    )


@dataclass(frozen=True)
class Line:
    """A horizontal line: a reference level or the rule's threshold."""

    label: str
    value: float
    rule: bool = False


def events_chart(
    *,
    series: criteria.Series,
    events: Sequence[tuple[str, int, int, float]],
    lines: Sequence[Line],
    x_label: str,
    y_label: str,
    hours_before: float = 24,
    hours_after: float = 24,
    cumulative: bool = False,
    fmt: Literal["svg", "png"] = "svg",
    width: float = 6.6,
    height: float = 4.2,
) -> bytes:
    """One line per event: (label, first index, last index, hours-axis origin as a POSIX
    time). River levels are drawn against hours from the peak; rain (``cumulative``) as the
    running total against hours from the start."""
    from matplotlib.ticker import MaxNLocator

    figure, axes, family = drawing.figure(width, height, dpi=110)
    readings = series.readings
    for n, (label, first, last, origin) in enumerate(events):
        xs, ys, total = [], [], 0.0
        for reading in readings[first : last + 1]:
            hours = (reading.at.timestamp() - origin) / 3600
            if not cumulative and not -hours_before <= hours <= hours_after:
                continue
            if cumulative and reading.value == 0:
                continue  # a dry reading changes no total: the step is drawn across it
            total += reading.value
            xs.append(hours)
            ys.append(total if cumulative else reading.value)
        axes.plot(
            xs,
            ys,
            # Rain as steps: the total holds until the next reading with rain, which brings
            # the amount fallen since the one before.
            drawstyle="steps-post" if cumulative else "default",
            color=EVENT_COLOURS[n % len(EVENT_COLOURS)],
            linestyle=EVENT_STYLES[(n // len(EVENT_COLOURS)) % len(EVENT_STYLES)],
            linewidth=1.6,
            label=label,
            zorder=3,
        )
    for line in lines:
        axes.axhline(
            line.value,
            color=RULE_COLOUR if line.rule else LEVEL_COLOUR,
            linestyle="-" if line.rule else (0, (4, 3)),
            linewidth=1.8 if line.rule else 1.0,
            zorder=2,
        )
        # Level names on the right; the rule being tried on the left, so that the two do
        # not overlap when the rule lies near a level.
        axes.annotate(
            f"{line.label} {criteria.number_text(line.value)}",
            xy=(0.0 if line.rule else 1.0, line.value),
            xycoords=("axes fraction", "data"),
            xytext=(4 if line.rule else -4, 2),
            textcoords="offset points",
            ha="left" if line.rule else "right",
            va="bottom",
            fontsize=7.5,
            fontfamily=family,
            color=RULE_COLOUR if line.rule else LEVEL_COLOUR,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85},
            zorder=4,
        )
    axes.set_xlabel(x_label, fontfamily=family)
    axes.set_ylabel(y_label, fontfamily=family)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    axes.grid(color="#e1e5ea", zorder=0)
    if events:
        axes.legend(
            prop={"family": family, "size": 7.5},
            frameon=False,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=4,
        )
    return drawing.render(figure, fmt)
