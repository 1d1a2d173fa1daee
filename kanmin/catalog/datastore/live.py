"""Which apps' tables a request read (see ``registered``): an answer made of an app's rows as
they are now must not be kept under the catalog's generation token, as the API keeps other
answers, because the apps change their rows without changing the token. A module of its own,
light to import: the API's dispatch needs it on every request, the loading code only on a
table's read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_watch = threading.local()


@contextmanager
def reads_watched() -> Iterator[list[str]]:
    """Within the block, on this thread, the list gets the resource id of each app's table
    read (:func:`note_read`)."""
    outer = getattr(_watch, "seen", None)
    seen: list[str] = []
    _watch.seen = seen
    try:
        yield seen
    finally:
        _watch.seen = outer
        if outer is not None:
            outer.extend(seen)


def note_read(resource_id: str) -> None:
    seen = getattr(_watch, "seen", None)
    if seen is not None:
        seen.append(resource_id)
