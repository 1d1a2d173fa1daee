"""Validation results: issues with row and column, and the stable JSON shape of the report.

Row numbers count as a spreadsheet user counts them: the header is row 1, the first data row
is row 2. File- and header-level issues have ``row`` 1 (header) or ``None`` (whole file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kanmin.core.i18n import gettext_noop, pgettext, translate
from kanmin.standards.messages import Audience, render

__all__ = ["LEADING_CODES", "FindingGroup", "Issue", "Report", "Severity", "group_issues"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)  # no __dict__: a report may hold millions
class Issue:
    code: str
    severity: Severity = "error"
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    def message(self, lang: str = "ja", audience: Audience = "cli") -> str:
        """What is wrong and how to fix it, worded for the command line or a web page."""
        params = dict(self.params)
        params.setdefault("column", self.column or "")
        params.setdefault("value", self.value if self.value is not None else "")
        params.setdefault("row", self.row if self.row is not None else "")
        return render(self.code, lang, params, audience)

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": self.message(lang),
        }


@dataclass
class Report:
    """What :func:`kanmin.standards.validate` found. ``readable`` is False when the file could
    not be read at all (then ``fatal`` holds the reason and the CLI exits with status 2)."""

    schema: str | None = None
    encoding: str | None = None
    rows: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    fatal: Issue | None = None
    header: list[str] = field(default_factory=list)
    provisional: bool = False
    max_errors: int | None = None
    file_format: str = "csv"

    @property
    def readable(self) -> bool:
        return self.fatal is None

    @property
    def valid(self) -> bool:
        return self.fatal is None and self.error_count == 0

    @property
    def exit_status(self) -> int:
        if self.fatal is not None:
            return 2
        return 0 if self.valid else 1

    # With ``max_errors``, each list keeps the ``max_errors`` issues that come first in the
    # order of :meth:`sort`, whatever order they are added in (duplicate IDs found at the end
    # of a large file among them): a list may grow to twice that before it is cut, and after
    # a cut, an issue that would sort after the last one kept is not added.
    _error_cut: tuple[int, str, str, str] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _warning_cut: tuple[int, str, str, str] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def add(self, issue: Issue) -> None:
        if issue.severity == "error":
            self.error_count += 1
            if self.max_errors is None:
                self.errors.append(issue)
            else:
                self._error_cut = self._keep(self.errors, issue, self._error_cut)
        else:
            self.warning_count += 1
            if self.max_errors is None:
                self.warnings.append(issue)
            else:
                self._warning_cut = self._keep(self.warnings, issue, self._warning_cut)

    def add_all(self, issues: list[Issue]) -> None:
        """:meth:`add` each of ``issues``, in one go when every one is kept."""
        if self.max_errors is not None:
            for issue in issues:
                self.add(issue)
            return
        errors = [i for i in issues if i.severity == "error"]
        self.errors.extend(errors)
        self.error_count += len(errors)
        if len(errors) < len(issues):
            warnings = [i for i in issues if i.severity != "error"]
            self.warnings.extend(warnings)
            self.warning_count += len(warnings)

    def _keep(
        self, kept: list[Issue], issue: Issue, cut: tuple[int, str, str, str] | None
    ) -> tuple[int, str, str, str] | None:
        limit = self.max_errors or 0
        if limit <= 0 or (cut is not None and _order(issue) >= cut):
            return cut
        kept.append(issue)
        if len(kept) >= 2 * limit:
            kept.sort(key=_order)
            del kept[limit:]
            cut = _order(kept[-1])
        return cut

    def sort(self) -> None:
        """Sort by row, column, code and value (and cut to ``max_errors``)."""
        self.errors.sort(key=_order)
        self.warnings.sort(key=_order)
        if self.max_errors is not None:
            limit = max(self.max_errors, 0)
            for kept, name in ((self.errors, "_error_cut"), (self.warnings, "_warning_cut")):
                if len(kept) > limit:
                    del kept[limit:]
                    setattr(self, name, _order(kept[-1]) if kept else None)

    def _all_errors(self) -> list[Issue]:
        return [self.fatal, *self.errors] if self.fatal is not None else list(self.errors)

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        warnings = [w.to_dict(lang) for w in self.warnings]
        if self.max_errors is not None and self.error_count > len(self.errors):
            truncated = Issue(
                "errors_truncated",
                "warning",
                params={"shown": len(self.errors), "total": self.error_count},
            )
            warnings.append(truncated.to_dict(lang))
        return {
            "valid": self.valid,
            "schema": self.schema,
            "encoding": self.encoding,
            "rows": self.rows,
            "error_count": self.error_count + (1 if self.fatal is not None else 0),
            "errors": [e.to_dict(lang) for e in self._all_errors()],
            "warnings": warnings,
        }

    def to_json(self, lang: str = "ja", indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(lang), ensure_ascii=False, indent=indent)

    def to_text(self, lang: str = "ja") -> str:
        """A report for people: one line per finding naming row, column, value, rule and fix."""
        lang = "en" if lang == "en" else "ja"
        lines: list[str] = []
        if self.fatal is not None:
            head = translate(gettext_noop("Cannot read the file"), lang)
            lines.append(f"{head}: {self.fatal.message(lang)}")
            return "\n".join(lines) + "\n"
        lines.append(self._summary(lang))
        if self.valid:
            result = gettext_noop("Result: valid, {warnings} warnings")
        else:
            result = gettext_noop("Result: {errors} errors, {warnings} warnings")
        lines.append(
            translate(result, lang).format(errors=self.error_count, warnings=self.warning_count)
        )
        for title, issues in (
            (translate(gettext_noop("Errors"), lang), self.errors),
            (translate(gettext_noop("Warnings"), lang), self.warnings),
        ):
            if not issues:
                continue
            lines.append("")
            lines.append(f"== {title} ==")
            for i in issues:
                where = self._where(i, lang)
                place = (", " if lang == "en" else " ").join(where) or pgettext(
                    "where a finding is", "file", lang
                )
                lines.append(f"- {place} [{i.code}] {i.message(lang)}")
        if self.max_errors is not None and self.error_count > len(self.errors):
            lines.append(
                Issue(
                    "errors_truncated",
                    "warning",
                    params={"shown": len(self.errors), "total": self.error_count},
                ).message(lang)
            )
        return "\n".join(lines) + "\n"

    def _summary(self, lang: str) -> str:
        """The text report's first line: what was checked."""
        schema = self.schema or translate(gettext_noop("(unknown)"), lang)
        summary = gettext_noop("Dataset: {schema} / encoding: {encoding} / data rows: {rows}")
        return translate(summary, lang).format(
            schema=schema, encoding=self.encoding, rows=self.rows
        )

    def _where(self, i: Issue, lang: str) -> list[str]:
        """Where a finding is, in the text report: row, column and value."""
        where: list[str] = []
        if i.row is not None:
            where.append(translate(gettext_noop("row {row}"), lang).format(row=i.row))
        if i.column:
            where.append(translate(gettext_noop("column '{column}'"), lang).format(column=i.column))
        if i.value is not None and i.value != "":
            shown = i.value if len(i.value) <= 60 else i.value[:57] + "..."
            where.append(translate(gettext_noop("value '{value}'"), lang).format(value=shown))
        return where


# What a steward must know first about a file: its layout and its encoding. Their groups
# lead a grouped report, in this order, whatever their severity.
LEADING_CODES: tuple[str, ...] = (
    "legacy_layout",
    "encoding_cp932",
    "utf16",
    "unknown_encoding",
    "mixed_encoding",
    "geojson_encoding",
    "geojson_bom",
    "schema_not_detected",
    "provisional_schema",
)
FIRST_ROWS = 5  # rows named on a group's line


@dataclass
class FindingGroup:
    """The findings of one rule (one code at one severity): how many, in which columns and
    first rows, and the first finding, whose message says how to fix them."""

    code: str
    severity: Severity
    count: int
    columns: list[str]
    rows: list[int]
    first: Issue
    leading: bool

    @property
    def key(self) -> str:
        return f"{self.severity}:{self.code}"

    @property
    def more_rows(self) -> bool:
        return self.count > len(self.rows)


def rule_counts(issues: Iterable[Issue]) -> dict[str, int]:
    """How many findings each rule has, keyed ``severity:code`` (as :class:`FindingGroup`)."""
    counts: dict[str, int] = {}
    for i in issues:
        key = f"{i.severity}:{i.code}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def group_issues(
    issues: Iterable[Issue], counts: Mapping[str, int] | None = None
) -> list[FindingGroup]:
    """One :class:`FindingGroup` per rule, most important first: the layout and encoding
    (:data:`LEADING_CODES`), then errors, then warnings, each by count (largest first).

    ``counts`` (from :func:`rule_counts` over every finding) gives the true count when only
    some findings were kept; the columns and rows come from the kept ones."""
    groups: dict[str, FindingGroup] = {}
    for i in issues:
        key = f"{i.severity}:{i.code}"
        group = groups.get(key)
        if group is None:
            group = groups[key] = FindingGroup(
                i.code, i.severity, 0, [], [], i, i.code in LEADING_CODES
            )
        group.count += 1
        if i.column and i.column not in group.columns:
            group.columns.append(i.column)
        if i.row is not None and len(group.rows) < FIRST_ROWS and i.row not in group.rows:
            group.rows.append(i.row)
    for key, group in groups.items():
        if counts and counts.get(key, 0) > group.count:
            group.count = counts[key]

    def order(g: FindingGroup) -> tuple[int, int, int, int]:
        if g.leading:
            return (0, LEADING_CODES.index(g.code), 0, 0)
        tier = 1 if g.severity == "error" else 2
        return (tier, 0, -g.count, g.rows[0] if g.rows else 0)

    return sorted(groups.values(), key=order)


def _order(i: Issue) -> tuple[int, str, str, str]:
    # File-level issues (no row) keep the order they were added in: a stable sort, and
    # they tie.
    if i.row is None:
        return (0, i.column or "", "", "")
    return (i.row, i.column or "", i.code, i.value or "")
