"""The memory backend (the embedded default): an in-process index of the published catalog,
for the public searches that dominate the load (the portal, ``package_search``).

Why: a one-character Japanese query (町) matches most of the catalog, so every search with
facets must count tens of thousands of rows across three link tables; no SQL index helps
with ``LIKE '%町%'``. Here the search keys live in a Python list (``in`` on a str runs at C
speed) and the facet values in numpy arrays, so a search over 100,000 datasets takes
milliseconds on either database.

What the index does not hold it leaves to the database backend, decided before anything is
evaluated: unpublished datasets (staff searches), the fields ``title``, ``notes``, ``res_*``,
``owner_org``, ``state``, ``capacity``, ``type`` and ``maintainer``, ranges of
``num_resources`` and ``num_tags``, an ``id`` that is not a
whole UUID, ``quality:`` with ``*``, and sorts by text columns (PostgreSQL orders those by
its collation). The index is rebuilt when the catalog's generation (raised in the
transaction of every catalog write) differs from the one it was built at. Each web worker
holds its own index: this backend is for one machine.
"""

from __future__ import annotations

import operator
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np

from kanmin.catalog import quality
from kanmin.catalog.models import Dataset, DatasetState, Resource, SearchGeneration
from kanmin.catalog.search import facets as facet_items
from kanmin.catalog.search import query as syntax
from kanmin.catalog.search.backends.base import SearchBackend, SearchQuery, SearchResult
from kanmin.catalog.search.backends.database import DatabaseBackend
from kanmin.core import serving
from kanmin.core.jp_text import search_key

# Sort columns the index orders by exactly as the databases do.
SORTABLE = frozenset({"modified", "-modified", "created", "-created", "pk", "-pk"})
# Query fields the index holds.
HELD = frozenset(
    {
        "text",
        "name",
        "id",
        "tags",
        "groups",
        "res_format",
        "organization",
        "license_id",
        "standard_dataset",
        "municipality",
        "quality",
    }
)
# How many words' matches an index remembers (one bit a dataset), until the catalog changes.
TEXT_MASKS = 256


class MemoryBackend(SearchBackend):
    name = "memory"

    def __init__(self) -> None:
        self.fallback = DatabaseBackend()
        self._index: Index | None = None
        self._lock = threading.Lock()

    def search(self, query: SearchQuery) -> SearchResult:
        order, filters = query.order, query.filters
        if not _answerable(query, order, filters):
            return self.fallback.search(query)
        index = self.index()
        selected = index.select(query.scope.municipality_id, filters)
        page_ids = index.page(selected, order, max(query.start, 0), max(query.rows, 0))
        counted = {
            name: facet_items.items(name, index.facet(name, selected))
            for name in dict.fromkeys(query.facet_fields)
            if name in facet_items.FACET_FIELDS
        }
        facets = facet_items.shaped(
            counted, query.facet_fields, query.facet_limit, query.facet_mincount
        )
        return SearchResult(
            count=int(selected.sum()), ids=page_ids, sort=query.sort_text, facets=facets
        )

    def warm_up(self) -> None:
        self.index()

    def index(self) -> Index:
        """The index at the catalog's current generation, rebuilt when it has changed."""
        generation = SearchGeneration.current()
        index = self._index
        if index is not None and index.generation == generation:
            return index
        with self._lock:
            if self._index is None or self._index.generation != generation:
                self._index = Index(generation)
                serving.settle()
            return self._index


def _answerable(query: SearchQuery, order: Sequence[str], filters: Sequence[syntax.Node]) -> bool:
    if not query.scope.public_only or any(o not in SORTABLE for o in order):
        return False
    for node in filters:
        if any(r.column in syntax.COUNT_COLUMNS for r in syntax.ranges(node)):
            return False
        for term in syntax.terms(node):
            if term.field not in HELD:
                return False
            if term.field == "id" and (term.prefix or not syntax.is_uuid(term.value)):
                return False
            if term.field == "quality" and term.prefix:
                return False
    return True


def _codes(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Values → (int32 codes, the distinct values by code)."""
    table: dict[Any, int] = {}
    codes = np.fromiter((table.setdefault(v, len(table)) for v in values), np.int32, len(values))
    return codes, list(table)


@dataclass
class _Multi:
    """A many-valued field (tags, categories, formats) as (dataset index, value code) pairs."""

    rows: np.ndarray  # dataset index per link
    codes: np.ndarray  # value code per link
    values: list[Any]  # value by code (the id or text the facet reports)
    names: list[str]  # the name a query matches, by code
    titles: list[str]  # the name people read, by code

    def mask(self, n: int, value: str, prefix: bool) -> np.ndarray:
        if prefix:
            wanted = [c for c, name in enumerate(self.names) if name.startswith(value)]
        else:
            wanted = [c for c, name in enumerate(self.names) if name == value]
        out = np.zeros(n, dtype=bool)
        if wanted:
            out[self.rows[np.isin(self.codes, wanted)]] = True
        return out

    def count(self, selected: np.ndarray) -> list[facet_items.Counted]:
        """(value, name, title, count) of every value that selected datasets carry."""
        counts = np.bincount(self.codes[selected[self.rows]], minlength=len(self.values))
        return [
            (str(self.values[c]), self.names[c], self.titles[c], int(counts[c]))
            for c in np.nonzero(counts)[0]
        ]


class Index:
    """The published datasets of every municipality, as arrays."""

    def __init__(self, generation: str) -> None:
        self.generation = generation
        self._text_masks: OrderedDict[str, np.ndarray] = OrderedDict()
        self._text_lock = threading.Lock()
        rows = list(
            Dataset.all_tenants.filter(state=DatasetState.PUBLISHED)
            .order_by("pk")
            .values_list(
                "pk",
                "name",
                "search_key",
                "organization_id",
                "organization__name",
                "license_id",
                "standard_dataset",
                "municipality_id",
                "municipality__lg_code",
                "modified",
                "created",
                "organization__title_ja",
                "municipality__name_ja",
                "quality_score",
            )
        )
        n = self.n = len(rows)
        self.pks: list[uuid.UUID] = [r[0] for r in rows]
        self.keys: list[str] = [r[2] for r in rows]
        position = {pk: i for i, pk in enumerate(self.pks)}
        self.name_codes, self.names = _codes([r[1] for r in rows])
        self.org, self.org_ids = _codes([r[3] for r in rows])
        org_labels = {r[3]: (r[4], r[11]) for r in rows}
        self.org_labels = [org_labels[o] for o in self.org_ids]
        self.org_name, self.org_names = _codes([r[4] for r in rows])
        self.license, self.licenses = _codes([r[5] for r in rows])
        self.standard, self.standards = _codes([r[6] for r in rows])
        self.muni, self.muni_ids = _codes([r[7] for r in rows])
        muni_labels = {r[7]: (r[8], r[12]) for r in rows}
        self.muni_labels = [muni_labels[m] for m in self.muni_ids]
        self.muni_code, self.muni_codes = _codes([r[8] for r in rows])
        self.quality, self.quality_bands = _codes([quality.band(r[13]) for r in rows])
        self.modified = np.fromiter((_micros(r[9]) for r in rows), np.int64, n)
        self.created = np.fromiter((_micros(r[10]) for r in rows), np.int64, n)
        self.pk_rank = np.arange(n)  # rows are ordered by pk
        self.multi = {
            "tags": self._links(Dataset.tags.through, "tag", position),
            "groups": self._links(Dataset.groups.through, "group", position),
            "res_format": self._formats(position),
        }
        self.fields: dict[str, syntax.FieldBuilder] = {
            "text": self._text,
            "name": self._single(self.name_codes, self.names),
            "id": self._id,
            "tags": self._multi_field("tags"),
            "groups": self._multi_field("groups"),
            "res_format": self._multi_field("res_format"),
            "organization": self._single(self.org_name, self.org_names),
            "license_id": self._single(self.license, self.licenses),
            "standard_dataset": self._single(self.standard, self.standards),
            "municipality": self._single(self.muni_code, self.muni_codes),
            "quality": self._single(self.quality, self.quality_bands),
        }

    @staticmethod
    def _links(through: Any, target: str, position: dict[uuid.UUID, int]) -> _Multi:
        title = f"{target}__title_ja" if target == "group" else f"{target}__name"
        pairs = [
            (position[d], t, name, label)
            for d, t, name, label in through.objects.values_list(
                "dataset_id", f"{target}_id", f"{target}__name", title
            )
            if d in position
        ]
        ids: dict[Any, int] = {}
        names: list[str] = []
        titles: list[str] = []
        codes = []
        for _d, t, name, label in pairs:
            if t not in ids:
                ids[t] = len(ids)
                names.append(name)
                titles.append(label)
            codes.append(ids[t])
        return _Multi(
            rows=np.fromiter((p[0] for p in pairs), np.int64, len(pairs)),
            codes=np.asarray(codes, dtype=np.int32),
            values=list(ids),
            names=names,
            titles=titles,
        )

    @staticmethod
    def _formats(position: dict[uuid.UUID, int]) -> _Multi:
        pairs = sorted(
            {
                (position[d], fmt)
                for d, fmt in Resource.all_tenants.exclude(format="").values_list(
                    "dataset_id", "format"
                )
                if d in position
            }
        )
        codes, values = _codes([fmt for _d, fmt in pairs])
        return _Multi(
            rows=np.fromiter((p[0] for p in pairs), np.int64, len(pairs)),
            codes=codes,
            values=values,
            names=[str(v) for v in values],
            titles=[str(v) for v in values],
        )

    # --- query ---------------------------------------------------------------------------

    def _everything(self) -> np.ndarray:
        return np.ones(self.n, dtype=bool)

    def _text(self, value: str, prefix: bool) -> np.ndarray:
        key = search_key(value)
        if not key:
            return self._everything()
        with self._text_lock:
            packed = self._text_masks.get(key)
            if packed is not None:
                self._text_masks.move_to_end(key)
        if packed is not None:
            return np.unpackbits(packed, count=self.n).view(bool)
        # operator.contains over the list runs in C: no Python-level loop per dataset.
        mask = np.fromiter(map(operator.contains, self.keys, repeat(key)), bool, self.n)
        with self._text_lock:
            # The same words come back page after page: the last TEXT_MASKS words are kept.
            self._text_masks[key] = np.packbits(mask)
            while len(self._text_masks) > TEXT_MASKS:
                self._text_masks.popitem(last=False)
        return mask

    def _between(self, node: syntax.Range) -> np.ndarray:
        # Ranges of counts go to the database (see _answerable): only times come here.
        values = self.modified if node.column == "modified" else self.created
        mask = self._everything()
        if node.low is not None:
            low = _micros(node.low)
            mask &= values >= low if node.include_low else values > low
        if node.high is not None:
            high = _micros(node.high)
            mask &= values <= high if node.include_high else values < high
        return mask

    def _single(self, codes: np.ndarray, values: list[Any]) -> syntax.FieldBuilder:
        def build(value: str, prefix: bool) -> Any:
            if prefix:
                wanted = [c for c, v in enumerate(values) if str(v).startswith(value)]
            else:
                wanted = [c for c, v in enumerate(values) if str(v) == value]
            return np.isin(codes, wanted)

        return build

    def _id(self, value: str, prefix: bool) -> Any:
        wanted = uuid.UUID(value)  # a whole UUID: see _answerable
        return np.fromiter((pk == wanted for pk in self.pks), bool, self.n)

    def _multi_field(self, name: str) -> syntax.FieldBuilder:
        def build(value: str, prefix: bool) -> Any:
            return self.multi[name].mask(self.n, value, prefix)

        return build

    def select(self, municipality_id: int | None, filters: Sequence[syntax.Node]) -> np.ndarray:
        selected = self._everything()
        if municipality_id is not None:
            selected &= self.muni == (
                self.muni_ids.index(municipality_id) if municipality_id in self.muni_ids else -1
            )
        for node in filters:
            selected &= syntax.evaluate(node, self.fields, self._everything, self._between)
        return selected

    def facet(self, name: str, selected: np.ndarray) -> list[facet_items.Counted]:
        """(value, name, title, count) of a facet over the selected datasets."""
        if name in self.multi:
            return self.multi[name].count(selected)
        single: dict[str, tuple[np.ndarray, list[Any], list[tuple[str, str]] | None]] = {
            "organization": (self.org, self.org_ids, self.org_labels),
            "license_id": (self.license, self.licenses, None),
            "standard_dataset": (self.standard, self.standards, None),
            "municipality": (self.muni, self.muni_ids, self.muni_labels),
            "quality": (self.quality, self.quality_bands, None),
        }
        codes, values, labels = single[name]
        counts = np.bincount(codes[selected], minlength=len(values))
        out = []
        for c in np.nonzero(counts)[0]:
            value = values[c]
            if labels is None:
                if value == "":
                    continue
                item_name, title = str(value), str(value)
            else:
                item_name, title = labels[c]
            out.append((str(value), item_name, title, int(counts[c])))
        return out

    def page(
        self, selected: np.ndarray, order: Sequence[str], start: int, rows: int
    ) -> list[uuid.UUID]:
        matched = np.nonzero(selected)[0]
        if rows <= 0 or start >= len(matched):
            return []
        keys = []
        for o in reversed(order):  # lexsort: the last key is the primary one
            column = o.lstrip("-")
            values = self.pk_rank if column == "pk" else getattr(self, column)
            values = values[matched]
            keys.append(-values if o.startswith("-") else values)
        ordered = matched[np.lexsort(keys)][start : start + rows]
        return [self.pks[i] for i in ordered]


def _micros(value: Any) -> int:
    return int(value.timestamp() * 1_000_000) if value is not None else 0
