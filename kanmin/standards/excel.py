"""総務省 machine-readability rules for Excel (15 check items, numbered as in the 2020 rules:
1-1 … 1-13, 2-1, 2-2; reference/japanese-data.md §1), and xlsx → CSV conversion.

One cell-grid view per sheet: openpyxl for formulas, number formats and merged ranges, and
the ZIP parts for objects (shapes, pictures, comments), after the reader's zip-bomb and
entity checks. Findings carry the item number, the sheet and the cell (``B3``); severity
``error`` for what is detected reliably, ``warning`` for heuristics a person should confirm.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kanmin.core import jp_text
from kanmin.core.i18n import both, gettext_noop, translate
from kanmin.core.lg_code import PREFECTURES
from kanmin.core.wareki import WarekiError, parse_date
from kanmin.standards.reader import ReadError, check_xlsx_safety, sniff_kind

__all__ = ["ITEMS", "ExcelFinding", "ExcelReport", "check_excel", "convert"]

# item: the rule (an English gloss as msgid; its Japanese is the rule's official wording)
ITEMS: dict[str, str] = {
    "1-1": gettext_noop("File is Excel or CSV"),
    "1-2": gettext_noop("One value per cell"),
    "1-3": gettext_noop("Numbers stored as numbers"),
    "1-4": gettext_noop("No merged cells"),
    "1-5": gettext_noop("No spaces or line breaks for layout"),
    "1-6": gettext_noop("No omitted headers or labels"),
    "1-7": gettext_noop("Formulas replaced by values"),
    "1-8": gettext_noop("No objects (shapes, images, comments)"),
    "1-9": gettext_noop("Units stated"),
    "1-10": gettext_noop("No platform-dependent characters"),
    "1-11": gettext_noop("Years in Gregorian form (or 和暦 with Gregorian)"),
    "1-12": gettext_noop("Region code or full region name"),
    "1-13": gettext_noop("Special symbols in numeric columns are consistent"),
    "2-1": gettext_noop("Table not split (no blank rows/columns)"),
    "2-2": gettext_noop("One table per sheet"),
}


@dataclass(frozen=True)
class ExcelFinding:
    item: str
    severity: str
    sheet: str
    cell: str
    detail_ja: str
    detail_en: str

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "item": self.item,
            "rule": translate(ITEMS[self.item], lang),
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.detail_en if lang == "en" else self.detail_ja,
        }


@dataclass
class ExcelReport:
    findings: list[ExcelFinding] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)

    @property
    def machine_readable(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def add(self, item: str, sev: str, sheet: str, cell: str, message: str, **params: Any) -> None:
        """A finding worded by ``message`` (an English msgid) with ``params``; a parameter
        given as a (Japanese, English) pair is put in each language's text."""
        ja = {k: v[0] if isinstance(v, tuple) else v for k, v in params.items()}
        en = {k: v[1] if isinstance(v, tuple) else v for k, v in params.items()}
        detail_ja = translate(message, "ja").format(**ja)
        self.findings.append(ExcelFinding(item, sev, sheet, cell, detail_ja, message.format(**en)))

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "machine_readable": self.machine_readable,
            "sheets": self.sheets,
            "findings": [f.to_dict(lang) for f in self.findings],
        }


_OBJECT_PARTS = (
    ("xl/drawings/", gettext_noop("shapes or pictures")),
    ("xl/media/", gettext_noop("pictures")),
    ("xl/charts/", gettext_noop("charts")),
    ("xl/comments", gettext_noop("comments")),
    ("xl/threadedComments/", gettext_noop("threaded comments")),
    ("xl/embeddings/", gettext_noop("embedded objects")),
    ("xl/ctrlProps/", gettext_noop("form controls")),
)
_NUM_TOKEN = re.compile(r"[0-9０-９][0-9０-９,，.]*")
_UNIT_NUMBER = re.compile(
    r"^[▲△−－-]?[0-9０-９][0-9０-９,，]*(?:\.[0-9]+)?\s*"
    r"(?:円|千円|百万円|人|世帯|件|%|％|㎡|ha|歳|戸|台|kg|km|m)?$"
)
_CODE_HEADER = re.compile(r"コード|番号|ID|NO|郵便")
_UNIT_HEADER = re.compile(r"[（(].+[)）]|単位|円|人|件|数|率|％|%")
_ERA_TEXT = re.compile(r"(?:明治|大正|昭和|平成|令和|[MTSHR]\s*[0-9]{1,2}[.年/])")
_FOUR_DIGIT_YEAR = re.compile(r"(?<![0-9])(?:18|19|20)[0-9]{2}(?![0-9])")
_ERA_FORMAT = re.compile(r"ggg|\[\$-(?:ja-JP|411)\]|(?<![a-z])e(?![a-z])")
_NOTE_START = ("※", "注", "(注)", "（注）", "＊", "出典", "資料", "備考：")
_DITTO = frozenset({"〃", "同上", "同左", "″"})
_SYMBOLS = frozenset(
    {"-", "－", "―", "ー", "−", "…", "...", "‥", "x", "X", "***", "*", "不詳", "秘匿"}
)
_SHORT_PREFS = {p.name_ja[:-1]: p.name_ja for p in PREFECTURES if p.name_ja != "北海道"}


def _ref(row: int, col: int) -> str:
    letters = ""
    n = col
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"{letters}{row}"


def _is_number_text(s: str) -> bool:
    return bool(_UNIT_NUMBER.match(s.strip())) and not s.strip().startswith("0")


def check_excel(path: str | Path) -> ExcelReport:
    """Run the 15 items over every sheet of a workbook. Raises ReadError when unreadable."""
    p = Path(path)
    report = ExcelReport()
    try:
        head = p.read_bytes()[:8]
    except OSError as exc:
        raise ReadError("file_not_found", path=str(p)) from exc
    if not head:
        raise ReadError("empty_file")
    kind = sniff_kind(head)
    if kind == "xls":
        report.add(
            "1-1",
            "error",
            "",
            "",
            gettext_noop("Old .xls format: save as .xlsx."),
        )
        return report
    if kind != "xlsx":
        report.add("1-1", "error", "", "", gettext_noop("Not an Excel file."))
        return report
    check_xlsx_safety(p)
    with zipfile.ZipFile(p) as z:
        names = z.namelist()
    if "xl/vbaProject.bin" in names:
        report.add(
            "1-1",
            "warning",
            "",
            "",
            gettext_noop("The workbook contains macros."),
        )
    for prefix, what in _OBJECT_PARTS:
        hits = [n for n in names if n.startswith(prefix)]
        if hits:
            report.add(
                "1-8",
                "error",
                "",
                hits[0],
                gettext_noop(
                    "The workbook has {what} ({part}); put data in cells and remove them."
                ),
                what=both(what),
                part=hits[0],
            )
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, data_only=False)
    except Exception as exc:
        raise ReadError("xlsx_invalid", reason=str(exc)) from exc
    for ws in wb.worksheets:
        report.sheets.append(ws.title)
        _check_sheet(ws, report)
    return report


def _check_sheet(ws: Any, report: ExcelReport) -> None:
    name = ws.title
    for rng in ws.merged_cells.ranges:
        report.add(
            "1-4",
            "error",
            name,
            str(rng),
            gettext_noop("Cells {cells} are merged. Unmerge them and fill every cell."),
            cells=str(rng),
        )
    grid: list[list[Any]] = [list(r) for r in ws.iter_rows()]
    if not grid:
        return
    nonempty_rows = [i for i, r in enumerate(grid) if any(c.value not in (None, "") for c in r)]
    if not nonempty_rows:
        return
    first, last = nonempty_rows[0], nonempty_rows[-1]
    widths = [sum(1 for c in r if c.value not in (None, "")) for r in grid]
    header_i = max(nonempty_rows[:5], key=lambda i: widths[i])
    # 2-2: title rows above the header, notes below the table.
    for i in range(first, header_i):
        if widths[i]:
            report.add(
                "2-2",
                "error",
                name,
                _ref(i + 1, 1),
                gettext_noop(
                    "There are title rows above the header; start the sheet with the header."
                ),
            )
            break
    header = grid[header_i]
    ncols = max((c.column for c in header if c.value not in (None, "")), default=0)
    # 1-6: blank or duplicate header cells.
    seen: set[str] = set()
    for c in header[:ncols]:
        v = "" if c.value is None else str(c.value).strip()
        if not v:
            report.add(
                "1-6",
                "error",
                name,
                c.coordinate,
                gettext_noop("A header cell is empty."),
            )
        elif v in seen:
            report.add(
                "1-6",
                "error",
                name,
                c.coordinate,
                gettext_noop("Header '{value}' is duplicated."),
                value=v,
            )
        seen.add(v)
    numeric_cols: dict[int, list[str]] = {}
    blank_run_start: int | None = None
    for i in range(header_i + 1, last + 1):
        row = grid[i]
        if not widths[i]:
            if blank_run_start is None:
                blank_run_start = i
            continue
        if blank_run_start is not None:
            report.add(
                "2-1",
                "error",
                name,
                _ref(blank_run_start + 1, 1),
                gettext_noop("A blank row splits the table; remove it."),
            )
            blank_run_start = None
        texts = [str(c.value) for c in row if isinstance(c.value, str)]
        if widths[i] == 1 and texts and texts[0].lstrip().startswith(_NOTE_START):
            report.add(
                "2-2",
                "error",
                name,
                row[0].coordinate if row else "",
                gettext_noop("A note sits in or below the table; move notes elsewhere."),
            )
            continue
        for c in row[:ncols]:
            _check_cell(c, header, name, report, numeric_cols)
    # 1-9 / 1-13 per numeric-dominant column.
    for col, values in numeric_cols.items():
        head = header[col - 1].value if col - 1 < len(header) else None
        head_s = "" if head is None else str(head)
        nums = [v for v in values if v and _is_number_text(v)]
        if not values or len(nums) / len(values) < 0.8 or _CODE_HEADER.search(head_s):
            continue
        if not _UNIT_HEADER.search(head_s):
            report.add(
                "1-9",
                "warning",
                name,
                _ref(header_i + 1, col),
                gettext_noop("Numeric column '{column}' has no unit in its header."),
                column=head_s,
            )
        symbols = {v.strip() for v in values if v.strip() in _SYMBOLS}
        blanks = sum(1 for v in values if not v.strip())
        if len(symbols) > 1 or (blanks and symbols):
            report.add(
                "1-13",
                "warning",
                name,
                _ref(header_i + 1, col),
                gettext_noop(
                    "Column '{column}' mixes special symbols ({symbols}) or blanks; use one legend."
                ),
                column=head_s,
                symbols=("、".join(sorted(symbols)), ", ".join(sorted(symbols))),
            )


def _check_cell(
    c: Any, header: list[Any], sheet: str, report: ExcelReport, numeric_cols: dict[int, list[str]]
) -> None:
    v = c.value
    ref = c.coordinate
    if c.data_type == "f" or (isinstance(v, str) and v.startswith("=")):
        report.add(
            "1-7",
            "error",
            sheet,
            ref,
            gettext_noop("The cell holds a formula; paste it as a value."),
        )
        return
    fmt = str(c.number_format or "")
    if _ERA_FORMAT.search(fmt) and v is not None and not isinstance(v, str):
        report.add(
            "1-11",
            "error",
            sheet,
            ref,
            gettext_noop("The number format ({format}) shows a Japanese era; use yyyy-mm-dd."),
            format=fmt,
        )
    if isinstance(v, int | float):
        numeric_cols.setdefault(c.column, []).append(str(v))
        if re.search(r'"[^"]+"', fmt):
            report.add(
                "1-9",
                "warning",
                sheet,
                ref,
                gettext_noop(
                    "The unit lives only in the number format ({format}); put it in the header."
                ),
                format=fmt,
            )
        return
    if not isinstance(v, str):
        numeric_cols.setdefault(c.column, []).append("")
        return
    numeric_cols.setdefault(c.column, []).append(v)
    head = header[c.column - 1].value if c.column - 1 < len(header) else None
    is_code = bool(_CODE_HEADER.search(str(head or "")))
    if v != v.strip(" \u3000") or "\n" in v or "  " in v:
        report.add(
            "1-5",
            "error" if v != v.strip(" \u3000") or "\n" in v else "warning",
            sheet,
            ref,
            gettext_noop("Spaces or line breaks are used for layout; remove them."),
        )
    if v.strip() in _DITTO:
        report.add(
            "1-6",
            "error",
            sheet,
            ref,
            gettext_noop("A ditto mark replaces a value; write the value."),
        )
    if not is_code and _is_number_text(v):
        report.add(
            "1-3",
            "error",
            sheet,
            ref,
            gettext_noop(
                "Number '{value}' is stored as text (units, commas or full-width digits)."
            ),
            value=v,
        )
    elif len(_NUM_TOKEN.findall(v)) >= 2 and re.search(r"[（(][0-9０-９.%％]+[)）]|/|男.*女", v):
        report.add(
            "1-2",
            "warning",
            sheet,
            ref,
            gettext_noop("The cell seems to hold several values; split them."),
        )
    issues = [i for i in jp_text.find_platform_dependent(v) if i.severity == "error"]
    if issues:
        chars = "".join(dict.fromkeys(i.char for i in issues))
        report.add(
            "1-10",
            "error",
            sheet,
            ref,
            gettext_noop("Platform-dependent characters '{chars}'."),
            chars=chars,
        )
    if _ERA_TEXT.search(v) and not _FOUR_DIGIT_YEAR.search(v):
        try:
            parse_date(v)
            is_date = True
        except WarekiError:
            is_date = bool(re.search(r"(?:令和|平成|昭和|大正|明治)[0-9０-９元]+年", v))
        if is_date:
            report.add(
                "1-11",
                "error",
                sheet,
                ref,
                gettext_noop(
                    "'{value}' is written in the Japanese era only; add the Gregorian year."
                ),
                value=v,
            )
    if v.strip() in _SHORT_PREFS:
        report.add(
            "1-12",
            "warning",
            sheet,
            ref,
            gettext_noop("'{value}' is an abbreviated region name; write {name}."),
            value=v,
            name=_SHORT_PREFS[v.strip()],
        )


def convert(
    path: str | Path, out: str | Path, *, sheet: str | None = None, bom: bool = True
) -> ExcelReport:
    """Write one machine-readable sheet as UTF-8 CSV; refuse (nothing written) when the sheet
    has merged cells, several tables, notes or formulas in the data area (items 1-4, 1-7,
    2-1, 2-2). The returned report lists the reasons."""
    report = check_excel(path)
    blocking = {"1-1", "1-4", "1-7", "2-1", "2-2"}
    target = sheet or (report.sheets[0] if report.sheets else "")
    refusals = [
        f
        for f in report.findings
        if f.item in blocking
        and f.severity == "error"
        and f.sheet in {target, ""}
        and not (f.item == "1-1" and f.severity == "warning")
    ]
    if refusals:
        report.findings = refusals + [f for f in report.findings if f not in refusals]
        return report
    from python_calamine import CalamineWorkbook

    from kanmin.standards.reader import cell_to_text

    wb = CalamineWorkbook.from_path(str(path))
    ws = wb.get_sheet_by_name(target) if target else wb.get_sheet_by_index(0)
    with Path(out).open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        for row in ws.iter_rows():
            cells = [cell_to_text(v) for v in row]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                w.writerow(cells)
    return report
