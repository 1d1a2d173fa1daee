"""What the standards tests compare reports by."""

from __future__ import annotations

import json

from kanmin.standards.report import Report


def finding_keys(report: Report) -> list[str]:
    """Every finding with its parameters, in an order that does not depend on which path or
    chunk found it (a duplicate ID names the row of its first occurrence whatever chunk that
    row was in)."""
    return sorted(
        json.dumps(
            [i.row, i.column, i.code, i.severity, i.value, i.params],
            ensure_ascii=False,
            default=str,
        )
        for i in [*report.errors, *report.warnings]
    )
