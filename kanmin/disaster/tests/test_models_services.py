"""Stations, reference levels and devices: services, tenancy, permissions, selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kanmin.accounts.models import ApiToken
from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.disaster import selectors, services
from kanmin.disaster.models import Device, StationKind
from kanmin.disaster.tests import factories


def test_operator_creates_station_and_it_is_audited(miyakonojo, operator):
    station = services.station_create(
        municipality=miyakonojo,
        actor=operator,
        code="hiwatashi",
        name_ja="樋渡",
        kind=StationKind.RIVER,
        unit="m",
        latitude="31.72",
        longitude="131.06",
        river_name="大淀川",
    )
    assert selectors.station_get(municipality=miyakonojo, code="hiwatashi") == station
    event = AuditEvent.objects.get(action="disaster.station.create")
    assert event.actor_name == operator.username
    assert event.municipality_code == "452025"
    assert "hiwatashi" in str(event.changes)


def test_station_code_is_unique_per_municipality_only(miyakonojo, miyazaki):
    factories.station(miyakonojo, code="same")
    with pytest.raises(Conflict):
        factories.station(miyakonojo, code="same")
    other = factories.station(miyazaki, code="same")
    assert other.municipality == miyazaki


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "a/b"}, "code"),
        ({"code": "a b"}, "code"),
        ({"kind": "volcano"}, "kind"),
        ({"latitude": "60"}, "latitude"),
        ({"longitude": "abc"}, "longitude"),
        ({"plausible_min": "10", "plausible_max": "5"}, "plausible_max"),
        ({"name_ja": " "}, "name_ja"),
    ],
)
def test_station_refuses_bad_fields(miyakonojo, fields, field):
    with pytest.raises(Invalid) as error:
        factories.station(miyakonojo, **fields)
    assert field in error.value.fields


def test_staff_without_the_role_cannot_create_stations(miyakonojo, make_user):
    clerk = make_user("clerk", "department_staff", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.station_create(
            municipality=miyakonojo, actor=clerk, code="x", name_ja="x", kind="rain", unit="mm"
        )


def test_other_municipalitys_operator_cannot_change_or_read(miyakonojo, miyazaki, make_user, river):
    outsider = make_user("miyazaki-bousai", "disaster_operator", miyazaki)
    with pytest.raises(PermissionDenied):
        services.station_update(
            municipality=miyakonojo, actor=outsider, station=river, name_ja="改ざん"
        )
    # Acting in their own municipality on our row: refused as not found.
    with pytest.raises(NotFound):
        services.station_update(municipality=miyazaki, actor=outsider, station=river, active=False)
    with pytest.raises(NotFound):
        selectors.station_get(municipality=miyazaki, code=river.code)
    assert list(selectors.station_list(municipality=miyazaki)) == []
    river.refresh_from_db()
    assert river.name_ja == "岳下橋" and river.active


def test_reference_levels_keep_their_history(miyakonojo, operator, river):
    first = services.reference_levels_set(
        municipality=miyakonojo,
        actor=operator,
        station=river,
        standby="2.50",
        caution="3.50",
        evacuation="4.30",
        danger="4.80",
        valid_from=timezone.now() - dt.timedelta(days=400),
        reason="設定要領 H26",
    )
    second = services.reference_levels_set(
        municipality=miyakonojo,
        actor=operator,
        station=river,
        standby="2.50",
        caution="3.50",
        evacuation="4.10",
        danger="4.80",
        reason="上昇速度の見直し",
    )
    assert selectors.reference_levels_at(station=river) == second
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    assert selectors.reference_levels_at(station=river, at=ten_days_ago) == first
    assert selectors.reference_levels_at(station=river, at=first.valid_from) == first
    assert (
        selectors.reference_levels_at(station=river, at=timezone.now() - dt.timedelta(days=500))
        is None
    )
    assert [r.evacuation for r in selectors.reference_levels_history(station=river)] == [
        Decimal("4.100"),
        Decimal("4.300"),
    ]
    assert second.set_by == operator
    assert selectors.reference_levels_for([river])[river.pk] == second


def test_reference_levels_must_rise_and_belong_to_rivers(miyakonojo, river):
    with pytest.raises(Invalid) as error:
        services.reference_levels_set(
            municipality=miyakonojo, actor=None, station=river, caution="4", evacuation="3.9"
        )
    assert "evacuation" in error.value.fields
    rain = factories.station(miyakonojo, kind=StationKind.RAIN)
    with pytest.raises(Invalid):
        services.reference_levels_set(municipality=miyakonojo, actor=None, station=rain, danger="1")


def test_device_token_is_kept_as_the_api_token_digest(miyakonojo, river):
    device = factories.device(miyakonojo, river, code="gauge-1")
    secret = device.issued_secret
    assert secret and secret.startswith("kanmin_dev_")
    stored = Device.all_tenants.filter(pk=device.pk).values().get()
    assert stored["token_digest"] == ApiToken.digest_of(secret)
    assert secret not in str(stored)
    assert selectors.device_by_secret(municipality=miyakonojo, secret=secret) == device
    rotated = services.device_token_rotate(municipality=miyakonojo, actor=None, device=device)
    assert selectors.device_by_secret(municipality=miyakonojo, secret=secret) is None
    assert selectors.device_by_secret(municipality=miyakonojo, secret=rotated.issued_secret)


def test_device_of_another_municipality_is_not_found_by_secret(miyakonojo, miyazaki, river):
    device = factories.device(miyakonojo, river)
    assert selectors.device_by_secret(municipality=miyazaki, secret=device.issued_secret) is None
