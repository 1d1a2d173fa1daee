"""Catalog search: one query language, one set of facets, backends chosen by a setting.

How a search is answered (the CKAN ``package_search``, the portal's search page, the REST
``/datasets`` list and the dataset lists of ``organization_show`` all go this way)::

    caller ──► dataset_search(...)            builds a SearchQuery: Scope (who sees what)
                 │                            + q, fq, sort, page, facets, all plain values
                 ▼
               get_search_backend().search(query) ──► SearchResult(count, ids, sort, facets)
                 │
    caller ◄─────┘  then reads the page's datasets by id (selectors.package_details for the
                    CKAN dicts, selectors.datasets_in_order for model instances)

Modules:

- :mod:`.query`: the Solr-syntax subset (``tags:防災 AND (本町 OR "中町") -res_format:PDF``)
  parsed into a small tree (``Term``, ``And``, ``Or``, ``Not``, ``Everything``), the field
  names of the language (:data:`FIELDS`), CKAN's sorts, and :class:`QueryError`.
- :mod:`.facets`: the facet fields and how counted values become :class:`FacetItem` lists.
- :mod:`.backends`: :class:`SearchBackend`, its plain-value arguments and result
  (``backends/base.py``), and the backends:

  - ``memory`` (the embedded default): an index of the published catalog in each web worker,
    rebuilt after a catalog write; it hands the database backend what it does not hold
    (staff searches, text-field queries, sorts by text).
  - ``database``: SQL on SQLite and PostgreSQL, one statement for count, facets and page.

``KANMIN_SEARCH_BACKEND`` (``memory`` | ``database``) chooses; ``get_search_backend(name)``
gives a named one. Both pass the same parity tests (``catalog/tests/test_search_backends.py``).

A new backend (e.g. a search engine shared by every worker of a national deployment: 1,741
municipalities, a million datasets) subclasses :class:`SearchBackend` and implements one
method, ``search(query) -> SearchResult``:

- match the datasets of ``query.scope`` (published ones of ``municipality_id`` or of all;
  ``unpublished_states`` of the municipalities ``unpublished_in``) against every tree of
  ``query.filters`` (each ``Term`` is a field of :data:`FIELDS`: answer them all, or hand the
  query to another backend as the memory backend does);
- order them by ``query.order`` (columns of the dataset, ``-`` for descending, ``pk`` last)
  and return the ids of ``rows`` from ``start``;
- count ``query.facet_fields`` as (value, name, title, count) rows and shape them with
  :func:`.facets.items` and :func:`.facets.shaped`.

Then list it in ``backends.BACKENDS`` (the parity tests run every backend listed there) and
in the setting's choices. The CKAN actions and the portal views do not change: they see only
:func:`dataset_search`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kanmin.catalog.search.backends import get_search_backend
from kanmin.catalog.search.backends.base import Scope, SearchBackend, SearchQuery, SearchResult
from kanmin.catalog.search.facets import FACET_FIELDS, FacetItem
from kanmin.catalog.search.query import DEFAULT_SORT, FIELDS, SORT_FIELDS, QueryError, is_uuid
from kanmin.core.models import Municipality

__all__ = [
    "DEFAULT_SORT",
    "FACET_FIELDS",
    "FIELDS",
    "SORT_FIELDS",
    "FacetItem",
    "QueryError",
    "Scope",
    "SearchBackend",
    "SearchQuery",
    "SearchResult",
    "dataset_search",
    "get_search_backend",
    "is_uuid",
    "warm_up",
]


def dataset_search(
    *,
    municipality: Municipality | None,
    viewer: Any,
    q: str = "",
    fq: Sequence[str] = (),
    sort: str | None = None,
    rows: int = 10,
    start: int = 0,
    facet_fields: Sequence[str] = (),
    facet_limit: int = 50,
    facet_mincount: int = 1,
    include_private: bool = False,
    include_drafts: bool = False,
    staff_within: Municipality | None = None,
    backend: SearchBackend | None = None,
) -> SearchResult:
    """Search the datasets a viewer may see (``municipality=None``: every municipality's);
    staff also find private ones and drafts when asked (see :meth:`Scope.of`). ``backend``
    defaults to the configured one. Raises :class:`QueryError` on a bad query or sort."""
    scope = Scope.of(
        viewer,
        municipality=municipality,
        include_private=include_private,
        include_drafts=include_drafts,
        staff_within=staff_within,
    )
    query = SearchQuery(
        scope=scope,
        q=q,
        fq=tuple(fq),
        sort=sort,
        rows=rows,
        start=start,
        facet_fields=tuple(facet_fields),
        facet_limit=facet_limit,
        facet_mincount=facet_mincount,
    )
    return (backend or get_search_backend()).search(query)


def warm_up() -> None:
    """Prepare the configured backend (a server worker calls this before its first request)."""
    get_search_backend().warm_up()
