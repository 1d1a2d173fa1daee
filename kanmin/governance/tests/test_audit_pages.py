"""The audits' staff pages (監査・自己点検): the list by kind and 年度, department staff kept to
the audits over their own department or systems and to their findings, outsiders refused,
recording and editing an audit, adding a finding and closing it (never in the future nor
before the audit), open findings past due said in words (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.governance import services
from kanmin.governance.models import Audit, AuditFinding

pytestmark = pytest.mark.django_db

BASE = "/m/452025/governance/audits"


def _client(user: Any = None, language: str = "ja") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def audits(miyakonojo: Any, systems: dict[str, Any], departments: dict[str, Any]) -> dict[str, Any]:
    today = timezone.localdate()
    shimin = services.audit_record(
        municipality=miyakonojo,
        actor=None,
        kind="audit",
        title="住民記録システム監査",
        conducted_on=dt.date(2025, 6, 10),
        auditor="架空監査法人",
        systems=[systems["juki"], systems["zei"]],  # a finding names a system it covers
    )
    zeimu = services.audit_record(
        municipality=miyakonojo,
        actor=None,
        kind="self_check",
        title="税務課自己点検",
        conducted_on=dt.date(2024, 11, 5),
        departments=[departments["zeimu"]],
    )
    overdue = services.audit_finding_add(
        municipality=miyakonojo,
        actor=None,
        audit=shimin,
        system=systems["juki"],
        text="管理者アカウントの棚卸しがない",
        severity="high",
        due_on=today - dt.timedelta(days=4),
    )
    other = services.audit_finding_add(
        municipality=miyakonojo,
        actor=None,
        audit=shimin,
        system=systems["zei"],
        text="税務システムのログ保管期間が短い",
        severity="low",
    )
    general = services.audit_finding_add(
        municipality=miyakonojo,
        actor=None,
        audit=shimin,
        text="監査全体の指摘",
        severity="medium",
        due_on=today + dt.timedelta(days=30),
    )
    return {
        "shimin": shimin,
        "zeimu": zeimu,
        "overdue": overdue,
        "other": other,
        "general": general,
    }


def test_the_public_and_outsiders_are_refused(
    make_user: Any, miyakonojo: Any, miyazaki: Any, audits: dict[str, Any]
) -> None:
    anonymous = _client().get(BASE + "/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    steward = make_user("steward", "data_steward", miyakonojo)
    assert _client(steward).get(BASE + "/").status_code == 403
    assert _client(steward).get(f"{BASE}/{audits['shimin'].pk}/").status_code == 403
    other = make_user("miyazaki-joho", "ict_governance", miyazaki)
    assert _client(other).get(f"{BASE}/{audits['shimin'].pk}/").status_code == 404
    there = "/m/452017/governance/audits"
    assert "住民記録システム監査" not in _client(other).get(there + "/").content.decode()
    assert _client(other).get(f"{there}/{audits['shimin'].pk}/").status_code == 404
    close = _client(other).post(
        f"{there}/{audits['shimin'].pk}/findings/{audits['overdue'].pk}/close/",
        {f"finding-{audits['overdue'].pk}-closed_on": "2025-07-01"},
    )
    assert close.status_code == 404
    assert AuditFinding.all_tenants.get(pk=audits["overdue"].pk).closed_on is None


def test_the_policy_division_and_auditors_see_every_audit(
    policy: Any, auditor: Any, audits: dict[str, Any]
) -> None:
    for user in (policy, auditor):
        page = _client(user, "en").get(BASE + "/").content.decode()
        assert "住民記録システム監査" in page and "税務課自己点検" in page
        assert "Record an audit or self-check" in page
        detail = _client(user, "en").get(f"{BASE}/{audits['shimin'].pk}/").content.decode()
        assert "税務システムのログ保管期間が短い" in detail and "監査全体の指摘" in detail


def test_department_staff_see_only_their_own_audits_and_findings(
    shimin_staff: Any, audits: dict[str, Any]
) -> None:
    client = _client(shimin_staff, "en")
    page = client.get(BASE + "/").content.decode()
    assert "住民記録システム監査" in page
    assert "税務課自己点検" not in page  # 税務課's self-check
    assert "You see the audits of your own department" in page
    assert "Record an audit" not in page
    assert client.get(f"{BASE}/{audits['zeimu'].pk}/").status_code == 404
    detail = client.get(f"{BASE}/{audits['shimin'].pk}/").content.decode()
    assert "管理者アカウントの棚卸しがない" in detail
    assert "監査全体の指摘" in detail  # about the whole audit
    assert "税務システムのログ保管期間が短い" not in detail  # about 税務課's system
    assert "Close the finding" not in detail and "Add a finding" not in detail
    assert client.get(BASE + "/new/").status_code == 403
    assert client.get(f"{BASE}/{audits['shimin'].pk}/edit/").status_code == 403
    close = client.post(
        f"{BASE}/{audits['shimin'].pk}/findings/{audits['overdue'].pk}/close/",
        {f"finding-{audits['overdue'].pk}-closed_on": "2025-07-01"},
    )
    assert close.status_code == 403


def test_the_staff_home_and_the_register_link_the_pages(
    policy: Any, shimin_staff: Any, audits: dict[str, Any]
) -> None:
    home = _client(policy).get("/m/452025/staff/").content.decode()
    for path in ("audits/", "incidents/", "trainings/"):
        assert f"/m/452025/governance/{path}" in home
    register = _client(policy).get("/m/452025/governance/systems/").content.decode()
    for path in ("audits/", "incidents/", "trainings/"):
        assert f'href="/m/452025/governance/{path}"' in register
    # Department staff have no incidents or trainings pages: no link to them either.
    home = _client(shimin_staff).get("/m/452025/staff/").content.decode()
    assert f"{BASE}/" in home and "/governance/incidents/" not in home
    register = _client(shimin_staff).get("/m/452025/governance/systems/").content.decode()
    assert f'href="{BASE}/"' in register and "/governance/trainings/" not in register


def test_the_list_filters_by_kind_and_fiscal_year(policy: Any, audits: dict[str, Any]) -> None:
    client = _client(policy, "en")
    page = client.get(BASE + "/").content.decode()
    assert "2 of 2 audits." in page
    # An open finding past its due date is said in words on the list.
    assert "⚠ 1 past due" in page
    # 年度 2025 runs from 2025-04-01 to 2026-03-31: the June 2025 audit, not the November 2024 one.
    fy2025 = client.get(BASE + "/?fiscal_year=2025").content.decode()
    assert "住民記録システム監査" in fy2025 and "税務課自己点検" not in fy2025
    fy2024 = client.get(BASE + "/?fiscal_year=2024").content.decode()
    assert "税務課自己点検" in fy2024 and "住民記録システム監査" not in fy2024
    assert 'value="2024"' in page and "FY2024" in page
    checks = client.get(BASE + "/?kind=self_check").content.decode()
    assert "税務課自己点検" in checks and "住民記録システム監査" not in checks
    assert client.get(BASE + "/?kind=nonsense&fiscal_year=x").status_code == 200
    ja = _client(policy).get(BASE + "/?fiscal_year=2025").content.decode()
    assert "令和7年度" in ja and "監査・自己点検" in ja


def test_record_and_edit_an_audit(
    auditor: Any, systems: dict[str, Any], departments: dict[str, Any]
) -> None:
    client = _client(auditor, "en")
    form = client.get(BASE + "/new/").content.decode()
    assert "SYS-001" in form and "Citizens Division" in form
    missing = client.post(BASE + "/new/", {"kind": "audit", "title": "監査"})
    assert missing.status_code == 422
    assert "Give the day it is planned for or the day it was conducted." in (
        missing.content.decode()
    )
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    future = client.post(
        BASE + "/new/", {"kind": "audit", "title": "監査", "conducted_on": tomorrow}
    )
    assert future.status_code == 422 and "This day is in the future" in future.content.decode()
    assert not Audit.all_tenants.exists()
    done = client.post(
        BASE + "/new/",
        {
            "kind": "audit",
            "title": "令和7年度 外部監査",
            "planned_on": "2025-10-01",
            "conducted_on": "2025-10-15",
            "auditor": "架空監査法人",
            "scope": "基幹業務システム",
            "systems": ["SYS-001", "SYS-002"],
            "departments": ["shimin"],
        },
        follow=True,
    )
    assert done.status_code == 200
    audit = Audit.all_tenants.get(title="令和7年度 外部監査")
    assert {s.code for s in audit.systems.all()} == {"SYS-001", "SYS-002"}
    assert [d.code for d in audit.departments.all()] == ["shimin"]
    assert AuditEvent.objects.filter(action="governance.audit.record").count() == 1
    edit = client.get(f"{BASE}/{audit.pk}/edit/").content.decode()
    assert 'value="架空監査法人"' in edit
    saved = client.post(
        f"{BASE}/{audit.pk}/edit/",
        {
            "kind": "audit",
            "title": "令和7年度 外部監査",
            "planned_on": "2025-10-01",
            "conducted_on": "2025-10-16",
            "auditor": "架空監査法人",
            "systems": ["SYS-001"],
        },
    )
    assert saved.status_code == 302
    audit.refresh_from_db()
    assert audit.conducted_on == dt.date(2025, 10, 16) and audit.scope == ""
    assert [s.code for s in audit.systems.all()] == ["SYS-001"]
    assert not audit.departments.exists()
    event = AuditEvent.objects.get(action="governance.audit.update")
    assert event.changes["before"]["conducted_on"] == "2025-10-15"
    assert event.changes["after"]["conducted_on"] == "2025-10-16"


def test_add_a_finding_and_close_it(
    policy: Any, shimin_staff: Any, audits: dict[str, Any], systems: dict[str, Any]
) -> None:
    client = _client(policy, "en")
    audit = audits["shimin"]
    url = f"{BASE}/{audit.pk}/"
    page = client.get(url).content.decode()
    # The overdue finding comes first, said in words and marked.
    assert "⚠ Past due by 4 days" in page and "finding finding-overdue" in page
    assert page.index("管理者アカウントの棚卸しがない") < page.index("監査全体の指摘")
    empty = client.post(url + "findings/", {"severity": "high"})
    assert empty.status_code == 422 and "This field is required." in empty.content.decode()
    added = client.post(
        url + "findings/",
        {
            "system": "SYS-001",
            "text": "USBメモリの持出し記録に不備",
            "severity": "medium",
            "follow_up": "持出し簿を整備する",
            "due_on": "2025-12-31",
        },
    )
    assert added.status_code == 302
    finding = AuditFinding.all_tenants.get(text="USBメモリの持出し記録に不備")
    assert finding.system == systems["juki"] and finding.due_on == dt.date(2025, 12, 31)
    close_url = f"{url}findings/{finding.pk}/close/"
    field = f"finding-{finding.pk}-closed_on"
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    future = client.post(close_url, {field: tomorrow})
    assert future.status_code == 422
    assert "This day is in the future" in future.content.decode()
    before = client.post(close_url, {field: "2025-06-09"})
    assert before.status_code == 422
    assert "The audit was on 2025-06-10" in before.content.decode()
    finding.refresh_from_db()
    assert finding.closed_on is None
    done = client.post(close_url, {field: "2025-06-10"}, follow=True)
    assert done.status_code == 200
    finding.refresh_from_db()
    assert finding.closed_on == dt.date(2025, 6, 10)
    assert "Closed 2025-06-10" in done.content.decode()
    ja = _client(policy).post(close_url, {field: tomorrow}).content.decode()
    assert "未来の日付です" in ja
    # Closed by mistake: open it again (department staff, who only read it, cannot).
    assert "Open it again" in done.content.decode()
    reopen_url = f"{url}findings/{finding.pk}/reopen/"
    assert _client(shimin_staff).post(reopen_url).status_code == 403
    reopened = client.post(reopen_url, follow=True)
    assert "The finding is open again." in reopened.content.decode()
    finding.refresh_from_db()
    assert finding.closed_on is None
    assert AuditEvent.objects.filter(action="governance.audit.finding_reopen").count() == 1


def test_editing_the_audit_day_after_a_finding_was_closed_is_refused(
    policy: Any, audits: dict[str, Any]
) -> None:
    services.audit_finding_close(
        municipality=audits["shimin"].municipality,
        actor=policy,
        finding=audits["overdue"],
        closed_on=dt.date(2025, 7, 1),
    )
    refused = _client(policy, "en").post(
        f"{BASE}/{audits['shimin'].pk}/edit/",
        {"kind": "audit", "title": "住民記録システム監査", "conducted_on": "2025-08-01"},
    )
    assert refused.status_code == 422
    assert "was closed on 2025-07-01, before this day" in refused.content.decode()
