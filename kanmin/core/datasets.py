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
        last_modified=lambda municipality: …, # when its rows last changed (optional, cheap)
        changed_by=("disaster.decision.record",),  # the staff actions that change its rows
    )
    datasets.register(evacuation_orders)

The files are served at ``/m/<code>/datasets/<slug>.csv|json`` (``core.views``). The catalog
keeps one ordinary dataset per provider in each municipality's catalog (see
``catalog.services.registered_datasets_sync``): it listens here (:func:`subscribe`) and is
told, once the transaction has committed, when a provider's rows may have changed — after a
staff action named in ``changed_by`` (``kanmin.core.actions`` calls :func:`action_done`), or
when a municipality is added (:func:`notify`). Apps that do not exist register nothing.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from kanmin.core.spreadsheet import write_rows

logger = logging.getLogger("kanmin.datasets")

# A slug is a file name in a URL and the dataset's name in the catalog (CKAN's name rule).
SLUG_PATTERN = re.compile(r"[a-z0-9_-]{2,100}")


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
    # A licence id of the catalog's licence list (CKAN's ids: cc-by-4.0, cc-zero …).
    licence: str = "cc-by-4.0"
    keywords: tuple[str, ...] = field(default=())
    # How often the rows change, as the DCAT frequency terms ("irregular", "daily" …).
    frequency: str = ""
    # When the rows of a municipality last changed (None: no rows, or it cannot tell); must
    # be cheap (one aggregate query): the catalog asks it on every sync.
    last_modified: Callable[[Any], datetime | None] | None = None
    # The names of the staff actions (``@action(name, …)``) after which the rows may differ.
    changed_by: tuple[str, ...] = field(default=())

    def header(self) -> list[str]:
        return [c.title_ja for c in self.columns]


_registry: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    if provider.name in _registry and _registry[provider.name] is not provider:
        raise ValueError(f"dataset {provider.name!r} is registered twice")
    if any(p.slug == provider.slug and p.name != provider.name for p in _registry.values()):
        raise ValueError(f"dataset slug {provider.slug!r} is taken")
    if not SLUG_PATTERN.fullmatch(provider.slug):
        raise ValueError(
            f"dataset slug {provider.slug!r}: lowercase letters, digits, - and _ (2 to 100)"
        )
    _registry[provider.name] = provider
    _index_actions()
    return provider


def unregister(name: str) -> None:
    """Take a provider off the registry (what removing its app does; for tests)."""
    _registry.pop(name, None)
    _index_actions()


def get(name: str) -> Provider:
    return _registry[name]


def find(name: str) -> Provider | None:
    return _registry.get(name)


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


# --------------------------------------------------------------------------------------------
# Telling the listeners (the catalog) that a municipality's tables may have changed
# --------------------------------------------------------------------------------------------

Listener = Callable[[Any, tuple[Provider, ...]], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call ``listener(municipality, providers)`` after each :func:`notify` has committed."""
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


class _Pending:
    """The listeners' call for one municipality, run once after the transaction commits
    however many actions in it changed which providers' rows."""

    def __init__(self, municipality: Any, providers: Iterable[Provider]) -> None:
        self.municipality = municipality
        self.providers: dict[str, Provider] = {p.name: p for p in providers}
        self.done = False

    def __call__(self) -> None:
        self.done = True
        chosen = tuple(self.providers[name] for name in sorted(self.providers))
        for listener in list(_listeners):
            try:
                listener(self.municipality, chosen)
            except Exception:  # a listener's failure never undoes the app's committed write
                logger.exception("dataset listener %r failed for %s", listener, self.municipality)


def notify(municipality: Any, providers: Iterable[Provider] | None = None) -> None:
    """Once the current transaction commits (at once outside one), tell the listeners that
    these providers' rows (every provider's when None) in ``municipality`` may have changed."""
    if municipality is None or not _listeners:
        return
    chosen = list(providers) if providers is not None else all_providers()
    if not chosen:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for entry in connection.run_on_commit:
            pending = entry[1]
            if (
                isinstance(pending, _Pending)
                and not pending.done
                and pending.municipality.pk == municipality.pk
            ):
                pending.providers.update((p.name, p) for p in chosen)
                return
    transaction.on_commit(_Pending(municipality, chosen))


def action_done(name: str, municipality: Any) -> None:
    """A staff action named ``name`` changed ``municipality``'s data: tell the listeners
    about the providers that name it in ``changed_by`` (one dictionary lookup otherwise)."""
    providers = _by_action.get(name)
    if providers:
        notify(municipality, providers)


_by_action: dict[str, list[Provider]] = {}


def _index_actions() -> None:
    _by_action.clear()
    for provider in all_providers():
        for action in provider.changed_by:
            _by_action.setdefault(action, []).append(provider)
