"""Walk the audit chain and name the first entry that does not fit."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kanmin.audit.models import GENESIS, AuditChainHead, AuditEvent

PRUNE_ACTION = "audit.prune"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def _fault(event: AuditEvent, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    """The entry to name and why, when ``event`` does not follow the entries checked before it."""
    if event.seq != expected_seq:
        return expected_seq, _(
            "Entry %(seq)s is missing: the next entry found is %(found)s (deleted?)."
        ) % {"seq": expected_seq, "found": event.seq}
    if event.prev_hash != prev_hash:
        return event.seq, _(
            "Entry %(seq)s does not point to the entry before it (inserted or replaced?)."
        ) % {"seq": event.seq}
    if event.compute_hash() != event.hash:
        return event.seq, _(
            "Entry %(seq)s was changed after it was written: its hash does not match."
        ) % {"seq": event.seq}
    return None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Check every entry from the chain's start (entry 1, or the first entry kept after old
    ones were removed under the retention setting) to the head."""
    head = AuditChainHead.objects.filter(pk=1).first()
    anchor_seq = head.anchor_seq if head else 1
    anchor_prev_hash = head.anchor_prev_hash if head else GENESIS
    expected_seq = anchor_seq
    prev_hash = anchor_prev_hash
    checked = 0
    last_prune: dict[str, object] | None = None
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        fault = _fault(event, expected_seq, prev_hash)
        if fault is not None:
            return ChainReport(False, checked, *fault)
        if event.action == PRUNE_ACTION:
            last_prune = dict((event.changes or {}).get("extra") or {})
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS
    if last_seq != expected_seq - 1 or last_hash != prev_hash:
        return ChainReport(
            False,
            checked,
            expected_seq if last_seq >= expected_seq else last_seq,
            _("The chain ends at entry %(found)s but %(expected)s entries were written (deleted?).")
            % {"found": expected_seq - 1, "expected": last_seq},
        )
    if anchor_seq != 1 or anchor_prev_hash != GENESIS:
        # The start was moved: only a prune entry in the chain may have done that.
        if (
            last_prune is None
            or last_prune.get("anchor_seq") != anchor_seq
            or last_prune.get("anchor_prev_hash") != anchor_prev_hash
        ):
            return ChainReport(
                False,
                checked,
                anchor_seq,
                _(
                    "The chain starts at entry %(seq)s, but no retention entry (audit.prune) "
                    "records that start: entries before it were deleted by other means."
                )
                % {"seq": anchor_seq},
            )
    return ChainReport(True, checked)
