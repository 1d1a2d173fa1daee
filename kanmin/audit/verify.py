"""Walk the audit chain and name the first entry that does not fit."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kanmin.audit.models import GENESIS, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                expected_seq,
                _("Entry %(seq)s is missing: the next entry found is %(found)s (deleted?).")
                % {"seq": expected_seq, "found": event.seq},
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                event.seq,
                _("Entry %(seq)s does not point to the entry before it (inserted or replaced?).")
                % {"seq": event.seq},
            )
        if event.compute_hash() != event.hash:
            return ChainReport(
                False,
                checked,
                event.seq,
                _("Entry %(seq)s was changed after it was written: its hash does not match.")
                % {"seq": event.seq},
            )
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS
    if last_seq != checked or last_hash != prev_hash:
        return ChainReport(
            False,
            checked,
            checked + 1 if last_seq > checked else last_seq,
            _("The chain ends at entry %(found)s but %(expected)s entries were written (deleted?).")
            % {"found": checked, "expected": last_seq},
        )
    return ChainReport(True, checked)
