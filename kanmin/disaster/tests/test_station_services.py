"""What the operator's station pages rely on in the services and selectors: the order of the
reference levels named in both languages, the writes audited, a revoked device refused, and
the counts of refusals per device and per import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Invalid, PermissionDenied
from kanmin.disaster import selectors, services
from kanmin.disaster.intake import Incoming, Refused
from kanmin.disaster.models import ReferenceLevels, Refusal, Source
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.test_files import run_queued_tasks


def _set(municipality, station, actor=None, **levels):
    return services.reference_levels_set(
        municipality=municipality, actor=actor, station=station, **levels
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "ja",
            "氾濫危険水位は避難判断水位（4.3 m）より高くしてください（入力値: 4.3 m）。"
            "低い水位から順に入力してください。",
        ),
        (
            "en",
            "The flood danger level must be higher than the evacuation decision level (4.3 m); "
            "4.3 m was entered. Enter the levels from the lowest up.",
        ),
    ],
)
def test_levels_out_of_order_name_the_level_below(miyakonojo, river, language, message):
    with translation.override(language), pytest.raises(Invalid) as error:
        _set(miyakonojo, river, standby="2.5", evacuation="4.30", danger="4.3")
    assert error.value.code == "levels_order"
    assert error.value.fields == {"danger": [message]}
    assert str(error.value.message) == message


def test_every_level_out_of_order_is_named(miyakonojo, river):
    with translation.override("en"), pytest.raises(Invalid) as error:
        _set(miyakonojo, river, standby="3", caution="2", evacuation="2.5", danger="4")
    # 注意 and 避難判断 are both not above 待機 (3 m); 危険 is above it and stands.
    assert set(error.value.fields) == {"caution", "evacuation"}
    assert "stand-by level (3 m)" in error.value.fields["evacuation"][0]
    assert not ReferenceLevels.all_tenants.exists()


def test_levels_in_order_with_a_gap_are_kept(miyakonojo, river, operator):
    row = _set(
        miyakonojo,
        river,
        operator,
        caution="3",
        danger="4.5",
        overflow="5.2",
        reason="避難判断水位は未設定",
        valid_from=timezone.now() - dt.timedelta(hours=1),
    )
    assert (row.standby, row.evacuation) == (None, None)
    event = AuditEvent.objects.get(action="disaster.reference_levels.set")
    assert event.actor_name == operator.username
    assert event.changes["after"]["overflow"] == "5.2"
    assert event.changes["extra"]["reason"] == "避難判断水位は未設定"


def test_a_resident_cannot_register_a_device(miyakonojo, river, make_user):
    resident = make_user("resident", "citizen", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.device_register(municipality=miyakonojo, actor=resident, station=river, code="x")


def test_a_revoked_device_is_not_found_by_its_token(miyakonojo, river, operator):
    device = factories.device(miyakonojo, river)
    services.device_set_active(municipality=miyakonojo, actor=operator, device=device, active=False)
    assert selectors.device_by_secret(municipality=miyakonojo, secret=device.issued_secret) is None
    event = AuditEvent.objects.get(action="disaster.device.set_active")
    assert event.changes["after"] == {"active": False}


def _refuse(municipality, device, reason, when):
    services.observation_ingest(
        readings=[Incoming(refusal=Refused(reason), device=device, where="test", raw="x")],
        source=Source.HTTP,
        municipality=municipality,
        now=when,
    )


def test_refusals_are_counted_per_device_since_a_time(miyakonojo, miyazaki, river):
    one = factories.device(miyakonojo, river, code="one")
    two = factories.device(miyakonojo, river, code="two")
    now = timezone.now()
    _refuse(miyakonojo, one, Refusal.WRONG_TOKEN, now)
    _refuse(miyakonojo, one, Refusal.BAD_TIME, now - dt.timedelta(hours=1))
    _refuse(miyakonojo, one, Refusal.BAD_TIME, now - dt.timedelta(days=40))
    _refuse(miyakonojo, two, Refusal.UNKNOWN_DEVICE, now)
    since = now - dt.timedelta(days=30)
    assert selectors.device_refusal_counts(municipality=miyakonojo, since=since) == {
        one.pk: 2,
        two.pk: 1,
    }
    assert selectors.device_refusal_counts(municipality=miyakonojo)[one.pk] == 3
    assert selectors.device_refusal_counts(municipality=miyazaki) == {}


def test_an_imports_refusals_in_file_order_and_by_reason(miyakonojo, operator, river):
    csv = (
        b"station,observed_at,value\n"
        b"nowhere,2019-10-12 21:00,1\n"
        b"takeshita,2019-10-12 21:00,x\n"
        b"takeshita,2019-10-12 22:00,1.5\n"
        b"elsewhere,2019-10-12 21:00,1\n"
    )
    job = services.import_job_create(
        municipality=miyakonojo, actor=operator, upload=SimpleUploadedFile("a.csv", csv)
    )
    run_queued_tasks()
    rows = list(selectors.import_refusals(job=job))
    assert [r.excerpt.split(",")[0] for r in rows] == ["nowhere", "takeshita", "elsewhere"]
    assert selectors.import_refusal_reasons(job=job) == [
        (Refusal.UNKNOWN_STATION, 2),
        (Refusal.NOT_NUMERIC, 1),
    ]
