"""Evacuation decisions: recorded with a frozen snapshot of the evidence, never changed, only
annotated; both audited; tenant-scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Invalid, NotFound, PermissionDenied
from kanmin.disaster import selectors, services
from kanmin.disaster.models import Decision, DecisionAnnotation
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.readings import series


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def rising(miyakonojo, river, now):
    services.reference_levels_set(
        municipality=miyakonojo,
        actor=None,
        station=river,
        caution="3.0",
        evacuation="4.0",
        danger="4.5",
        valid_from=now - dt.timedelta(days=10),
    )
    series(river, now, ["3.8", "4.2", "4.6"])
    return river


def _record(miyakonojo, actor, stations, **fields):
    values = {
        "action": "issue",
        "level": 4,
        "kind": "避難指示",
        "area": "大淀川沿い（岳下地区）",
        "area_codes": ["452025-001"],
        "decided_at": timezone.now(),
    }
    values.update(fields)
    return services.decision_record(
        municipality=miyakonojo, actor=actor, stations=stations, **values
    )


def test_decision_freezes_the_evidence_shown(miyakonojo, operator, rising, now):
    services.official_info_issue(
        municipality=miyakonojo, actor=operator, kind="土砂災害警戒情報", issued_at=now
    )
    decision = _record(miyakonojo, operator, [rising], shown_at=now)
    evidence = decision.evidence
    assert evidence["ruleset"]["version"] == 1 == decision.ruleset.version
    (station,) = evidence["stations"]
    assert station["code"] == "takeshita" and station["level"] == 4
    assert station["rule"]["reference_level"] == "danger"
    assert station["reference_levels"]["danger"] == "4.5"
    assert [r[1] for r in station["readings"]] == ["3.8", "4.2", "4.6"]
    assert evidence["official_info"][0]["kind"] == "土砂災害警戒情報"
    assert evidence["rule_fired"]["key"] == "river-danger"
    assert list(decision.stations.all()) == [rising]
    assert decision.decided_by == operator
    event = AuditEvent.objects.get(action="disaster.decision.record")
    assert event.actor_name == operator.username and "避難指示" in str(event.changes)


def test_a_correction_received_later_does_not_change_the_evidence(
    miyakonojo, operator, rising, now
):
    # A correction of the last reading (version 2) received after the evidence was shown.
    from kanmin.disaster.models import Observation

    first = Observation.all_tenants.get(station=rising, observed_at=now)
    Observation.all_tenants.filter(pk=first.pk).update(is_current=False)
    Observation.all_tenants.create(
        municipality=miyakonojo,
        station=rising,
        observed_at=now,
        value="9.9",
        source="manual",
        version=2,
        received_at=timezone.now() + dt.timedelta(seconds=30),
    )
    decision = _record(miyakonojo, operator, [rising], shown_at=timezone.now())
    assert [r[1] for r in decision.evidence["stations"][0]["readings"]][-1] == "4.6"
    # The current value is the correction.
    (item,) = selectors.station_levels(miyakonojo, now)
    assert item.latest.value == 9.9


def test_a_decision_cannot_be_changed_or_deleted(miyakonojo, operator, rising):
    decision = _record(miyakonojo, operator, [rising])
    decision.area = "別の地区"
    with pytest.raises(ValueError, match="never changed"):
        decision.save()
    with pytest.raises(ValueError):
        Decision.all_tenants.filter(pk=decision.pk).update(area="別の地区")
    with pytest.raises(ValueError):
        Decision.objects.filter(pk=decision.pk).update(level=5)
    with pytest.raises(ValueError):
        decision.delete()
    assert Decision.all_tenants.get(pk=decision.pk).area == "大淀川沿い（岳下地区）"
    assert not hasattr(services, "decision_update")


def test_annotation_is_added_and_audited(miyakonojo, operator, rising):
    decision = _record(miyakonojo, operator, [rising])
    note = services.decision_annotate(
        municipality=miyakonojo, actor=operator, decision=decision, text="発令時刻は電話で確認済み"
    )
    assert list(selectors.decision_annotations(decision=decision)) == [note]
    assert AuditEvent.objects.filter(action="disaster.decision.annotate").count() == 1
    with pytest.raises(ValueError):
        note.text = "書き換え"
        note.save()
    with pytest.raises(ValueError):
        DecisionAnnotation.all_tenants.filter(pk=note.pk).delete()
    with pytest.raises(Invalid):
        services.decision_annotate(
            municipality=miyakonojo, actor=operator, decision=decision, text=" "
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "避難勧告"}, "kind"),
        ({"level": 3, "kind": "避難指示"}, "kind"),
        ({"level": 7}, "level"),
        ({"area": " "}, "area"),
        ({"action": "cancel"}, "action"),
        ({"decided_at": timezone.now() + dt.timedelta(hours=2)}, "decided_at"),
    ],
)
def test_bad_decisions_are_refused(miyakonojo, operator, rising, fields, field):
    with pytest.raises(Invalid) as error:
        _record(miyakonojo, operator, [rising], **fields)
    assert field in error.value.fields


def test_decisions_are_tenant_scoped_and_need_the_role(
    miyakonojo, miyazaki, operator, rising, make_user
):
    decision = _record(miyakonojo, operator, [rising])
    other = make_user("other", "disaster_operator", miyazaki)
    with pytest.raises(PermissionDenied):
        _record(miyakonojo, other, [rising])
    with pytest.raises(NotFound):
        _record(miyazaki, other, [rising])
    with pytest.raises(NotFound):
        services.decision_annotate(municipality=miyazaki, actor=other, decision=decision, text="x")
    steward = make_user("steward", "data_steward", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.decision_annotate(
            municipality=miyakonojo, actor=steward, decision=decision, text="x"
        )
    assert not selectors.decision_list(miyazaki).exists()
    with pytest.raises(NotFound):
        selectors.decision_get(municipality=miyazaki, pk=decision.pk)


def test_decision_list_and_orders_in_force(miyakonojo, operator, rising, now):
    factories.station(miyakonojo, code="other")
    early = _record(
        miyakonojo,
        operator,
        [rising],
        level=3,
        kind="高齢者等避難",
        decided_at=now - dt.timedelta(hours=3),
    )
    issue = _record(miyakonojo, operator, [rising], decided_at=now - dt.timedelta(hours=2))
    other_area = _record(
        miyakonojo, operator, [], area="市内全域", decided_at=now - dt.timedelta(hours=1)
    )
    assert list(selectors.decision_list(miyakonojo)) == [early, issue, other_area]
    assert list(selectors.decision_list(miyakonojo, since=now - dt.timedelta(minutes=150))) == [
        issue,
        other_area,
    ]
    assert list(selectors.decision_list(miyakonojo, until=now - dt.timedelta(minutes=150))) == [
        early
    ]
    assert selectors.orders_in_force(miyakonojo) == [issue, other_area]
    lift = _record(miyakonojo, operator, [rising], action="lift", decided_at=now)
    assert selectors.orders_in_force(miyakonojo) == [other_area]
    assert lift.evidence["stations"][0]["code"] == "takeshita"
