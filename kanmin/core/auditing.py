"""The port through which code below the audit app writes audit entries.

``core`` and ``accounts`` sit below ``audit`` in the layers, so they cannot import it. The audit
app registers its recorder here at start-up; writing without one fails rather than losing the
entry. Apps above ``audit`` may call ``kanmin.audit.services.record`` directly: it is the same
function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Recorder = Callable[..., Any]
_recorder: list[Recorder] = []


def register(recorder: Recorder) -> None:
    _recorder[:] = [recorder]


def record(**kwargs: Any) -> Any:
    if not _recorder:
        raise RuntimeError("No audit recorder is registered: is kanmin.audit installed?")
    return _recorder[0](**kwargs)
