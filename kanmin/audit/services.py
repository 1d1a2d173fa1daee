"""``record()`` appends an audit entry; call it inside the transaction that makes the change."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from kanmin.audit.models import GENESIS, AuditChainHead, AuditEvent
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
