"""Reading CSV, TSV and .xlsx files as people hand them in, safely and in bounded memory.

* Kind by magic bytes, not by the file name (a PDF or a workbook named .csv is caught).
* Encoding by a cascade: BOM → strict UTF-8 → strict CP932 (never a detector first;
  reference/japanese-data.md §4). The decision is taken on the first chunk that holds a
  non-ASCII byte; a later chunk that does not decode is a mixed-encoding file.
* CSV bytes are cut into chunks at line breaks outside quotes, so that chunks can be decoded
  and checked in parallel; a record never spans two chunks.
* .xlsx: every part is inflated once through :mod:`zipfile` with a size cap (zip bombs) and
  checked for DOCTYPE/ENTITY declarations (XML entity bombs) before calamine reads values.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import mmap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

__all__ = [
    "CHUNK_SIZE",
    "CsvSource",
    "ReadError",
    "XlsxSource",
    "cell_to_text",
    "check_xlsx_safety",
    "decode_strict",
    "decode_text",
    "open_source",
    "sniff_kind",
]

CHUNK_SIZE = 2 * 1024 * 1024
MAX_RECORD_BYTES = 32 * 1024 * 1024
XLSX_MAX_UNCOMPRESSED = 256 * 1024 * 1024
UTF16_MAX_BYTES = 256 * 1024 * 1024

Source = str | Path | BinaryIO | IO[bytes]


class ReadError(Exception):
    """The file cannot be read at all. ``code`` is a message-table key (exit status 2)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


def sniff_kind(head: bytes) -> str:
    """``csv``, ``xlsx``, ``xls`` or raise :class:`ReadError` for other binary files."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text
    signatures = {
        b"%PDF": "PDF",
        b"\x89PNG": "PNG",
        b"\xff\xd8\xff": "JPEG",
        b"GIF8": "GIF",
        b"\x1f\x8b": "gzip",
        b"7z\xbc\xaf": "7z",
        b"Rar!": "RAR",
        b"\x7fELF": "ELF",
        b"MZ": "Windows",
    }
    for magic, kind in signatures.items():
        if head.startswith(magic):
            raise ReadError("binary_file", kind=kind)
    sample = head[:8192]
    if sample:
        controls = sum(1 for b in sample if b < 9 or (13 < b < 32 and b != 27))
        if controls / len(sample) > 0.05:
            raise ReadError("binary_file", kind="binary")
    return "csv"


def decode_strict(data: bytes, encoding: str) -> str:
    return data.decode(encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """A whole small text file decoded by the cascade: BOM → strict UTF-8 → strict CP932.

    Returns (text, encoding label: utf-8, utf-8-sig or cp932, as ``CsvSource.encoding_label``);
    raises :class:`ReadError` ``unknown_encoding`` (with the row) when neither decodes it.
    """
    sniff_kind(data[:8192])
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for candidate in ("utf-8", "cp932"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError("unknown_encoding", row=_row_at(data, exc.start)) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _row_at(data: bytes, pos: int) -> int:
    """Physical line number (1-based) of byte offset ``pos``."""
    return data.count(b"\n", 0, pos) + 1


def cell_to_text(value: Any) -> str:
    """A calamine cell as the text a CSV export would hold (dates ISO, integral floats plain)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M") if value.second == 0 else value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600:02d}:{total % 3600 // 60:02d}"
    return str(value)


def _release(mm: mmap.mmap, start: int, pos: int) -> int:
    """Drop this process's mapping of the pages from ``start`` to before ``pos`` (they stay
    in the page cache): else every page looked at counts in the process's memory. Returns
    where the next release starts."""
    end = pos - pos % mmap.PAGESIZE
    if end > start and hasattr(mmap, "MADV_DONTNEED"):
        mm.madvise(mmap.MADV_DONTNEED, start, end - start)
        return end
    return start


def _open_binary(source: Source) -> tuple[BinaryIO, bool, str]:
    """(stream, we_opened_it, display name)."""
    if isinstance(source, str | Path):
        p = Path(source)
        try:
            return p.open("rb"), True, p.name
        except FileNotFoundError as exc:
            raise ReadError("file_not_found", path=str(p)) from exc
        except IsADirectoryError as exc:
            raise ReadError("file_not_found", path=str(p)) from exc
    name = str(getattr(source, "name", "") or "")
    return source, False, Path(name).name if name else ""  # type: ignore[return-value]


@dataclass
class CsvSource:
    """A delimited text file: header, encoding, and raw byte chunks of whole records."""

    stream: BinaryIO
    name: str = ""
    close_stream: bool = False
    chunk_size: int = CHUNK_SIZE
    encoding: str | None = None  # None while only ASCII was seen
    bom: bool = False
    delimiter: str = ","
    header: list[str] = field(default_factory=list)
    header_rows: int = 1
    transcoded_from: str | None = None
    path: str | None = None  # the file itself, when it can be mapped (no transcoding)
    data_start: int = 0  # file offset of the first record after the header
    _first: bytes = b""

    kind = "csv"

    @property
    def encoding_label(self) -> str:
        if self.transcoded_from is not None:
            return self.transcoded_from
        if self.encoding is None:
            return "utf-8"
        if self.encoding == "utf-8" and self.bom:
            return "utf-8-sig"
        return self.encoding

    def close(self) -> None:
        if self.close_stream:
            self.stream.close()

    # -- encoding ---------------------------------------------------------------------------
    def decide_encoding(self, chunk: bytes, first_row: int) -> str:
        """Encoding for ``chunk``: the one already decided, or the cascade on this chunk."""
        if self.encoding is not None:
            return self.encoding
        if chunk.isascii():
            return "utf-8"
        for candidate in ("utf-8", "cp932"):
            try:
                chunk.decode(candidate)
            except UnicodeDecodeError:
                continue
            self.encoding = candidate
            return candidate
        # Neither decodes the whole chunk: if one decodes a non-ASCII start, the file
        # changes encoding part-way (files joined together).
        for candidate in ("utf-8", "cp932"):
            try:
                chunk.decode(candidate)
            except UnicodeDecodeError as exc:
                pos = exc.start
            head = chunk[: chunk.rfind(b"\n", 0, pos) + 1]
            if head and not head.isascii():
                try:
                    head.decode(candidate)
                except UnicodeDecodeError:
                    continue
                self.encoding = candidate
                raise self.explain_decode_failure(chunk, pos, first_row)
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            row = first_row + _row_at(chunk, exc.start) - 1
        raise ReadError("unknown_encoding", row=row)

    def explain_decode_failure(self, chunk: bytes, pos: int, first_row: int) -> ReadError:
        row = first_row + _row_at(chunk, pos) - 1
        enc = self.encoding or "utf-8"
        other = "cp932" if enc == "utf-8" else "utf-8"
        line_start = chunk.rfind(b"\n", 0, pos) + 1
        line_end = chunk.find(b"\n", pos)
        line = chunk[line_start : line_end if line_end != -1 else len(chunk)]
        try:
            line.decode(other)
        except UnicodeDecodeError:
            return ReadError("unknown_encoding", row=row)
        return ReadError("mixed_encoding", row=row, encoding=enc)

    # -- chunks -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def mapped(self) -> Iterator[mmap.mmap | None]:
        """A read-only memory map of the file (None when there is no file to map)."""
        if self.path is None:
            yield None
            return
        try:
            fh = open(self.path, "rb")  # closed below
        except OSError:
            yield None
            return
        try:
            try:
                mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # empty, or not a regular file
                yield None
                return
            with mm:
                if hasattr(mmap, "MADV_SEQUENTIAL"):
                    mm.madvise(mmap.MADV_SEQUENTIAL)
                yield mm
        finally:
            fh.close()

    def _rows_before(self, mm: mmap.mmap, pos: int) -> int:
        """Physical lines consumed before file offset ``pos`` (header included)."""
        rows = self.header_rows
        step = 16 * 1024 * 1024
        for at in range(self.data_start, pos, step):
            rows += mm[at : min(at + step, pos)].count(b"\n")
        return rows

    def spans(self, mm: mmap.mmap) -> Iterator[tuple[int, int]]:
        """Like :meth:`chunks`, as ``(start, end)`` offsets into the mapped file: the bytes
        are only copied when a chunk holds a quote (to count quotes)."""
        size = len(mm)
        pos = self.data_start
        step = self.chunk_size
        released = 0
        while pos < size:
            end = pos + step
            if end >= size:
                if mm.find(b'"', pos, size) != -1 and mm[pos:size].count(b'"') % 2:
                    raise ReadError("unclosed_quote", row=self._rows_before(mm, pos) + 1)
                yield pos, size
                return
            cut = mm.rfind(b"\n", pos, end)
            if cut != -1 and mm.find(b'"', pos, end) != -1:
                buf = mm[pos:end]
                rel = cut - pos
                while rel != -1 and buf.count(b'"', 0, rel) % 2:
                    rel = buf.rfind(b"\n", 0, rel)
                cut = -1 if rel == -1 else pos + rel
            if cut == -1:
                if step > MAX_RECORD_BYTES:
                    row = self._rows_before(mm, pos) + 1
                    if mm[pos:end].count(b'"') % 2:
                        raise ReadError("unclosed_quote", row=row)
                    raise ReadError("line_too_long", row=row, limit=MAX_RECORD_BYTES)
                step += self.chunk_size
                continue
            yield pos, cut + 1
            pos = cut + 1
            step = self.chunk_size
            released = _release(mm, released, pos)

    def chunks(self) -> Iterator[bytes]:
        """Raw chunks of whole records (each ends after a line break outside quotes)."""
        buf = self._first
        self._first = b""
        consumed_rows = self.header_rows
        eof = False
        while True:
            if not eof and len(buf) < self.chunk_size:
                block = self.stream.read(self.chunk_size)
                if not block:
                    eof = True
                else:
                    buf += block
                    continue
            if not buf:
                return
            if eof:
                if buf.count(b'"') % 2:
                    raise ReadError("unclosed_quote", row=consumed_rows + 1)
                yield buf
                return
            cut = buf.rfind(b"\n")
            quoted = b'"' in buf  # a search is much cheaper than a count
            while cut != -1 and quoted and buf.count(b'"', 0, cut) % 2:
                cut = buf.rfind(b"\n", 0, cut)
            if cut == -1:
                if len(buf) > MAX_RECORD_BYTES:
                    if buf.count(b'"') % 2:
                        raise ReadError("unclosed_quote", row=consumed_rows + 1)
                    raise ReadError("line_too_long", row=consumed_rows + 1, limit=MAX_RECORD_BYTES)
                block = self.stream.read(self.chunk_size)
                if not block:
                    eof = True
                buf += block
                continue
            piece, buf = buf[: cut + 1], buf[cut + 1 :]
            consumed_rows += piece.count(b"\n")
            yield piece


def _read_first_record(src: CsvSource, head: bytes) -> None:
    """Set encoding (if decidable), delimiter and header from the start of the file."""
    data = head
    # Extend until the first record (header) is complete.
    while True:
        pos = 0
        end = -1
        while True:
            nl = data.find(b"\n", pos)
            if nl == -1:
                break
            if data.count(b'"', 0, nl) % 2 == 0:
                end = nl
                break
            pos = nl + 1
        if end != -1:
            break
        block = src.stream.read(src.chunk_size)
        if not block:
            end = len(data)
            break
        data += block
        if len(data) > MAX_RECORD_BYTES:
            raise ReadError("line_too_long", row=1, limit=MAX_RECORD_BYTES)
    header_bytes, rest = data[: end + 1], data[end + 1 :]
    if b"\x00" in header_bytes:
        raise ReadError("nul_bytes", row=1)
    last_nl = data.rfind(b"\n")
    whole = data[: last_nl + 1] if last_nl != -1 else data
    enc = src.decide_encoding(whole, 1) if not header_bytes.isascii() else None
    try:
        text = header_bytes.decode(enc or "utf-8")
    except UnicodeDecodeError:
        text = header_bytes.decode("cp932", errors="replace")
    text = text.rstrip("\r\n")
    tabs, commas = text.count("\t"), text.count(",")
    src.delimiter = "\t" if tabs > commas else ","
    rows = list(csv.reader([text], delimiter=src.delimiter))
    src.header = rows[0] if rows else []
    src._first = rest


def _read_utf16(stream: BinaryIO) -> bytes:
    data = stream.read(UTF16_MAX_BYTES + 1)
    if len(data) > UTF16_MAX_BYTES:
        raise ReadError("line_too_long", row=1, limit=UTF16_MAX_BYTES)
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError("unknown_encoding", row=1) from exc


@dataclass
class XlsxSource:
    """One sheet of a workbook, read with calamine after the safety checks."""

    rows_iter: Iterator[list[Any]]
    header: list[str]
    name: str = ""
    sheet: str = ""
    merged: list[Any] = field(default_factory=list)
    encoding_label: str = "xlsx"
    kind = "xlsx"

    def records(self, size: int = 20_000) -> Iterator[list[list[str]]]:
        batch: list[list[str]] = []
        for row in self.rows_iter:
            batch.append([cell_to_text(v) for v in row])
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        return None


def check_xlsx_safety(data: bytes | str | Path, limit: int = XLSX_MAX_UNCOMPRESSED) -> None:
    """Refuse zip bombs and XML entity declarations before any XML parser sees the file."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError("xlsx_invalid", reason=str(exc)) from exc
    total = 0
    with zf:
        infos = zf.infolist()
        if len(infos) > 10_000:
            raise ReadError("xlsx_invalid", reason=f"{len(infos)} parts")
        declared = sum(i.file_size for i in infos)
        if declared > limit:
            raise ReadError("xlsx_too_large", size=declared, limit=limit)
        for info in infos:
            try:
                with zf.open(info) as part:
                    first = True
                    while True:
                        block = part.read(1024 * 1024)
                        if not block:
                            break
                        total += len(block)
                        if total > limit:
                            raise ReadError("xlsx_too_large", size=total, limit=limit)
                        if first and info.filename.endswith((".xml", ".rels", ".vml")):
                            upper = block[:4096].upper()
                            if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
                                raise ReadError("xlsx_entity", part=info.filename)
                        first = False
            except ReadError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise ReadError("xlsx_invalid", reason=f"{info.filename}: {exc}") from exc
            except Exception as exc:
                raise ReadError("xlsx_invalid", reason=f"{info.filename}: {exc}") from exc
        if "[Content_Types].xml" not in zf.namelist():
            raise ReadError("xlsx_invalid", reason="[Content_Types].xml is missing")


def open_xlsx(data: bytes | str | Path, name: str = "", sheet: str | None = None) -> XlsxSource:
    from python_calamine import CalamineWorkbook

    check_xlsx_safety(data)
    try:
        if isinstance(data, bytes):
            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        else:
            wb = CalamineWorkbook.from_path(str(data))
        names = list(wb.sheet_names)
        if sheet is not None and sheet not in names:
            raise ReadError("no_sheet", sheet=sheet, sheets=", ".join(names))
        ws = wb.get_sheet_by_name(sheet) if sheet is not None else wb.get_sheet_by_index(0)
        rows = ws.iter_rows()
        try:
            merged = list(ws.merged_cell_ranges or [])
        except Exception:  # noqa: BLE001  merged ranges are optional metadata
            merged = []
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError("xlsx_invalid", reason=str(exc)) from exc
    it = iter(rows)
    first = next(it, None)
    header = [cell_to_text(v) for v in first] if first is not None else []
    return XlsxSource(rows_iter=it, header=header, name=name, sheet=ws.name, merged=merged)


def open_source(source: Source, *, sheet: str | None = None) -> CsvSource | XlsxSource:
    """Open a path or binary stream as a CSV/TSV or .xlsx table; raises :class:`ReadError`."""
    stream, ours, name = _open_binary(source)
    try:
        head = stream.read(64 * 1024)
        if not head:
            raise ReadError("empty_file")
        kind = sniff_kind(head)
        if kind == "xls":
            raise ReadError("xls_legacy")
        if kind == "xlsx":
            if isinstance(source, str | Path):
                return open_xlsx(Path(source), name=name, sheet=sheet)
            data = head + stream.read(XLSX_MAX_UNCOMPRESSED + 1)
            if len(data) > XLSX_MAX_UNCOMPRESSED:
                raise ReadError("xlsx_too_large", size=len(data), limit=XLSX_MAX_UNCOMPRESSED)
            return open_xlsx(data, name=name, sheet=sheet)
        src = CsvSource(stream=stream, name=name, close_stream=ours)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            src.stream = io.BytesIO(_read_utf16(io.BytesIO(head + stream.read())))  # type: ignore[assignment]
            src.encoding = "utf-8"
            if ours:
                stream.close()
            src.close_stream = False
            head = src.stream.read(64 * 1024)
            label_utf16 = True
        else:
            label_utf16 = False
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
            src.bom = True
            src.encoding = "utf-8"
        if not head.strip(b" \t\r\n\x00"):
            if b"\x00" in head:
                raise ReadError("binary_file", kind="binary")
            raise ReadError("blank_file")
        _read_first_record(src, head)
        if label_utf16:
            src.transcoded_from = "utf-16"
        elif ours:
            try:
                src.data_start = stream.tell() - len(src._first)
                src.path = str(source)
            except OSError:
                src.path = None
        return src
    except BaseException:
        if ours:
            stream.close()
        raise
