"""The interface every search backend implements, and the plain values it is given and
returns: a backend needs no request, no user and no model instance."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Q

from kanmin.accounts import selectors as accounts_selectors
from kanmin.catalog.models import DatasetState
from kanmin.catalog.search import query as syntax
from kanmin.catalog.search.facets import FacetItem
from kanmin.core.models import Municipality


@dataclass(frozen=True)
class Scope:
    """The datasets a viewer may see: the published ones of the catalog (one municipality's,
    or every municipality's when ``municipality_id`` is None), and those in
    ``unpublished_states`` of the municipalities ``unpublished_in`` (None: of every one)."""

    municipality_id: int | None = None
    unpublished_states: frozenset[str] = frozenset()
    unpublished_in: frozenset[int] | None = frozenset()

    @classmethod
    def of(
        cls,
        viewer: Any,
        *,
        municipality: Municipality | None,
        include_private: bool = False,
        include_drafts: bool = False,
        staff_within: Municipality | None = None,
    ) -> Scope:
        """What ``viewer`` sees: staff (``catalog.view_dataset``) of a municipality also its
        private datasets (``include_private``), drafts and withdrawn ones (``include_drafts``);
        with ``staff_within`` (an API token's municipality) only that one's. ``viewer=None``
        is the system itself, which sees everything asked for."""
        states: set[str] = set()
        if include_private:
            states.add(DatasetState.PRIVATE)
        if include_drafts:
            states |= {DatasetState.DRAFT, DatasetState.WITHDRAWN}
        municipality_id = municipality.pk if municipality is not None else None
        where: frozenset[int] | None = None
        if viewer is not None and states:
            if not (viewer.is_authenticated and viewer.is_active):
                states.clear()
            else:
                ids = accounts_selectors.municipality_ids_with(
                    user=viewer, perm="catalog.view_dataset"
                )
                where = None if ids is None else frozenset(ids)
                if staff_within is not None:
                    within = frozenset({staff_within.pk})
                    where = within if where is None else where & within
                if where == frozenset():
                    states.clear()
        if not states:
            return cls(municipality_id=municipality_id)
        return cls(municipality_id, frozenset(states), where)

    @property
    def public_only(self) -> bool:
        """Only published datasets are visible (what an index of the public catalog holds)."""
        return not self.unpublished_states or self.unpublished_in == frozenset()

    def q(self, prefix: str = "") -> Q:
        """The scope as a filter on :class:`~kanmin.catalog.models.Dataset` (the database
        backend; the catalog's selectors, for a viewer's datasets), or on a model that
        reaches the dataset through ``prefix`` (``"resource__dataset__"``)."""
        visible = Q(**{f"{prefix}state": DatasetState.PUBLISHED})
        if not self.public_only:
            staff = Q(**{f"{prefix}state__in": sorted(self.unpublished_states)})
            if self.unpublished_in is not None:
                staff &= Q(**{f"{prefix}municipality_id__in": sorted(self.unpublished_in)})
            visible |= staff
        if self.municipality_id is not None:
            visible &= Q(**{f"{prefix}municipality_id": self.municipality_id})
        return visible


@dataclass(frozen=True)
class SearchQuery:
    """One search: in which datasets (``scope``), what (``q`` and the filters ``fq``, each in
    the syntax of :mod:`~kanmin.catalog.search.query`), in which order (a CKAN ``sort``), which
    page (``start``, ``rows``) and which facets (``facet_fields``, each at most ``facet_limit``
    items, negative for all, of at least ``facet_mincount`` datasets)."""

    scope: Scope
    q: str = ""
    fq: tuple[str, ...] = ()
    sort: str | None = None
    rows: int = 10
    start: int = 0
    facet_fields: tuple[str, ...] = ()
    facet_limit: int = 50
    facet_mincount: int = 1

    @cached_property
    def order(self) -> list[str]:
        """The sort as dataset columns (``-`` descending, ``pk`` last); raises QueryError."""
        return syntax.parse_sort(self.sort)

    @cached_property
    def filters(self) -> list[syntax.Node]:
        """The parsed ``q`` and ``fq`` that are not blank, all of which a result matches;
        raises QueryError."""
        return [syntax.parse(text) for text in (self.q, *self.fq) if text and text.strip()]

    @property
    def sort_text(self) -> str:
        """The sort as the answer states it."""
        return self.sort or syntax.DEFAULT_SORT


@dataclass
class SearchResult:
    """How many datasets match, the ids of the page in order, and the facets."""

    count: int
    ids: list[uuid.UUID]
    sort: str
    facets: dict[str, list[FacetItem]] = field(default_factory=dict)


class SearchBackend(ABC):
    """A way to answer :class:`SearchQuery`: the same answers (the parity tests in
    ``catalog/tests/test_search_backends.py`` hold every backend to them), at another cost."""

    name: str

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """The matches of ``query``: raises :class:`~kanmin.catalog.search.QueryError` for a
        query or sort that cannot be parsed."""

    def warm_up(self) -> None:  # noqa: B027 (optional: most backends have nothing to prepare)
        """Prepare before a server worker's first request."""
