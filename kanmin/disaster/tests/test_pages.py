"""The disaster pages: permissions and tenancy of each staff page, the decision form, the
rules editor, and the public page, GeoJSON, feeds and the orders dataset."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.disaster import rules, selectors, services
from kanmin.disaster.models import Decision, RuleSet, StationKind
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.readings import series

BASE = "/m/452025/disaster"
ATOM = "{http://www.w3.org/2005/Atom}"


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
    factories.station(
        miyakonojo, code="rain1", kind=StationKind.RAIN, name_ja="庄内雨量", name_en=""
    )
    return river


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _decision(miyakonojo, operator, river, **fields):
    values = {
        "action": "issue",
        "level": 4,
        "kind": "避難指示",
        "area": "岳下地区",
        "decided_at": timezone.now(),
        "stations": [river],
    }
    values.update(fields)
    return services.decision_record(municipality=miyakonojo, actor=operator, **values)


STAFF_PAGES = [
    "/staff/",
    "/staff/official/",
    "/staff/decisions/new/",
    "/staff/rules/",
    "/staff/rules/edit/",
    "/staff/stations/takeshita/chart.svg",
    "/staff/criteria/",
    "/staff/stations/takeshita/criteria/",
]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_need_the_disaster_role_of_this_municipality(
    page, miyakonojo, miyazaki, operator, rising, make_user
):
    assert _client(operator).get(BASE + page).status_code == 200
    anonymous = _client().get(BASE + page)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    steward = make_user("steward", "data_steward", miyakonojo)
    assert _client(steward).get(BASE + page).status_code == 403
    # Another municipality's operator cannot even tell that the page's rows exist: 404, as
    # the station, device and shelter pages answer.
    other = make_user("other", "disaster_operator", miyazaki)
    assert _client(other).get(BASE + page).status_code == 404


def test_writes_of_another_municipalitys_operator_are_not_found_and_change_nothing(
    miyakonojo, miyazaki, operator, rising, make_user
):
    decision = _decision(miyakonojo, operator, rising)
    (alert,) = services.levels_refresh(municipality=miyakonojo, stations=[rising])
    other = _client(make_user("other", "disaster_operator", miyazaki))
    audited = AuditEvent.objects.filter(action__startswith="disaster.").count()
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    writes = [
        (f"/staff/alerts/{alert.pk}/acknowledge/", {}),
        ("/staff/official/", {"kind": "大雨警報", "area": "x", "issued_at": now}),
        ("/staff/decisions/new/", {"action": "issue", "kind": "避難指示", "area": "x"}),
        (f"/staff/decisions/{decision.pk}/", {"text": "note"}),
        ("/staff/rules/edit/", {"reason": "x", "valid_from": now}),
    ]
    for page, data in writes:
        assert other.post(BASE + page, data).status_code == 404, page
    assert AuditEvent.objects.filter(action__startswith="disaster.").count() == audited
    assert Decision.all_tenants.count() == 1 and RuleSet.all_tenants.count() <= 1
    assert selectors.alert_list(municipality=miyakonojo, unacknowledged=True).exists()


def test_dashboard_shows_levels_alerts_orders(miyakonojo, operator, rising, now):
    services.levels_refresh(municipality=miyakonojo)
    _decision(miyakonojo, operator, rising)
    page = _client(operator).get(BASE + "/staff/").content.decode()
    assert "岳下橋" in page and "警戒レベル4" in page
    assert '<svg class="station-map"' in page
    assert "0 から 4" in page or "from 0 to 4" in page
    assert "避難指示" in page and "岳下地区" in page
    chart = _client(operator).get(BASE + "/staff/stations/takeshita/chart.svg")
    assert chart["Content-Type"] == "image/svg+xml" and b"<svg" in chart.content


def test_alert_acknowledge(miyakonojo, operator, rising, make_user, miyazaki):
    (alert,) = services.levels_refresh(municipality=miyakonojo, stations=[rising])
    url = f"{BASE}/staff/alerts/{alert.pk}/acknowledge/"
    other = make_user("other", "disaster_operator", miyazaki)
    assert _client(other).post(url).status_code == 404
    assert _client(operator).post(url).status_code == 302
    assert not selectors.alert_list(municipality=miyakonojo, unacknowledged=True).exists()
    assert AuditEvent.objects.filter(action="disaster.alert.acknowledge").count() == 1


def test_recording_a_decision_through_the_form(miyakonojo, operator, rising, now):
    client = _client(operator)
    form = client.get(BASE + "/staff/decisions/new/")
    page = form.content.decode()
    assert "氾濫危険水位" in page and "4.6" in page  # the evidence shown
    shown_at = form.context["form"].initial["shown_at"]
    assert form.context["form"].initial["kind"] == "避難指示"
    answer = client.post(
        BASE + "/staff/decisions/new/",
        {
            "action": "issue",
            "kind": "避難指示",
            "area": "岳下地区",
            "area_codes": "A01, A02",
            "decided_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "reason": "氾濫危険水位を超えたため",
            "stations": ["takeshita"],
            "shown_at": shown_at,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    decision = Decision.all_tenants.get()
    assert answer["Location"].endswith(f"/staff/decisions/{decision.pk}/")
    assert decision.level == 4 and decision.area_codes == ["A01", "A02"]
    assert decision.evidence["shown_at"] == shown_at
    assert decision.evidence["stations"][0]["readings"][-1][1] == "4.6"
    detail = client.get(answer["Location"]).content.decode()
    assert "岳下地区" in detail and "4.6" in detail
    noted = client.post(answer["Location"], {"text": "消防団から越水の報告あり"})
    assert noted.status_code == 302
    assert "消防団から越水の報告あり" in client.get(answer["Location"]).content.decode()


def test_stale_evidence_is_refused_with_a_way_forward(miyakonojo, operator, rising):
    old = (timezone.now() - dt.timedelta(hours=3)).isoformat()
    answer = _client(operator).post(
        BASE + "/staff/decisions/new/",
        {
            "action": "issue",
            "kind": "避難指示",
            "area": "岳下地区",
            "decided_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "stations": ["takeshita"],
            "shown_at": old,
        },
    )
    assert answer.status_code == 422
    assert "two hours" in answer.content.decode() or "2時間" in answer.content.decode()
    assert not Decision.all_tenants.exists()


def test_decision_of_another_municipality_is_not_found(miyakonojo, miyazaki, operator, rising):
    decision = _decision(miyakonojo, operator, rising)
    factories.station(miyazaki, code="x")
    from django.contrib.auth import get_user_model

    other = get_user_model().objects.create(username="o")
    from kanmin.accounts import services as account_services

    account_services.membership_grant(
        municipality=miyazaki, actor=None, user=other, role="disaster_operator"
    )
    answer = _client(other).get(f"/m/452017/disaster/staff/decisions/{decision.pk}/")
    assert answer.status_code == 404


def test_rules_editor_saves_a_new_version(miyakonojo, operator):
    client = _client(operator)
    page = client.get(BASE + "/staff/rules/edit/")
    levels = page.context["levels"]
    rule_forms = page.context["rule_forms"]
    data = {
        "reason": "大雨浸水の基準を追加",
        "valid_from": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "stale_after_minutes": "90",
        "levels-TOTAL_FORMS": "5",
        "levels-INITIAL_FORMS": "5",
        "levels-MIN_NUM_FORMS": "5",
        "levels-MAX_NUM_FORMS": "5",
        "rules-TOTAL_FORMS": str(len(rule_forms.forms)),
        "rules-INITIAL_FORMS": str(rule_forms.initial_form_count()),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "200",
    }
    for i, form in enumerate(levels.forms):
        for name, value in form.initial.items():
            data[f"levels-{i}-{name}"] = value
    data["levels-3-action_ja"] = "避難指示（全員避難）"
    for i, form in enumerate(rule_forms.forms):
        for name, value in (form.initial or {}).items():
            data[f"rules-{i}-{name}"] = "" if value is None else value
    new = rule_forms.initial_form_count()
    data.update(
        {
            f"rules-{new}-key": "rain-60",
            f"rules-{new}-level": "3",
            f"rules-{new}-hazard": "inundation",
            f"rules-{new}-trigger": "observation",
            f"rules-{new}-station_kind": "rain",
            f"rules-{new}-measure": "sum",
            f"rules-{new}-threshold": "50",
            f"rules-{new}-window_minutes": "60",
        }
    )
    data["rules-0-DELETE"] = "on"  # river-caution
    answer = client.post(BASE + "/staff/rules/edit/", data)
    assert answer.status_code == 302, answer.context and answer.context.get("problems")
    saved = selectors.ruleset_in_force(municipality=miyakonojo)
    assert saved.version == 1 and saved.created_by == operator
    definition = saved.parsed
    assert definition.level(4).action_ja == "避難指示（全員避難）"
    assert definition.rule("rain-60").threshold == 50
    assert definition.rule("river-caution") is None
    assert definition.stale_after_minutes == 90
    assert len(definition.rules) == len(rules.parse(rules.default_data()).rules)
    # A bad rule is refused with the reason, nothing saved.
    data[f"rules-{new}-window_minutes"] = ""
    refused = client.post(BASE + "/staff/rules/edit/", data)
    assert refused.status_code == 422
    assert refused.context["problems"]
    assert RuleSet.all_tenants.count() == 1


def test_public_page_lists_every_station_in_words(miyakonojo, operator, rising):
    _decision(miyakonojo, operator, rising)
    page = _client().get(BASE + "/").content.decode()
    assert "避難指示" in page and "岳下地区" in page
    assert "岳下橋" in page and "庄内雨量" in page and "警戒レベル4" in page
    english = _client().get(BASE + "/?lang=en").content.decode()
    assert "Takeshita Bridge" in english and "Alert level 4" in english
    easy = _client().get(BASE + "/?lang=easy").content.decode()
    assert "やさしい にほんご" in easy and "けいかい レベル4" in easy and "みんな にげて" in easy


def test_geojson(miyakonojo, rising):
    answer = _client().get(BASE + "/stations.geojson")
    assert answer["Content-Type"] == "application/geo+json"
    body = json.loads(answer.content)
    assert body["type"] == "FeatureCollection"
    by_code = {f["properties"]["code"]: f for f in body["features"]}
    river = by_code["takeshita"]
    assert river["geometry"] == {"type": "Point", "coordinates": [131.05, 31.75]}
    assert river["properties"]["level"] == 4 and river["properties"]["value"] == 4.6
    assert river["properties"]["reference_levels"]["danger"] == 4.5
    assert by_code["rain1"]["properties"]["value"] is None
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_feeds_are_valid_in_three_variants(miyakonojo, operator, rising):
    services.levels_refresh(municipality=miyakonojo)
    decision = _decision(miyakonojo, operator, rising)
    _decision(
        miyakonojo,
        operator,
        rising,
        action="lift",
        decided_at=timezone.now() + dt.timedelta(seconds=1),
    )
    atom = _client().get(BASE + "/feed.atom")
    assert atom["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.content)  # noqa: S314 (our own feed)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert len(entries) == 3  # the issue, the lift and the level crossing
    assert any("避難指示" in t and "岳下地区" in t for t in titles)
    for entry in entries:
        assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}updated").text
    feed = json.loads(_client().get(BASE + "/feed.json?lang=en").content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["language"] == "en" and feed["title"].startswith("Miyakonojo City")
    assert len({item["id"] for item in feed["items"]}) == len(feed["items"]) == 3
    assert any(item["title"].startswith("Issued") for item in feed["items"])
    for item in feed["items"]:
        dt.datetime.fromisoformat(item["date_published"])
        assert item["content_text"] and item["url"].startswith("http")
    easy = json.loads(_client().get(BASE + "/feed.json?lang=easy").content)
    assert any("みんな にげて" in item["title"] for item in easy["items"])
    assert f"decision-{decision.pk}" in json.dumps(feed)


def test_orders_dataset_through_the_registry(miyakonojo, operator, rising):
    _decision(miyakonojo, operator, rising, area_codes=["A01"])
    answer = _client().get("/m/452025/datasets/evacuation_orders.csv")
    assert answer.status_code == 200
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["全国地方公共団体コード", "日時", "発令・解除", "警戒レベル"]
    assert rows[1][0] == "452025" and rows[1][2] == "発令" and rows[1][5] == "岳下地区"
    assert rows[1][7] == "takeshita"
    other = _client().get("/m/452017/datasets/evacuation_orders.json")
    assert other.status_code in (200, 404)
    data = json.loads(_client().get("/m/452025/datasets/evacuation_orders.json").content)
    assert data["rows"][0]["kind"] == "避難指示"
    assert _client().get("/m/452025/datasets/nothing.csv").status_code == 404


def test_evidence_shows_local_times_and_quality_names(miyakonojo, operator, rising, now):
    """The frozen evidence keeps UTC ISO strings; the pages show them in local time like every
    other time on the page (a reading at 19:00 in Miyakonojo is not "10:00"), and the
    quality by its name, not its code."""
    services.official_info_issue(
        municipality=miyakonojo, actor=operator, kind="大雨警報（土砂災害）", issued_at=now
    )
    decision = _decision(miyakonojo, operator, rising, decided_at=now)
    local = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    utc = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    for url in (BASE + f"/staff/decisions/{decision.pk}/", BASE + "/staff/decisions/new/"):
        page = _client(operator).get(url).content.decode()
        start = page.index('class="evidence"')
        evidence = page[start : page.index("</section>", start)]
        assert utc not in evidence, url
        assert f"4.60 m ({local})" in evidence, url  # the latest reading
        assert f'<span class="muted">{local}</span>' in evidence, url  # the official information
        assert "provisional" not in evidence and ">暫定<" in evidence, url
        # The rule that fired names its station once (its text already says which).
        fired = evidence[evidence.index("該当したルール") :].split("</p>")[0]
        assert fired.count("takeshita") == 1, fired


def test_english_readers_get_the_orders_name_in_english(miyakonojo, operator, rising):
    """An order (避難指示) reads in English on English pages and feeds, from the English name
    the rules in force when it was decided give it."""
    _decision(miyakonojo, operator, rising)
    english = _client().get(BASE + "/?lang=en").content.decode()
    orders = english[english.index('id="orders"') : english.index('id="shelters"')]
    assert "Issued: alert level 4 Evacuation instruction" in orders
    assert "避難指示" not in orders
    japanese = _client().get(BASE + "/").content.decode()
    assert "警戒レベル4 避難指示" in japanese and "Evacuation instruction" not in japanese
    feed = json.loads(_client().get(BASE + "/feed.json?lang=en").content)
    assert "Issued: alert level 4 Evacuation instruction — 岳下地区" in [
        item["title"] for item in feed["items"]
    ]


def test_feeds_name_their_author_and_lead_to_the_page_in_their_language(
    miyakonojo, operator, rising
):
    decision = _decision(miyakonojo, operator, rising)
    # RFC 4287: the feed names an author, since its entries do not.
    root = ET.fromstring(_client().get(BASE + "/feed.atom").content)  # noqa: S314
    assert root.find(f"{ATOM}author/{ATOM}name").text == "都城市"
    root = ET.fromstring(_client().get(BASE + "/feed.atom?lang=en").content)  # noqa: S314
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Miyakonojo City"
    (entry,) = root.findall(f"{ATOM}entry")
    link = entry.find(f"{ATOM}link").get("href")
    assert link.endswith(f"/m/452025/disaster/?lang=en#order-{decision.pk}")
    japanese = json.loads(_client().get(BASE + "/feed.json").content)
    english = json.loads(_client().get(BASE + "/feed.json?lang=en").content)
    assert english["authors"][0]["name"] == "Miyakonojo City"
    assert english["home_page_url"].endswith("/disaster/?lang=en")
    assert english["items"][0]["url"].endswith(f"/disaster/?lang=en#order-{decision.pk}")
    # The same entry keeps its id in every language.
    assert english["items"][0]["id"] == japanese["items"][0]["id"]
    # The English page links the feeds and GeoJSON in English.
    page = _client().get(BASE + "/?lang=en").content.decode()
    for name in ("feed.atom", "feed.json", "stations.geojson", "shelters.geojson"):
        assert f'/m/452025/disaster/{name}?lang=en"' in page, name


def test_issue_or_lift_is_a_labelled_group_of_choices(miyakonojo, operator, rising):
    """The two radio buttons sit in a fieldset whose legend names them (a bare label with
    for="" named nothing), each with its own label."""
    page = _client(operator).get(BASE + "/staff/decisions/new/").content.decode()
    assert 'for=""' not in page
    start = page.index('<fieldset class="field choice-group')
    group = page[start : page.index("</fieldset>", start)]
    assert "<legend>発令・解除" in group
    assert 'id="id_action_0"' in group and '<label for="id_action_0">発令</label>' in group
    assert 'id="id_action_1"' in group and '<label for="id_action_1">解除</label>' in group


def test_a_refused_form_says_so_in_the_pages_title(miyakonojo, operator, rising):
    """Screen readers announce the title first: a form sent back with errors says so there,
    as the station, levels, device, import and criteria pages already did."""
    decision = _decision(miyakonojo, operator, rising)
    client = _client(operator)
    refused = [
        ("/staff/decisions/new/", {"action": "issue"}),
        ("/staff/official/", {"kind": ""}),
        (f"/staff/decisions/{decision.pk}/", {"text": ""}),
        ("/staff/rules/edit/", {"reason": ""}),
    ]
    for page, data in refused:
        answer = client.post(BASE + page, data)
        assert answer.status_code == 422, page
        title = answer.content.decode().split("<title>")[1]
        assert title.startswith("エラー："), (page, title[:80])
    title = client.get(BASE + "/staff/decisions/new/").content.decode().split("<title>")[1]
    assert not title.startswith("エラー")


def test_rules_name_the_kind_of_station_not_its_code(miyakonojo, operator):
    page = _client(operator).get(BASE + "/staff/rules/").content.decode()
    assert "河川水位: " in page
    assert "river_level:" not in page and "rain:" not in page


def test_readings_are_written_as_people_write_them(miyakonojo, operator, rising, now):
    """Water levels to the centimetre (4.60 m, not 4.600 m or 4.6 m beside 4.500 m), other
    values without trailing zeros, and a counter unit (回) named in English on English pages."""
    trap = factories.station(
        miyakonojo, code="trap1", kind=StationKind.TRAP, unit="回", name_ja="箱わな", name_en="Trap"
    )
    series(trap, now, ["0.000"])
    japanese = _client(operator).get(BASE + "/staff/").content.decode()
    assert "4.60 m" in japanese and "4.600 m" not in japanese
    assert "氾濫危険水位 4.50 m" in japanese  # the reference levels under the chart
    assert "0 回" in japanese
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(operator)
    for url in (BASE + "/staff/", BASE + "/staff/stations/", BASE + "/?lang=en"):
        page = english.get(url).content.decode()
        assert "0 times" in page and "回" not in page, url
        assert "4.60 m" in page, url


def test_each_chart_says_in_words_what_it_draws(miyakonojo, operator, rising, now):
    page = _client(operator).get(BASE + "/staff/").content.decode()
    start = page.index('<figure id="chart-takeshita">')
    figure = page[start : page.index("</figure>", start)]
    low_at = timezone.localtime(now - dt.timedelta(minutes=20)).strftime("%m-%d %H:%M")
    high_at = timezone.localtime(now).strftime("%m-%d %H:%M")
    assert (
        f"直近72時間の観測値 3 件：最高 4.60 m（{high_at}）、最低 3.80 m（{low_at}）、"
        f"最新 4.60 m（{high_at}）。"
    ) in figure
    assert "<img" in figure
    # A station with nothing to draw says so, instead of an empty chart.
    start = page.index('<figure id="chart-rain1">')
    figure = page[start : page.index("</figure>", start)]
    assert "<img" not in figure and "直近72時間の観測値はありません" in figure
