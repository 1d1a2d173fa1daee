"""A bar or line chart of a query's result, drawn with matplotlib as in ``kanmin.plan.charts``
(no pyplot: thread-safe; IPAexGothic, glyphs as paths, so Japanese labels need no font in the
browser). Kept in this one module so that it can join the previews' chart builder."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kanmin.core.fonts import matplotlib_family

COLOUR = "#0b6bcb"
MAX_POINTS = 60  # more labels than this do not fit on the axis


def numeric(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def result_chart(
    *,
    kind: str,
    labels: Sequence[Any],
    values: Sequence[Any],
    x_label: str,
    y_label: str,
    width: float = 6.4,
    height: float = 3.2,
) -> bytes | None:
    """The SVG of ``values`` (numbers) by ``labels``, as bars (``bar``) or a line (``line``);
    None when there is nothing to draw (no row, or no value is a number)."""
    points = [
        ("" if label is None else str(label), numeric(value))
        for label, value in zip(labels, values, strict=False)
    ][:MAX_POINTS]
    drawn = [(label, value) for label, value in points if value is not None]
    if not drawn or kind not in ("bar", "line"):
        return None
    figure = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(figure)
    family = matplotlib_family()
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(drawn)))
    heights = [value for _label, value in drawn]
    if kind == "bar":
        axes.bar(positions, heights, width=0.6, color=COLOUR, zorder=2)
    else:
        axes.plot(positions, heights, color=COLOUR, marker="o", linewidth=2, zorder=3)
    axes.set_xticks(positions)
    axes.set_xticklabels(
        [label[:20] for label, _value in drawn],
        fontfamily=family,
        rotation=45 if len(drawn) > 6 else 0,
        ha="right" if len(drawn) > 6 else "center",
    )
    axes.set_xlabel(x_label, fontfamily=family)
    axes.set_ylabel(y_label, fontfamily=family)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5))
    axes.grid(axis="y", color="#d0d4d9", zorder=0)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
