"""Warm-up and freezing of long-lived objects in server workers (kanmin.core.serving)."""

from __future__ import annotations

import gc
import logging
import weakref

import pytest

from kanmin.core import serving


@pytest.fixture
def clean_serving(monkeypatch):
    monkeypatch.setattr(serving, "_warmers", [])
    monkeypatch.setattr(serving, "_freezing", False)
    yield
    gc.unfreeze()


def test_settle_does_nothing_outside_a_server(clean_serving):
    serving.settle()
    assert gc.get_freeze_count() == 0


def test_warm_up_runs_each_warmer_once_and_survives_a_failing_one(clean_serving):
    calls: list[str] = []
    logged: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = logged.append  # type: ignore[method-assign]
    serving.log.addHandler(handler)

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("database not ready")

    def index() -> None:
        calls.append("index")

    serving.register(broken)
    serving.register(index)
    serving.register(index)
    try:
        serving.warm_up()
    finally:
        serving.log.removeHandler(handler)
    assert calls == ["broken", "index"]
    assert [r.exc_info[0] for r in logged if r.exc_info] == [RuntimeError]
    assert gc.get_freeze_count() > 0


def test_settle_in_a_server_frees_cycles_of_what_was_frozen(clean_serving):
    class Node:
        def __init__(self) -> None:
            self.me = self

    serving.warm_up()
    node = Node()
    gc.freeze()  # as the old search index would be
    alive = weakref.ref(node)
    del node
    assert alive() is not None  # a frozen cycle is not collected...
    gc.collect()
    assert alive() is not None
    serving.settle()  # ...until the next settle, which freezes what is alive again
    assert alive() is None
    assert gc.get_freeze_count() > 0
