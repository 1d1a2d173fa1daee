"""``record()`` appends an audit entry; call it inside the transaction that makes the change.

``access_record()`` records a read auditors must see (downloads, exports); ``audit_prune()``
removes entries older than the retention setting without breaking the chain."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from kanmin.audit.models import GENESIS, AuditChainHead, AuditEvent
from kanmin.core import conf
from kanmin.core.fields import personal_field_names
from kanmin.core.mynumber import find_my_numbers

MASK = "***"
# Field names treated as personal wherever they appear in a change, whatever the model says.
PERSONAL_KEYS = frozenset(
    {"password", "phone", "address", "birth_date", "health_notes", "name_kana", "token", "secret"}
)


def _mask(values: Mapping[str, Any] | None, personal: set[str]) -> dict[str, Any] | None:
    if values is None:
        return None
    masked: dict[str, Any] = {}
    for key, value in values.items():
        if key in personal or key in PERSONAL_KEYS:
            masked[key] = MASK if value not in (None, "") else value
        elif isinstance(value, str) and find_my_numbers(value):
            masked[key] = MASK
        else:
            masked[key] = value
    return masked


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if not getattr(actor, "is_authenticated", False):
        return None, "anonymous"
    return int(actor.pk), str(actor.get_username())


# Plain: the recorder that kanmin.core.actions calls, inside the caller's transaction.
def record(
    *,
    actor: Any,
    municipality: Any,
    action: str,
    target: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append an entry: who did what to which object, with personal values masked."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change")
    personal = personal_field_names(type(target)) if target is not None else set()
    changes: dict[str, Any] = {}
    if before is not None:
        changes["before"] = _mask(before, personal)
    if after is not None:
        changes["after"] = _mask(after, personal)
    if extra is not None:
        changes["extra"] = _mask(extra, personal)
    actor_id, actor_name = _actor_fields(actor)
    now = timezone.now()
    # Milliseconds only: Django's JSON serializer (backups) keeps no more, and the hash must
    # survive a backup and restore.
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_seq": 0, "last_hash": GENESIS}
    )
    event = AuditEvent(
        seq=head.last_seq + 1,
        created_at=now,
        actor_id=actor_id,
        actor_name=actor_name,
        municipality_code=getattr(municipality, "lg_code", "") or "",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None and target.pk is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        changes=changes,
        prev_hash=head.last_hash,
    )
    # Round-trip through JSON first, so the hash covers exactly what the database stores.
    event.changes = json.loads(json.dumps(changes, cls=DjangoJSONEncoder))
    event.hash = event.compute_hash()
    event.save()
    head.last_seq = event.seq
    head.last_hash = event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


# Records a read that auditors must see (a download of a non-public file, an export of
# non-public data) in its own transaction: nothing else is written with it.
access_record = transaction.atomic(record)


@dataclass(frozen=True)
class PruneResult:
    removed: int
    anchor_seq: int
    event: AuditEvent | None


# Plain: the retention task's (or an operator's), over every municipality at once.
@transaction.atomic
def audit_prune(
    *, actor: Any = None, retention_days: int | None = None, now: datetime | None = None
) -> PruneResult:
    """Remove the entries older than the retention period (``KANMIN_AUDIT_RETENTION_DAYS``;
    0 keeps everything) so that ``audit verify`` still holds. ``actor`` None is the system
    (the scheduled run or an operator's ``kanmin audit prune``).

    Only a run of the oldest entries is removed: the chain then starts at the first kept
    entry. The head remembers that entry and the hash it points to, and a new ``audit.prune``
    entry records both in the chain itself, so moving the start without a prune entry, or
    deleting the first kept entry, is still found.
    """
    days = conf.get("KANMIN_AUDIT_RETENTION_DAYS") if retention_days is None else retention_days
    if days <= 0:
        return PruneResult(0, 0, None)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_seq": 0, "last_hash": GENESIS}
    )
    last_old = (
        AuditEvent.objects.filter(created_at__lt=cutoff, seq__gte=head.anchor_seq)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if last_old is None:
        return PruneResult(0, head.anchor_seq, None)
    first_kept = AuditEvent.objects.filter(seq=last_old + 1).first()
    # When every entry is old, the prune entry itself becomes the first one kept.
    anchor_prev_hash = first_kept.prev_hash if first_kept is not None else head.last_hash
    # The queryset of the model refuses deletes; retention is the one sanctioned exception.
    removed, _by_model = models.QuerySet(model=AuditEvent).filter(seq__lte=last_old).delete()
    head.anchor_seq = last_old + 1
    head.anchor_prev_hash = anchor_prev_hash
    head.save(update_fields=["anchor_seq", "anchor_prev_hash"])
    event = record(
        actor=actor,
        municipality=None,
        action="audit.prune",
        extra={
            "retention_days": days,
            "cutoff": cutoff.isoformat(),
            "removed": removed,
            "anchor_seq": head.anchor_seq,
            "anchor_prev_hash": anchor_prev_hash,
        },
    )
    return PruneResult(removed, head.anchor_seq, event)
