"""警戒レベル rules as data, level evaluation, alerts once per crossing, e-mail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Invalid, NotFound, PermissionDenied
from kanmin.disaster import rules, selectors, services
from kanmin.disaster.models import Alert, RuleSet, StationKind
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.readings import reading, series


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def levels_set(miyakonojo, river):
    return services.reference_levels_set(
        municipality=miyakonojo,
        actor=None,
        station=river,
        standby="2.0",
        caution="3.0",
        evacuation="4.0",
        danger="4.5",
        overflow="5.5",
        valid_from=timezone.now() - dt.timedelta(days=30),
    )


def _with_rain_rule(miyakonojo, actor=None, **changes):
    data = rules.default_data()
    rule = {
        "key": "rain-60",
        "level": 3,
        "hazard": "inundation",
        "trigger": "observation",
        "station_kind": "rain",
        "measure": "sum",
        "threshold": "50",
        "window_minutes": 60,
    }
    rule.update(changes)
    data = {**data, "rules": [*data["rules"], rule]}
    return services.ruleset_save(
        municipality=miyakonojo,
        actor=actor,
        definition=data,
        reason="60分雨量の基準を追加",
        valid_from=timezone.now() - dt.timedelta(days=1),
    )


def test_default_rules_come_from_data_and_name_every_level():
    definition = rules.parse(rules.default_data())
    assert [lv.level for lv in definition.levels] == [1, 2, 3, 4, 5]
    assert definition.level(4).action_ja == "避難指示"
    assert definition.level(5).action_ja == "緊急安全確保"
    assert definition.level(3).action_easy
    landslide = next(r for r in definition.rules if r.official_kind == "土砂災害警戒情報")
    assert landslide.level == 4
    danger = next(r for r in definition.rules if r.reference_level == "danger")
    assert danger.level == 4


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"levels": []}, "1 to 5"),
        (
            {"rules": [{"key": "x", "level": 9, "trigger": "official", "official_kind": "A"}]},
            "level",
        ),
        (
            {
                "rules": [
                    {
                        "key": "x",
                        "level": 3,
                        "trigger": "observation",
                        "station_kind": "rain",
                        "measure": "sum",
                        "threshold": "50",
                    }
                ]
            },
            "window",
        ),
        (
            {
                "rules": [
                    {
                        "key": "x",
                        "level": 3,
                        "trigger": "observation",
                        "station_kind": "rain",
                        "reference_level": "danger",
                    }
                ]
            },
            "river",
        ),
    ],
)
def test_bad_rule_sets_are_refused_with_the_reason(change, words):
    from django.utils import translation

    with translation.override("en"), pytest.raises(rules.DefinitionError) as error:
        rules.parse({**rules.default_data(), **change})
    assert any(words in p for p in error.value.problems), error.value.problems


def test_saving_rules_makes_a_new_version_and_keeps_the_old(miyakonojo, operator):
    first = services.ruleset_ensure(municipality=miyakonojo)
    assert first.version == 1 and first.created_by is None
    second = _with_rain_rule(miyakonojo, operator)
    assert second.version == 2 and second.created_by == operator
    assert selectors.ruleset_in_force(municipality=miyakonojo) == second
    assert RuleSet.all_tenants.get(pk=first.pk).definition == first.definition
    with pytest.raises(ValueError, match="never changed"):
        second.reason = "x"
        second.save()
    event = AuditEvent.objects.get(action="disaster.ruleset.save", actor_name=operator.username)
    assert "60分雨量" in str(event.changes)


def test_saving_rules_needs_a_reason_and_the_permission(miyakonojo, miyazaki, make_user):
    outsider = make_user("other-bousai", "disaster_operator", miyazaki)
    with pytest.raises(PermissionDenied):
        _with_rain_rule(miyakonojo, outsider)
    steward = make_user("steward", "data_steward", miyakonojo)
    with pytest.raises(PermissionDenied):
        _with_rain_rule(miyakonojo, steward)
    with pytest.raises(Invalid) as error:
        services.ruleset_save(
            municipality=miyakonojo, actor=None, definition=rules.default_data(), reason=" "
        )
    assert "reason" in error.value.fields


def test_river_level_against_reference_levels(miyakonojo, river, levels_set, now):
    series(river, now, ["2.5", "3.2", "4.1"])
    (item,) = selectors.station_levels(miyakonojo, now)
    assert item.level == 3
    assert item.rule.reference_level == "evacuation"
    assert item.latest.value == 4.1
    assert item.level_def.action_ja == "高齢者等避難"
    # An hour earlier the river was below 氾濫注意水位.
    (before,) = selectors.station_levels(miyakonojo, now - dt.timedelta(minutes=20))
    assert before.level == 0 and before.latest.value == Decimal("2.5")


def test_missing_and_suspect_readings_do_not_raise_a_level(miyakonojo, river, levels_set, now):
    reading(river, now - dt.timedelta(minutes=10), "2.0")
    reading(river, now, "9.0", quality="suspect")
    (item,) = selectors.station_levels(miyakonojo, now)
    assert item.level == 0


def test_a_silent_station_is_stale_not_safe(miyakonojo, river, levels_set, now):
    reading(river, now - dt.timedelta(hours=5), "4.8")
    (item,) = selectors.station_levels(miyakonojo, now)
    assert item.stale and item.level == 0
    assert item.latest.value == 4.8


def test_rain_sum_over_a_window(miyakonojo, now):
    gauge = factories.station(miyakonojo, code="rain1", kind=StationKind.RAIN)
    _with_rain_rule(miyakonojo)
    series(gauge, now, [5, 10, 10, 10, 10, 9])  # 54 mm in the last 60 min
    (item,) = selectors.station_levels(miyakonojo, now)
    assert item.level == 3 and item.measured == Decimal(54)
    series(gauge, now + dt.timedelta(minutes=10), [0])
    (later,) = selectors.station_levels(miyakonojo, now + dt.timedelta(minutes=10))
    assert later.level == 0 and later.measured is None


def test_rise_rule(miyakonojo, river, now):
    _with_rain_rule(
        miyakonojo,
        key="fast-rise",
        station_kind="river_level",
        measure="rise",
        threshold="0.5",
        window_minutes=60,
        level=3,
    )
    series(river, now, ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.7"])
    (item,) = selectors.station_levels(miyakonojo, now)
    assert item.rule.key == "fast-rise" and item.measured == Decimal("0.7")


def test_alerts_once_per_crossing_up_and_down_and_emailed(
    miyakonojo, river, levels_set, now, operator, make_user, django_capture_on_commit_callbacks
):
    operator.email = "bousai@example.jp"
    operator.save()
    steward = make_user("steward", "data_steward", miyakonojo)
    steward.email = "steward@example.jp"
    steward.save()
    from kanmin.disaster import tasks

    reading(river, now - dt.timedelta(minutes=20), "3.1")
    first = services.levels_refresh(municipality=miyakonojo, stations=[river], at=now)
    assert [(a.level_from, a.level_to, a.direction) for a in first] == [(0, 2, "up")]
    # More readings above the same level: no new alert.
    reading(river, now - dt.timedelta(minutes=10), "3.3")
    assert services.levels_refresh(municipality=miyakonojo, stations=[river], at=now) == []
    reading(river, now, "4.6")
    (up,) = services.levels_refresh(municipality=miyakonojo, stations=[river], at=now)
    assert (up.level_from, up.level_to, up.rule_key) == (2, 4, "river-danger")
    later = now + dt.timedelta(minutes=10)
    reading(river, later, "2.0")
    (down,) = services.levels_refresh(municipality=miyakonojo, stations=[river], at=later)
    assert (down.level_from, down.level_to, down.direction) == (4, 0, "down")
    assert Alert.all_tenants.filter(municipality=miyakonojo).count() == 3
    # The e-mail goes to the disaster operators only, once.
    tasks.alert_notify.func(up.pk)
    tasks.alert_notify.func(up.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bousai@example.jp"]
    assert "警戒レベル4" in message.subject and "岳下橋" in message.subject
    assert "4.6" in message.body and "避難指示" in message.body


def test_official_information_sets_the_municipality_level(miyakonojo, operator, now):
    info = services.official_info_issue(
        municipality=miyakonojo, actor=operator, kind="土砂災害警戒情報", area="市内全域"
    )
    level = selectors.official_level(miyakonojo)
    assert level.level == 4 and level.rule.official_kind == "土砂災害警戒情報"
    (alert,) = services.levels_refresh(municipality=miyakonojo, stations=[])
    assert alert.station is None and alert.level_to == 4
    services.official_info_lift(municipality=miyakonojo, actor=operator, info=info)
    assert selectors.official_level(miyakonojo).level == 0
    with pytest.raises(Invalid):
        services.official_info_issue(municipality=miyakonojo, actor=operator, kind="謎の情報")


def test_official_information_is_tenant_scoped(miyakonojo, miyazaki, operator, make_user):
    info = services.official_info_issue(
        municipality=miyakonojo, actor=operator, kind="大雨警報（土砂災害）"
    )
    other = make_user("other", "disaster_operator", miyazaki)
    with pytest.raises(NotFound):
        services.official_info_lift(municipality=miyazaki, actor=other, info=info)
    with pytest.raises(PermissionDenied):
        services.official_info_lift(municipality=miyakonojo, actor=other, info=info)
    assert not selectors.official_info_list(municipality=miyazaki).exists()


def test_station_levels_leave_out_other_municipalities(miyakonojo, miyazaki, river, now):
    factories.station(miyazaki, code="elsewhere")
    assert [i.station for i in selectors.station_levels(miyakonojo, now)] == [river]


def test_the_intake_hook_as_a_background_task(miyakonojo, river, levels_set, now):
    from kanmin.disaster import tasks

    reading(river, now, "4.7")
    assert tasks.levels_refresh.func(miyakonojo.pk, [river.pk]) == 1
    assert tasks.levels_refresh.func(miyakonojo.pk, [river.pk]) == 0
    assert Alert.all_tenants.get().level_to == 4
