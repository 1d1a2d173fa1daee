"""The municipality's audit log for its auditors: only theirs, filtered by kind and date,
exportable as CSV (the export is itself recorded); nobody else may read it (issue 12)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import password_of
from kanmin.audit.models import AuditEvent
from kanmin.core import services as core_services

pytestmark = pytest.mark.django_db

PAGE = "/m/452025/staff/audit/"
CSV = "/m/452025/staff/audit/log.csv"


@pytest.fixture
def log(client, make_user, miyakonojo, miyazaki):
    """A sign-in and a failed one in each municipality, and a change in each."""
    make_user("steward", "data_steward", miyakonojo)
    make_user("other", "data_steward", miyazaki)
    for name in ("steward", "other"):
        client.post("/accounts/login/", {"username": name, "password": "wrong"})
        client.post("/accounts/login/", {"username": name, "password": password_of(name)})
        client.logout()
    core_services.department_create(
        municipality=miyakonojo, actor=None, code="somu", name_ja="総務課"
    )
    core_services.department_create(
        municipality=miyazaki, actor=None, code="kikaku", name_ja="企画課"
    )


@pytest.fixture
def auditor(client, make_user, miyakonojo, log):
    user = make_user("kansa", "auditor", miyakonojo)
    client.force_login(user)
    return user


def _csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_the_auditor_sees_their_municipalitys_entries_only(client, auditor):
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "総務課" in page and "企画課" not in page
    assert "other" not in page.replace("others", "")
    assert "steward" in page
    assert "203.0.113" not in page  # (no such address was used)
    assert "127.0.0.1" in page  # where the sign-ins came from


@pytest.mark.parametrize(
    ("kind", "actions"),
    [
        ("sign_in", {"accounts.sign_in"}),
        ("sign_in_failed", {"accounts.sign_in.failed"}),
        (
            "change",
            {
                "core.municipality.create",
                "core.department.create",
                "accounts.user.create",
                "accounts.membership.grant",
            },
        ),
    ],
)
def test_filter_by_kind(client, auditor, kind, actions):
    rows = _csv(client.get(CSV, {"kind": kind}))
    assert {row["action"] for row in rows} == actions
    assert {row["kind"] for row in rows} == {kind}


def test_filter_by_date(client, auditor):
    today = timezone.localdate()
    assert _csv(client.get(CSV, {"since": today.isoformat(), "until": today.isoformat()}))
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _csv(client.get(CSV, {"since": tomorrow})) == []
    response = client.get(PAGE, {"since": tomorrow, "until": today.isoformat()})
    assert response.status_code == 400
    assert "終了日" in response.content.decode() or "end date" in response.content.decode()


def test_the_csv_export_is_itself_audited(client, auditor):
    before = AuditEvent.objects.count()
    rows = _csv(client.get(CSV))
    assert len(rows) == AuditEvent.objects.filter(municipality_code="452025").count() - 1
    assert [int(r["seq"]) for r in rows] == sorted(int(r["seq"]) for r in rows)
    assert all(r["hash"] and r["prev_hash"] for r in rows)
    [export] = AuditEvent.objects.filter(action="audit.export")
    assert export.seq == before + 1 and export.actor_name == "kansa"
    assert export.municipality_code == "452025"
    assert export.changes["extra"]["rows"] == len(rows)
    # The next export lists the first one.
    assert "audit.export" in {r["action"] for r in _csv(client.get(CSV))}


def test_formula_like_values_are_neutralised_in_the_csv(client, auditor, miyakonojo):
    core_services.department_create(
        municipality=miyakonojo, actor=None, code="evil", name_ja='=HYPERLINK("http://x")'
    )
    rows = _csv(client.get(CSV, {"kind": "change"}))
    objects = [r["object"] for r in rows if "HYPERLINK" in r["object"]]
    assert objects and all(o.startswith("'=") for o in objects)


@pytest.mark.parametrize("role", ["data_steward", "municipality_admin", "department_staff"])
def test_other_roles_may_not_read_it(client, make_user, miyakonojo, log, role):
    client.force_login(make_user("someone", role, miyakonojo))
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_another_municipalitys_auditor_may_not_read_it(client, make_user, miyazaki, log):
    client.force_login(make_user("kansa2", "auditor", miyazaki))
    assert client.get(PAGE).status_code in (403, 404)
    assert client.get(CSV).status_code in (403, 404)
    assert client.get("/m/452017/staff/audit/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, log):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
