"""Names the DataStore's SQL and its callers share, without DuckDB or Arrow: forms and pages
import these, and the task worker (which loads the URLs) stays small."""

from __future__ import annotations

SQL_MAX_CHARS = 20_000

# CKAN's type names that hold numbers.
NUMBER_TYPES = frozenset({"int", "numeric"})


def quote(name: str) -> str:
    """A SQL identifier, double-quoted (a quote inside doubled)."""
    return '"' + name.replace('"', '""') + '"'
