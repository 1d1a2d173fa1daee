"""The hash chain finds an entry that was changed, deleted or inserted, and names it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kanmin.audit.models import AuditChainHead, AuditEvent
from kanmin.audit.verify import verify_chain
from kanmin.core import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(miyakonojo):
    for i in range(5):
        services.department_create(
            municipality=miyakonojo, actor=None, code=f"d{i}", name_ja=f"課{i}"
        )
    assert AuditEvent.objects.count() == 6
    return miyakonojo


def _sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def test_intact_chain_verifies(chain):
    report = verify_chain()
    assert report.ok and report.checked == 6
    call_command("audit_verify", stdout=io.StringIO())


def test_changed_entry_is_named(chain):
    changed = json.dumps({"after": {"code": "d2", "name_ja": "改ざん"}}, ensure_ascii=False)
    _sql("UPDATE audit_auditevent SET changes = %s WHERE seq = 4", [changed])
    report = verify_chain()
    assert not report.ok and report.broken_seq == 4
    with pytest.raises(CommandError, match="4"):
        call_command("audit_verify")


def test_changed_actor_is_detected(chain):
    _sql("UPDATE audit_auditevent SET actor_name = 'someone' WHERE seq = 2")
    assert verify_chain().broken_seq == 2


def test_deleted_entry_is_named(chain):
    _sql("DELETE FROM audit_auditevent WHERE seq = 3")
    report = verify_chain()
    assert not report.ok and report.broken_seq == 3


def test_deleted_last_entry_is_found_through_the_head(chain):
    _sql("DELETE FROM audit_auditevent WHERE seq = 6")
    report = verify_chain()
    assert not report.ok and report.broken_seq == 6


def test_inserted_entry_is_named(chain):
    # Make room after entry 2 and forge a plausible entry 3 pointing at entry 2.
    _sql("UPDATE audit_auditevent SET seq = seq + 100 WHERE seq >= 3")
    _sql("UPDATE audit_auditevent SET seq = seq - 99 WHERE seq >= 103")
    second = AuditEvent.objects.get(seq=2)
    forged = AuditEvent(
        seq=3,
        created_at=second.created_at,
        actor_name="system",
        action="core.department.create",
        changes={"after": {"code": "fake"}},
        prev_hash=second.hash,
    )
    forged.hash = forged.compute_hash()
    forged.save()
    report = verify_chain()
    assert not report.ok and report.broken_seq == 4  # the real entry after the forgery


def test_orm_refuses_updates_and_deletes(chain):
    event = AuditEvent.objects.first()
    assert event is not None
    event.action = "changed"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x")


def test_record_outside_a_transaction_is_refused(miyakonojo):
    from kanmin.audit.services import record

    with pytest.raises(RuntimeError):
        # pytest-django wraps tests in a transaction; leave it to be outside one.
        connection.in_atomic_block = False
        try:
            record(actor=None, municipality=miyakonojo, action="x")
        finally:
            connection.in_atomic_block = True


def test_head_tracks_the_last_entry(chain):
    head = AuditChainHead.objects.get(pk=1)
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    assert head.last_seq == last.seq == 6
    assert head.last_hash == last.hash
