"""Does an uploaded file's content match its extension? Checked on the first bytes, before the
file is stored, so that a program renamed ``.csv`` or a web page saved as ``.xlsx`` is refused
with a message that says what the file really looks like."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

HEAD_BYTES = 8192

# What the first bytes say, checked in order.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip archive
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # .xls, .doc, .ppt before 2007
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x1f\x8b", "gzip"),
    (b"MZ", "executable"),
    (b"\x7fELF", "executable"),
    (b"\xca\xfe\xba\xbe", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"PAR1", "parquet"),
)
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

KIND_LABELS = {
    "pdf": _("a PDF document"),
    "zip": _("a ZIP archive"),
    "ooxml": _("an Office document (Word or PowerPoint)"),
    "xlsx": _("an Excel workbook (.xlsx)"),
    "ole": _("an old Office file (.xls, .doc)"),
    "png": _("a PNG image"),
    "jpeg": _("a JPEG image"),
    "gif": _("a GIF image"),
    "gzip": _("a gzip archive"),
    "executable": _("a program"),
    "rar": _("a RAR archive"),
    "7z": _("a 7-Zip archive"),
    "parquet": _("a Parquet file"),
    "html": _("a web page (HTML)"),
    "text": pgettext_lazy("file kind", "text"),
    "csv_text": _("a table in CSV form, not JSON"),
    "not_json": _("text that is not JSON"),
    "utf16_text": _("UTF-16 text (JSON must be UTF-8)"),
    "binary": _("binary data"),
}

# Extension → the kinds its content may be. Extensions not listed are accepted as they are,
# unless the content is a program.
ALLOWED: dict[str, frozenset[str]] = {
    "csv": frozenset({"text"}),
    "tsv": frozenset({"text"}),
    "txt": frozenset({"text"}),
    "json": frozenset({"text"}),
    "geojson": frozenset({"text"}),
    "jsonld": frozenset({"text"}),
    "xml": frozenset({"text"}),
    "kml": frozenset({"text"}),
    "rdf": frozenset({"text"}),
    "ttl": frozenset({"text"}),
    "md": frozenset({"text"}),
    "html": frozenset({"text", "html"}),
    "htm": frozenset({"text", "html"}),
    "xlsx": frozenset({"xlsx"}),
    "xlsm": frozenset({"xlsx"}),
    "docx": frozenset({"ooxml"}),
    "pptx": frozenset({"ooxml"}),
    "ods": frozenset({"zip"}),
    "odt": frozenset({"zip"}),
    "kmz": frozenset({"zip"}),
    "zip": frozenset({"zip", "xlsx", "ooxml"}),
    "xls": frozenset({"ole"}),
    "doc": frozenset({"ole"}),
    "ppt": frozenset({"ole"}),
    "pdf": frozenset({"pdf"}),
    "png": frozenset({"png"}),
    "jpg": frozenset({"jpeg"}),
    "jpeg": frozenset({"jpeg"}),
    "gif": frozenset({"gif"}),
    "gz": frozenset({"gzip"}),
    "parquet": frozenset({"parquet"}),
}
_JSON_EXTENSIONS = frozenset({"json", "geojson", "jsonld"})
_XML_EXTENSIONS = frozenset({"xml", "kml", "rdf"})


@dataclass(frozen=True)
class Mismatch:
    extension: str
    kind: str

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


def _zip_kind(data: bytes, stream: BinaryIO | None) -> str:
    """Tell an Excel workbook and other Office documents from a plain ZIP archive."""
    if stream is None:
        return "zip"
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    finally:
        stream.seek(0)
    if "[Content_Types].xml" in names:
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        return "ooxml"
    return "zip"


def _looks_binary(head: bytes) -> bool:
    if head.startswith(_TEXT_BOMS[1:]):
        return False  # UTF-16 text has NUL bytes
    return b"\x00" in head


def sniff(head: bytes, stream: BinaryIO | None = None) -> str:
    """The kind of a file from its first bytes (``stream``, if given, lets a ZIP be opened)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return _zip_kind(head, stream) if kind == "zip" else kind
    if _looks_binary(head):
        return "binary"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def _not_json_kind(head: bytes, stripped: bytes) -> str:
    """What text that does not start like JSON is: a web page, a CSV table, UTF-16 (JSON
    is exchanged as UTF-8 only, RFC 8259) or other text."""
    if stripped[:1] == b"<":
        return "html"
    if head.startswith(_TEXT_BOMS[1:]):
        return "utf16_text"
    first_line = stripped.split(b"\n", 1)[0]
    if b"," in first_line or b"\t" in first_line:
        return "csv_text"
    return "not_json"


def check(filename: str, stream: BinaryIO) -> Mismatch | None:
    """``None`` when the content may be what the extension says, else what it looks like."""
    ext = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    position = stream.tell()
    head = stream.read(HEAD_BYTES)
    stream.seek(position)
    seekable = stream if hasattr(stream, "seek") else None
    kind = sniff(head, seekable)
    if kind == "executable":
        return Mismatch(ext, kind)
    allowed = ALLOWED.get(ext)
    if allowed is None:
        return None
    if kind not in allowed:
        return Mismatch(ext, kind)
    if kind == "text":
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if ext in _JSON_EXTENSIONS and stripped and stripped[:1] not in (b"{", b"["):
            return Mismatch(ext, _not_json_kind(head, stripped))
        if ext in _XML_EXTENSIONS and stripped and stripped[:1] != b"<":
            return Mismatch(ext, "text")
    return None


def check_bytes(filename: str, data: bytes) -> Mismatch | None:
    return check(filename, io.BytesIO(data))


# A multipart body carries the form fields and boundaries besides the file.
MULTIPART_OVERHEAD = 1024 * 1024


def declared_size(meta: dict[str, object]) -> int:
    """The request body's size as its Content-Length header declares it (0 if none)."""
    try:
        return max(0, int(str(meta.get("CONTENT_LENGTH") or 0)))
    except ValueError:
        return 0


def body_too_large(meta: dict[str, object], limit: int) -> bool:
    """True when the declared body is larger than an upload may be: refuse before reading it."""
    return bool(limit) and declared_size(meta) > limit + MULTIPART_OVERHEAD
