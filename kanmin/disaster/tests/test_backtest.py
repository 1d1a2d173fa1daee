"""The criteria from what is stored: the back-test service, ``kanmin disaster backtest`` and
the staff pages, on the hand-computed history of ``test_criteria`` stored through the services.
"""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kanmin.core.errors import Invalid
from kanmin.disaster import backtest, criteria, services
from kanmin.disaster.models import IntakeTally, Observation, Quality, StationKind
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.test_criteria import LEVELS_BY_HOUR, T0, h

pytestmark = pytest.mark.django_db

URL = "/m/452025/disaster/staff/stations/{code}/criteria/"


def _store(municipality: Any, station: Any) -> None:
    services.observation_history_add(
        municipality=municipality,
        station=station,
        readings=[(h(i), str(v)) for i, v in enumerate(LEVELS_BY_HOUR)],
    )


@pytest.fixture
def gauge(miyakonojo: Any) -> Any:
    """岳下 with the reference levels 1/2/3/4/5 m and the hand-computed history."""
    station = factories.station(miyakonojo, code="takeshita")
    services.reference_levels_set(
        municipality=miyakonojo,
        actor=None,
        station=station,
        standby="1.0",
        caution="2.0",
        evacuation="3.0",
        danger="4.0",
        overflow="5.0",
        valid_from=T0.replace(year=2020),
    )
    _store(miyakonojo, station)
    return station


DECISIONS = [
    criteria.PastDecision(h(3.5), "issue", 3, "flood", "中郷地区"),
    criteria.PastDecision(h(5 + 20 / 60), "issue", 4, "flood", "中郷地区"),
    criteria.PastDecision(h(9), "lift", 4, "flood", "中郷地区"),
    criteria.PastDecision(h(20 + 10 / 60), "issue", 3, "flood", "五十市地区"),
]


def test_the_stored_history_gives_the_hand_computed_numbers(miyakonojo: Any, gauge: Any) -> None:
    analysis = backtest.analyse(
        municipality=miyakonojo, station=gauge, lead_hours=2, decisions=DECISIONS
    )
    assert (analysis.base, analysis.target) == (1.0, 4.0)
    assert [(e.start, e.end, e.peak) for e in analysis.events] == [
        (h(2), h(9), 4.5),
        (h(17), h(23), 3.2),
        (h(32), h(43), 4.3),
    ]
    # Over 2 h A rose 2.2 m: 4.0 − 2.2 = 1.80, kept at the caution level 2.0. As a rule,
    # level ≥ 2.0 fires in A at h3 (2.0; crossing 4.0 at h5: 120 min), in B at h19 (2.6,
    # never 4.0: false alarm) and in C at h34 (2.3; crossing at h38: 240 min). Median 180.
    assert [
        (s.rule, s.hits, s.misses, s.false_alarms, s.median_lead_minutes) for s in analysis.scores
    ] == [
        ("level>=3.00", 2, 0, 1, 90),
        ("level>=2.00", 2, 0, 1, 180),
        ("decisions:level>=3", 1, 1, 1, 90),
    ]
    assert analysis.as_json() == {
        "station": "takeshita",
        "events": [
            {
                "start": "2024-07-01T02:00:00+09:00",
                "end": "2024-07-01T09:00:00+09:00",
                "peak": 4.5,
                "peak_at": "2024-07-01T06:00:00+09:00",
            },
            {
                "start": "2024-07-01T17:00:00+09:00",
                "end": "2024-07-01T23:00:00+09:00",
                "peak": 3.2,
                "peak_at": "2024-07-01T20:00:00+09:00",
            },
            {
                "start": "2024-07-02T08:00:00+09:00",
                "end": "2024-07-02T19:00:00+09:00",
                "peak": 4.3,
                "peak_at": "2024-07-02T15:00:00+09:00",
            },
        ],
        "rules": [
            {
                "rule": "level>=3.00",
                "hits": 2,
                "misses": 0,
                "false_alarms": 1,
                "median_lead_minutes": 90,
            },
            {
                "rule": "level>=2.00",
                "hits": 2,
                "misses": 0,
                "false_alarms": 1,
                "median_lead_minutes": 180,
            },
            {
                "rule": "decisions:level>=3",
                "hits": 1,
                "misses": 1,
                "false_alarms": 1,
                "median_lead_minutes": 90,
            },
        ],
    }
    late = [c for r in analysis.reviews for c in r.checks if c.verdict == criteria.LATE]
    assert [(c.decision.level, c.minutes) for c in late] == [(4, 20), (3, 10)]
    assert [(m.level, m.crossing_at) for m in analysis.reviews[2].missing] == [
        (3, h(36)),
        (4, h(38)),
    ]


def test_a_candidate_rule_and_suspect_readings(miyakonojo: Any, gauge: Any) -> None:
    # A suspect 9 m spike at h47 would be a fourth event: it is left out.
    services.observation_history_add(
        municipality=miyakonojo,
        station=gauge,
        readings=[(h(47.5), "9.0")],
        quality=Quality.SUSPECT,
    )
    rule = criteria.parse_rule("level>=3.5 or rise>=1.0/1h from 2.0")
    with translation.override("en"):
        analysis = backtest.analyse(
            municipality=miyakonojo, station=gauge, rules=[rule], lead_hours=1
        )
    assert len(analysis.events) == 3
    # Over 1 h the proposal is 4.0 − 1.1 = 2.90 (test_criteria); the candidate as there.
    by_rule = {s.rule: (s.hits, s.misses, s.false_alarms) for s in analysis.scores}
    assert by_rule == {
        "level>=3.00": (2, 0, 1),
        "level>=2.90": (2, 0, 1),
        "level>=3.50 or rise>=1.00/1h from 2.00": (2, 0, 0),
    }
    assert [s.label for s in analysis.scores][2] == "Candidate"
    # No decision is recorded for the station: no "past decisions" row to read as misses.
    assert "decisions:level>=3" not in by_rule
    with pytest.raises(Invalid) as below:
        backtest.analyse(municipality=miyakonojo, station=gauge, rules=[criteria.Rule(0.5)])
    assert below.value.code == "rule_below_base"


def test_what_cannot_be_analysed(miyakonojo: Any, miyazaki: Any, gauge: Any) -> None:
    bare = factories.station(miyakonojo, code="bare")  # a river station without levels
    with pytest.raises(Invalid) as no_levels:
        backtest.analyse(municipality=miyakonojo, station=bare)
    assert no_levels.value.code == "no_levels"
    trap = factories.station(miyakonojo, code="trap", kind=StationKind.TRAP, unit="回")
    with pytest.raises(Invalid) as not_analysed:
        backtest.analyse(municipality=miyakonojo, station=trap)
    assert not_analysed.value.code == "not_analysed"
    with pytest.raises(Invalid):
        backtest.analyse(municipality=miyazaki, station=gauge)


def test_rain_events_from_a_stored_gauge(miyakonojo: Any) -> None:
    gauge = factories.station(miyakonojo, code="rain", kind=StationKind.RAIN)
    amounts = [0, 2, 10, 25, 8] + [0] * 15 + [5]
    services.observation_history_add(
        municipality=miyakonojo, station=gauge, readings=[(h(i), v) for i, v in enumerate(amounts)]
    )
    analysis = backtest.analyse(municipality=miyakonojo, station=gauge)
    assert analysis.as_json() == {
        "station": "rain",
        "events": [
            {
                "start": "2024-07-01T01:00:00+09:00",
                "end": "2024-07-01T04:00:00+09:00",
                "peak": 25.0,
                "peak_at": "2024-07-01T03:00:00+09:00",
            }
        ],
        "rules": [],
    }


def test_decisions_are_read_by_their_field_names() -> None:
    station = SimpleNamespace(pk=1)
    rows = [
        SimpleNamespace(
            decided_at=h(5), action="issue", level=4, kind="flood", area="中郷", stations=[station]
        ),
        SimpleNamespace(
            decided_at=h(1), action="issue", level="3", kind=None, area="", stations=[station]
        ),
    ]
    assert backtest.decisions_from_rows(rows) == [
        criteria.PastDecision(h(1), "issue", 3, "", ""),
        criteria.PastDecision(h(5), "issue", 4, "flood", "中郷"),
    ]


def test_history_added_in_bulk_once(miyakonojo: Any, gauge: Any) -> None:
    assert Observation.all_tenants.filter(station=gauge).count() == len(LEVELS_BY_HOUR)
    # Again: nothing new; a reading already stored keeps its value.
    again = services.observation_history_add(
        municipality=miyakonojo, station=gauge, readings=[(h(0), "7.0"), (h(60), "0.5")]
    )
    assert again == 1
    assert Observation.all_tenants.get(station=gauge, observed_at=h(0)).value == 0.5
    tally = IntakeTally.objects.get(municipality=miyakonojo, outcome="stored")
    assert tally.count == len(LEVELS_BY_HOUR) + 1
    # Naive times and impossible values are refused before anything is written.
    for bad in ([(h(61), "0.5"), (h(62).replace(tzinfo=None), "0.5")], [(h(61), "500")]):
        with pytest.raises(Invalid):
            services.observation_history_add(municipality=miyakonojo, station=gauge, readings=bad)
    assert not Observation.all_tenants.filter(station=gauge, observed_at=h(61)).exists()


# ------------------------------------------------------------------------------------------
# kanmin disaster backtest
# ------------------------------------------------------------------------------------------


def _kanmin(*args: str) -> str:
    out = io.StringIO()
    call_command("disaster_backtest", *args, stdout=out)
    return out.getvalue()


def test_cli_json(gauge: Any) -> None:
    printed = json.loads(
        _kanmin("--municipality", "452025", "--station", "takeshita", "--format", "json",
                "--rule", "3.5", "--lead-hours", "1")
    )  # fmt: skip
    assert list(printed) == ["station", "events", "rules"]
    assert printed["station"] == "takeshita"
    assert [list(e) for e in printed["events"]] == [["start", "end", "peak", "peak_at"]] * 3
    assert [e["peak"] for e in printed["events"]] == [4.5, 3.2, 4.3]
    assert printed["rules"] == [
        {
            "rule": "level>=3.00",
            "hits": 2,
            "misses": 0,
            "false_alarms": 1,
            "median_lead_minutes": 90,
        },
        {
            "rule": "level>=2.90",
            "hits": 2,
            "misses": 0,
            "false_alarms": 1,
            "median_lead_minutes": 90,
        },
        {
            "rule": "level>=3.50",
            "hits": 1,
            "misses": 1,
            "false_alarms": 0,
            "median_lead_minutes": 60,
        },
    ]


def test_cli_text_in_both_languages(gauge: Any) -> None:
    english = _kanmin("--municipality", "452025", "--station", "takeshita", "--lang", "en")
    assert "3 events (at or above 1.00 m)" in english
    assert "level>=3.00 (Evacuation decision level in force)" in english
    row = next(line for line in english.splitlines() if line.startswith("level>=3.00"))
    assert row.split()[-4:] == ["2", "0", "1", "90"]
    assert "2024-07-01 02:00" in english and "4.50" in english
    assert "Missing: Level 4: evacuation order" in english
    japanese = _kanmin("--municipality", "452025", "--station", "takeshita")
    with translation.override("ja"):
        for context, msgid in (
            ("criteria", "hits"),
            ("criteria", "misses"),
            ("criteria", "false alarms"),
            (
                None,
                "Proposed thresholds (lead time needed: %(hours)s h; design rise: %(statistic)s)",
            ),
        ):
            text = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            assert text != msgid
            assert text.split("%")[0] in japanese
    assert "出水" in japanese and "見逃し" in japanese and "空振り" in japanese


def test_cli_errors(gauge: Any) -> None:
    for args, message in (
        (("--station", "nowhere"), "nowhere"),
        (("--station", "takeshita", "--rule", "high"), "high"),
        (("--station", "takeshita", "--rule", "0.5"), "1.00"),
        (("--station", "takeshita", "--lead-hours", "0"), "24"),
    ):
        with pytest.raises(CommandError, match=message):
            _kanmin("--municipality", "452025", "--lang", "en", *args)
    with pytest.raises(CommandError):
        _kanmin("--municipality", "999999", "--station", "takeshita")


# ------------------------------------------------------------------------------------------
# The staff pages
# ------------------------------------------------------------------------------------------


def test_who_sees_the_pages(
    client: Any, make_user: Any, miyakonojo: Any, miyazaki: Any, gauge: Any
) -> None:
    url = URL.format(code="takeshita")
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(make_user("clerk", "department_staff", miyakonojo))
    assert client.get(url).status_code == 403
    client.force_login(make_user("other", "disaster_operator", miyazaki))
    assert client.get(url).status_code == 404  # another municipality's rows: not found
    assert client.get("/m/452017/disaster/staff/stations/takeshita/criteria/").status_code == 404
    client.force_login(make_user("bousai", "disaster_operator", miyakonojo))
    assert client.get(url).status_code == 200
    assert client.get(URL.format(code="nowhere")).status_code == 404
    index = client.get("/m/452025/disaster/staff/criteria/").content.decode()
    assert url in index
    staff_home = client.get("/m/452025/staff/").content.decode()
    assert "/m/452025/disaster/staff/criteria/" in staff_home


def test_the_page_shows_events_backtest_and_a_candidate(
    client: Any, make_user: Any, miyakonojo: Any, gauge: Any
) -> None:
    client.force_login(make_user("bousai", "disaster_operator", miyakonojo))
    url = URL.format(code="takeshita")
    tried = {"lead_hours": "1", "level": "3.5", "rise": "1.0", "rise_hours": "1", "rise_from": "2"}
    page = client.get(url, tried, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "level&gt;=3.50 or rise&gt;=1.00/1h from 2.00" in html
    assert "Evacuation decision level 2.90 m (now 3.00 m)" in html
    assert "hit, 120 min ahead" in html  # level ≥ 3.0 in C
    assert html.count('class="result-false_alarm"') == 2  # B under 3.00 and under 2.90
    chart = client.get(url + "chart.svg", {"level": "3.5"})
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert chart.content.lstrip().startswith(b"<?xml")
    # A candidate below the stand-by level is refused on the form; the rest still shows.
    refused = client.get(url, {"level": "0.5"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "cannot fire below the stand-by level" in refused
    assert "level&gt;=3.00" in refused
    # What cannot be read is shown as an error; what can (the lead time) is still used.
    unreadable = client.get(url, {"level": "high", "lead_hours": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    html = unreadable.content.decode()
    assert unreadable.status_code == 200 and 'class="error-summary"' in html
    assert "Evacuation decision level 2.90 m (now 3.00 m)" in html
    # Without any parameter the form shows the defaults it used.
    plain = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="lead_hours" value="2"' in plain
    assert "Evacuation decision level 2.00 m (now 3.00 m)" in plain


def test_pages_of_other_kinds(client: Any, make_user: Any, miyakonojo: Any) -> None:
    client.force_login(make_user("bousai", "disaster_operator", miyakonojo))
    factories.station(miyakonojo, code="bare")
    page = client.get(URL.format(code="bare"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Set this station&#x27;s reference levels first" in page
    rain = factories.station(miyakonojo, code="rain", kind=StationKind.RAIN)
    services.observation_history_add(
        municipality=miyakonojo,
        station=rain,
        readings=[(h(i), v) for i, v in enumerate([0, 20, 15, 0])],
    )
    page = client.get(URL.format(code="rain"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Rain events and their accumulations" in page and ">35<" in page
