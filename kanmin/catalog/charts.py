"""The chart of a DataStore table (issue 17), drawn with matplotlib as the plan's and the
disaster pages' charts are (no pyplot: thread-safe; IPAexGothic, so Japanese labels render the
same everywhere; SVG text as paths, so a browser needs no Japanese font). The SVG carries its
own ``<title>`` and ``<desc>``, so that it says what it shows when opened on its own."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Literal

from django.utils.html import escape
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kanmin.core.fonts import matplotlib_family

COLOUR = "#0b6bcb"
LABEL_CHARS = 14


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def table_chart(
    *,
    labels: Sequence[str],
    values: Sequence[float],
    kind: Literal["bar", "line"],
    x_label: str,
    y_label: str,
    title: str,
    description: str,
    width: float = 7.0,
    height: float = 3.8,
) -> bytes:
    """Bars or a line over categorical x positions, as an SVG with a title and description."""
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    family = matplotlib_family()
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(labels)))
    if kind == "bar":
        axes.bar(positions, list(values), width=0.7, color=COLOUR, zorder=2)
    else:
        axes.plot(positions, list(values), color=COLOUR, marker="o", linewidth=2, zorder=2)
    axes.set_xticks(positions)
    crowded = len(labels) > 8 or any(len(label) > 6 for label in labels)
    axes.set_xticklabels(
        [_short(label) for label in labels],
        fontfamily=family,
        fontsize=8 if len(labels) > 20 else 9,
        rotation=60 if crowded else 0,
        ha="right" if crowded else "center",
        rotation_mode="anchor",
    )
    axes.set_xlabel(x_label, fontfamily=family)
    axes.set_ylabel(y_label, fontfamily=family)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6))
    axes.grid(axis="y", color="#d0d4d9", zorder=0)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _titled(buffer.getvalue(), title, description)


def _titled(svg: bytes, title: str, description: str) -> bytes:
    """The SVG with ``<title>`` and ``<desc>`` as the root element's first children."""
    text = svg.decode()
    start = text.index("<svg")
    end = text.index(">", start) + 1
    head = f"\n <title>{escape(title)}</title>\n <desc>{escape(description)}</desc>"
    return (text[:end] + head + text[end:]).encode()
