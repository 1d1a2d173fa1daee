"""The catalog's one chart (issue 17): a bar or line chart of figures by label, for a DataStore
table's preview, its embed page and the staff's analysis of a query result.

:class:`Chart` holds the figures and the words that describe them (its title, its description,
the table of its figures); :func:`table_chart` draws it with matplotlib as the plan's and the
disaster pages' charts are (no pyplot: thread-safe; IPAexGothic, so Japanese labels render the
same everywhere; SVG text as paths, so a browser needs no Japanese font). The SVG carries its
own ``<title>`` and ``<desc>``, so that it says what it shows when opened on its own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kanmin.core import charts as drawing
from kanmin.core.language import mark_japanese

COLOUR = "#0b6bcb"
LABEL_CHARS = 14
POINTS_MAX = 50  # more labels than this do not fit on the x axis


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def number(value: Any) -> float | None:
    """A value as a figure to draw: a number, or text that reads as one; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def figures(pairs: Iterable[tuple[Any, Any]]) -> tuple[list[str], list[float]]:
    """The labels and values to draw from (label, value) pairs: a pair whose value is not a
    number is left out, an empty label is shown as “(empty)”."""
    labels: list[str] = []
    values: list[float] = []
    for label, value in pairs:
        figure = number(value)
        if figure is None:
            continue
        labels.append(_("(empty)") if label in (None, "") else str(label))
        values.append(figure)
    return labels, values


@dataclass
class Chart:
    """A chart's figures and the words that describe it."""

    kind: str
    x: str
    y: str
    agg: str
    labels: list[str]
    values: list[float]
    y_label: str
    # Categories (or rows) there are, when more than are drawn (at most POINTS_MAX).
    available: int = 0
    ranked: bool = False  # the largest values were kept (else the first in the x axis's order)
    sql: str = ""  # the query that read the figures, and its API link (a table's chart)
    sql_url: str = ""
    x_type: str = ""  # the x column's CKAN type: a line over numbers or dates is to scale

    @property
    def truncated(self) -> bool:
        return self.available > len(self.labels)

    @property
    def points(self) -> list[tuple[str, str]]:
        return [(label, number_text(v)) for label, v in zip(self.labels, self.values, strict=True)]

    @property
    def limit_note(self) -> str:
        if not self.truncated:
            return ""
        numbers = {"shown": len(self.labels), "n": self.available}
        if self.agg == "none":
            return (
                _("Only the first %(shown)s of %(n)s rows are drawn, in the order of the x axis.")
                % numbers
            )
        if self.ranked:
            return _("Only the %(shown)s largest of %(n)s categories are drawn.") % numbers
        return (
            _("Only the first %(shown)s of %(n)s categories are drawn, in the order of the x axis.")
            % numbers
        )

    @property
    def kind_label(self) -> str:
        return _("Bar chart") if self.kind == "bar" else _("Line chart")

    @property
    def title(self) -> str:
        return _title_pattern(self.agg) % {"x": self.x, "y": self.y}

    @property
    def title_html(self) -> SafeString:
        """The title with Japanese column names marked ``lang="ja"`` on an English page."""
        return _sentence(_title_pattern(self.agg), {"x": self.x, "y": self.y})

    def _description(self, mark: bool) -> str:
        words: dict[str, str] = {"kind": self.kind_label}
        if not self.values:
            pattern = _("%(kind)s of %(title)s: no values to draw.")
        else:
            high = max(range(len(self.values)), key=lambda i: self.values[i])
            low = min(range(len(self.values)), key=lambda i: self.values[i])
            pattern = _(
                "%(kind)s of %(title)s, %(n)s points. Highest: %(high)s (%(high_value)s); "
                "lowest: %(low)s (%(low_value)s). The figures are in the table below the chart."
            )
            words |= {
                "n": str(len(self.values)),
                "high": self.labels[high],
                "high_value": number_text(self.values[high]),
                "low": self.labels[low],
                "low_value": number_text(self.values[low]),
            }
        if not mark:
            return pattern % {**words, "title": self.title}
        parts = {k: mark_japanese(v) for k, v in words.items()}
        return escape(pattern) % {**parts, "title": self.title_html}

    @property
    def description(self) -> str:
        """The chart in words (the SVG's description)."""
        return self._description(mark=False)

    @property
    def description_html(self) -> SafeString:
        """The chart in words on the page, Japanese names marked."""
        return mark_safe(self._description(mark=True))  # noqa: S308  # parts escaped

    def svg(self) -> bytes:
        """The chart drawn, with its title and description inside."""
        return table_chart(
            labels=self.labels,
            values=self.values,
            kind="line" if self.kind == "line" else "bar",
            x_label=self.x,
            y_label=self.y_label,
            title=self.title,
            description=self.description,
            x_scale=X_SCALES.get(self.x_type, "category"),
        )


def _sentence(pattern: str, words: dict[str, str]) -> SafeString:
    return mark_safe(escape(pattern) % {k: mark_japanese(v) for k, v in words.items()})  # noqa: S308


def number_text(value: float) -> str:
    """A figure as the chart's table shows it: whole numbers whole, others rounded."""
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def _title_pattern(agg: str) -> str:
    return {
        "count": _("number of rows by %(x)s"),
        "sum": _("sum of %(y)s by %(x)s"),
        "mean": _("mean of %(y)s by %(x)s"),
    }.get(agg) or _("%(y)s by %(x)s")


# The x axis of a line chart: evenly spaced categories, or numbers and dates to scale.
X_SCALES: dict[str, Literal["number", "date"]] = {
    "int": "number",
    "numeric": "number",
    "date": "date",
    "timestamp": "date",
}


def x_positions(labels: list[str], scale: str) -> list[float] | None:
    """Where each label lies on a to-scale x axis (numbers as they are, dates and times as
    matplotlib's day numbers); None when the scale is categories or a label is not of it
    (“(empty)”, a value that does not read as one)."""
    if scale == "number":
        found = [number(label) for label in labels]
        return None if any(v is None for v in found) else [float(v) for v in found]  # type: ignore[arg-type]
    if scale == "date":
        from datetime import datetime

        from matplotlib.dates import date2num

        try:
            moments = [datetime.fromisoformat(label.replace(" ", "T")) for label in labels]
        except ValueError:
            return None
        return [float(date2num(moment)) for moment in moments]
    return None


def table_chart(
    *,
    labels: list[str],
    values: list[float],
    kind: Literal["bar", "line"],
    x_label: str,
    y_label: str,
    title: str,
    description: str,
    width: float = 7.0,
    height: float = 3.8,
    x_scale: Literal["category", "number", "date"] = "category",
) -> bytes:
    """Bars, or a line, over categorical x positions (a line over numbers or dates to scale
    when ``x_scale`` says so and every label reads as one), as an SVG with a title and
    description."""
    from matplotlib.ticker import MaxNLocator

    figure, axes, family = drawing.figure(width, height)
    scaled = x_positions(labels, x_scale) if kind == "line" else None
    if scaled is not None:
        axes.plot(scaled, list(values), color=COLOUR, marker="o", linewidth=2, zorder=2)
        if x_scale == "date":
            from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

            locator = AutoDateLocator(maxticks=7)
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        else:
            axes.xaxis.set_major_locator(MaxNLocator(nbins=7))
        for tick in axes.get_xticklabels():
            tick.set_fontfamily(family)
        axes.grid(axis="x", color="#eceef0", zorder=0)
    else:
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
    return _titled(drawing.render(figure), title, description)


def _titled(svg: bytes, title: str, description: str) -> bytes:
    """The SVG with ``<title>`` and ``<desc>`` as the root element's first children."""
    text = svg.decode()
    start = text.index("<svg")
    end = text.index(">", start) + 1
    head = f"\n <title>{escape(title)}</title>\n <desc>{escape(description)}</desc>"
    return (text[:end] + head + text[end:]).encode()
