"""The catalog's chart draws a line over numbers or dates to scale (the x positions in the
SVG are proportional to the values), and over anything else as evenly spaced categories."""

from __future__ import annotations

import re

import pytest

from kanmin.catalog.charts import COLOUR, table_chart


def line_xs(svg: bytes) -> list[float]:
    """The x coordinates of the drawn line's vertices."""
    path = re.search(rf'<path d="([^"]+)"[^>]*stroke: {COLOUR}', svg.decode())
    assert path is not None
    return [float(x) for x in re.findall(r"[ML] ([\d.]+) [\d.]+", path[1])]


def gaps(labels: list[str], scale: str, kind: str = "line") -> list[float]:
    svg = table_chart(
        labels=labels,
        values=[1.0, 2.0, 3.0],
        kind=kind,  # type: ignore[arg-type]
        x_label="x",
        y_label="y",
        title="t",
        description="d",
        x_scale=scale,  # type: ignore[arg-type]
    )
    if kind == "bar":
        xs = [
            float(x)
            for x in re.findall(rf'<path d="M ([\d.]+) [^"]+"[^>]*fill: {COLOUR}', svg.decode())
        ]
    else:
        xs = line_xs(svg)
    assert len(xs) == 3
    return [xs[1] - xs[0], xs[2] - xs[1]]


def test_dates_are_drawn_to_scale():
    one_day, thirty_days = gaps(["2024-01-01", "2024-01-02", "2024-01-31"], "date")
    assert thirty_days / one_day == pytest.approx(29, rel=1e-3)


def test_timestamps_are_drawn_to_scale():
    hour, day = gaps(["2024-01-01 00:00:00", "2024-01-01T01:00:00", "2024-01-02T01:00:00"], "date")
    assert day / hour == pytest.approx(24, rel=1e-3)


def test_numbers_are_drawn_to_scale():
    small, large = gaps(["10", "20", "120"], "number")
    assert large / small == pytest.approx(10, rel=1e-3)


@pytest.mark.parametrize(
    ("labels", "scale", "kind"),
    [
        (["10", "20", "120"], "category", "line"),
        (["10", "(empty)", "120"], "number", "line"),  # a label that is no number
        (["2024-01-01", "2024-01-02", "2024-01-31"], "date", "bar"),  # bars stay categories
    ],
)
def test_anything_else_is_evenly_spaced(labels, scale, kind):
    first, second = gaps(labels, scale, kind)
    assert first == pytest.approx(second, rel=1e-3)
