"""Drawing a chart, the one way every app does: a matplotlib figure with one set of axes
(no pyplot: thread-safe), the font that renders Japanese (``core.fonts``), and the file
written (SVG without a date, so that the same figures give the same bytes; PNG for Excel).

matplotlib is imported when a chart is drawn, not when this module is: the task worker loads
the pages' modules and must not carry it (tests/operations: the worker's memory)."""

from __future__ import annotations

import io
from typing import Any, Literal

from kanmin.core.fonts import matplotlib_family


def figure(width: float, height: float, *, dpi: int = 100) -> tuple[Any, Any, str]:
    """A figure, its axes (no top or right spine) and the font family to name in labels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    drawn = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(drawn)
    axes = drawn.add_subplot(1, 1, 1)
    axes.spines[["top", "right"]].set_visible(False)
    return drawn, axes, matplotlib_family()


def render(drawn: Any, fmt: Literal["svg", "png"] = "svg") -> bytes:
    """The figure laid out and written as ``fmt``."""
    drawn.tight_layout()
    buffer = io.BytesIO()
    drawn.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
