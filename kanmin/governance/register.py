"""The systems register as an Excel workbook (.xlsx): its columns, writing it, reading it back.

One sheet, 情報システム台帳, one row a system, headed by the Japanese titles below. The file's
values are in Japanese whatever the page's language (it is the city's working document):
基幹業務 (and the two 中間標準レイアウト columns, which name some of the row's 業務) by their
names in the law, separated by 「;」 or 「、」; hosting, segment and
classification by their Japanese labels (their codes are accepted too); flags as ○ (or 1, はい)
and empty (or 0, ×); dates as Excel dates, ISO (2025-04-01) or 和暦 (令和7年4月1日), read by
``kanmin.core.wareki``. After the fixed columns, one column per 年度 of yearly cost, titled
``2025年度経費（円）`` (``令和7年度経費`` is read too): a number of yen, an empty cell leaving
that year's cost as it is. Reading only parses: the service decides and saves.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from kanmin.core import wareki
from kanmin.core.models import localized_message
from kanmin.governance.models import (
    BUSINESS_AREA_NAMES_JA,
    Classification,
    Hosting,
    InformationSystem,
    NetworkSegment,
)

SHEET_TITLE = "情報システム台帳"
MAX_IMPORT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    title_ja: str


COLUMNS: tuple[Column, ...] = (
    Column("code", "システムID"),
    Column("name", "システム名"),
    Column("department_code", "所管課コード"),
    Column("department", "所管課"),
    Column("vendor", "ベンダー"),
    Column("businesses", "基幹業務"),
    Column("hosting", "設置形態"),
    Column("network_segment", "ネットワーク区分"),
    Column("classification", "機密性"),
    Column("contract_start", "契約開始日"),
    Column("contract_end", "契約終了日"),
    Column("applic_compliant", "地域情報プラットフォーム準拠"),
    Column("middle_layout_in_scope", "中間標準レイアウト対象"),
    Column("middle_layout_compliant", "中間標準レイアウト対応"),
    Column("standard_compliant", "標準準拠"),
    Column("layout_in_procurement", "中間標準レイアウト調達仕様書記載業務"),
    Column("layout_in_migration", "中間標準レイアウト移行業務"),
    Column("consolidated_on", "統合日"),
    Column("consolidated_into", "統合先システムID"),
    Column("retired_on", "廃止日"),
    Column("note", "備考"),
)
BY_TITLE = {c.title_ja: c for c in COLUMNS} | {c.key: c for c in COLUMNS}
DATE_COLUMNS = ("contract_start", "contract_end", "consolidated_on", "retired_on")
# The 業務 (of the row's own) whose procurement named the 中間標準レイアウト, and those whose data
# was migrated with it (Ⅴ-4), by name as in the 基幹業務 column.
LAYOUT_COLUMNS = ("layout_in_procurement", "layout_in_migration")
FLAG_COLUMNS = (
    "applic_compliant",
    "middle_layout_in_scope",
    "middle_layout_compliant",
    "standard_compliant",
)

HOSTING_JA: dict[str, str] = {
    Hosting.ON_PREMISES: "庁内設置",
    Hosting.GOVERNMENT_CLOUD: "ガバメントクラウド",
    Hosting.OTHER_CLOUD: "その他クラウド",
    Hosting.SHARED: "共同利用",
}
SEGMENT_JA: dict[str, str] = {
    NetworkSegment.MY_NUMBER: "マイナンバー利用事務系",
    NetworkSegment.LGWAN: "LGWAN接続系",
    NetworkSegment.INTERNET: "インターネット接続系",
}
CLASSIFICATION_JA: dict[str, str] = {
    Classification.CLASS_3: "機密性3",
    Classification.CLASS_2: "機密性2",
    Classification.CLASS_1: "機密性1",
}
TRUE_WORDS = {"○", "〇", "◯", "1", "TRUE", "はい", "有", "あり", "済", "YES", "Y"}
FALSE_WORDS = {"", "×", "✕", "-", "ー", "0", "FALSE", "いいえ", "無", "なし", "NO", "N"}
BUSINESS_BY_NAME = {name: code for code, name in BUSINESS_AREA_NAMES_JA.items()} | {
    str(code): str(code) for code in BUSINESS_AREA_NAMES_JA
}


@dataclass(frozen=True)
class Problem:
    """One problem of a file: its row (Excel's number), column (letter and title), the value
    found and what to do."""

    row: int | None
    column: str | None
    value: str | None
    message: str

    @property
    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            parts.append(_("column %(column)s") % {"column": self.column})
        return ", ".join(parts)


COST_PREFIX = "cost:"
_COST_TITLE = re.compile(r"^(?P<year>.+?年度)\s*(経費|費用)\s*([(（]\s*円\s*[)）])?$")


def cost_title(fiscal_year: int) -> str:
    return f"{fiscal_year}年度経費（円）"


def cost_year(title: str) -> int | None:
    """The 年度 a column title names as a yearly cost column, or None."""
    match = _COST_TITLE.match(unicodedata.normalize("NFKC", title).replace(" ", ""))
    if match is None:
        return None
    try:
        return wareki.parse_fiscal_year(match["year"])
    except wareki.WarekiError:
        return None


@dataclass
class FileRow:
    row: int
    cells: dict[str, Any]
    letters: dict[str, str]
    titles: dict[str, str] = field(default_factory=dict)

    def column(self, key: str) -> str:
        title = self.titles.get(key) or BY_TITLE[key].title_ja
        return f"{self.letters.get(key, '?')} ({title})"

    def costs(self) -> dict[int, Any]:
        """The cells of the yearly cost columns, by 年度."""
        return {
            int(key.removeprefix(COST_PREFIX)): value
            for key, value in self.cells.items()
            if key.startswith(COST_PREFIX)
        }


@dataclass
class ReadFile:
    rows: list[FileRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------


def _flag(value: bool) -> str:
    return "○" if value else ""


def row_of(system: InformationSystem) -> list[Any]:
    department = system.department
    values: dict[str, Any] = {
        "code": system.code,
        "name": system.name,
        "department_code": department.code if department else "",
        "department": department.name_ja if department else "",
        "vendor": system.vendor,
        "businesses": ";".join(BUSINESS_AREA_NAMES_JA[b.business] for b in system.businesses.all()),
        "hosting": HOSTING_JA.get(system.hosting, system.hosting),
        "network_segment": SEGMENT_JA.get(system.network_segment, system.network_segment),
        "classification": CLASSIFICATION_JA.get(system.classification, system.classification),
        "consolidated_into": system.consolidated_into.code if system.consolidated_into else "",
        **{
            name: ";".join(
                BUSINESS_AREA_NAMES_JA[b.business]
                for b in system.businesses.all()
                if getattr(b, name)
            )
            for name in LAYOUT_COLUMNS
        },
        "note": system.note,
    }
    for key in DATE_COLUMNS:
        values[key] = getattr(system, key)
    for key in FLAG_COLUMNS:
        values[key] = _flag(getattr(system, key))
    return [values[c.key] for c in COLUMNS]


def workbook_bytes(systems: list[InformationSystem]) -> bytes:
    """The register as an .xlsx file, in the columns the import reads: the fixed ones, then
    one per 年度 any of the systems has a cost in."""
    book = Workbook()
    sheet = book.create_sheet(SHEET_TITLE, 0)
    book.remove(book.worksheets[1])
    sheet.title = SHEET_TITLE
    costs = {s.pk: {c.fiscal_year: c.amount_yen for c in s.costs.all()} for s in systems}
    years = sorted({year for by_year in costs.values() for year in by_year})
    sheet.append([c.title_ja for c in COLUMNS] + [cost_title(y) for y in years])
    for system in systems:
        sheet.append(row_of(system) + [costs[system.pk].get(y) for y in years])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.title_ja) * 2 + 2)
        if column.key in DATE_COLUMNS:
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    for index in range(len(COLUMNS) + 1, len(COLUMNS) + len(years) + 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 20
        for cell in sheet[letter][1:]:
            cell.number_format = "#,##0"
    sheet.freeze_panes = "A2"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


# ------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_workbook(data: bytes) -> ReadFile:
    """The rows of the register's first sheet, keyed by column; unknown or doubled columns and
    an unreadable file are problems."""
    result = ReadFile()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (any damage: not a zip, not a workbook)
        result.problems.append(
            Problem(
                None,
                None,
                None,
                _("This is not an Excel workbook (.xlsx): export the register and edit that file."),
            )
        )
        return result
    sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        result.problems.append(Problem(None, None, None, _("The file has no rows.")))
        return result
    keys: dict[int, str] = {}
    letters: dict[str, str] = {}
    titles: dict[str, str] = {}
    for index, title in enumerate(header):
        text = _text(title)
        letter = get_column_letter(index + 1)
        if not text:
            continue
        column = BY_TITLE.get(text)
        year = cost_year(text) if column is None else None
        if column is None and year is None:
            result.problems.append(
                Problem(
                    1,
                    f"{letter} ({text})",
                    text,
                    _(
                        "Unknown column. The columns are: %(titles)s; and one per fiscal year "
                        "of costs, such as %(cost)s."
                    )
                    % {
                        "titles": "、".join(c.title_ja for c in COLUMNS),
                        "cost": cost_title(2025),
                    },
                )
            )
            continue
        key = column.key if column is not None else f"{COST_PREFIX}{year}"
        if key in letters:
            result.problems.append(
                Problem(
                    1,
                    f"{letter} ({text})",
                    text,
                    _("This column appears twice (also in %(letter)s): keep one.")
                    % {"letter": letters[key]},
                )
            )
            continue
        keys[index] = key
        letters[key] = letter
        titles[key] = text
    for required in ("code", "name"):
        if required not in letters:
            result.problems.append(
                Problem(
                    1,
                    BY_TITLE[required].title_ja,
                    None,
                    _("The column %(title)s is missing: every row needs it.")
                    % {"title": BY_TITLE[required].title_ja},
                )
            )
    result.keys = list(letters)
    for number, values in enumerate(rows, start=2):
        cells = {key: values[i] if i < len(values) else None for i, key in keys.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue  # blank rows (Excel keeps formatted ones) are not systems
        result.rows.append(FileRow(number, cells, letters, titles))
    book.close()
    return result


def parse_date_cell(value: Any) -> dt.date | None:
    """A date cell: an Excel date, ISO or 和暦 text, or empty. Raises ValueError with a message
    for people (in the active language)."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        raise ValueError(_("Write a date, e.g. 2025-04-01 or 令和7年4月1日, not a number."))
    try:
        return wareki.parse_date(_text(value)).value
    except wareki.WarekiError as exc:
        raise ValueError(localized_message(exc)) from None


def parse_amount(value: Any) -> int | None:
    """A cost cell in yen: a number, or text such as 1,234,000 or １２３４円; None when empty.
    Raises ValueError with a message for people."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("Write the cost in yen as a whole number, 0 or more."))
    if isinstance(value, int | float):
        number = value
    else:
        text = unicodedata.normalize("NFKC", _text(value)).replace(",", "").replace(" ", "")
        text = text.removesuffix("円").removeprefix("¥").removeprefix("￥")
        try:
            number = int(text)
        except ValueError:
            raise ValueError(_("Write the cost in yen as a whole number, 0 or more.")) from None
    if number < 0 or number != int(number):
        raise ValueError(_("Write the cost in yen as a whole number, 0 or more."))
    return int(number)


def parse_flag(value: Any) -> bool:
    text = _text(value).upper()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Write ○ (yes) or leave it empty (no)."))


def parse_businesses(value: Any) -> tuple[list[str], list[str]]:
    """(codes, unknown names) of a 基幹業務 cell."""
    text = _text(value)
    for separator in ("、", ",", "，", "；", "\n"):
        text = text.replace(separator, ";")
    codes: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        code = BUSINESS_BY_NAME.get(part)
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def parse_choice(value: Any, labels: dict[str, str]) -> str | None:
    """The code of a label (or of a code) among ``labels``; None when it is none of them."""
    text = _text(value)
    for code, label in labels.items():
        if text in (str(code), label):
            return str(code)
    return None
