"""Official information per area (地区): entered for some areas, it counts for their stations
only; entered for none, for the whole municipality, as every row from before areas did."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from kanmin.core.errors import Invalid
from kanmin.disaster import rules, selectors, services
from kanmin.disaster.models import Alert, OfficialInfo, StationKind
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.readings import series

BASE = "/m/452025/disaster"
AREAS = [
    {"code": "05", "name_ja": "五十市地区", "name_en": "Isoichi", "stations": ["isoichi"]},
    {"code": "14", "name_ja": "山田地区", "name_en": "Yamada", "stations": ["rain-yamada"]},
]


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def with_areas(miyakonojo, now):
    """Rules naming two areas; 五十市 (river, at its caution level: 2), 山田 (rain gauge, dry)
    and 庄内 (river, in no area, below every level)."""
    isoichi = factories.station(miyakonojo, code="isoichi")
    yamada = factories.station(miyakonojo, code="rain-yamada", kind=StationKind.RAIN)
    shonai = factories.station(miyakonojo, code="shonai")
    for station in (isoichi, shonai):
        services.reference_levels_set(
            municipality=miyakonojo,
            actor=None,
            station=station,
            standby="2.0",
            caution="3.0",
            evacuation="4.0",
            danger="4.5",
            valid_from=now - dt.timedelta(days=30),
        )
    series(isoichi, now, ["2.9", "3.1"])
    series(yamada, now, ["0", "0"])
    series(shonai, now, ["1.0", "1.1"])
    services.ruleset_save(
        municipality=miyakonojo,
        actor=None,
        definition={**rules.default_data(), "areas": AREAS},
        reason="地区を追加",
        valid_from=now - dt.timedelta(days=1),
    )
    return {"isoichi": isoichi, "yamada": yamada, "shonai": shonai}


def _levels(municipality, at):
    return {i.station.code: i for i in selectors.station_levels(municipality, at)}


def _issue(municipality, kind, at, areas=()):
    return services.official_info_issue(
        municipality=municipality, actor=None, kind=kind, area_codes=areas, issued_at=at
    )


def test_areas_in_the_rules_are_checked_and_kept():
    definition = rules.parse({**rules.default_data(), "areas": AREAS})
    assert [a.code for a in definition.areas] == ["05", "14"]
    assert definition.areas_of("rain-yamada") == ("14",)
    assert definition.areas_of("nowhere") == ()
    assert rules.parse(definition.as_json()) == definition
    # Stations may come as text, as the editor sends them.
    text = rules.parse({**rules.default_data(), "areas": [{**AREAS[0], "stations": "a、b, a"}]})
    assert text.areas[0].stations == ("a", "b")
    bad = [
        {"code": "0 5", "name_ja": "x"},
        {"code": "14", "name_ja": ""},
        {"code": "14", "name_ja": "山田"},
    ]
    with pytest.raises(rules.DefinitionError) as problems:
        rules.parse({**rules.default_data(), "areas": bad})
    assert len(problems.value.problems) == 3
    # A rule set saved before areas existed has none.
    assert rules.parse(rules.default_data()).areas == ()


def test_covers():
    assert rules.covers([], ["05"]) and rules.covers([], [])
    assert rules.covers(["05", "14"], ["14"])
    assert not rules.covers(["05"], ["14"]) and not rules.covers(["05"], [])


def test_information_for_an_area_counts_for_its_stations_only(miyakonojo, with_areas, now):
    landslide = _issue(miyakonojo, "土砂災害警戒情報", now, ["14"])
    assert landslide.area_codes == ["14"] and landslide.area == "山田地区"
    levels = _levels(miyakonojo, now)
    yamada = levels["rain-yamada"]
    assert (yamada.level, yamada.observed_level, yamada.official_level) == (4, 0, 4)
    assert yamada.rule.official_kind == "土砂災害警戒情報" and yamada.measured is None
    assert [i.kind for i in yamada.official_info] == ["土砂災害警戒情報"]
    assert yamada.areas == ("14",)
    # 五十市 keeps the level of its readings; 庄内, in no area, gets nothing.
    assert (levels["isoichi"].level, levels["isoichi"].rule.key) == (2, "river-caution")
    assert levels["isoichi"].official_info == ()
    assert levels["shonai"].level == 0
    assert selectors.official_level(miyakonojo, now).level == 4  # the highest anywhere
    assert selectors.official_level(miyakonojo, now, areas=["05"]).level == 0
    assert selectors.official_level(miyakonojo, now, areas=["14"]).level == 4

    # Information for the whole municipality counts for every station, 庄内 included.
    warning = _issue(miyakonojo, "大雨警報（土砂災害）", now)
    assert warning.area_codes == [] and warning.area == ""
    levels = _levels(miyakonojo, now)
    assert {code: item.level for code, item in levels.items()} == {
        "isoichi": 3,
        "rain-yamada": 4,
        "shonai": 3,
    }
    assert levels["isoichi"].observed_level == 2
    lifted = now + dt.timedelta(seconds=1)
    services.official_info_lift(
        municipality=miyakonojo, actor=None, info=landslide, lifted_at=lifted
    )
    assert _levels(miyakonojo, lifted)["rain-yamada"].level == 3


def test_a_reading_at_the_same_level_keeps_its_rule(miyakonojo, with_areas, now):
    _issue(miyakonojo, "洪水注意報", now, ["05"])  # level 2, as 五十市's readings
    isoichi = _levels(miyakonojo, now)["isoichi"]
    assert (isoichi.level, isoichi.rule.key) == (2, "river-caution")
    assert isoichi.measured == Decimal("3.1")


def test_rows_from_before_areas_count_for_the_whole_municipality(miyakonojo, with_areas, now):
    # As the service wrote them before: free text in area, no codes.
    OfficialInfo.all_tenants.create(
        municipality=miyakonojo, kind="土砂災害警戒情報", area="市内全域", issued_at=now
    )
    assert {i.level for i in selectors.station_levels(miyakonojo, now)} == {4}


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_old_rows_for_the_whole_municipality(miyakonojo):
    executor = MigrationExecutor(connection)
    before = [("disaster", "0004_shelters_openings_counts")]
    after = [("disaster", "0005_official_info_areas")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("disaster", "OfficialInfo")
    row = old.objects.create(
        municipality_id=miyakonojo.pk,
        kind="大雨警報（土砂災害）",
        area="都城市全域",
        issued_at=timezone.now(),
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    migrated = OfficialInfo.all_tenants.get(pk=row.pk)
    assert migrated.area_codes == [] and migrated.area == "都城市全域"
    # Back to the newest schema, or the later migrations' tables are missing for the tests
    # that share this database after this one.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    station = factories.station(miyakonojo, code="any")
    series(station, timezone.now(), ["0.5"])
    (item,) = selectors.station_levels(miyakonojo)
    assert (item.level, item.official_level) == (3, 3)


def test_unknown_areas_are_refused(miyakonojo, with_areas, now):
    with pytest.raises(Invalid) as refused:
        _issue(miyakonojo, "土砂災害警戒情報", now, ["14", "99"])
    assert "99" in str(refused.value.message) and "area_codes" in refused.value.fields
    assert not OfficialInfo.all_tenants.exists()


def test_station_alerts_follow_readings_and_the_information_alerts_once(
    miyakonojo, with_areas, now, django_capture_on_commit_callbacks
):
    services.levels_refresh(municipality=miyakonojo, at=now)
    before = set(Alert.all_tenants.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        _issue(miyakonojo, "土砂災害警戒情報", now, ["14"])
    services.levels_refresh(municipality=miyakonojo)
    new = Alert.all_tenants.exclude(pk__in=before)
    assert [(a.station_id, a.level_to, a.rule_key) for a in new] == [(None, 4, "landslide-alert")]


def test_the_evidence_names_each_stations_areas_and_information(miyakonojo, with_areas, now):
    _issue(miyakonojo, "土砂災害警戒情報", now, ["14"])
    evidence = selectors.decision_evidence(
        municipality=miyakonojo,
        stations=[with_areas["isoichi"], with_areas["yamada"]],
        shown_at=now,
    )
    by_code = {s["code"]: s for s in evidence["stations"]}
    assert by_code["rain-yamada"]["areas"] == ["14"]
    assert by_code["rain-yamada"]["official_info"] == ["土砂災害警戒情報"]
    assert (by_code["rain-yamada"]["level"], by_code["rain-yamada"]["observed_level"]) == (4, 0)
    assert by_code["rain-yamada"]["rule"]["key"] == "landslide-alert"
    assert by_code["isoichi"]["official_info"] == [] and by_code["isoichi"]["level"] == 2
    assert evidence["official_info"][0]["area_codes"] == ["14"]
    assert evidence["rule_fired"]["key"] == "landslide-alert"
    assert evidence["rule_fired"]["station"] == "rain-yamada"


def test_the_form_offers_the_areas_and_defaults_to_the_whole_municipality(
    miyakonojo, with_areas, make_user
):
    client = Client()
    client.force_login(make_user("bousai", "disaster_operator", miyakonojo))
    page = client.get(BASE + "/staff/official/", HTTP_ACCEPT_LANGUAGE="ja")
    html = page.content.decode()
    assert 'name="area_codes" value="14"' in html and "山田地区" in html
    moment = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        BASE + "/staff/official/",
        {"kind": "土砂災害警戒情報", "area_codes": ["14"], "issued_at": moment},
    )
    assert answer.status_code == 302
    answer = client.post(BASE + "/staff/official/", {"kind": "洪水注意報", "issued_at": moment})
    assert answer.status_code == 302
    rows = {i.kind: i.area_codes for i in OfficialInfo.all_tenants.all()}
    assert rows == {"土砂災害警戒情報": ["14"], "洪水注意報": []}
    page = client.get(BASE + "/staff/official/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the whole municipality" in page
    refused = client.post(
        BASE + "/staff/official/", {"kind": "洪水注意報", "area_codes": ["99"], "issued_at": moment}
    )
    assert refused.status_code == 422


def test_without_areas_in_the_rules_the_form_has_no_area_choice(miyakonojo, make_user):
    client = Client()
    client.force_login(make_user("bousai", "disaster_operator", miyakonojo))
    page = client.get(BASE + "/staff/official/")
    assert "area_codes" not in page.context["form"].fields


def test_the_rules_editor_saves_and_shows_the_areas(miyakonojo, with_areas, make_user):
    client = Client()
    client.force_login(make_user("bousai", "disaster_operator", miyakonojo))
    page = client.get(BASE + "/staff/rules/edit/")
    data = {}
    for prefix in ("levels", "rules", "areas"):
        formset = page.context[f"{prefix}" if prefix == "levels" else f"{prefix[:-1]}_forms"]
        management = formset.management_form
        for name in management.fields:
            data[f"{prefix}-{name}"] = management.initial.get(name, management[name].value())
        for i, form in enumerate(formset.forms):
            for name, value in (form.initial or {}).items():
                data[f"{prefix}-{i}-{name}"] = "" if value is None else value
    data.update(
        {
            "reason": "高城地区を追加",
            "valid_from": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "stale_after_minutes": "120",
            "areas-2-code": "13",
            "areas-2-name_ja": "高城地区",
            "areas-2-stations": "shonai、isoichi",
            "areas-0-DELETE": "on",
        }
    )
    answer = client.post(BASE + "/staff/rules/edit/", data)
    assert answer.status_code == 302, answer.context and answer.context.get("problems")
    definition = selectors.ruleset_in_force(municipality=miyakonojo).parsed
    assert [(a.code, a.stations) for a in definition.areas] == [
        ("14", ("rain-yamada",)),
        ("13", ("shonai", "isoichi")),
    ]
    shown = client.get(BASE + "/staff/rules/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "高城地区" in shown and "shonai, isoichi" in shown
