"""Registry of the national dataset schemas (Frictionless Table Schema descriptors).

The JSON files next to this module are facts gathered for the project (column names, types,
code lists, each with its ``x-sources`` and ``x-confidence``): the current 自治体標準オープン
データセット (book A) in this folder and the older 推奨データセット layout in ``legacy/``.

A schema is addressed by a slug: ``aed`` (current) or ``legacy/aed``. Any Table Schema or
Data Package descriptor can be read with :func:`load_descriptor`, and every schema can be
exported back as a plain descriptor with :meth:`Schema.to_descriptor`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "LEGACY_PREFIX",
    "Field",
    "Schema",
    "SchemaError",
    "all_schemas",
    "detect_schema",
    "get_schema",
    "header_key",
    "load_descriptor",
    "resolve_schema",
    "slugs",
]

LEGACY_PREFIX = "legacy/"


class SchemaError(ValueError):
    """A schema could not be found or read. ``code`` is a message-table key."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    format: str = "default"
    required: bool = False
    unique: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    x_pattern: str | None = None
    classification: str | None = None
    multi_valued: bool = False
    true_values: tuple[str, ...] = ("true", "True", "TRUE", "1")
    false_values: tuple[str, ...] = ("false", "False", "FALSE", "0")
    title: str = ""
    descriptor: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Schema:
    slug: str
    name: str
    title: str
    japanese_name: str
    fields: tuple[Field, ...]
    confidence: str = ""
    order_verified: bool = False
    legacy: bool = False
    file_name: str | None = None
    missing_values: tuple[str, ...] = ("",)
    primary_key: tuple[str, ...] = ()
    descriptor: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def provisional(self) -> bool:
        """Low-confidence schemas are used for warnings, not hard failures (README grades)."""
        c = self.confidence.lower()
        return c.startswith(("low", "medium-low", "not found"))

    def field_by_name(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def to_descriptor(self) -> dict[str, Any]:
        """A Frictionless Table Schema descriptor (the stored one, sources and grade kept)."""
        if self.descriptor:
            return json.loads(json.dumps(self.descriptor))
        out: dict[str, Any] = {"name": self.name, "fields": []}
        for f in self.fields:
            fd: dict[str, Any] = {"name": f.name, "type": f.type, "format": f.format}
            constraints: dict[str, Any] = {"required": f.required}
            if f.pattern:
                constraints["pattern"] = f.pattern
            if f.enum:
                constraints["enum"] = list(f.enum)
            if f.minimum is not None:
                constraints["minimum"] = f.minimum
            if f.maximum is not None:
                constraints["maximum"] = f.maximum
            fd["constraints"] = constraints
            out["fields"].append(fd)
        return out


# Header names are compared after folding the spellings that occur in practice for the same
# column: full/half-width brackets and letters (料金（基本） / 料金(基本)), surrounding spaces.
_HEADER_FOLD = str.maketrans({"（": "(", "）": ")", "\u3000": " ", "＿": "_"})


def header_key(name: str) -> str:
    """Comparison key of a column name: width-folded ASCII, brackets unified, trimmed."""
    s = name.strip().lstrip("\ufeff").translate(_HEADER_FOLD)
    if not s.isascii():
        s = "".join(
            unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in s
        )
    return s


def _field_from_descriptor(fd: dict[str, Any]) -> Field:
    c = fd.get("constraints") or {}
    desc = str(fd.get("description", ""))
    enum = c.get("enum")
    return Field(
        name=str(fd["name"]),
        type=str(fd.get("type", "string")),
        format=str(fd.get("format", "default")),
        required=bool(c.get("required", False)),
        unique=bool(c.get("unique", False)),
        pattern=c.get("pattern"),
        enum=tuple(str(v) for v in enum) if enum is not None else None,
        minimum=c.get("minimum"),
        maximum=c.get("maximum"),
        min_length=c.get("minLength"),
        max_length=c.get("maxLength"),
        x_pattern=fd.get("x-pattern"),
        classification=fd.get("x-classification"),
        multi_valued=bool(fd.get("x-multi-valued")) or "separated by ';'" in desc,
        true_values=tuple(fd.get("trueValues", ("true", "True", "TRUE", "1"))),
        false_values=tuple(fd.get("falseValues", ("false", "False", "FALSE", "0"))),
        title=str(fd.get("title", "")),
        descriptor=fd,
    )


def schema_from_descriptor(desc: dict[str, Any], slug: str | None = None) -> Schema:
    """Build a :class:`Schema` from a Table Schema, or the first resource of a Data Package."""
    if "resources" in desc and "fields" not in desc:
        resources_ = desc.get("resources") or []
        if not resources_ or not isinstance(resources_[0].get("schema"), dict):
            raise SchemaError("schema_invalid", reason="no resource with an inline schema")
        desc = resources_[0]["schema"]
    fields_ = desc.get("fields")
    if not isinstance(fields_, list) or not all(
        isinstance(f, dict) and "name" in f for f in fields_
    ):
        raise SchemaError("schema_invalid", reason="'fields' must be a list of objects with 'name'")
    pk = desc.get("primaryKey") or ()
    if isinstance(pk, str):
        pk = (pk,)
    name = str(desc.get("name", slug or "custom"))
    legacy = str(desc.get("x-edition", "")).startswith("推奨") or bool(
        slug and slug.startswith(LEGACY_PREFIX)
    )
    return Schema(
        slug=slug or name,
        name=name,
        title=str(desc.get("title", name)),
        japanese_name=str(desc.get("x-japanese-name", desc.get("title", name))),
        fields=tuple(_field_from_descriptor(f) for f in fields_),
        confidence=str(desc.get("x-confidence", "")),
        order_verified=bool(desc.get("x-column-order-verified", False)),
        legacy=legacy,
        file_name=desc.get("x-file-name"),
        missing_values=tuple(desc.get("missingValues", ("",))),
        primary_key=tuple(pk),
        descriptor=desc,
    )


def load_descriptor(path: str | Path) -> Schema:
    """Read a Table Schema or Data Package JSON file from disk; used exactly as written."""
    p = Path(path)
    try:
        desc = json.loads(p.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise SchemaError("schema_file_unreadable", path=str(p), reason=str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise SchemaError("schema_invalid", reason=f"{p.name}: {exc}") from exc
    if not isinstance(desc, dict):
        raise SchemaError("schema_invalid", reason=f"{p.name}: not a JSON object")
    return schema_from_descriptor(desc, slug=p.stem)


@cache
def all_schemas() -> dict[str, Schema]:
    """Every packaged schema with at least one column, by slug (current first)."""
    out: dict[str, Schema] = {}
    base = resources.files(__name__)
    for prefix, folder in (("", base), (LEGACY_PREFIX, base / "legacy")):
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".json"):
                continue
            desc = json.loads(entry.read_text(encoding="utf-8"))
            slug = prefix + entry.name[: -len(".json")]
            schema = schema_from_descriptor(desc, slug=slug)
            out[slug] = schema
    return out


def slugs() -> list[str]:
    return list(all_schemas())


def get_schema(slug: str) -> Schema:
    schemas = all_schemas()
    if slug in schemas:
        return schemas[slug]
    raise SchemaError("schema_unknown", slug=slug, known=", ".join(schemas))


def _score(header_keys: set[str], schema: Schema) -> float:
    keys = {header_key(n) for n in schema.field_names}
    if not keys:
        return 0.0
    return len(header_keys & keys) / len(header_keys | keys)


def detect_schema(header: list[str]) -> tuple[Schema | None, float]:
    """The packaged schema whose columns best match ``header`` (Jaccard index of the names),
    with its score; ``None`` below 0.4."""
    hk = {header_key(h) for h in header if h.strip()}
    best: Schema | None = None
    best_score = 0.0
    for schema in all_schemas().values():
        score = _score(hk, schema)
        if score > best_score:
            best, best_score = schema, score
    if best is None or best_score < 0.4:
        return None, best_score
    return best, best_score


_SLUG_RE = re.compile(r"^(legacy/)?[a-z_]+$")


def resolve_schema(spec: str | Schema | None, header: list[str] | None = None) -> Schema | None:
    """``Schema`` | slug | ``auto`` | path to a descriptor → Schema (None: auto found nothing)."""
    if isinstance(spec, Schema):
        return spec
    if spec is None or spec == "auto":
        return detect_schema(header or [])[0]
    if spec.endswith(".json") or ("/" in spec and not _SLUG_RE.match(spec)):
        return load_descriptor(spec)
    return get_schema(spec)
