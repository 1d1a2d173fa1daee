"""Shelters: the services (register, edit, import, open, count, close) with their checks,
permissions, tenancy and audit; crowding in words; the open data and the plan's metrics."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from kanmin import standards
from kanmin.audit.models import AuditEvent
from kanmin.core import datasets
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.metrics import get as get_metric
from kanmin.disaster import selectors, services, shelters
from kanmin.disaster.models import Shelter, ShelterCount, ShelterOpening
from kanmin.disaster.tests import factories

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def gym(miyakonojo):
    return factories.shelter(miyakonojo, code="gym-1")


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def _open(municipality, shelter, actor=None, **fields):
    return services.shelter_open(municipality=municipality, actor=actor, shelter=shelter, **fields)


def _count(municipality, opening, evacuees, actor=None, **fields):
    return services.shelter_count_record(
        municipality=municipality, actor=actor, opening=opening, evacuees=evacuees, **fields
    )


# ------------------------------------------------------------------------------------------
# Register and edit
# ------------------------------------------------------------------------------------------


def test_register_keeps_the_standards_fields_and_audits(miyakonojo, operator):
    shelter = services.shelter_register(
        municipality=miyakonojo,
        actor=operator,
        code="452025-0001",
        name_ja="都城市総合文化ホール",
        name_kana="ミヤコノジョウシソウゴウブンカホール",
        name_en="Miyakonojo Civic Hall",
        address="宮崎県都城市北原町",
        latitude="31.726",
        longitude="131.065",
        capacity="800",
        phone="０９８６－００－０００１",
        is_shelter=True,
        hazard_flood=True,
        hazard_large_fire=True,
        welfare=False,
        accessible=True,
    )
    assert shelter.phone == "0986-00-0001"  # widths and hyphens as the standard writes them
    assert shelter.capacity == 800 and shelter.is_emergency_site and shelter.is_shelter
    assert [h.key for h in shelters.hazards_of(shelter)] == ["flood", "large_fire"]
    event = AuditEvent.objects.get(action="disaster.shelter.register")
    assert event.actor_id == operator.pk and event.changes["after"]["code"] == "452025-0001"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "has space"}, "code"),
        ({"code": "new"}, "code"),  # the address of the registration page
        ({"name_ja": " "}, "name_ja"),
        ({"address": ""}, "address"),
        ({"name_en": "Miyakonojō Hall"}, "name_en"),
        ({"name_kana": "みやこのじょう"}, "name_kana"),
        ({"phone": "23-7140"}, "phone"),
        ({"latitude": "50"}, "latitude"),
        ({"capacity": "-3"}, "capacity"),
        ({"url": "www.example.jp"}, "url"),
        ({"is_emergency_site": False, "is_shelter": False}, "is_emergency_site"),
    ],
)
def test_register_refuses_bad_values_naming_the_field(miyakonojo, operator, fields, field):
    values = {"code": "x1", "name_ja": "公民館", "address": "宮崎県都城市", **fields}
    with pytest.raises(Invalid) as caught:
        services.shelter_register(municipality=miyakonojo, actor=operator, **values)
    assert field in caught.value.fields
    assert not Shelter.all_tenants.exists()


def test_register_twice_and_without_the_role(miyakonojo, operator, gym, make_user):
    with pytest.raises(Conflict):
        factories.shelter(miyakonojo, code="gym-1")
    steward = make_user("steward", "data_steward", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.shelter_register(
            municipality=miyakonojo, actor=steward, code="x", name_ja="x", address="x"
        )


def test_update_records_what_changed_and_nothing_when_nothing_did(miyakonojo, operator, gym):
    services.shelter_update(
        municipality=miyakonojo, actor=operator, shelter=gym, capacity=350, welfare=True
    )
    event = AuditEvent.objects.get(action="disaster.shelter.update")
    assert event.changes["before"] == {"capacity": 300, "welfare": False}
    assert event.changes["after"] == {"capacity": 350, "welfare": True}
    services.shelter_update(municipality=miyakonojo, actor=operator, shelter=gym, capacity=350)
    assert AuditEvent.objects.filter(action="disaster.shelter.update").count() == 1
    with pytest.raises(Invalid):
        services.shelter_update(municipality=miyakonojo, actor=operator, shelter=gym, code="y")


# ------------------------------------------------------------------------------------------
# Open, count, close
# ------------------------------------------------------------------------------------------


def test_open_count_close_keep_every_count(miyakonojo, operator, gym, now):
    opening = _open(miyakonojo, gym, operator, opened_at=now - 3 * HOUR, evacuees=12)
    _count(miyakonojo, opening, 140, operator, counted_at=now - 2 * HOUR)
    _count(miyakonojo, opening, 260, operator, counted_at=now - HOUR)
    # A count taken earlier but entered late does not become the current one.
    _count(miyakonojo, opening, 90, operator, counted_at=now - 150 * dt.timedelta(minutes=1))
    (state,) = selectors.shelter_states(municipality=miyakonojo, open_only=True)
    assert state.is_open and state.evacuees == 260
    assert state.crowding.key == "crowded" and state.crowding.percent == 87
    assert [c.evacuees for c in selectors.shelter_counts(opening=opening)] == [260, 140, 90, 12]
    services.shelter_close(municipality=miyakonojo, actor=operator, opening=opening, closed_at=now)
    assert selectors.shelter_states(municipality=miyakonojo, open_only=True) == []
    again = services.shelter_close(municipality=miyakonojo, actor=operator, opening=opening)
    assert again.closed_at == now
    row = selectors.shelter_opening_get(municipality=miyakonojo, pk=opening.pk)
    assert row.peak_evacuees == 260 and row.latest_evacuees == 260
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions.count("disaster.shelter.count") == 3
    assert actions.count("disaster.shelter.open") == 1
    assert actions.count("disaster.shelter.close") == 1  # closing again records nothing


def test_a_count_is_never_changed(miyakonojo, gym, now):
    opening = _open(miyakonojo, gym, evacuees=5)
    count = ShelterCount.all_tenants.get(opening=opening)
    count.evacuees = 6
    with pytest.raises(ValueError, match="never changed"):
        count.save()
    with pytest.raises(ValueError):
        ShelterCount.all_tenants.filter(pk=count.pk).update(evacuees=6)
    with pytest.raises(ValueError):
        ShelterCount.all_tenants.filter(pk=count.pk).delete()


def test_open_refuses_what_cannot_be(miyakonojo, operator, gym, now):
    with pytest.raises(Invalid) as caught:
        _open(miyakonojo, gym, operator, opened_at=now + HOUR)
    assert "opened_at" in caught.value.fields
    with pytest.raises(Invalid):
        _open(miyakonojo, gym, operator, evacuees="many")
    opening = _open(miyakonojo, gym, operator)
    with pytest.raises(Conflict):
        _open(miyakonojo, gym, operator)
    with pytest.raises(Invalid):  # a count before the opening
        _count(miyakonojo, opening, 3, operator, counted_at=opening.opened_at - HOUR)
    services.shelter_close(municipality=miyakonojo, actor=operator, opening=opening)
    with pytest.raises(Invalid) as closed:  # a count after the closing
        _count(miyakonojo, opening, 3, operator)
    assert closed.value.code == "closed"
    withdrawn = factories.shelter(miyakonojo, active=False)
    with pytest.raises(Invalid):
        _open(miyakonojo, withdrawn, operator)
    # Opened again later: a new opening, the first one kept.
    _open(miyakonojo, gym, operator)
    assert ShelterOpening.all_tenants.filter(shelter=gym).count() == 2


def test_close_before_opening_is_refused(miyakonojo, operator, gym, now):
    opening = _open(miyakonojo, gym, operator, opened_at=now)
    with pytest.raises(Invalid):
        services.shelter_close(
            municipality=miyakonojo, actor=operator, opening=opening, closed_at=now - HOUR
        )


def test_another_municipalitys_rows_are_not_found(miyakonojo, miyazaki, operator, gym, river):
    decision = services.decision_record(
        municipality=miyakonojo,
        actor=None,
        action="issue",
        level=4,
        kind="避難指示",
        area="岳下地区",
        decided_at=timezone.now(),
        stations=[river],
    )
    theirs = factories.shelter(miyazaki, code="m-1")
    with pytest.raises(NotFound):
        _open(miyakonojo, theirs, operator)
    with pytest.raises(NotFound):
        _open(miyazaki, theirs, None, decision=decision)
    with pytest.raises(NotFound):
        selectors.shelter_get(municipality=miyazaki, code="gym-1")
    opening = _open(miyakonojo, gym, operator, decision=decision)
    assert opening.decision == decision
    with pytest.raises(NotFound):
        services.shelter_close(municipality=miyazaki, actor=None, opening=opening)


def test_permissions_of_the_writes(miyakonojo, miyazaki, gym, make_user):
    steward = make_user("steward", "data_steward", miyakonojo)
    with pytest.raises(PermissionDenied):
        _open(miyakonojo, gym, steward)
    opening = _open(miyakonojo, gym)
    with pytest.raises(PermissionDenied):
        _count(miyakonojo, opening, 1, steward)
    other = make_user("other", "disaster_operator", miyazaki)
    with pytest.raises(PermissionDenied):
        services.shelter_close(municipality=miyakonojo, actor=other, opening=opening)


# ------------------------------------------------------------------------------------------
# Crowding in words
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evacuees", "capacity", "key"),
    [
        (None, 300, "no_count"),
        (10, None, "no_capacity"),
        (149, 300, "space"),
        (150, 300, "filling"),
        (239, 300, "filling"),
        (240, 300, "crowded"),
        (300, 300, "full"),
        (420, 300, "full"),
    ],
)
def test_crowding_in_words(evacuees, capacity, key):
    crowd = shelters.crowding(evacuees, capacity)
    assert crowd.key == key
    assert crowd.easy and crowd.words
    assert 0 <= crowd.bar <= 100


# ------------------------------------------------------------------------------------------
# Import from 指定緊急避難場所一覧
# ------------------------------------------------------------------------------------------

LEGACY = (
    "NO,名称,名称_カナ,住所,方書,緯度,経度,標高,電話番号,内線番号,市区町村コード,都道府県名,"
    "市区町村名,災害種別_洪水,災害種別_崖崩れ、土石流及び地滑り,災害種別_高潮,災害種別_地震,"
    "災害種別_津波,災害種別_大規模な火事,災害種別_内水氾濫,災害種別_火山現象,指定避難所との重複,"
    "想定収容人数,対象となる町会・自治会,URL,備考\r\n"
    "0001,都城市総合文化ホール,ミヤコノジョウシソウゴウブンカホール,宮崎県都城市北原町,,"
    "31.726,131.065,150,0986-00-0001,,452025,宮崎県,都城市,○,○,,○,,○,○,,○,800,北原町,,\r\n"
    "\r\n"
    "0002,早水公園,ハヤミズコウエン,宮崎県都城市早水町,,31.743,131.038,,,,452025,宮崎県,"
    "都城市,,,,1,,1,,,,約5000人,,,広域避難場所\r\n"
)


def _import(municipality, text, actor=None, encoding="cp932"):
    return services.shelters_import(
        municipality=municipality,
        actor=actor,
        data=text.encode(encoding),
        file_name="452025_evacuation_space.csv",
    )


def test_import_of_a_legacy_cp932_file_with_circles(miyakonojo, operator):
    result = _import(miyakonojo, LEGACY, operator)
    assert result.created == ["0001", "0002"] and result.repairs > 0
    hall = selectors.shelter_get(municipality=miyakonojo, code="0001")
    assert hall.name_ja == "都城市総合文化ホール" and hall.capacity == 800
    assert hall.is_emergency_site and hall.is_shelter
    assert [h.key for h in shelters.hazards_of(hall)] == [
        "flood",
        "landslide",
        "earthquake",
        "large_fire",
        "inland_flood",
    ]
    assert hall.standard_extra["標高"] == "150"
    assert hall.standard_extra["地方公共団体名"] == "宮崎県都城市"
    park = selectors.shelter_get(municipality=miyakonojo, code="0002")
    assert park.capacity == 5000 and not park.is_shelter and park.note == "広域避難場所"
    event = AuditEvent.objects.get(action="disaster.shelter.import")
    assert event.changes["extra"]["created"] == ["0001", "0002"]
    # The same file again changes nothing.
    again = _import(miyakonojo, LEGACY, operator)
    assert again.created == again.updated == [] and again.unchanged == ["0001", "0002"]


def test_a_plain_csv_updates_only_the_columns_it_has(miyakonojo, operator):
    _import(miyakonojo, LEGACY, operator)
    result = _import(miyakonojo, "ID,名称,想定収容人数\n0001,都城市総合文化ホール,900\n", operator)
    assert result.updated == ["0001"]
    hall = selectors.shelter_get(municipality=miyakonojo, code="0001")
    assert hall.capacity == 900 and hall.hazard_flood and hall.address == "宮崎県都城市北原町"
    assert hall.standard_extra["標高"] == "150"


def test_a_bad_file_is_refused_whole_with_rows_and_columns(miyakonojo, operator):
    _import(miyakonojo, LEGACY, operator)
    bad = (
        "ID,名称,所在地_連結表記,緯度,想定収容人数,災害種別_地震,全国地方公共団体コード\n"
        "0001,都城市総合文化ホール,宮崎県都城市北原町,31.7,many,1,452025\n"
        "0003,,宮崎県都城市,31.7,10,maybe,452025\n"
        "0004,宮崎の避難所,宮崎県宮崎市,31.9,10,,452017\n"
        "0004,重複,宮崎県都城市,31.7,10,,\n"
        ",IDなし,宮崎県都城市,31.7,10,,\n"
    )
    with pytest.raises(shelters.ImportRefused) as caught:
        _import(miyakonojo, bad, operator, encoding="utf-8")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert (2, "想定収容人数") in found
    assert (3, "名称") in found and (3, "災害種別_地震") in found
    assert (4, "全国地方公共団体コード") in found
    assert (5, "ID") in found and (6, "ID") in found
    assert all(p.message for p in caught.value.problems)
    # Nothing changed: the hall keeps its capacity, no shelter was added, no entry written.
    assert selectors.shelter_get(municipality=miyakonojo, code="0001").capacity == 800
    assert Shelter.all_tenants.count() == 2
    assert AuditEvent.objects.filter(action="disaster.shelter.import").count() == 1


def test_import_row_numbers_count_the_blank_rows_of_the_file(miyakonojo, operator):
    text = LEGACY.replace("31.743", "91.743")
    with pytest.raises(shelters.ImportRefused) as caught:
        _import(miyakonojo, text, operator)
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "緯度")]


def test_import_needs_both_rights(miyakonojo, make_user):
    steward = make_user("steward", "data_steward", miyakonojo)
    with pytest.raises(PermissionDenied):
        _import(miyakonojo, LEGACY, steward)


def test_unreadable_file_is_refused(miyakonojo, operator):
    with pytest.raises(shelters.ImportRefused):
        services.shelters_import(
            municipality=miyakonojo, actor=operator, data=b"%PDF-1.4\n...", file_name="a.pdf"
        )


# ------------------------------------------------------------------------------------------
# Open data and the plan's metrics
# ------------------------------------------------------------------------------------------


def test_the_standard_columns_are_the_schemas():
    schema = standards.get_schema("evacuation_space")
    assert [c.column for c in shelters.STANDARD_COLUMNS] == list(schema.field_names)


def test_evacuation_space_dataset_passes_the_standards_validator(miyakonojo, operator):
    _import(miyakonojo, LEGACY, operator)
    factories.shelter(miyakonojo, code="welfare-1", is_emergency_site=False, welfare=True)
    provider = datasets.by_slug("evacuation_space")
    data = datasets.rows_csv(provider, miyakonojo)
    report = standards.validate_table(io.BytesIO(data), "evacuation_space", workers=1)
    assert report.valid, [i.message("en") for i in report.errors]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["0001", "0002"]  # the welfare shelter is not a site
    assert rows[1][0] == "452025" and rows[1][15] == "150"
    register = datasets.rows_json(datasets.by_slug("designated_shelters"), miyakonojo)
    assert {r["id"] for r in register} == {"0001", "0002", "welfare-1"}
    welfare = next(r for r in register if r["id"] == "welfare-1")
    assert welfare["welfare"] == "1" and welfare["emergency_site"] == ""


def test_openings_dataset_and_metrics(miyakonojo, gym, now):
    opening = _open(miyakonojo, gym, opened_at=now - 5 * HOUR, evacuees=40)
    _count(miyakonojo, opening, 280, counted_at=now - 3 * HOUR)
    _count(miyakonojo, opening, 100, counted_at=now - HOUR)
    services.shelter_close(municipality=miyakonojo, actor=None, opening=opening)
    _open(miyakonojo, factories.shelter(miyakonojo, code="hall"), opened_at=now, evacuees=7)
    rows = datasets.rows_json(datasets.by_slug("shelter_openings"), miyakonojo)
    assert [(r["id"], r["peak_evacuees"], r["latest_evacuees"]) for r in rows] == [
        ("gym-1", 280, 100),
        ("hall", 7, 7),
    ]
    assert rows[0]["closed_at"] and rows[1]["closed_at"] == ""
    year = FiscalYear.of(timezone.localdate(now))
    figures = {
        name: get_metric(name).compute(municipality=miyakonojo, fiscal_year=year)
        for name in (
            "disaster.shelters_registered",
            "disaster.shelter_openings",
            "disaster.shelter_evacuees",
        )
    }
    assert figures == {
        "disaster.shelters_registered": 2,
        "disaster.shelter_openings": 2,
        "disaster.shelter_evacuees": 287,
    }
    earlier = FiscalYear(year.year - 1)
    assert (
        get_metric("disaster.shelter_openings").compute(
            municipality=miyakonojo, fiscal_year=earlier
        )
        == 0
    )
