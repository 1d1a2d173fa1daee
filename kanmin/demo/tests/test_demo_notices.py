"""The demo resident: two notices (one read), a consultation answered, and no change on a
second run."""

from __future__ import annotations

from typing import Any

import pytest

from kanmin.accounts import services as accounts_services
from kanmin.core import services as core_services
from kanmin.demo.notices import RESIDENT, resident_build
from kanmin.procedures.models import Consultation, Notice

pytestmark = pytest.mark.django_db


def test_the_demo_resident(miyakonojo: Any, make_user: Any, client: Any) -> None:
    shimin = core_services.department_create(
        municipality=miyakonojo, actor=None, code="shimin", name_ja="市民課"
    )
    staff = make_user("staff")
    accounts_services.membership_grant(
        municipality=miyakonojo, actor=None, user=staff, role="department_staff", department=shimin
    )
    for _ in range(2):
        name = resident_build(
            municipality=miyakonojo, actor=None, password="demo-pw", departments={"shimin": shimin}
        )
    assert name == RESIDENT
    notices = Notice.all_tenants.filter(recipient__username=RESIDENT)
    assert notices.count() == 2
    assert notices.filter(read_at__isnull=False).count() == 1
    consultation = Consultation.all_tenants.get(resident__username=RESIDENT)
    assert consultation.status == "answered"
    assert consultation.messages.count() == 2
    response = client.post("/accounts/login/", {"username": RESIDENT, "password": "demo-pw"})
    assert response.status_code == 302
    assert client.get("/m/452025/my/").status_code == 200
