"""One shape for a staff write: check the tenant, check the permission, change, record.

Every service that staff call is written as::

    @action("plan.measure.retire", perm="plan.change_measure", on="measure")
    def measure_retire(*, municipality: Municipality, actor: Any, measure: Measure) -> Measure:
        if measure.retired_at is not None:
            return Unchanged(measure)
        measure.retired_at = timezone.now()
        measure.save(update_fields=["retired_at"])
        return measure

The wrapper runs the whole call in one transaction and, in this order:

1. refuses, as not found, any keyword argument that is a row (or a list of rows) of another
   municipality: a row with a ``municipality_id`` that is not ``municipality``'s (with
   ``municipality`` None, a row of any municipality);
2. checks ``perm`` for ``actor`` on the row named by ``on`` (a keyword argument, or a dotted
   path from one such as ``"resource.dataset"``; on the municipality when ``on`` is not given):
   ``actor`` None is the system itself and may do anything;
3. runs the function;
4. writes one audit entry named ``name`` for the row the function returned. The function may
   return ``Changed(row, before=..., after=..., extra=..., action=...)`` to give the entry its
   details (or another name), or ``Unchanged(row)`` when nothing changed and nothing is recorded.
   ``Changed(..., target=...)`` names another row in the entry than the one returned (a delete
   returns ``Changed(None, target=deleted(row), ...)``), and ``Changed(..., municipality=...)``
   files it under another municipality than the call's (the one a service has just created).

Then it tells the dataset registry (``kanmin.core.datasets.action_done``) that the action ran,
so that the open data an app offers from these rows is brought up to date once they commit.

The caller always gets the row back. Code that must check more than one permission, or one
chosen at run time, passes ``perm=None`` and calls ``kanmin.core.permissions.require`` itself.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeAlias, TypeVar, cast

from django.db import models, transaction

from kanmin.core import auditing, datasets
from kanmin.core.errors import NotFound
from kanmin.core.permissions import require

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Changed(Generic[R]):
    """What a service changed, for its audit entry."""

    row: R
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] | None = None
    action: str | None = None
    target: models.Model | None = None
    municipality: Any = None


@dataclass(frozen=True)
class Unchanged(Generic[R]):
    """Nothing changed: no audit entry is written."""

    row: R


Outcome: TypeAlias = R | Changed[R] | Unchanged[R]


def deleted(row: M) -> M:
    """Delete ``row``; return a copy that keeps its key, for the audit entry (Django clears
    the key of the row it deleted)."""
    kept = copy.copy(row)
    row.delete()
    return kept


def _rows(kwargs: Mapping[str, Any]) -> Iterator[Any]:
    """The tenant's rows among the keyword arguments."""
    for key, value in kwargs.items():
        if key in ("municipality", "actor"):
            continue
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, models.Model) and hasattr(item, "municipality_id"):
                yield item


def _permission_target(kwargs: Mapping[str, Any], on: str | None) -> Any:
    if on is None:
        return kwargs.get("municipality")
    first, *rest = on.split(".")
    return functools.reduce(getattr, rest, kwargs.get(first))


def action(
    name: str, *, perm: str | None, on: str | None = None
) -> Callable[[Callable[P, Outcome[R]]], Callable[P, R]]:
    """Make a keyword-only service function check, run and record as described above."""

    def decorate(func: Callable[P, Outcome[R]]) -> Callable[P, R]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            municipality = kwargs.get("municipality")
            actor = kwargs.get("actor")
            with transaction.atomic():
                if "municipality" in kwargs:
                    tenant = getattr(municipality, "pk", None)
                    if any(row.municipality_id != tenant for row in _rows(kwargs)):
                        raise NotFound()
                if perm is not None:
                    require(actor, perm, _permission_target(kwargs, on))
                result = func(*args, **kwargs)
                if isinstance(result, Unchanged):
                    return cast(R, result.row)
                change = result if isinstance(result, Changed) else Changed(result)
                target = change.target if change.target is not None else change.row
                auditing.record(
                    actor=actor,
                    municipality=(
                        change.municipality if change.municipality is not None else municipality
                    ),
                    action=change.action or name,
                    target=target if isinstance(target, models.Model) else None,
                    before=change.before,
                    after=change.after,
                    extra=change.extra,
                )
                datasets.action_done(
                    name,
                    change.municipality if change.municipality is not None else municipality,
                )
                return cast(R, change.row)

        run.audit_action = name  # type: ignore[attr-defined]
        return run

    return decorate
