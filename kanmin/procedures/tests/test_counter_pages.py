"""Counter pages: reception issues, the desk calls and serves, the display shows numbers only,
the managers' dashboard and charts, the event log and bottlenecks; and who may open them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from kanmin.procedures import counter_services as cs
from kanmin.procedures import event_log
from kanmin.procedures.models import (
    CounterVisit,
    Form,
    FormVersion,
    Submission,
    SubmissionEvent,
)
from kanmin.procedures.tests.counter_factories import visit_at

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")
M = "/m/452025"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_reception_issues_and_the_desk_serves(
    miyakonojo: Any, clerk: Any, counter_procedures: Any
) -> None:
    client = _client(clerk)
    page = client.get(f"{M}/counter/reception/")
    assert page.status_code == 200 and "住民票の写しの交付" in page.content.decode()
    refused = client.post(f"{M}/counter/reception/", {"channel": "counter"})
    assert refused.status_code == 422
    assert (
        "Choose at least one procedure" in refused.content.decode()
        or "手続" in refused.content.decode()
    )
    issued = client.post(
        f"{M}/counter/reception/",
        {"procedures": [counter_procedures["tennyu"].pk], "channel": "counter"},
    )
    assert issued.status_code == 302
    visit = CounterVisit.all_tenants.get(municipality=miyakonojo)
    ticket = client.get(issued["Location"])
    assert f'class="ticket-number">{visit.number}<' in ticket.content.decode()

    desk = client.get(f"{M}/counter/desk/?desk=2")
    assert desk.status_code == 200 and "転入届" in desk.content.decode()
    called = client.post(f"{M}/counter/desk/call-next/", {"desk": "2", "procedure": ""})
    assert called.status_code == 302
    visit.refresh_from_db()
    assert (visit.state, visit.desk) == ("called", "2")
    display = Client().get(f"{M}/counter/display/")
    body = display.content.decode()
    assert display.status_code == 200
    assert f'<td class="display-number">{visit.number}</td><td class="display-desk">2</td>' in body
    assert "転入届" not in body  # numbers and desks only
    assert 'aria-live="assertive"' in body and 'http-equiv="refresh"' in body
    assert Client().get(f"{M}/counter/display.json").json() == {
        "called": [{"number": visit.number, "desk": "2"}],
        "waiting": 0,
    }
    for step in ("serve", "hold", "resume", "complete"):
        assert (
            client.post(f"{M}/counter/visits/{visit.pk}/{step}/", {"desk": "2"}).status_code == 302
        )
    visit.refresh_from_db()
    assert visit.state == "done"
    again = client.post(f"{M}/counter/visits/{visit.pk}/complete/", {"desk": "2"}, follow=True)
    assert "cannot be" in again.content.decode() or "できません" in again.content.decode()
    nobody = client.post(f"{M}/counter/desk/call-next/", {"desk": "2"})
    assert nobody.status_code == 409


def test_counter_pages_refuse_other_tenants_and_other_roles(
    miyakonojo: Any, miyazaki: Any, make_user: Any, clerk: Any, counter_procedures: Any
) -> None:
    """Another city's clerk gets 404 on our pages and rows; our resident 403; the clerk
    cannot open the managers' pages."""
    visit = cs.visit_issue(
        municipality=miyakonojo, actor=clerk, procedures=[counter_procedures["tennyu"]]
    )
    other = _client(make_user("miyazaki-clerk", "counter_clerk", miyazaki))
    assert other.get(f"{M}/counter/desk/").status_code == 404
    assert other.get(f"{M}/counter/tickets/{visit.pk}/").status_code == 404
    assert other.post(f"{M}/counter/visits/{visit.pk}/serve/", {"desk": "1"}).status_code == 404
    assert other.get(f"/m/452017/counter/tickets/{visit.pk}/").status_code == 404
    assert (
        other.post(f"/m/452017/counter/visits/{visit.pk}/serve/", {"desk": "1"}).status_code == 404
    )
    assert CounterVisit.all_tenants.get(pk=visit.pk).state == "waiting"
    resident = _client(make_user("jumin", "citizen", miyakonojo))
    assert resident.get(f"{M}/counter/reception/").status_code == 403
    mine = _client(clerk)
    assert mine.get(f"{M}/counter/staff/").status_code == 403
    assert mine.get(f"{M}/procedures/staff/event-log.csv").status_code == 403
    assert Client().get(f"{M}/counter/desk/").status_code == 302  # sign in first


def _month(miyakonojo: Any, procs: dict[str, Any]) -> None:
    for day in range(2, 32):
        date = dt.date(2026, 3, day)
        if date.weekday() >= 5:
            continue
        service = 10 if day < 16 else 6
        for i in range(3):
            visit_at(
                miyakonojo,
                number=i + 1,
                issued_at=dt.datetime(2026, 3, day, 9 + i, 0, tzinfo=JST),
                procedures=[procs["juminhyo-copy"]],
                steps=[("waiting", 5 + i), ("called", 1), ("serving", service)],
            )


def test_dashboard_with_charts_and_a_bpr_change(
    miyakonojo: Any, counter_manager: Any, counter_procedures: Any
) -> None:
    _month(miyakonojo, counter_procedures)
    client = _client(counter_manager)
    recorded = client.post(
        f"{M}/counter/staff/bpr/new/",
        {
            "effective_on": "2026-03-16",
            "description": "書かない窓口",
            "procedures": [counter_procedures["juminhyo-copy"].pk],
        },
    )
    assert recorded.status_code == 302 and "change=" in recorded["Location"]
    page = client.get(recorded["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "2026-03-02" in body and "2026-03-29" in body  # two whole weeks on each side
    with translation.override("ja"):
        before_label, after_label = translation.gettext("Before"), translation.gettext("After")
    before = body[body.index(f'<th scope="row">{before_label}</th>') :]
    after = body[body.index(f'<th scope="row">{after_label}</th>') :]
    # 30 visits each side; service 10 minutes before the change, 6 after
    assert before.startswith(f'<th scope="row">{before_label}</th><td>30</td>')
    assert "<td>30</td><td>10.0</td><td>10.0</td>" in before.split("</tr>")[0]
    assert "<td>30</td><td>6.0</td><td>6.0</td>" in after.split("</tr>")[0]
    for kind in ("procedure-wait", "procedure-service", "hour", "bpr"):
        chart = client.get(
            f"{M}/counter/staff/chart-{kind}.svg?change=" + recorded["Location"].split("change=")[1]
        )
        assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
        assert b"<svg" in chart.content
    missing = client.post(
        f"{M}/counter/staff/bpr/new/", {"effective_on": "", "description": "kept text"}
    )
    assert missing.status_code == 422 and "kept text" in missing.content.decode()


def test_event_log_rows_and_bottlenecks(
    miyakonojo: Any, miyazaki: Any, counter_manager: Any, counter_procedures: Any
) -> None:
    visit = visit_at(
        miyakonojo,
        number=7,
        issued_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=JST),
        procedures=[counter_procedures["tennyu"], counter_procedures["juminhyo-copy"]],
        steps=[("waiting", 12), ("called", 1), ("serving", 5), ("on_hold", 10), ("serving", 3)],
        desk="4",
    )
    form = Form.all_tenants.create(
        municipality=miyakonojo, procedure=counter_procedures["tennyu"], slug="f", title_ja="f"
    )
    version = FormVersion.all_tenants.create(
        municipality=miyakonojo, form=form, number=1, definition={}
    )
    submission = Submission.all_tenants.create(
        municipality=miyakonojo,
        form=form,
        version=version,
        procedure=counter_procedures["tennyu"],
        reference="=HYPERLINK(1)",
        status="completed",
    )
    base = dt.datetime(2026, 3, 3, 10, 0, tzinfo=JST)
    for hours, (frm, to, resident) in enumerate(
        [
            ("draft", "received", True),
            ("received", "reviewing", False),
            ("reviewing", "completed", False),
        ]
    ):
        SubmissionEvent.all_tenants.create(
            municipality=miyakonojo,
            submission=submission,
            kind="status",
            status_from=frm,
            status_to=to,
            by_resident=resident,
            at=base + dt.timedelta(hours=hours * 24),
        )
    response = _client(counter_manager).get(
        f"{M}/procedures/staff/event-log.csv?start=2026-03-01&end=2026-03-31"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(event_log.COLUMNS)
    counter_rows = [r for r in rows[1:] if r[5] == "counter"]
    assert [r[1] for r in counter_rows] == [
        "issued",
        "called",
        "serving",
        "on_hold",
        "serving",
        "done",
    ]
    assert counter_rows[0][0] == "visit-20260302-0007"
    assert counter_rows[0][2] == "2026-03-02T09:00:00+09:00"
    assert counter_rows[1][3] == "4" and counter_rows[1][4] == "juminhyo-copy tennyu"
    online = [r for r in rows[1:] if r[5] == "online"]
    assert [r[1] for r in online] == ["received", "reviewing", "completed"]
    assert online[0][0] == "'=HYPERLINK(1)"  # formula-safe
    assert {r[3] for r in online} == {"resident", "staff"}
    assert str(visit.pk) not in {r[0] for r in rows[1:]}

    analysis = event_log.bottlenecks(
        event_log.event_log(
            municipality=miyakonojo, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 31)
        )
    )
    tennyu = {(t.source, t.step_from, t.step_to): t for t in analysis["tennyu"]}
    assert tennyu[("counter", "issued", "called")].median == 12.0
    assert tennyu[("online", "received", "reviewing")].median == 24 * 60
    slowest = [t for t in analysis["tennyu"] if t.slowest]
    assert len(slowest) == 1 and slowest[0].step_from in ("received", "reviewing")
    page = _client(counter_manager).get(
        f"{M}/procedures/staff/bottlenecks/?start=2026-03-01&end=2026-03-31"
    )
    assert page.status_code == 200 and 'class="slowest"' in page.content.decode()
    chart = _client(counter_manager).get(
        f"{M}/procedures/staff/bottlenecks/tennyu.svg?start=2026-03-01&end=2026-03-31"
    )
    assert chart.status_code == 200 and b"<svg" in chart.content
    # 宮崎市's log has none of it
    assert not list(
        event_log.event_log(
            municipality=miyazaki, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 31)
        )
    )


def test_the_desk_page_follows_the_queue_unless_stopped(
    miyakonojo: Any, clerk: Any, counter_procedures: Any
) -> None:
    """With JavaScript the lists are fetched again (counter_desk.js); without it the page
    reloads itself (a <noscript> refresh). ?refresh=0 stops both; a page showing a form's
    errors does not reload (it would lose them)."""
    client = _client(clerk)
    page = client.get(f"{M}/counter/desk/?desk=2")
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="30">' in html
    assert "counter_desk" in html and 'id="desk-queue" data-interval="10000"' in html
    assert 'href="/m/452025/counter/desk/?refresh=0&amp;desk=2"' in html
    assert page["Cache-Control"] == "no-cache"
    stopped = client.get(f"{M}/counter/desk/?desk=2&refresh=0").content.decode()
    assert 'http-equiv="refresh"' not in stopped and "counter_desk" not in stopped
    refused = client.post(f"{M}/counter/desk/call-next/", {"desk": "2"})  # nobody waiting
    assert refused.status_code in (409, 422)
    assert 'http-equiv="refresh"' not in refused.content.decode()
