"""The national open-data formats (自治体標準オープンデータセット): validate, repair and convert
citizens' and staff's CSV and Excel files, with errors a clerk understands.

Usable without a database: pure functions and a CLI. Imports ``kanmin.core`` only.

    from kanmin.standards import validate
    report = validate("131016_aed.csv", "auto")
    report.valid, report.to_dict("ja")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kanmin.standards.reader import ReadError, decode_text
    from kanmin.standards.report import Issue, Report
    from kanmin.standards.validate import validate

__all__ = ["Issue", "ReadError", "Report", "decode_text", "validate"]


def __getattr__(name: str) -> Any:
    # Lazy, so that Django's app loading does not compile the checks' regular expressions.
    if name == "validate":
        from kanmin.standards.validate import validate

        return validate
    if name in {"decode_text", "ReadError"}:
        from kanmin.standards import reader

        return getattr(reader, name)
    if name in {"Report", "Issue"}:
        from kanmin.standards import report

        return getattr(report, name)
    raise AttributeError(name)
