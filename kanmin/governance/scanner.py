"""A vulnerability scanner's findings as a CSV file: its columns, reading it.

The file has a header row; columns are found by name, in English or Japanese, in any order
(``COLUMNS`` lists the names each column is known by; case, width, spaces, ``_`` and ``-``
do not matter). A column the reader does not know is a problem, never ignored: a scanner
export with a column of host names would otherwise be read as if the findings were the
system's. Text is UTF-8 (with or without BOM) or CP932 (Shift_JIS), tried in that order.

Values: the system by its システムID (or its exact name), severities in English
(Critical/High/Medium/Low), in Japanese (緊急/重要/警告/注意, or 高/中/低) or as a CVSS base
score (9.0 and up critical, 7.0 high, 4.0 medium, above 0 low); dates in ISO, with slashes or
in 和暦 (``kanmin.core.wareki``), a time after the date being ignored. Reading only parses:
``services.vulnerabilities_import`` decides and saves.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kanmin.core import wareki
from kanmin.core.models import localized_message
from kanmin.governance.models import Severity
from kanmin.governance.register import Problem

MAX_IMPORT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    title_ja: str
    names: tuple[str, ...]
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "system",
        "システムID",
        ("system", "system id", "system code", "システム", "システムコード", "システム名"),
        required=True,
    ),
    Column(
        "identifier",
        "識別子",
        (
            "identifier",
            "id",
            "cve",
            "cve id",
            "vulnerability id",
            "脆弱性id",
            "cve番号",
            "脆弱性識別子",
        ),
        required=True,
    ),
    Column(
        "severity",
        "深刻度",
        ("severity", "risk", "cvss", "重要度", "危険度", "リスク"),
        required=True,
    ),
    Column(
        "found_on",
        "検出日",
        ("found", "found on", "detected", "detected on", "first seen", "date", "発見日", "検知日"),
        required=True,
    ),
    Column("title", "名称", ("title", "name", "summary", "タイトル", "脆弱性名", "件名", "概要")),
    Column(
        "fixed_on",
        "修正日",
        (
            "fixed",
            "fixed on",
            "resolved",
            "resolved on",
            "対応日",
            "解消日",
            "対処日",
            "修正完了日",
        ),
    ),
    Column("note", "備考", ("note", "notes", "comment", "コメント", "メモ")),
)
BY_KEY = {c.key: c for c in COLUMNS}

# Severities as written in scanners' and JVN's exports, folded (see ``_fold``).
SEVERITY_WORDS: dict[str, str] = {
    "critical": Severity.CRITICAL,
    "緊急": Severity.CRITICAL,
    "high": Severity.HIGH,
    "重要": Severity.HIGH,
    "高": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "警告": Severity.MEDIUM,
    "中": Severity.MEDIUM,
    "low": Severity.LOW,
    "注意": Severity.LOW,
    "低": Severity.LOW,
}
SEVERITY_EXAMPLES = "Critical/High/Medium/Low, 緊急/重要/警告/注意"

_SPACES = re.compile(r"[\s_\-]+")
_TIME_AFTER = re.compile(
    r"^(?P<date>\S+?)(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$"
)


def _fold(text: str) -> str:
    """A header or value as compared: NFKC (full-width letters and digits), lower case, one
    space for runs of spaces, ``_`` and ``-``."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


ALIASES: dict[str, str] = {
    _fold(name): column.key
    for column in COLUMNS
    for name in (column.key, column.title_ja, *column.names)
}


def column_names() -> str:
    """The columns and their names, for a message: 「システムID (system)、…」."""
    return "、".join(f"{c.title_ja} ({c.key})" for c in COLUMNS)


@dataclass
class FileRow:
    """One finding of the file: its row (the header is row 1), cells by key, letters by key."""

    row: int
    cells: dict[str, str]
    headers: dict[str, str]

    def column(self, key: str) -> str:
        return self.headers.get(key) or BY_KEY[key].title_ja


@dataclass
class ReadFile:
    rows: list[FileRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) of a CSV file: UTF-8 (a BOM dropped), else CP932; None when neither."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def read_csv(data: bytes) -> ReadFile:
    """The findings of a scanner's CSV, keyed by column. An undecodable file, unknown, doubled or
    missing columns and rows wider than the header are problems."""
    result = ReadFile()
    decoded = decode(data)
    if decoded is None or "\x00" in decoded[0]:
        result.problems.append(
            Problem(
                None,
                None,
                None,
                _(
                    "This is not a CSV text file in UTF-8 or Shift_JIS (CP932): export the "
                    "scanner's findings as CSV."
                ),
            )
        )
        return result
    text, result.encoding = decoded
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        result.problems.append(
            Problem(None, None, None, _("The CSV cannot be read: %(error)s.") % {"error": exc})
        )
        return result
    if not records or not any(cell.strip() for cell in records[0]):
        result.problems.append(
            Problem(1, None, None, _("The first row must name the columns: it is empty."))
        )
        return result
    keys: dict[int, str] = {}
    headers: dict[str, str] = {}
    for index, title in enumerate(records[0]):
        name = title.strip()
        letter = get_column_letter(index + 1)
        if not name:
            continue
        key = ALIASES.get(_fold(name))
        if key is None:
            result.problems.append(
                Problem(
                    1,
                    f"{letter} ({name})",
                    name,
                    _(
                        "Unknown column: the file is refused rather than read without it. "
                        "Remove the column or rename it to one of: %(names)s."
                    )
                    % {"names": column_names()},
                )
            )
            continue
        if key in headers:
            result.problems.append(
                Problem(
                    1,
                    f"{letter} ({name})",
                    name,
                    _("This column is the same as %(other)s: keep one of them.")
                    % {"other": headers[key]},
                )
            )
            continue
        keys[index] = key
        headers[key] = f"{letter} ({name})"
    missing = [c for c in COLUMNS if c.required and c.key not in headers]
    for column in missing:
        result.problems.append(
            Problem(
                1,
                column.title_ja,
                None,
                _("The column %(title)s (%(key)s) is missing: every row needs it.")
                % {"title": column.title_ja, "key": column.key},
            )
        )
    if missing:
        return result  # the rows cannot be read without them: no problem per row to add
    width = len(records[0])
    for number, values in enumerate(records[1:], start=2):
        if not any(v.strip() for v in values):
            continue  # a blank line is not a finding
        if len(values) > width and any(v.strip() for v in values[width:]):
            letter = get_column_letter(width + 1)
            result.problems.append(
                Problem(
                    number,
                    letter,
                    values[width],
                    _(
                        "This row has more cells than the first row has columns: a comma inside "
                        'a value must be quoted ("a, b").'
                    ),
                )
            )
            continue
        cells = {key: (values[i].strip() if i < len(values) else "") for i, key in keys.items()}
        result.rows.append(FileRow(number, cells, headers))
    if not result.rows and not result.problems:
        result.problems.append(Problem(None, None, None, _("The file has no findings.")))
    return result


def parse_severity(text: str) -> str:
    """The ``Severity`` of a cell: a word or a CVSS base score. Raises ValueError with a message
    for people."""
    folded = unicodedata.normalize("NFKC", text).strip().casefold()
    if folded in SEVERITY_WORDS:
        return SEVERITY_WORDS[folded]
    if folded in {str(v) for v in Severity.values}:
        return folded
    try:
        score = Decimal(folded)
    except InvalidOperation:
        score = None
    if score is not None and score.is_finite():
        if 0 < score <= 10:
            if score >= 9:
                return Severity.CRITICAL
            if score >= 7:
                return Severity.HIGH
            if score >= 4:
                return Severity.MEDIUM
            return Severity.LOW
        raise ValueError(_("A CVSS score is above 0 and at most 10."))
    if not folded:
        raise ValueError(_("Give the severity: %(examples)s.") % {"examples": SEVERITY_EXAMPLES})
    raise ValueError(
        _("Unknown severity: write one of %(examples)s, or a CVSS score.")
        % {"examples": SEVERITY_EXAMPLES}
    )


def parse_date(text: str) -> dt.date | None:
    """A date cell: ISO, with slashes or in 和暦, a time after it ignored; None when empty.
    Raises ValueError with a message for people."""
    text = text.strip()
    if not text:
        return None
    timed = _TIME_AFTER.match(text)
    if timed:
        text = timed["date"]
    try:
        return wareki.parse_date(text).value
    except wareki.WarekiError as exc:
        raise ValueError(localized_message(exc)) from None
