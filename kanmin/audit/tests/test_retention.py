"""Retention: entries older than KANMIN_AUDIT_RETENTION_DAYS are removed, the removal is an
entry of the chain, and `audit verify` still holds — and still finds tampering (issue 12)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from kanmin.audit.models import AuditChainHead, AuditEvent
from kanmin.audit.services import audit_prune
from kanmin.audit.verify import verify_chain
from kanmin.core import services

pytestmark = pytest.mark.django_db


def _sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.fixture
def aged(miyakonojo):
    """Entries 1–6 (the municipality and five departments); then pretend 1–4 are 400 days
    old. The hash covers the time, so the old entries are rewritten with their hashes (as
    if they had been written then)."""
    for i in range(5):
        services.department_create(
            municipality=miyakonojo, actor=None, code=f"d{i}", name_ja=f"課{i}"
        )
    old = timezone.now() - timedelta(days=400)
    prev = "0" * 64
    for event in AuditEvent.objects.order_by("seq"):
        if event.seq <= 4:
            event.created_at = old.replace(microsecond=0) + timedelta(seconds=event.seq)
        event.prev_hash = prev
        event.hash = event.compute_hash()
        _sql(
            "UPDATE audit_auditevent SET created_at = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [event.created_at, event.prev_hash, event.hash, event.seq],
        )
        prev = event.hash
    _sql("UPDATE audit_auditchainhead SET last_hash = %s", [prev])
    assert verify_chain().ok
    return miyakonojo


def test_prune_keeps_the_chain_verifiable(aged):
    result = audit_prune(retention_days=365)
    assert result.removed == 4 and result.anchor_seq == 5
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == [5, 6, 7]
    entry = AuditEvent.objects.get(seq=7)
    assert entry.action == "audit.prune"
    assert entry.changes["extra"]["removed"] == 4
    assert entry.changes["extra"]["anchor_seq"] == 5
    report = verify_chain()
    assert report.ok and report.checked == 3
    call_command("audit_verify", stdout=io.StringIO())
    # A second run finds nothing more to remove and writes nothing.
    assert audit_prune(retention_days=365).removed == 0
    assert AuditEvent.objects.count() == 3


def test_zero_keeps_everything(aged, settings):
    assert audit_prune(retention_days=0).removed == 0
    assert AuditEvent.objects.count() == 6


def test_the_setting_and_the_command(aged, monkeypatch):
    monkeypatch.setenv("KANMIN_AUDIT_RETENTION_DAYS", "365")
    out = io.StringIO()
    call_command("audit_prune", stdout=out)
    assert "4" in out.getvalue()
    assert AuditEvent.objects.filter(action="audit.prune").count() == 1
    assert verify_chain().ok


def test_pruning_everything_anchors_at_the_prune_entry(aged):
    audit_prune(retention_days=365, now=timezone.now() + timedelta(days=400))
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["audit.prune"]
    assert verify_chain().ok


def test_deleting_the_first_kept_entry_is_still_found(aged):
    audit_prune(retention_days=365)
    _sql("DELETE FROM audit_auditevent WHERE seq = 5")
    report = verify_chain()
    assert not report.ok and report.broken_seq == 5


def test_moving_the_start_without_a_prune_entry_is_found(aged):
    """Deleting old entries by hand and moving the head's anchor does not pass for a prune."""
    second = AuditEvent.objects.get(seq=2)
    _sql("DELETE FROM audit_auditevent WHERE seq <= 2")
    _sql("UPDATE audit_auditchainhead SET anchor_seq = 3, anchor_prev_hash = %s", [second.hash])
    report = verify_chain()
    assert not report.ok and report.broken_seq == 3
    with pytest.raises(CommandError, match=r"audit\.prune"):
        call_command("audit_verify")


def test_the_head_remembers_the_anchor(aged):
    audit_prune(retention_days=365)
    head = AuditChainHead.objects.get(pk=1)
    assert head.anchor_seq == 5
    assert head.anchor_prev_hash == AuditEvent.objects.get(seq=5).prev_hash
