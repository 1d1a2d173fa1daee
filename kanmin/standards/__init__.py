"""The national open-data formats (自治体標準オープンデータセット): validate, repair and convert
citizens' and staff's CSV and Excel files, with errors a clerk understands.

Usable without a database: pure functions and a CLI. Imports ``kanmin.core`` only.

This module is the package's face: other apps import the names in ``__all__`` from here and
never a module inside the package (an import-linter contract in pyproject.toml says so). The
table functions are ``validate_table`` and ``repair_table``, not ``validate`` and ``repair``:
those are the names of the modules that hold them, and a package attribute named like one of
its modules is replaced by the module as soon as that module is imported.

    from kanmin.standards import validate_table
    report = validate_table("131016_aed.csv", "auto")
    report.valid, report.to_dict("ja")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kanmin.standards.checks import Area
    from kanmin.standards.geojson import validate_geojson
    from kanmin.standards.messages import encoding_label, schema_label
    from kanmin.standards.messages import render as render_message
    from kanmin.standards.quality import ERROR_CAP, PASS_MARK
    from kanmin.standards.quality import score as quality_score
    from kanmin.standards.reader import ReadError, decode_text
    from kanmin.standards.reader import open_source as open_table
    from kanmin.standards.repair import repair as repair_table
    from kanmin.standards.report import Issue, Report, group_issues, rule_counts
    from kanmin.standards.schemas import SchemaError, all_schemas, get_schema
    from kanmin.standards.validate import validate as validate_table

__all__ = [
    "ERROR_CAP",
    "PASS_MARK",
    "Area",
    "Issue",
    "ReadError",
    "Report",
    "SchemaError",
    "all_schemas",
    "decode_text",
    "encoding_label",
    "get_schema",
    "group_issues",
    "open_table",
    "quality_score",
    "render_message",
    "repair_table",
    "rule_counts",
    "schema_label",
    "validate_geojson",
    "validate_table",
]

# name on the face -> (module inside the package, its name there)
_EXPORTS: dict[str, tuple[str, str]] = {
    "Area": ("checks", "Area"),
    "validate_geojson": ("geojson", "validate_geojson"),
    "encoding_label": ("messages", "encoding_label"),
    "render_message": ("messages", "render"),
    "schema_label": ("messages", "schema_label"),
    "ERROR_CAP": ("quality", "ERROR_CAP"),
    "PASS_MARK": ("quality", "PASS_MARK"),
    "quality_score": ("quality", "score"),
    "ReadError": ("reader", "ReadError"),
    "decode_text": ("reader", "decode_text"),
    "open_table": ("reader", "open_source"),  # catalog DataStore: rows of a CSV/TSV/.xlsx
    "repair_table": ("repair", "repair"),
    "Issue": ("report", "Issue"),
    "Report": ("report", "Report"),
    "group_issues": ("report", "group_issues"),
    "rule_counts": ("report", "rule_counts"),
    "SchemaError": ("schemas", "SchemaError"),
    "all_schemas": ("schemas", "all_schemas"),
    "get_schema": ("schemas", "get_schema"),
    "validate_table": ("validate", "validate"),
}


def __getattr__(name: str) -> Any:
    # Lazy (PEP 562): Django's app loading imports this package, and the validator's modules
    # import numpy and pyarrow and compile the checks' regular expressions; a page that never
    # checks a file should not pay for that.
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
