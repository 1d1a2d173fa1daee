"""A quality score per file (0–100) and its 5-star open data level, for the catalog.

Weights (documented here and in the score's breakdown; they sum to 100):

* 40 — cells: ``40 × (1 − cells with an error / cells)``; a file with no rows scores 0 here;
* 20 — header: 20 when no header error, else ``20 × matched standard columns / standard columns``;
* 15 — encoding and format: UTF-8 CSV 15, CP932 CSV 8, xlsx 10, anything unreadable 0;
* 15 — characters: ``15 × (1 − cells with a character finding / cells)`` (platform-dependent,
  外字, half-width kana, spaces, formula-like cells);
* 10 — schema recognised (a national standard, current layout 10, legacy 7, none 0).

Errors cap the score. The pass mark is :data:`PASS_MARK` (70, where the catalog's "good"
band starts): a file with one error scores at most 59, well below it, and every tenfold more
errors lowers that ceiling by 10 (10 errors: 49, 100: 39), down to 29 from 1,000 errors on.
So an invalid file never looks near-perfect, and more errors never raise a score.

5-star level (Berners-Lee's scheme, as far as a file can show it): an unreadable file 0; a
workbook 2 (structured, proprietary); CSV/TSV 3 (open, machine-readable). Levels 4 and 5
need URIs and links, which these tabular standards do not carry, so a file alone never
reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass

from kanmin.standards.report import Report

__all__ = ["CHARACTER_CODES", "ERROR_CAP", "PASS_MARK", "Quality", "error_cap", "score"]

CHARACTER_CODES = frozenset(
    {
        "platform_dependent",
        "private_use",
        "halfwidth_katakana",
        "whitespace",
        "formula_injection",
        "control_character",
    }
)
HEADER_CODES = frozenset(
    {"missing_column", "misspelled_column", "duplicate_header", "blank_header", "column_order"}
)


PASS_MARK = 70  # a file without errors can reach it; a file with errors never does
ERROR_CAP = 59  # the highest score of a file with one error
_CAP_STEP = 10  # the ceiling falls by this much for every tenfold more errors
_CAP_FLOOR = 29  # the ceiling from 1,000 errors on


def error_cap(errors: int) -> int:
    """The highest score a file with ``errors`` errors can have (100 without errors)."""
    if errors <= 0:
        return 100
    return max(ERROR_CAP - _CAP_STEP * (len(str(errors)) - 1), _CAP_FLOOR)


@dataclass(frozen=True)
class Quality:
    score: int
    stars: int
    breakdown: dict[str, float]


def score(report: Report, n_columns: int | None = None) -> Quality:
    """Score a validation report (built with ``max_errors=None`` for exact cell counts)."""
    if report.fatal is not None:
        return Quality(0, 0, {"cells": 0, "header": 0, "format": 0, "characters": 0, "schema": 0})
    ncols = n_columns or max(len(report.header), 1)
    cells = max(report.rows * ncols, 1)
    issues = [*report.errors, *report.warnings]
    bad_cells = {(e.row, e.column) for e in report.errors if e.row and e.row > 1}
    char_cells = {(i.row, i.column) for i in issues if i.code in CHARACTER_CODES}
    header_errors = [e for e in report.errors if e.code in HEADER_CODES]
    missing = sum(1 for i in issues if i.code == "missing_column")
    cell_part = 0.0 if report.rows == 0 else 40 * (1 - min(len(bad_cells), cells) / cells)
    if header_errors:
        expected = max(ncols + missing, 1)
        header_part = 20 * max(expected - len(header_errors), 0) / expected
    else:
        header_part = 20.0
    if report.file_format == "xlsx":
        fmt = 10.0
    elif report.encoding in {"utf-8", "utf-8-sig"}:
        fmt = 15.0
    else:
        fmt = 8.0
    char_part = 15 * (1 - min(len(char_cells), cells) / cells)
    if report.schema is None:
        schema_part = 0.0
    elif report.schema.startswith("legacy/"):
        schema_part = 7.0
    else:
        schema_part = 10.0
    parts = {
        "cells": round(cell_part, 1),
        "header": round(header_part, 1),
        "format": fmt,
        "characters": round(char_part, 1),
        "schema": schema_part,
    }
    total = min(round(sum(parts.values())), error_cap(report.error_count))
    stars = 2 if report.file_format == "xlsx" else 3
    return Quality(int(total), stars, parts)
