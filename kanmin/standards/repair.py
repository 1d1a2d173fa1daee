"""``repair``: write a corrected UTF-8 CSV and a change log, fixing only what is certain.

Fixes, by column type (never blanket NFKC on text; reference/japanese-data.md §2.4):

* encoding → UTF-8 (with BOM by default, for Excel users), CRLF line ends;
* legacy 推奨データセット column names → current names, in the standard order; columns missing
  from the file are added empty; 都道府県名 + 市区町村名 → 地方公共団体名;
* header spellings that differ only in width/brackets → the standard spelling;
* dates (和暦, ``2024/4/1``, ``２０２４年４月１日``) → ``YYYY-MM-DD``; times → ``hh:mm``;
* numbers: full-width digits, thousands separators, ▲ → plain half-width numbers;
* codes (地方公共団体コード, 電話番号, 郵便番号, 法人番号 …): half-width, hyphens unified,
  ``(054)626-1139`` → ``054-626-1139`` when the result fits the column's pattern;
* kana columns: half-width → full-width, hiragana → katakana, dashes after katakana → ー;
* text: platform-dependent characters → standard spellings (① → (1), ㈱ → (株), ㍻ → 平成),
  half-width katakana → full width, full-width letters and digits → half width, trimmed;
* latitude and longitude exchanged when each is only possible as the other;
* fully blank rows removed.

What cannot be fixed safely stays as it is and is reported by validation. Repair is
idempotent: repairing a repaired file changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kanmin.core import jp_text
from kanmin.core.wareki import WarekiError, parse_date
from kanmin.standards.checks import Column, _plan_column, in_japan, repair_time
from kanmin.standards.reader import CsvSource, ReadError, Source, XlsxSource, open_source
from kanmin.standards.schemas import Field, Schema, all_schemas, header_key, resolve_schema

__all__ = ["LEGACY_RENAMES", "Change", "RepairResult", "repair", "repair_value"]

# Legacy (推奨データセット) column → current (定義書A) column; applied only when the target
# schema has the current name.
LEGACY_RENAMES: dict[str, str] = {
    "都道府県コード又は市区町村コード": "全国地方公共団体コード",
    "NO": "ID",
    "住所": "所在地_連結表記",
    "方書": "建物名等(方書)",
    "名称_英語": "名称_英字",
}
_MERGE_NAME = ("都道府県名", "市区町村名", "地方公共団体名")


@dataclass(frozen=True)
class Change:
    row: int | None
    column: str | None
    before: str
    after: str
    rule: str

    def as_row(self) -> list[str]:
        return [
            "" if self.row is None else str(self.row),
            self.column or "",
            self.before,
            self.after,
            self.rule,
        ]


@dataclass
class RepairResult:
    schema: str | None
    encoding_in: str
    rows: int = 0
    changes: list[Change] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    def write_log(self, stream: IO[str]) -> None:
        w = csv.writer(stream, lineterminator="\r\n")
        w.writerow(["row", "column", "before", "after", "rule"])
        for c in self.changes:
            w.writerow(c.as_row())


# ------------------------------------------------------------------------------------------
# Value repairs
# ------------------------------------------------------------------------------------------

_ALNUM_WIDTH = str.maketrans(
    {
        **{0xFF10 + i: chr(0x30 + i) for i in range(10)},
        **{0xFF21 + i: chr(0x41 + i) for i in range(26)},
        **{0xFF41 + i: chr(0x61 + i) for i in range(26)},
    }
)
_TRIM = " \u3000\t"
_KANA_DASHES = re.compile("(?<=[\u30a1-\u30fa\u30fc])[\u2010\u2015\u2212\uff0d\u2014\uff70]")
_HIRAGANA = re.compile("[\u3041-\u3096]")
_KANA_COLUMN = re.compile(r"カナ|かな|ヨミ|よみ|フリガナ")
_INT_RE = re.compile(r"-?[0-9]+")
_NUM_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _to_katakana(m: re.Match[str]) -> str:
    return chr(ord(m.group()) + 0x60)


def repair_value(col: Column, value: str) -> list[tuple[str, str]]:
    """The steps that change ``value``: [(rule, new value), …]; the last is the result."""
    steps: list[tuple[str, str]] = []
    v = value

    def step(rule: str, new: str) -> None:
        nonlocal v
        if new != v:
            steps.append((rule, new))
            v = new

    if not v:
        return steps
    # Character policy first: these never change meaning.
    step("halfwidth_katakana", jp_text.normalize_kana_fullwidth(v))
    step("platform_dependent", jp_text.replace_platform_dependent(v))
    f = col.field
    if f is None:
        step("trim", v.strip(_TRIM))
        return steps
    trimmed = v.strip(_TRIM)
    if col.kind in {"integer", "number"}:
        try:
            plain = jp_text.normalize_number(trimmed)
        except jp_text.NumberFormatError:
            plain = None
        rx = _INT_RE if col.kind == "integer" else _NUM_RE
        if plain is not None and rx.fullmatch(plain) and plain != trimmed:
            if not rx.fullmatch(trimmed) or trimmed.startswith("+"):
                step("number_width", plain)
    elif col.kind == "date":
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", trimmed):
            try:
                parsed = parse_date(trimmed)
            except WarekiError:
                parsed = None
            if parsed is not None:
                step("date_iso", parsed.value.isoformat())
    elif col.kind == "time":
        rx = col.x_pattern or re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
        if not rx.fullmatch(trimmed):
            t = repair_time(trimmed)
            if t is not None and rx.fullmatch(t):
                step("time_hhmm", t)
    elif col.lg_code or col.corporate_number or col.pattern_kind in {"phone", "postal_code"}:
        code = jp_text.normalize_code(trimmed)
        code = re.sub(r"^\((0[0-9]{1,4})\)\s*", r"\1-", code)
        target = col.pattern
        if code != trimmed and (target is None or target.fullmatch(code)):
            step("code_width", code)
    elif _KANA_COLUMN.search(f.name):
        k = _HIRAGANA.sub(_to_katakana, v)
        step("hiragana_to_katakana", k)
        step("kana_long_vowel", _KANA_DASHES.sub("ー", v))
        step("alnum_width", v.translate(_ALNUM_WIDTH))
    elif col.enum is not None:
        if v not in col.enum:
            folded = jp_text.normalize_name(v)
            if folded in col.enum:
                step("width", folded)
    elif col.pattern is not None or col.url or col.email:
        ascii_ = jp_text.normalize_digits_ascii(v).strip()
        if ascii_ != v and (col.pattern is None or col.pattern.fullmatch(ascii_)):
            step("ascii_width", ascii_)
    else:
        step("alnum_width", v.translate(_ALNUM_WIDTH))
    if col.multi_valued and "；" in v:
        step("multi_value_separator", v.replace("；", ";"))
    step("trim", v.strip(_TRIM))
    return steps


def _swap_if_certain(lat: str, lon: str) -> bool:
    try:
        a, b = float(lat), float(lon)
    except ValueError:
        return False
    return in_japan(b, a)


# ------------------------------------------------------------------------------------------
# Layout
# ------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    out_header: list[str]
    # For each output column: source column index, or -1 (added), or -2 (merged name).
    sources: list[int]
    fields: list[Field | None]
    header_changes: list[Change]


def _layout(header: list[str], schema: Schema | None) -> _Layout:
    if schema is None:
        return _Layout(list(header), list(range(len(header))), [None] * len(header), [])
    by_key = {header_key(h): i for i, h in enumerate(header)}
    changes: list[Change] = []
    out: list[str] = []
    sources: list[int] = []
    fields: list[Field | None] = []
    used: set[int] = set()
    legacy_input = False
    legacy = all_schemas().get("legacy/" + schema.slug) if not schema.legacy else None
    if legacy is not None:
        legacy_keys = {header_key(n) for n in legacy.field_names}
        current_keys = {header_key(n) for n in schema.field_names}
        hk = set(by_key)
        legacy_input = len(hk & legacy_keys) > len(hk & current_keys)
    reverse = {cur: old for old, cur in LEGACY_RENAMES.items()}
    for f in schema.fields:
        idx = by_key.get(header_key(f.name))
        rule = "header_spelling"
        if idx is None and legacy_input and f.name in reverse:
            idx = by_key.get(header_key(reverse[f.name]))
            rule = "legacy_column"
        if idx is not None and idx not in used:
            used.add(idx)
            out.append(f.name)
            sources.append(idx)
            fields.append(f)
            if header[idx] != f.name:
                changes.append(Change(1, f.name, header[idx], f.name, rule))
            continue
        pref, city, merged = _MERGE_NAME
        if (
            f.name == merged
            and legacy_input
            and header_key(pref) in by_key
            and header_key(city) in by_key
        ):
            out.append(f.name)
            sources.append(-2)
            fields.append(f)
            changes.append(Change(1, f.name, f"{pref}+{city}", f.name, "legacy_merge"))
            used.update({by_key[header_key(pref)], by_key[header_key(city)]})
            continue
        out.append(f.name)
        sources.append(-1)
        fields.append(f)
        changes.append(Change(1, f.name, "", f.name, "add_missing_column"))
    for i, h in enumerate(header):
        if i not in used:
            out.append(h)
            sources.append(i)
            fields.append(None)
    return _Layout(out, sources, fields, changes)


# ------------------------------------------------------------------------------------------
# Driver
# ------------------------------------------------------------------------------------------


def _records(src: CsvSource | XlsxSource) -> Iterator[list[str]]:
    if isinstance(src, XlsxSource):
        for batch in src.records():
            yield from batch
        return
    row = 2
    for chunk in src.chunks():
        enc = src.decide_encoding(chunk, row)
        if b"\x00" in chunk:
            raise ReadError("nul_bytes", row=row + chunk.count(b"\n", 0, chunk.find(b"\x00")))
        try:
            text = chunk.decode(enc)
        except UnicodeDecodeError as exc:
            raise src.explain_decode_failure(chunk, exc.start, row) from exc
        row += chunk.count(b"\n")
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=src.delimiter)


def repair(
    source: Source,
    schema: str | Schema | None,
    out: str | Path | IO[bytes],
    *,
    bom: bool = True,
    sheet: str | None = None,
) -> RepairResult:
    """Repair ``source`` into ``out`` (UTF-8 CSV). Raises ReadError / SchemaError."""
    src = open_source(source, sheet=sheet)
    try:
        resolved = resolve_schema(schema, src.header)
        layout = _layout(src.header, resolved)
        result = RepairResult(
            schema=resolved.slug if resolved else None,
            encoding_in=src.encoding_label,
            header=layout.out_header,
        )
        result.changes.extend(layout.header_changes)
        cols: list[Column] = [
            _plan_column(i, name, f)
            for i, (name, f) in enumerate(zip(layout.out_header, layout.fields, strict=True))
        ]
        lat = next((c.index for c in cols if c.lat and c.kind == "number"), None)
        lon = next((c.index for c in cols if c.lon and c.kind == "number"), None)
        h = {header_key(x): i for i, x in enumerate(src.header)}
        pref_i = h.get(header_key(_MERGE_NAME[0]))
        city_i = h.get(header_key(_MERGE_NAME[1]))
        opened = False
        if isinstance(out, str | Path):
            stream: IO[bytes] = Path(out).open("wb")
            opened = True
        else:
            stream = out
        try:
            text_out = io.TextIOWrapper(
                stream, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=True
            )
            writer = csv.writer(text_out, lineterminator="\r\n")
            writer.writerow(layout.out_header)
            rownum = 1
            nsrc = len(src.header)
            for rec in _records(src):
                rownum += 1
                if not rec or not any(c.strip(_TRIM) for c in rec):
                    result.changes.append(Change(rownum, None, ",".join(rec), "", "blank_row"))
                    continue
                if len(rec) != nsrc:
                    writer.writerow(rec)  # ragged: cannot be placed safely, left as it is
                    result.rows += 1
                    continue
                new = []
                for s in layout.sources:
                    if s >= 0:
                        new.append(rec[s])
                    elif s == -2 and pref_i is not None and city_i is not None:
                        new.append(rec[pref_i].strip(_TRIM) + rec[city_i].strip(_TRIM))
                    else:
                        new.append("")
                for col in cols:
                    before = new[col.index]
                    for rule, after in repair_value(col, before):
                        result.changes.append(Change(rownum, col.name, before, after, rule))
                        before = after
                    new[col.index] = before
                if lat is not None and lon is not None and _swap_if_certain(new[lat], new[lon]):
                    result.changes.append(
                        Change(rownum, cols[lat].name, new[lat], new[lon], "latlon_swapped")
                    )
                    result.changes.append(
                        Change(rownum, cols[lon].name, new[lon], new[lat], "latlon_swapped")
                    )
                    new[lat], new[lon] = new[lon], new[lat]
                writer.writerow(new)
                result.rows += 1
            text_out.flush()
            text_out.detach()
        finally:
            if opened:
                stream.close()
        if result.encoding_in not in {"utf-8", "utf-8-sig", "xlsx"} or (
            bom != (result.encoding_in == "utf-8-sig") and result.encoding_in != "xlsx"
        ):
            after = "utf-8-sig" if bom else "utf-8"
            if result.encoding_in != after:
                result.changes.insert(0, Change(None, None, result.encoding_in, after, "encoding"))
        return result
    finally:
        src.close()
