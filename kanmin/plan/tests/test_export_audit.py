"""The report of a review that is still open (its reports and comments are not public yet) is
an export of non-public data: each download is in the audit log (issue 12)."""

from __future__ import annotations

import pytest

from kanmin.audit.models import AuditEvent
from kanmin.plan import selectors, services

pytestmark = pytest.mark.django_db


def test_exporting_an_open_reviews_report_is_recorded(client, plan, manager, miyakonojo):
    client.force_login(manager)
    client.post("/m/452025/plan/staff/", {"fiscal_year": "2024"})
    for fmt in ("xlsx", "html"):
        assert client.get(f"/m/452025/plan/staff/reviews/2024/report.{fmt}").status_code == 200
    entries = list(AuditEvent.objects.filter(action="plan.review.export").order_by("seq"))
    assert [e.changes["extra"]["format"] for e in entries] == ["xlsx", "html"]
    assert entries[0].municipality_code == "452025" and entries[0].actor_name == "manager"

    review = selectors.review_get(plan=plan, fiscal_year=2024)
    services.review_close(
        municipality=miyakonojo, actor=manager, review=review, confirm_incomplete=True
    )
    assert client.get("/m/452025/plan/staff/reviews/2024/report.xlsx").status_code == 200
    assert AuditEvent.objects.filter(action="plan.review.export").count() == 2  # now public
