"""The filtered queue as a file for a back-office system: CSV (UTF-8 with a BOM, or CP932)
or Excel, one row per application, one column per question of the chosen form version.

Cells a spreadsheet would read as a formula are made safe (``kanmin.core.spreadsheet``: a
leading apostrophe in CSV; a text cell, never a formula, in Excel). Every export writes the
audit entry ``procedures.submission.export`` (it holds personal data).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kanmin.audit.services import access_record
from kanmin.core.errors import Invalid
from kanmin.core.models import Municipality
from kanmin.core.spreadsheet import safe_cell
from kanmin.procedures import answer_summary, queue_selectors, status_labels
from kanmin.procedures.models import FormVersion

FORMATS = ("csv", "xlsx")
ENCODINGS = ("utf-8", "cp932")
# What a character CP932 cannot hold (𠮟, 𠮷, …) is written as: the conventional 〓 (geta).
CP932_SUBSTITUTE = "〓"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    content: bytes
    rows: int
    substituted: int = 0


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _header(questions: list[tuple[str, str, Any]]) -> list[str]:
    return [
        str(_("Reference number")),
        str(pgettext("application", "Status")),
        str(_("Procedure")),
        str(_("Form version")),
        str(_("Submitted at")),
        str(pgettext("application", "Closed at")),
        str(_("Assigned to")),
        *[f"{label} ({qid})" if label else qid for qid, label, _q in questions],
    ]


def _rows(
    submissions: Any, questions: list[tuple[str, str, Any]], language: str
) -> Iterator[list[Any]]:
    for s in submissions:
        answers = answer_summary.load(s.answers)
        assignee = s.assignee.get_username() if s.assignee is not None else ""
        yield [
            s.reference,
            status_labels.label(s.status),
            s.procedure.name_ja,
            s.version.number,
            _when(s.submitted_at),
            _when(s.closed_at),
            assignee,
            *[answer_summary.display(q, answers.get(qid), language) for qid, _l, q in questions],
        ]


def _csv(rows: list[list[Any]], encoding: str) -> tuple[bytes, int]:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    text = stream.getvalue()
    if encoding == "cp932":
        substituted = 0
        out = []
        for char in text:
            try:
                out.append(char.encode("cp932"))
            except UnicodeEncodeError:
                substituted += 1
                out.append(CP932_SUBSTITUTE.encode("cp932"))
        return b"".join(out), substituted
    return text.encode("utf-8-sig"), 0


def _xlsx(rows: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "submissions")
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and cell.data_type == "f":
                # Text that starts with "=": kept as text, so Excel never runs it.
                cell.data_type = "s"
            if index == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def submission_export(
    municipality: Municipality,
    user: Any,
    filters: queue_selectors.QueueFilters,
    *,
    version: FormVersion,
    fmt: str = "csv",
    encoding: str = "utf-8",
    language: str = "ja",
) -> Export:
    """The applications of the filtered queue made on ``version``, as a file; audited."""
    if fmt not in FORMATS:
        raise Invalid(fields={"format": [_("Choose CSV or Excel.")]})
    if encoding not in ENCODINGS:
        raise Invalid(fields={"encoding": [_("Choose UTF-8 or Shift_JIS (CP932).")]})
    if version.municipality_id != municipality.pk:
        raise Invalid(fields={"version": [_("Choose a form version from the list.")]})
    questions = answer_summary.columns(version.definition, language)
    submissions = list(
        queue_selectors.submission_queue_rows(municipality, user, filters, version=version)
    )
    rows = [_header(questions), *_rows(submissions, questions, language)]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    base = f"submissions-{municipality.lg_code}-{version.form.slug}-v{version.number}-{stamp}"
    substituted = 0
    if fmt == "csv":
        content, substituted = _csv(rows, encoding)
        charset = "shift_jis" if encoding == "cp932" else "utf-8"
        export = Export(
            f"{base}.csv", f"text/csv; charset={charset}", content, len(submissions), substituted
        )
    else:
        content = _xlsx(rows, version.form.slug)
        export = Export(f"{base}.xlsx", XLSX_TYPE, content, len(submissions))
    access_record(
        actor=user,
        municipality=municipality,
        action="procedures.submission.export",
        target=version,
        extra={
            "format": fmt,
            "encoding": encoding if fmt == "csv" else "",
            "rows": len(submissions),
            "references": [s.reference for s in submissions][:500],
            "filters": {
                "status": filters.status,
                "department": filters.department,
                "procedure": filters.procedure,
                "assignee": filters.assignee,
                "from": filters.submitted_from.isoformat() if filters.submitted_from else "",
                "to": filters.submitted_to.isoformat() if filters.submitted_to else "",
                "q": filters.q,
            },
            "substituted": substituted,
        },
    )
    return export
