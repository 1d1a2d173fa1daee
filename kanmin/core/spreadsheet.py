"""Text we write into CSV files that people open in spreadsheets."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: a text cell that a spreadsheet would read as a
    formula gets a leading apostrophe. Numbers (``-3``, ``+81``) are left as they are."""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def write_rows(stream: IO[str], rows: Iterable[Iterable[Any]]) -> None:
    """Write rows as CSV (CRLF line ends), every cell made safe."""
    writer = csv.writer(stream, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
