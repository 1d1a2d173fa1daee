"""Memberships and API tokens: a row of another municipality is not found; a revoked
membership is recorded under the key it had."""

from __future__ import annotations

import pytest

from kanmin.accounts import services
from kanmin.accounts.models import ApiToken, Membership
from kanmin.accounts.roles import DEPARTMENT_STAFF
from kanmin.audit.models import AuditEvent
from kanmin.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_a_membership_is_revoked_only_in_its_municipality(make_user, miyakonojo, miyazaki):
    user = make_user("staff", "data_steward", miyakonojo)
    membership = Membership.objects.get(user=user)
    for municipality in (miyazaki, None):
        with pytest.raises(NotFound):
            services.membership_revoke(municipality=municipality, actor=None, membership=membership)
    pk = membership.pk
    services.membership_revoke(municipality=miyakonojo, actor=None, membership=membership)
    assert not Membership.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="accounts.membership.revoke")
    assert event.object_id == str(pk) and event.municipality_code == "452025"
    assert event.changes == {"before": {"user": "staff", "role": "data_steward"}}


def test_a_department_of_another_municipality_is_not_granted(make_user, miyakonojo, miyazaki):
    from kanmin.core import services as core_services

    user = make_user("staff")
    theirs = core_services.department_create(
        municipality=miyazaki, actor=None, code="o", name_ja="他"
    )
    with pytest.raises(NotFound):
        services.membership_grant(
            municipality=miyakonojo, actor=None, user=user, role=DEPARTMENT_STAFF, department=theirs
        )
    assert not Membership.objects.filter(user=user).exists()


def test_a_token_is_revoked_only_in_its_municipality(make_user, miyakonojo, miyazaki):
    user = make_user("steward", "data_steward", miyakonojo)
    token, _secret = services.api_token_create(municipality=miyakonojo, actor=user, name="t")
    with pytest.raises(NotFound):
        services.api_token_revoke(municipality=miyazaki, actor=user, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    services.api_token_revoke(municipality=miyakonojo, actor=user, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert AuditEvent.objects.filter(action="accounts.api_token.revoke").count() == 1
