"""The search backends, by the name ``KANMIN_SEARCH_BACKEND`` gives."""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from kanmin.catalog.search.backends.base import SearchBackend

# A new backend is a SearchBackend subclass in this package, listed here and in the choices
# of KANMIN_SEARCH_BACKEND (kanmin/core/conf.py).
BACKENDS = {
    "memory": "kanmin.catalog.search.backends.memory.MemoryBackend",
    "database": "kanmin.catalog.search.backends.database.DatabaseBackend",
}

_instances: dict[str, SearchBackend] = {}
_lock = threading.Lock()


def get_search_backend(name: str | None = None) -> SearchBackend:
    """The backend ``name``, by default the configured one; one instance per process (the
    memory backend keeps its index in it)."""
    name = name or settings.KANMIN_SEARCH_BACKEND
    backend = _instances.get(name)
    if backend is None:
        with _lock:
            backend = _instances.get(name)
            if backend is None:
                backend = _instances[name] = import_string(BACKENDS[name])()
    return backend
