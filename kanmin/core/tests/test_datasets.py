"""The dataset registry's own rules: names and slugs, and telling its listeners after commit
(once a transaction, never after a rollback) which providers' rows an action changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from kanmin.core import datasets
from kanmin.core.actions import Changed, Unchanged, action
from kanmin.core.datasets import Column, Provider


def _provider(name: str = "tests.things", slug: str = "things", **fields: Any) -> Provider:
    return Provider(
        name=name,
        slug=slug,
        title_ja="もの",
        title_en="Things",
        description_ja="",
        description_en="",
        columns=(Column("name", "名称", "Name"),),
        rows=lambda municipality: [["一つ目"]],
        **fields,
    )


@pytest.fixture
def heard() -> Any:
    calls: list[tuple[str, list[str]]] = []

    def listener(municipality: Any, providers: tuple[Provider, ...]) -> None:
        calls.append((municipality.lg_code, [p.name for p in providers]))

    datasets.subscribe(listener)
    yield calls
    datasets.unsubscribe(listener)


@pytest.fixture
def things() -> Any:
    provider = datasets.register(_provider(changed_by=("tests.thing.add",)))
    yield provider
    datasets.unregister(provider.name)


@action("tests.thing.add", perm=None)
def thing_add(*, municipality: Any, actor: Any, change: bool = True) -> Any:
    return Changed(municipality) if change else Unchanged(municipality)


def test_a_slug_must_be_a_catalog_name_and_unique():
    with pytest.raises(ValueError, match="lowercase"):
        datasets.register(_provider(slug="Things!"))
    provider = datasets.register(_provider())
    try:
        with pytest.raises(ValueError, match="taken"):
            datasets.register(_provider(name="tests.other", slug="things"))
        assert datasets.find("tests.things") is provider
    finally:
        datasets.unregister("tests.things")
    assert datasets.find("tests.things") is None


@pytest.mark.django_db
def test_listeners_hear_once_per_transaction_after_commit(
    miyakonojo, things, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thing_add(municipality=miyakonojo, actor=None)
        thing_add(municipality=miyakonojo, actor=None)
        assert heard == []  # not before the commit
    assert heard == [("452025", ["tests.things"])]


@pytest.mark.django_db
def test_nothing_is_heard_of_an_unchanged_or_rolled_back_action(
    miyakonojo, things, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thing_add(municipality=miyakonojo, actor=None, change=False)
        try:
            with transaction.atomic():
                thing_add(municipality=miyakonojo, actor=None)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert heard == []


@pytest.mark.django_db
def test_notify_without_providers_means_every_one(
    miyakonojo, things, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        datasets.notify(miyakonojo)
    (code, names), *_ = heard
    assert code == "452025" and "tests.things" in names
    assert names == [p.name for p in datasets.all_providers()]


@pytest.mark.django_db
def test_a_failing_listener_does_not_undo_the_write(
    miyakonojo, things, django_capture_on_commit_callbacks
):
    def broken(municipality: Any, providers: Any) -> None:
        raise RuntimeError("listener broke")

    datasets.subscribe(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            thing_add(municipality=miyakonojo, actor=None)
    finally:
        datasets.unsubscribe(broken)
