from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("audit entries are append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise TypeError("audit entries are append-only")


class AuditEvent(models.Model):
    """One audit entry. Rows are only ever inserted; references are copies, not foreign keys,
    so deleting a user or a municipality never rewrites the log."""

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150)
    municipality_code = models.CharField(_("municipality"), max_length=6, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        permissions = [
            ("verify_chain", "Can verify the audit chain"),
            ("review_auditevent", "Can review and export the municipality's audit log"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise TypeError("audit entries are append-only")

    def payload(self) -> str:
        """The canonical text the hash covers."""
        return json.dumps(
            {
                "seq": self.seq,
                "created_at": self.created_at.astimezone(UTC).isoformat(),
                "actor_id": self.actor_id,
                "actor_name": self.actor_name,
                "municipality": self.municipality_code,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "object_repr": self.object_repr,
                "changes": self.changes,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.payload()).encode()).hexdigest()


class AuditChainHead(models.Model):
    """The last entry of the chain, locked while an entry is appended; also catches truncation.

    ``anchor_seq`` and ``anchor_prev_hash`` are where the chain starts: entry 1 and the genesis
    hash until old entries are removed under the retention setting; then the first kept entry
    and the hash it points to, which the ``audit.prune`` entry that removed them also records.
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    anchor_seq = models.PositiveBigIntegerField(default=1)
    anchor_prev_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit chain head #{self.last_seq}"
