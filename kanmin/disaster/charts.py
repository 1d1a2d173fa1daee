"""The criteria page's chart: every past event of a station on one time axis, with the
reference levels and the rule being tried, drawn with matplotlib the way ``kanmin.plan.charts``
draws the plan's charts (no pyplot, IPAexGothic for Japanese labels, SVG glyphs as paths).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kanmin.disaster import criteria

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


@cache
def _font_family() -> str:
    """IPAexGothic from the japanize-matplotlib package (as the plan's charts use it)."""
    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("japanize-matplotlib is not installed: no Japanese font for charts")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


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
    figure = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(figure)
    family = _font_family()
    axes = figure.add_subplot(1, 1, 1)
    readings = series.readings
    for n, (label, first, last, origin) in enumerate(events):
        xs, ys, total = [], [], 0.0
        for reading in readings[first : last + 1]:
            hours = (reading.at.timestamp() - origin) / 3600
            if not cumulative and not -hours_before <= hours <= hours_after:
                continue
            total += reading.value
            xs.append(hours)
            ys.append(total if cumulative else reading.value)
        axes.plot(
            xs,
            ys,
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
    axes.spines[["top", "right"]].set_visible(False)
    if events:
        axes.legend(
            prop={"family": family, "size": 7.5},
            frameon=False,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=4,
        )
    figure.tight_layout()
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
