"""The procedure catalog as a table: its columns, one procedure as a row, and a file of rows
read back (the CSV staff export, edit in Excel and import again).

The open data (``procedures.csv`` / ``.json``) and the staff export have the same columns, in
the same order; the staff export adds 公開 (published) at the end, since the open data only
lists published procedures. A file is read with the standards engine's encoding cascade
(BOM → UTF-8 → CP932), so a file Excel saved as CSV (Shift_JIS) is read as it is.

Cells that hold several values (必要書類, 手続の方法) separate them with ``;`` (a line break
inside the cell is read the same way). 手続の方法 is written in Japanese (オンライン, 窓口,
郵送) and read in Japanese or as the codes (online, counter, post). オンライン完結 is 1 or 0
(also read: true/false, yes/no, ○/×, 可/不可, はい/いいえ).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kanmin.core.datasets import Column
from kanmin.procedures.models import Channel, Procedure

# (field name of the row values, Japanese title, English title)
COLUMNS: tuple[Column, ...] = (
    Column("lg_code", "全国地方公共団体コード", "Local government code"),
    Column("code", "手続コード", "Procedure code"),
    Column("name_ja", "手続名", "Name"),
    Column("name_en", "手続名（英語）", "Name (English)"),
    Column("department_code", "担当課コード", "Department code"),
    Column("department", "担当課", "Department"),
    Column("description_ja", "説明", "Description"),
    Column("description_en", "説明（英語）", "Description (English)"),
    Column("legal_basis", "根拠法令", "Legal basis"),
    Column("fee_yen", "手数料（円）", "Fee (yen)"),
    Column("fee_note", "手数料の備考", "Fee note"),
    Column("documents", "必要書類", "Documents needed"),
    Column("channels", "手続の方法", "Channels"),
    Column("is_online", "オンライン完結", "Can be completed online"),
    Column("online_url", "電子申請URL", "Online application address"),
    Column("pittari_id", "ぴったりサービス手続ID", "ぴったりサービス identifier"),
)
PUBLISHED = Column("is_published", "公開", "Published")
STAFF_COLUMNS: tuple[Column, ...] = (*COLUMNS, PUBLISHED)

CHANNEL_WORDS = {
    Channel.ONLINE: "オンライン",
    Channel.COUNTER: "窓口",
    Channel.POST: "郵送",
}
_CHANNEL_READ = {
    **{word: value for value, word in CHANNEL_WORDS.items()},
    **{value.value: value for value in Channel},
    "電子申請": Channel.ONLINE,
    "来庁": Channel.COUNTER,
    "郵便": Channel.POST,
}
CHANNEL_ORDER = [c.value for c in Channel]
_TRUE = {"1", "true", "yes", "y", "○", "〇", "◯", "可", "はい", "有", "あり"}
_FALSE = {"0", "false", "no", "n", "×", "✕", "不可", "いいえ", "無", "なし", "-", "－", ""}
_SEPARATOR = re.compile(r"[;；\r\n]+")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


def split_values(text: str) -> list[str]:
    return [part.strip() for part in _SEPARATOR.split(text or "") if part.strip()]


def documents_list(procedure: Procedure) -> list[str]:
    return split_values(procedure.documents)


def channels_text(channels: list[str]) -> str:
    return ";".join(CHANNEL_WORDS[Channel(c)] for c in CHANNEL_ORDER if c in (channels or []))


def row_of(procedure: Procedure, lg_code: str, *, staff: bool = False) -> list[Any]:
    """One procedure as a row of :data:`COLUMNS` (of :data:`STAFF_COLUMNS` with ``staff``)."""
    department = procedure.department
    row: list[Any] = [
        lg_code,
        procedure.code,
        procedure.name_ja,
        procedure.name_en,
        department.code if department else "",
        department.name_ja if department else "",
        procedure.description_ja,
        procedure.description_en,
        procedure.legal_basis,
        "" if procedure.fee_yen is None else procedure.fee_yen,
        procedure.fee_note,
        ";".join(documents_list(procedure)),
        channels_text(procedure.channels),
        1 if procedure.is_online else 0,
        procedure.online_url,
        procedure.pittari_id,
    ]
    if staff:
        row.append(1 if procedure.is_published else 0)
    return row


# --------------------------------------------------------------------------------------------
# Reading a file back
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What is wrong in a file: its row (the spreadsheet's row number, the header being 1),
    column (its title in the file), the value and what to do."""

    row: int | None
    column: str | None
    value: str | None
    message: str


@dataclass
class FileRow:
    row: int
    code: str
    # Cells of the columns the file has, by field name, as text (stripped).
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class ReadFile:
    rows: list[FileRow]
    titles: dict[str, str]  # field name -> the column's title in the file
    encoding: str
    problems: list[Problem]


def _key(title: str) -> str:
    return unicodedata.normalize("NFKC", title).strip().lower().replace(" ", "")


_BY_TITLE = {
    _key(title): column.name
    for column in STAFF_COLUMNS
    for title in (column.name, column.title_ja, column.title_en)
}


def read_file(data: bytes) -> ReadFile:
    """Split a CSV file of the catalog into rows; problems of the file as a whole (encoding,
    header, duplicate codes) are in ``problems``; the rows' values are checked by the service."""
    from kanmin.standards import ReadError, decode_text

    if len(data) > MAX_IMPORT_BYTES:
        raise_problem = Problem(None, None, None, _("The file is larger than 2 MB."))
        return ReadFile([], {}, "", [raise_problem])
    try:
        text, encoding = decode_text(data)
    except ReadError as exc:
        if exc.code == "unknown_encoding":
            message = _(
                "The file is neither UTF-8 nor Shift_JIS (from row %(row)s on). Save it from "
                "Excel as “CSV UTF-8” or “CSV (comma delimited)” and try again."
            ) % {"row": exc.params.get("row", "?")}
        else:
            message = _("This is not a CSV file. Save the sheet as CSV and try again.")
        return ReadFile([], {}, "", [Problem(None, None, None, message)])
    records = list(csv.reader(io.StringIO(text)))
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    if not records:
        return ReadFile([], {}, encoding, [Problem(None, None, None, _("The file is empty."))])
    problems: list[Problem] = []
    header = records[0]
    positions: dict[str, int] = {}
    titles: dict[str, str] = {}
    for index, title in enumerate(header):
        if not title.strip():
            continue
        name = _BY_TITLE.get(_key(title))
        if name is None:
            problems.append(
                Problem(
                    1,
                    title,
                    None,
                    _("Unknown column. Use the column titles of the exported file: %(titles)s.")
                    % {"titles": "、".join(c.title_ja for c in STAFF_COLUMNS)},
                )
            )
        elif name in positions:
            problems.append(Problem(1, title, None, _("This column appears twice.")))
        else:
            positions[name] = index
            titles[name] = title
    for required in ("code",):
        if required not in positions:
            column = next(c for c in COLUMNS if c.name == required)
            problems.append(
                Problem(
                    1,
                    column.title_ja,
                    None,
                    _("The file has no column “%(title)s”; it is needed to import.")
                    % {"title": column.title_ja},
                )
            )
    if problems:
        return ReadFile([], titles, encoding, problems)
    if len(records) - 1 > MAX_IMPORT_ROWS:
        message = _("The file has more than %(count)s rows.") % {"count": MAX_IMPORT_ROWS}
        return ReadFile([], titles, encoding, [Problem(None, None, None, message)])
    rows: list[FileRow] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {
            name: (record[index].strip() if index < len(record) else "")
            for name, index in positions.items()
        }
        # A leading apostrophe is how the export protects a cell from formula injection.
        for name, value in cells.items():
            if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
                cells[name] = value[1:]
        code = cells["code"]
        if code and code in seen:
            problems.append(
                Problem(
                    number,
                    titles["code"],
                    code,
                    _("The same code is on row %(row)s: each procedure once.")
                    % {"row": seen[code]},
                )
            )
        seen.setdefault(code, number)
        rows.append(FileRow(number, code, cells))
    return ReadFile(rows, titles, encoding, problems)


def parse_fee(text: str) -> int | None:
    """``300``, ``300円``, ``1,000``, ``１，０００円`` → int; empty, 無料, なし → None (no fee);
    anything else raises ValueError."""
    cleaned = unicodedata.normalize("NFKC", text or "").replace(",", "").strip()
    cleaned = cleaned.removesuffix("円").strip()
    if not cleaned or cleaned in ("無料", "なし", "-"):
        return None  # no fee (the model keeps it empty)
    if not cleaned.isdigit():
        raise ValueError(text)
    return int(cleaned)


def parse_bool(text: str) -> bool:
    key = unicodedata.normalize("NFKC", text or "").strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(text)


def parse_channels(text: str) -> list[str]:
    """Japanese words or codes separated by ``;`` (or 、 /) → the channel codes in order."""
    chosen = set()
    for part in re.split(r"[;；、,/／\r\n]+", unicodedata.normalize("NFKC", text or "")):
        word = part.strip().lower()
        if not word:
            continue
        value = _CHANNEL_READ.get(word) or _CHANNEL_READ.get(part.strip())
        if value is None:
            raise ValueError(part.strip())
        chosen.add(str(value))
    return [c for c in CHANNEL_ORDER if c in chosen]


def column_title(name: str) -> str:
    for column in STAFF_COLUMNS:
        if column.name == name:
            return column.title_ja
    return name


def iter_titles() -> Iterator[str]:
    return (c.title_ja for c in STAFF_COLUMNS)
