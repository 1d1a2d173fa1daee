"""Target-versus-actual charts for KPIs, drawn with matplotlib (no pyplot: thread-safe).

Text is drawn with the IPAexGothic font, so Japanese labels render the same on every machine;
SVG output turns glyphs into paths, so a browser needs no Japanese font either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from matplotlib.ticker import MaxNLocator

from kanmin.core import charts

TARGET_COLOUR = "#1a1a1a"
ACTUAL_COLOUR = "#0b6bcb"


def kpi_chart(
    *,
    targets: Mapping[str, float | int],
    actuals: Mapping[str, float | int],
    unit: str,
    target_label: str,
    actual_label: str,
    fiscal_year_label: str,
    fmt: Literal["svg", "png"] = "svg",
    width: float = 6.0,
    height: float = 3.0,
) -> bytes:
    """Actuals as bars and targets as a line, per fiscal year (年度)."""
    years = sorted({*targets, *actuals}, key=int)
    figure, axes, family = charts.figure(width, height, dpi=110)
    positions = list(range(len(years)))
    if actuals:
        bars = [(i, actuals[y]) for i, y in enumerate(years) if y in actuals]
        axes.bar(
            [i for i, _v in bars],
            [v for _i, v in bars],
            width=0.55,
            color=ACTUAL_COLOUR,
            label=actual_label,
            zorder=2,
        )
    if targets:
        line = [(i, targets[y]) for i, y in enumerate(years) if y in targets]
        axes.plot(
            [i for i, _v in line],
            [v for _i, v in line],
            color=TARGET_COLOUR,
            marker="o",
            linewidth=2,
            linestyle="--",
            label=target_label,
            zorder=3,
        )
    axes.set_xticks(positions)
    axes.set_xticklabels(years, fontfamily=family)
    axes.set_xlabel(fiscal_year_label, fontfamily=family)
    if unit:
        axes.set_ylabel(unit, fontfamily=family)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5))
    axes.grid(axis="y", color="#d0d4d9", zorder=0)
    if targets or actuals:
        axes.legend(
            prop={"family": family},
            frameon=False,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncol=2,
        )
    return charts.render(figure, fmt)
