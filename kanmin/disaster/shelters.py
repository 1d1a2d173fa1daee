"""Shelters in words and in the national standard's columns (no database writes here).

- ``HAZARDS``: the hazards a place is designated for, as the standard's columns
  (``災害種別_洪水`` …) name them, with the model's flag and the words for the three page
  variants (Japanese, English, やさしい日本語).
- ``crowding(evacuees, capacity)``: how full an open shelter is, in words.
- ``STANDARD_COLUMNS``: the 39 columns of 指定緊急避難場所一覧 (自治体標準オープンデータセット
  定義書A, sheet 03; the schema is ``kanmin.standards`` ``evacuation_space``) and how a shelter
  fills each, for the open data; ``REGISTER_COLUMNS`` adds what the standard lacks.
- ``read_import(data, ...)``: a 指定緊急避難場所一覧 file (current or legacy 推奨データセット
  layout, UTF-8 or CP932, or a plain CSV with some of the standard's columns) repaired and
  checked through the standards app's face, then read into one ``ImportRow`` per shelter, or
  ``ImportRefused`` listing every problem with its row and column (nothing is saved then).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from kanmin import standards
from kanmin.core import jp_text
from kanmin.core.errors import Invalid

SCHEMA = "evacuation_space"
# A file larger than this is not a municipality's list of shelters.
MAX_IMPORT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Hazard:
    key: str
    field: str  # the Shelter model's flag
    name_ja: str  # as the standard's column names it
    label: Any  # English msgid, translated on use
    easy: str  # やさしい日本語

    @property
    def column(self) -> str:
        return f"災害種別_{self.name_ja}"

    def text(self, variant: str) -> str:
        if variant == "easy":
            return self.easy
        if variant == "ja":
            return self.name_ja
        return str(self.label)


HAZARDS: tuple[Hazard, ...] = (
    Hazard("flood", "hazard_flood", "洪水", gettext_lazy("Flood"), "こうずい"),
    Hazard(
        "landslide",
        "hazard_landslide",
        "崖崩れ、土石流及び地滑り",
        gettext_lazy("Landslide and debris flow"),
        "がけくずれ・どしゃくずれ",
    ),
    Hazard("storm_surge", "hazard_storm_surge", "高潮", gettext_lazy("Storm surge"), "たかしお"),
    Hazard("earthquake", "hazard_earthquake", "地震", gettext_lazy("Earthquake"), "じしん"),
    Hazard("tsunami", "hazard_tsunami", "津波", gettext_lazy("Tsunami"), "つなみ"),
    Hazard(
        "large_fire",
        "hazard_large_fire",
        "大規模な火事",
        gettext_lazy("Large fire"),
        "おおきな かじ",
    ),
    Hazard(
        "inland_flood",
        "hazard_inland_flood",
        "内水氾濫",
        gettext_lazy("Inland flooding"),
        "まちの なかに みずが あふれる こと",
    ),
    Hazard("volcano", "hazard_volcano", "火山現象", gettext_lazy("Volcanic phenomena"), "かざん"),
)
HAZARD_FIELDS = tuple(h.field for h in HAZARDS)


def hazards_of(shelter: Any) -> list[Hazard]:
    return [h for h in HAZARDS if getattr(shelter, h.field)]


def hazards_text(shelter: Any, variant: str) -> str:
    separator = "、" if variant in ("ja", "easy") else ", "
    return separator.join(h.text(variant) for h in hazards_of(shelter))


# ------------------------------------------------------------------------------------------
# Crowding in words
# ------------------------------------------------------------------------------------------

# Share of the capacity (percent) from which a shelter is "filling up", "crowded", "full".
FILLING, CROWDED, FULL = 50, 80, 100


@dataclass(frozen=True)
class Crowding:
    """How full an open shelter is: ``key`` is ``no_count`` (nobody counted yet),
    ``no_capacity`` (a count but no capacity to compare with), ``space``, ``filling``,
    ``crowded`` or ``full``."""

    key: str
    evacuees: int | None
    capacity: int | None

    @property
    def percent(self) -> int | None:
        if self.evacuees is None or not self.capacity:
            return None
        return round(100 * self.evacuees / self.capacity)

    @property
    def bar(self) -> int:
        """The bar's length, 0 to 100."""
        return min(100, self.percent or 0)

    @property
    def words(self) -> str:
        """In the active language (for templates)."""
        return str(CROWDING_WORDS[self.key])

    @property
    def easy(self) -> str:
        """In やさしい日本語 (for templates)."""
        return EASY_CROWDING[self.key]

    def text(self, variant: str = "") -> str:
        """The crowding in words in ``variant`` (ja, en: the active language; easy)."""
        if variant == "easy":
            return EASY_CROWDING[self.key]
        return str(CROWDING_WORDS[self.key])


CROWDING_WORDS: dict[str, Any] = {
    "no_count": gettext_lazy("Not counted yet"),
    "no_capacity": gettext_lazy("Capacity not set"),
    "space": gettext_lazy("Space available"),
    "filling": gettext_lazy("Filling up"),
    "crowded": pgettext_lazy("shelter", "Crowded"),
    "full": gettext_lazy("Full: please go to another shelter"),
}
EASY_CROWDING = {
    "no_count": "なんにん いるか、まだ わかりません",
    "no_capacity": "なんにん はいれるか、わかりません",
    "space": "まだ はいれます",
    "filling": "ひとが おおく なって きました",
    "crowded": "とても こんで います",
    "full": "いっぱい です。ほかの ひなんじょへ いって ください",
}


def crowding(evacuees: int | None, capacity: int | None) -> Crowding:
    if evacuees is None:
        key = "no_count"
    elif not capacity:
        key = "no_capacity"
    else:
        percent = 100 * evacuees / capacity
        key = (
            "full"
            if percent >= FULL
            else "crowded"
            if percent >= CROWDED
            else "filling"
            if percent >= FILLING
            else "space"
        )
    return Crowding(key, evacuees, capacity)


# ------------------------------------------------------------------------------------------
# The standard's columns
# ------------------------------------------------------------------------------------------


def _flag(value: bool) -> str:
    return "1" if value else ""


def _decimal_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class StandardColumn:
    column: str  # the standard's column name (the CSV header)
    key: str  # the JSON key of the open data
    title_en: str
    model_field: str = ""  # the Shelter field it is read into and written from, if any
    # How a shelter fills it when it is not a plain field: (shelter, municipality) -> text.
    value: Callable[[Any, Any], str] | None = None

    def of(self, shelter: Any, municipality: Any) -> str:
        if self.value is not None:
            return self.value(shelter, municipality)
        if self.model_field:
            raw = getattr(shelter, self.model_field)
            if isinstance(raw, bool):
                return _flag(raw)
            if isinstance(raw, Decimal):
                return _decimal_text(raw)
            return "" if raw is None else str(raw)
        return str((shelter.standard_extra or {}).get(self.column, ""))


def _c(column: str, key: str, title_en: str, model_field: str = "", **kw: Any) -> StandardColumn:
    return StandardColumn(column, key, title_en, model_field, **kw)


# The order is the standard's (checked against the schema by the tests).
STANDARD_COLUMNS: tuple[StandardColumn, ...] = (
    _c("全国地方公共団体コード", "lg_code", "Local government code", value=lambda s, m: m.lg_code),
    _c("ID", "id", "ID", "code"),
    _c("名称", "name", "Name", "name_ja"),
    _c("名称_カナ", "name_kana", "Name (kana)", "name_kana"),
    _c("名称_英字", "name_en", "Name (Latin letters)", "name_en"),
    _c("所在地_全国地方公共団体コード", "location_lg_code", "Location local government code"),
    _c("町字ID", "machiaza_id", "Town/aza ID"),
    _c("所在地_連結表記", "address", "Address", "address"),
    _c("所在地_都道府県", "prefecture", "Prefecture"),
    _c("所在地_市区町村", "city", "City"),
    _c("所在地_町字", "town", "Town/aza"),
    _c("所在地_番地以下", "block", "Block number"),
    _c("建物名等(方書)", "building", "Building"),
    _c("緯度", "latitude", "Latitude", "latitude"),
    _c("経度", "longitude", "Longitude", "longitude"),
    _c("標高", "elevation", "Elevation"),
    _c("電話番号", "phone", "Telephone", "phone"),
    _c("内線番号", "extension", "Extension"),
    _c("連絡先メールアドレス", "email", "Contact e-mail"),
    _c("連絡先FormURL", "form_url", "Contact form URL"),
    _c("連絡先備考（その他、SNSなど）", "contact_note", "Contact remarks"),
    _c("郵便番号", "postal_code", "Postal code"),
    _c("市区町村コード", "city_code", "Municipality code"),
    _c("地方公共団体名", "lg_name", "Local government name"),
    *(
        _c(h.column, f"hazard_{h.key}", f"Hazard: {h.key.replace('_', ' ')}", h.field)
        for h in HAZARDS
    ),
    _c("指定避難所との重複", "also_shelter", "Also a designated shelter", "is_shelter"),
    _c(
        "想定収容人数",
        "capacity",
        "Capacity",
        "capacity",
    ),
    _c("対象となる町会・自治会", "neighbourhoods", "Neighbourhood associations", "neighbourhoods"),
    _c("URL", "url", "URL", "url"),
    _c("画像", "image", "Image URL"),
    _c("画像_ライセンス", "image_licence", "Image licence"),
    _c("備考", "note", "Remarks", "note"),
)
# The register of every designated place adds, after the standard's columns, what the
# standard lacks (an import reads them back when a file has them).
REGISTER_COLUMNS: tuple[StandardColumn, ...] = (
    *STANDARD_COLUMNS,
    _c(
        "指定緊急避難場所",
        "emergency_site",
        "Designated emergency evacuation site",
        "is_emergency_site",
    ),
    _c("福祉避難所", "welfare", "Welfare shelter", "welfare"),
    _c("バリアフリー", "step_free", "Step-free", "accessible"),
)
FLAG_COLUMNS = frozenset(
    c.column for c in REGISTER_COLUMNS if c.model_field in (*HAZARD_FIELDS, "is_shelter")
) | {"指定緊急避難場所", "福祉避難所", "バリアフリー"}
# Spellings of "yes" and "no" in flag columns: the standard says 1 or blank; files use ○.
FLAG_YES = frozenset({"1", "○", "◯", "〇", "●", "有", "あり", "該当"})
FLAG_NO = frozenset({"", "0", "×", "✕", "-", "－", "無", "なし"})


def standard_row(shelter: Any, municipality: Any, columns: tuple[StandardColumn, ...]) -> list[str]:
    return [column.of(shelter, municipality) for column in columns]


# ------------------------------------------------------------------------------------------
# Import
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something in an import file, in the language of the request that read it."""

    row: int | None
    column: str | None
    value: str | None
    message: str


@dataclass
class ImportRow:
    row: int  # as the user's spreadsheet counts it (header = 1)
    code: str
    values: dict[str, Any]  # Shelter fields
    extra: dict[str, str]  # the other standard columns, by column name


@dataclass
class ImportRead:
    rows: list[ImportRow]
    warnings: list[Problem] = field(default_factory=list)
    repairs: int = 0  # cells the repair changed (width, hyphens, legacy names …)
    encoding: str = ""


class ImportRefused(Invalid):
    """The file cannot be imported: ``problems`` says each thing to fix, with its row and
    column; nothing was saved."""

    default_code = "import_refused"

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        self.problems = problems
        self.warnings = warnings or []
        count = len(problems)
        super().__init__(
            _(
                "The file was not imported: fix the %(count)s problem(s) listed and import it "
                "again. Nothing was changed."
            )
            % {"count": count}
        )


def _lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _problem(issue: Any, rows: list[int]) -> Problem:
    row = issue.row
    if row is not None and row >= 2 and row - 2 < len(rows):
        row = rows[row - 2]
    return Problem(row, issue.column, issue.value, issue.message(_lang(), "web"))


def _record_rows(text: str) -> list[int]:
    """The row number (header = 1) of each record in the original file that is not blank,
    in order: the repair drops blank rows, so the repaired file's rows are renumbered."""
    numbers = []
    reader = csv.reader(io.StringIO(text))
    for number, record in enumerate(reader, start=1):
        if number == 1:
            continue
        if any(cell.strip() for cell in record):
            numbers.append(number)
    return numbers


_CAPACITY = re.compile(r"(?:約|およそ)?\s*([0-9][0-9,]*)\s*(?:人|名)?")


def parse_capacity(text: str) -> int | None:
    """想定収容人数 as an integer: "300", "約300人", "１，２００" → 1200; "" → None.
    Raises ValueError for anything else."""
    value = jp_text.normalize_digits_ascii(text).strip()
    if not value:
        return None
    match = _CAPACITY.fullmatch(value)
    if match is None:
        raise ValueError(text)
    return int(match.group(1).replace(",", ""))


def parse_flag(text: str) -> bool:
    value = text.strip()
    if value in FLAG_YES:
        return True
    if value in FLAG_NO:
        return False
    raise ValueError(text)


def _decimal(text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(text) from None


def read_import(
    data: bytes,
    *,
    lg_code: str = "",
    area: tuple[float, float, float, float] | None = None,
) -> ImportRead:
    """Read a 指定緊急避難場所一覧 file into rows, or raise ``ImportRefused``. A column the
    file does not have is left out of each row's values (an import then leaves that field of
    an existing shelter as it is); rows of another 全国地方公共団体コード than ``lg_code`` are
    refused."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            [Problem(None, None, None, _("The file is larger than 5 MB: is it the right file?"))]
        )
    try:
        text, _encoding = standards.decode_text(data)
        original_rows = _record_rows(text)
    except standards.ReadError:
        # A workbook or UTF-16 text: the repair below reads it (or says why it cannot), and
        # rows are counted as the repaired table counts them.
        original_rows = []
    repaired = io.BytesIO()
    try:
        result = standards.repair_table(io.BytesIO(data), SCHEMA, repaired)
    except (standards.ReadError, standards.SchemaError) as exc:
        issue = standards.Issue(exc.code, "error", None, params=exc.params)
        raise ImportRefused([Problem(None, None, None, issue.message(_lang(), "web"))]) from None
    repaired_bytes = repaired.getvalue()
    # The columns the repair added empty: the file does not say anything about them.
    absent = {c.after for c in result.changes if c.rule == "add_missing_column"}
    report = standards.validate_table(
        io.BytesIO(repaired_bytes),
        SCHEMA,
        workers=1,
        area=standards.Area(*area) if area else None,
    )
    if report.fatal is not None:
        raise ImportRefused([_problem(report.fatal, original_rows)])
    problems: list[Problem] = []
    for issue in report.errors:
        # Real files mark a hazard with ○: read below, not refused.
        if issue.column in FLAG_COLUMNS and (issue.value or "").strip() in FLAG_YES | FLAG_NO:
            continue
        # A column the file does not have: it changes nothing (a new shelter's name and
        # address are required by the service, row by row).
        if issue.column in absent:
            continue
        problems.append(_problem(issue, original_rows))
    warnings = [
        _problem(issue, original_rows)
        for issue in report.warnings
        if not (issue.code == "extra_column" and issue.column in REGISTER_COLUMN_NAMES)
    ]
    rows: list[ImportRow] = []
    records = csv.reader(io.StringIO(repaired_bytes.decode("utf-8-sig")))
    header = next(records, [])
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        number = original_rows[index] if index < len(original_rows) else index + 2
        cells = {
            name: value for name, value in zip(header, record, strict=False) if name not in absent
        }
        row, found = _read_row(number, cells, lg_code)
        problems += found
        if row is None:
            continue
        if row.code in seen:
            problems.append(
                Problem(
                    number,
                    "ID",
                    row.code,
                    _("The ID %(code)s is also on row %(row)s: give each shelter its own ID.")
                    % {"code": row.code, "row": seen[row.code]},
                )
            )
            continue
        seen[row.code] = number
        rows.append(row)
    if not rows and not problems:
        problems.append(Problem(None, None, None, _("The file has no shelter in it.")))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ImportRefused(_unique(problems), warnings)
    return ImportRead(rows, warnings, repairs=len(result.changes), encoding=result.encoding_in)


REGISTER_COLUMN_NAMES = frozenset(c.column for c in REGISTER_COLUMNS)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for p in problems:
        key = (p.row, p.column, p.message)
        if key not in seen:
            seen.add(key)
            kept.append(p)
    return kept


def _read_row(
    number: int, cells: dict[str, str], lg_code: str
) -> tuple[ImportRow | None, list[Problem]]:
    problems: list[Problem] = []
    publisher = (cells.get("全国地方公共団体コード") or "").strip()
    if lg_code and publisher and publisher != lg_code:
        problems.append(
            Problem(
                number,
                "全国地方公共団体コード",
                publisher,
                _(
                    "This row is another local government's (%(found)s, not %(code)s): "
                    "import only this municipality's shelters."
                )
                % {"found": publisher, "code": lg_code},
            )
        )
    code = (cells.get("ID") or "").strip()
    if not code:
        problems.append(
            Problem(
                number,
                "ID",
                "",
                _(
                    "Give the shelter an ID (letters, digits, - or _): it is how a later import "
                    "finds the same shelter."
                ),
            )
        )
    values: dict[str, Any] = {}
    extra: dict[str, str] = {}
    present = set(cells)
    for column in REGISTER_COLUMNS:
        if column.column not in present or column.value is not None:
            continue
        raw = cells.get(column.column, "") or ""
        name = column.model_field
        if not name:
            if raw.strip():
                extra[column.column] = raw.strip()
            continue
        if name == "code":
            continue
        try:
            if name == "capacity":
                values[name] = parse_capacity(raw)
            elif name in ("latitude", "longitude"):
                values[name] = _decimal(raw)
            elif column.column in FLAG_COLUMNS:
                values[name] = parse_flag(raw)
            else:
                values[name] = raw.strip()
        except ValueError:
            problems.append(Problem(number, column.column, raw, _column_hint(column.column)))
    if not code or problems:
        return None, problems
    return ImportRow(number, code, values, extra), problems


def _column_hint(column: str) -> str:
    if column == "想定収容人数":
        return _("Write the capacity as a number of people, e.g. 300.")
    if column in ("緯度", "経度"):
        return _("Write the position in decimal degrees, e.g. 31.7194 and 131.0617.")
    return _("Write 1 when it applies and leave it blank when it does not.")


def iter_columns(columns: tuple[StandardColumn, ...]) -> Iterator[tuple[str, str, str]]:
    """(key, Japanese column name, English title) of each column, for the dataset registry."""
    for column in columns:
        yield column.key, column.column, column.title_en
