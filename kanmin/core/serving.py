"""What a long-running server process does beyond answering requests: warm up before its
first request, and keep its long-lived objects out of Python's cyclic garbage collector.

A worker holds a great many long-lived objects that the collector tracks (Django's, the
catalog's search index), and requests that outlive a collection keep pushing the oldest
generation over its threshold: every few seconds a full collection scans them all and stops
the process while its clients wait (benchmarks/README.md has the figures). Objects frozen with
:func:`gc.freeze` are not scanned again; what is freed stays freed (reference counting still
works on frozen objects).

Apps register warm-up functions (``register(fn)``); the server calls :func:`warm_up` once in
each worker. :func:`settle` is for code that has just replaced a large long-lived structure
(the search index after a catalog change): in a server it collects once and freezes again;
elsewhere (tests, commands) it does nothing.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

_warmers: list[Callable[[], object]] = []
_freezing = False


def register(fn: Callable[[], object]) -> None:
    """Run ``fn`` in each server worker before its first request."""
    if fn not in _warmers:
        _warmers.append(fn)


def warm_up() -> None:
    """Run the registered warm-ups (a failing one is logged, not fatal: the request that
    needs it will do the work), then freeze what now exists."""
    global _freezing
    for fn in _warmers:
        try:
            fn()
        except Exception:  # warming up is an optimisation: the request that needs it waits
            log.exception("warm-up %s failed", getattr(fn, "__qualname__", fn))
    _freezing = True
    freeze()


def freeze() -> None:
    gc.collect()
    gc.freeze()


def settle() -> None:
    """After replacing a large long-lived structure: free the old one's cycles and freeze
    the new one (only in a server process that has warmed up)."""
    if not _freezing:
        return
    gc.unfreeze()
    freeze()
