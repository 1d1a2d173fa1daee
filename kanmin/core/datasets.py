"""The dataset registry: apps offer tables they keep (e.g. the evacuation orders issued) as
open data, and the catalog lists and serves them, without either importing the other.

An app declares in its own ``datasets.py`` and registers from ``AppConfig.ready()``::

    evacuation_orders = datasets.Provider(
        name="disaster.evacuation_orders",   # unique: <app>.<table>
        slug="evacuation_orders",            # the file name: /m/<code>/datasets/<slug>.csv
        title_ja="避難情報の発令履歴", title_en="Evacuation orders issued",
        description_ja="…", description_en="…",
        columns=(Column("decided_at", "日時", "Decided at"), …),
        rows=lambda municipality: …,          # an iterable of rows, in column order
    )
    datasets.register(evacuation_orders)

The catalog reads ``all_providers()`` and serves ``rows_csv`` / ``rows_json``; apps that do not
exist register nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kanmin.core.spreadsheet import write_rows


@dataclass(frozen=True)
class Column:
    name: str
    title_ja: str
    title_en: str = ""


@dataclass(frozen=True)
class Provider:
    name: str
    slug: str
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    columns: tuple[Column, ...]
    rows: Callable[[Any], Iterable[Sequence[Any]]]
    licence: str = "CC-BY-4.0"
    keywords: tuple[str, ...] = field(default=())

    def header(self) -> list[str]:
        return [c.title_ja for c in self.columns]


_registry: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    if provider.name in _registry and _registry[provider.name] is not provider:
        raise ValueError(f"dataset {provider.name!r} is registered twice")
    if any(p.slug == provider.slug and p.name != provider.name for p in _registry.values()):
        raise ValueError(f"dataset slug {provider.slug!r} is taken")
    _registry[provider.name] = provider
    return provider


def get(name: str) -> Provider:
    return _registry[name]


def by_slug(slug: str) -> Provider | None:
    return next((p for p in _registry.values() if p.slug == slug), None)


def all_providers() -> list[Provider]:
    return sorted(_registry.values(), key=lambda p: p.name)


def rows_csv(provider: Provider, municipality: Any) -> bytes:
    """The rows as CSV: UTF-8 with BOM (what Japanese spreadsheets open), Japanese column
    titles, cells safe from formula injection."""
    stream = io.StringIO()
    write_rows(stream, [provider.header(), *provider.rows(municipality)])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def rows_json(provider: Provider, municipality: Any) -> list[dict[str, Any]]:
    """The rows as objects keyed by the columns' names."""
    names = [c.name for c in provider.columns]
    return [dict(zip(names, row, strict=True)) for row in provider.rows(municipality)]
