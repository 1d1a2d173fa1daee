"""The shelter pages: permissions and tenancy of the staff pages, opening, counting and
closing through the forms, registration, editing and import; the residents' page, the
shelters' GeoJSON and the feeds' shelter entries in three variants; the staff home."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.disaster import selectors, services
from kanmin.disaster.models import Shelter, ShelterCount, ShelterOpening
from kanmin.disaster.tests import factories

BASE = "/m/452025/disaster"
STAFF = BASE + "/staff/shelters"
ATOM = "{http://www.w3.org/2005/Atom}"


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def gym(miyakonojo):
    return factories.shelter(miyakonojo, code="gym-1")


@pytest.fixture
def hall(miyakonojo):
    return factories.shelter(
        miyakonojo,
        code="hall-1",
        name_ja="都城市総合文化ホール",
        name_en="",
        capacity=800,
        latitude="31.726",
        longitude="131.065",
        welfare=True,
    )


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


STAFF_PAGES = ["/", "/new/", "/import/", "/gym-1/", "/gym-1/edit/", "/gym-1/open/"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_need_the_role_of_this_municipality(
    page, miyakonojo, miyazaki, operator, gym, make_user
):
    assert _client(operator).get(STAFF + page).status_code == 200
    anonymous = _client().get(STAFF + page)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    steward = make_user("steward", "data_steward", miyakonojo)
    assert _client(steward).get(STAFF + page).status_code == 403
    # Another municipality's operator cannot even tell that the shelter exists.
    other = make_user("other", "disaster_operator", miyazaki)
    assert _client(other).get(STAFF + page).status_code == 404


@pytest.mark.parametrize("page", ["/gym-1/", "/gym-1/edit/", "/gym-1/open/"])
def test_another_municipalitys_shelter_is_not_found(page, miyakonojo, miyazaki, gym, make_user):
    other = make_user("other", "disaster_operator", miyazaki)
    assert _client(other).get(f"/m/452017/disaster/staff/shelters{page}").status_code == 404
    for action in ("count", "close"):
        answer = _client(other).post(
            f"/m/452017/disaster/staff/shelters/gym-1/{action}/", {"evacuees": "3"}
        )
        assert answer.status_code == 404
    assert not ShelterOpening.all_tenants.exists()


def test_writes_at_this_municipalitys_address_are_not_found_for_others(
    miyakonojo, miyazaki, gym, make_user
):
    other = _client(make_user("other", "disaster_operator", miyazaki))
    now = _local(timezone.now())
    writes = [
        ("/gym-1/open/", {"opened_at": now}),
        ("/gym-1/count/", {"evacuees": "3"}),
        ("/gym-1/close/", {"closed_at": now}),
        ("/new/", {"code": "x-1", "name_ja": "侵入"}),
    ]
    for page, data in writes:
        assert other.post(STAFF + page, data).status_code == 404, page
    assert not ShelterOpening.all_tenants.exists()
    assert Shelter.all_tenants.count() == 1


def test_counting_and_closing_need_post(miyakonojo, operator, gym):
    assert _client(operator).get(STAFF + "/gym-1/count/").status_code == 405
    assert _client(operator).get(STAFF + "/gym-1/close/").status_code == 405


def test_open_count_close_through_the_pages(miyakonojo, operator, gym, river):
    decision = services.decision_record(
        municipality=miyakonojo,
        actor=operator,
        action="issue",
        level=3,
        kind="高齢者等避難",
        area="岳下地区",
        decided_at=timezone.now(),
        stations=[river],
    )
    client = _client(operator)
    page = client.get(STAFF + "/gym-1/open/")
    assert "岳下地区" in page.content.decode()  # the order is offered
    opened = client.post(
        STAFF + "/gym-1/open/",
        {"opened_at": _local(timezone.now()), "decision": str(decision.pk), "evacuees": "15"},
    )
    assert opened.status_code == 302 and opened["Location"].endswith("/staff/shelters/gym-1/")
    opening = ShelterOpening.all_tenants.get()
    assert opening.decision == decision and opening.opened_by == operator
    # The list's quick form: back to the list, at the shelter.
    counted = client.post(STAFF + "/gym-1/count/", {"evacuees": "180", "next": "list"})
    assert counted.status_code == 302 and counted["Location"].endswith("/shelters/#shelter-gym-1")
    listing = client.get(STAFF + "/").content.decode()
    assert "180" in listing and "300" in listing
    # A bad count says what to do and keeps the counts as they were.
    bad = client.post(STAFF + "/gym-1/count/", {"evacuees": "-4"})
    assert bad.status_code == 422
    assert ShelterCount.all_tenants.count() == 2
    detail = client.get(STAFF + "/gym-1/").content.decode()
    assert "180" in detail and "15" in detail and "岳下地区" in detail
    closed = client.post(STAFF + "/gym-1/close/", {"closed_at": _local(timezone.now())})
    assert closed.status_code == 302
    assert ShelterOpening.all_tenants.get().closed_at is not None
    # Closing again, or counting now, says so without changing anything.
    assert client.post(STAFF + "/gym-1/close/", {}).status_code == 302
    late = client.post(STAFF + "/gym-1/count/", {"evacuees": "3"})
    assert late.status_code == 422 and ShelterCount.all_tenants.count() == 2
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"disaster.shelter.open", "disaster.shelter.count", "disaster.shelter.close"} <= actions


def test_opening_twice_is_refused_on_the_form(miyakonojo, operator, gym):
    client = _client(operator)
    client.post(STAFF + "/gym-1/open/", {"opened_at": _local(timezone.now())})
    again = client.post(STAFF + "/gym-1/open/", {"opened_at": _local(timezone.now())})
    assert again.status_code == 422
    assert ShelterOpening.all_tenants.count() == 1


def test_register_and_edit_through_the_form(miyakonojo, operator):
    client = _client(operator)
    data = {
        "code": "452025-0100",
        "name_ja": "庄内地区公民館",
        "name_en": "Shonai Community Hall",
        "address": "宮崎県都城市庄内町",
        "latitude": "31.785",
        "longitude": "131.015",
        "capacity": "150",
        "kinds": ["is_emergency_site", "is_shelter"],
        "hazards": ["hazard_flood", "hazard_earthquake"],
        "features": ["accessible"],
    }
    created = client.post(STAFF + "/new/", data)
    assert created.status_code == 302
    shelter = selectors.shelter_get(municipality=miyakonojo, code="452025-0100")
    assert shelter.is_shelter and shelter.hazard_flood and shelter.accessible
    assert not shelter.welfare and not shelter.hazard_tsunami
    # A form without any kind: the error is on the kinds, nothing saved.
    refused = client.post(STAFF + "/new/", {**data, "code": "x-2", "kinds": []})
    assert refused.status_code == 422 and refused.context["form"].errors["kinds"]
    bad_phone = client.post(STAFF + "/new/", {**data, "code": "x-3", "phone": "23-7140"})
    assert bad_phone.status_code == 422 and bad_phone.context["form"].errors["phone"]
    assert Shelter.all_tenants.count() == 1
    edit = client.get(STAFF + "/452025-0100/edit/")
    assert edit.context["form"].initial["hazards"] == ["hazard_flood", "hazard_earthquake"]
    saved = client.post(
        STAFF + "/452025-0100/edit/",
        {**data, "capacity": "180", "features": ["welfare"], "active": "1"},
    )
    assert saved.status_code == 302
    shelter.refresh_from_db()
    assert shelter.capacity == 180 and shelter.welfare and not shelter.accessible


def test_import_page_shows_every_problem_then_imports(miyakonojo, operator):
    client = _client(operator)
    bad = "ID,名称,所在地_連結表記,想定収容人数\nA1,公民館,宮崎県都城市,たくさん\n"
    answer = client.post(
        STAFF + "/import/",
        {"file": SimpleUploadedFile("shelters.csv", bad.encode("cp932"), "text/csv")},
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "想定収容人数" in page and "たくさん" in page
    assert not Shelter.all_tenants.exists()
    good = bad.replace("たくさん", "120")
    done = client.post(
        STAFF + "/import/",
        {"file": SimpleUploadedFile("shelters.csv", good.encode("cp932"), "text/csv")},
    )
    assert done.status_code == 200 and done.context["result"].created == ["A1"]
    assert selectors.shelter_get(municipality=miyakonojo, code="A1").capacity == 120


def test_staff_home_and_dashboard_link_the_shelters(miyakonojo, operator, gym):
    services.shelter_open(municipality=miyakonojo, actor=None, shelter=gym, evacuees=20)
    home = _client(operator).get("/m/452025/staff/").content.decode()
    assert f"{STAFF}/" in home
    dashboard = _client(operator).get(BASE + "/staff/").content.decode()
    assert f"{STAFF}/" in dashboard and "妻ケ丘小学校体育館" in dashboard


# ------------------------------------------------------------------------------------------
# Public
# ------------------------------------------------------------------------------------------


def test_public_page_lists_open_shelters_in_three_variants(miyakonojo, gym, hall):
    opening = services.shelter_open(municipality=miyakonojo, actor=None, shelter=hall)
    services.shelter_count_record(
        municipality=miyakonojo, actor=None, opening=opening, evacuees=700
    )
    page = _client().get(BASE + "/").content.decode()
    assert "都城市総合文化ホール" in page and "700" in page and "800" in page
    assert "混雑" in page  # 88 %
    assert "妻ケ丘小学校体育館" not in page  # designated but not open
    assert 'class="shelter-point"' in page  # on the map too
    english = _client().get(BASE + "/?lang=en").content.decode()
    assert "Open shelters" in english and "Crowded" in english and "700 of 800" in english
    easy = _client().get(BASE + "/?lang=easy").content.decode()
    assert "ひらいて いる ひなんじょ" in easy and "とても こんで います" in easy


def test_public_page_says_when_no_shelter_is_open(miyakonojo, gym):
    page = _client().get(BASE + "/?lang=en").content.decode()
    assert "No shelter is open now" in page


def test_shelters_geojson(miyakonojo, miyazaki, gym, hall):
    services.shelter_open(municipality=miyakonojo, actor=None, shelter=gym, evacuees=30)
    answer = _client().get(BASE + "/shelters.geojson")
    assert answer["Content-Type"] == "application/geo+json"
    body = json.loads(answer.content)
    by_id = {f["id"]: f for f in body["features"]}
    assert set(by_id) == {"gym-1", "hall-1"}
    props = by_id["gym-1"]["properties"]
    assert by_id["gym-1"]["geometry"] == {"type": "Point", "coordinates": [131.056, 31.724]}
    assert props["open"] and props["evacuees"] == 30 and props["capacity"] == 300
    assert props["crowding"] == "space" and props["crowding_text"] == "空きがあります"
    assert props["hazards"] == ["flood", "earthquake"]
    assert by_id["hall-1"]["properties"]["open"] is False
    assert by_id["hall-1"]["properties"]["welfare"] is True
    only_open = json.loads(_client().get(BASE + "/shelters.geojson?open=1&lang=en").content)
    assert [f["id"] for f in only_open["features"]] == ["gym-1"]
    assert only_open["features"][0]["properties"]["crowding_text"] == "Space available"
    easy = json.loads(_client().get(BASE + "/shelters.geojson?lang=easy").content)
    assert easy["features"][0]["properties"]["crowding_text"] == "まだ はいれます"
    other = json.loads(_client().get("/m/452017/disaster/shelters.geojson").content)
    assert other["features"] == []


def test_feeds_carry_openings_and_closings(miyakonojo, gym, hall):
    now = timezone.now()
    first = services.shelter_open(
        municipality=miyakonojo, actor=None, shelter=gym, opened_at=now - dt.timedelta(hours=2)
    )
    services.shelter_close(municipality=miyakonojo, actor=None, opening=first)
    services.shelter_open(municipality=miyakonojo, actor=None, shelter=hall, evacuees=5)
    # Opened and closed long ago: not in the feed.
    old = factories.shelter(miyakonojo, code="old")
    long_ago = services.shelter_open(
        municipality=miyakonojo, actor=None, shelter=old, opened_at=now - dt.timedelta(days=30)
    )
    services.shelter_close(
        municipality=miyakonojo,
        actor=None,
        opening=long_ago,
        closed_at=now - dt.timedelta(days=29),
    )
    atom = _client().get(BASE + "/feed.atom")
    root = ET.fromstring(atom.content)  # noqa: S314 (our own feed)
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert len(entries) == 3
    assert any(t.startswith("避難所開設") and "都城市総合文化ホール" in t for t in titles)
    assert any(t.startswith("避難所閉鎖") and "妻ケ丘小学校体育館" in t for t in titles)
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == 3
    # Japanese sentences end with 。, not with an English full stop.
    summaries = [e.find(f"{ATOM}summary").text for e in entries]
    assert all(s.startswith("所在地: ") and ". " not in s for s in summaries), summaries
    feed = json.loads(_client().get(BASE + "/feed.json?lang=en").content)
    assert feed["title"] == "Miyakonojo City: evacuation orders, warning levels and shelters"
    items = {item["title"]: item for item in feed["items"]}
    assert "Shelter opened: 都城市総合文化ホール" in items
    assert "Shelter closed: Tsumagaoka Elementary School Gym" in items
    opened = items["Shelter opened: 都城市総合文化ホール"]
    assert opened["tags"] == ["shelter", "open"] and "Capacity 800 people" in opened["content_text"]
    assert opened["url"].endswith("/disaster/?lang=en#shelter-hall-1")  # the English page
    dt.datetime.fromisoformat(opened["date_published"])
    easy = json.loads(_client().get(BASE + "/feed.json?lang=easy").content)
    assert any(i["title"].startswith("ひなんじょが ひらきました") for i in easy["items"])
    assert any(i["title"].startswith("ひなんじょが しまりました") for i in easy["items"])


def test_the_orders_offered_when_opening_read_in_local_time(miyakonojo, operator, gym, river):
    decided = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    services.decision_record(
        municipality=miyakonojo,
        actor=operator,
        action="issue",
        level=4,
        kind="避難指示",
        area="岳下地区",
        decided_at=decided,
        stations=[river],
    )
    local = timezone.localtime(decided).strftime("%Y-%m-%d %H:%M")
    page = _client(operator).get(STAFF + "/gym-1/open/").content.decode()
    assert f"{local} 警戒レベル4 避難指示 — 岳下地区" in page
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(operator)
    page = english.get(STAFF + "/gym-1/open/").content.decode()
    assert f"{local} alert level 4 Evacuation instruction — 岳下地区" in page


def test_a_refused_form_says_so_in_the_pages_title(miyakonojo, operator, gym):
    client = _client(operator)
    services.shelter_open(municipality=miyakonojo, actor=operator, shelter=gym)
    refused = [
        ("/gym-1/count/", {"evacuees": "-4"}),
        ("/gym-1/close/", {"closed_at": "someday"}),
        ("/new/", {"code": ""}),
        ("/gym-1/edit/", {"name_ja": ""}),
        ("/hall-1/open/", {"opened_at": "someday"}),
    ]
    factories.shelter(miyakonojo, code="hall-1")
    for page, data in refused:
        answer = client.post(STAFF + page, data)
        assert answer.status_code in (400, 409, 422), (page, answer.status_code)
        title = answer.content.decode().split("<title>")[1]
        assert title.startswith("エラー："), (page, title[:80])
