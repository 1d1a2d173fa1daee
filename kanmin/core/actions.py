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

1. refuses, as not found, any keyword argument that is a row of another municipality (a row
   with a ``municipality_id`` that is not ``municipality``'s);
2. checks ``perm`` for ``actor`` on the row named by ``on`` (on the municipality when ``on`` is
   not given): ``actor`` None is the system itself and may do anything;
3. runs the function;
4. writes one audit entry named ``name`` for the row the function returned. The function may
   return ``Changed(row, before=..., after=..., extra=..., action=...)`` to give the entry its
   details (or another name), or ``Unchanged(row)`` when nothing changed and nothing is recorded.

The caller always gets the row back. Code that must check more than one permission, or one
chosen at run time, passes ``perm=None`` and calls ``kanmin.core.permissions.require`` itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeAlias, TypeVar, cast

from django.db import models, transaction

from kanmin.core import auditing
from kanmin.core.permissions import require, require_same_tenant

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Changed(Generic[R]):
    """What a service changed, for its audit entry."""

    row: R
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] | None = None
    action: str | None = None


@dataclass(frozen=True)
class Unchanged(Generic[R]):
    """Nothing changed: no audit entry is written."""

    row: R


def _rows(kwargs: Mapping[str, Any]) -> list[models.Model]:
    return [
        value
        for key, value in kwargs.items()
        if key not in ("municipality", "actor")
        and isinstance(value, models.Model)
        and hasattr(value, "municipality_id")
    ]


Outcome: TypeAlias = R | Changed[R] | Unchanged[R]


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
                if municipality is not None:
                    require_same_tenant(municipality, *_rows(kwargs))
                if perm is not None:
                    target = kwargs.get(on) if on is not None else municipality
                    require(actor, perm, cast(Any, target))
                result = func(*args, **kwargs)
                if isinstance(result, Unchanged):
                    return result.row
                if isinstance(result, Changed):
                    auditing.record(
                        actor=actor,
                        municipality=municipality,
                        action=result.action or name,
                        target=result.row if isinstance(result.row, models.Model) else None,
                        before=result.before,
                        after=result.after,
                        extra=result.extra,
                    )
                    return result.row
                auditing.record(
                    actor=actor,
                    municipality=municipality,
                    action=name,
                    target=result if isinstance(result, models.Model) else None,
                )
                return result

        run.audit_action = name  # type: ignore[attr-defined]
        return run

    return decorate
