"""Charts of the counter statistics and of the bottleneck analysis: server-side SVG drawn with
matplotlib (no pyplot), as the plan's and the disaster pages' charts, so the pages need no
script. Each chart is a set of horizontal bars (the median) with a tick at the 90th percentile
where there is one; colours are told apart in grey too (hatching)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kanmin.core import charts

COLOURS = ("#0b4f8a", "#b35900", "#1e6b2f", "#5b3a8c")
HATCHES = ("", "//", "..", "xx")
HIGHLIGHT = "#b00020"
P90_COLOUR = "#1a1a1a"


@dataclass(frozen=True)
class Series:
    label: str
    medians: Sequence[float | None]
    p90s: Sequence[float | None] = ()


def bar_chart(
    *,
    categories: Sequence[str],
    series: Sequence[Series],
    value_label: str,
    p90_label: str = "",
    highlight: int | None = None,
    width: float = 7.5,
) -> bytes:
    """Horizontal bars, one group per category (top to bottom), one bar per series; the
    category at index ``highlight`` is drawn in red (the slowest step)."""
    rows = max(len(categories), 1)
    height = 1.2 + rows * (0.28 + 0.22 * len(series))
    figure, axes, family = charts.figure(width, height)
    bar = 0.8 / max(len(series), 1)
    positions = list(range(len(categories)))
    for s_index, s in enumerate(series):
        ys = [p + (s_index - (len(series) - 1) / 2) * bar for p in positions]
        values = [v or 0.0 for v in s.medians]
        colours = [
            HIGHLIGHT if highlight is not None and i == highlight else COLOURS[s_index % 4]
            for i in positions
        ]
        axes.barh(
            ys,
            values,
            height=bar * 0.9,
            color=colours,
            hatch=HATCHES[s_index % 4],
            edgecolor="white",
            label=s.label,
        )
        if s.p90s:
            points = [(y, v) for y, v in zip(ys, s.p90s, strict=False) if v is not None]
            if points:
                axes.scatter(
                    [v for _y, v in points],
                    [y for y, _v in points],
                    marker="|",
                    s=120,
                    color=P90_COLOUR,
                    label=p90_label if s_index == 0 else None,
                    zorder=3,
                )
    axes.set_yticks(positions)
    axes.set_yticklabels(categories, fontfamily=family, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(value_label, fontfamily=family)
    axes.grid(axis="x", color="#d0d4d9")
    axes.set_axisbelow(True)
    if len(series) > 1 or p90_label:
        axes.legend(prop={"family": family, "size": 8}, loc="lower right", frameon=False)
    return charts.render(figure)
