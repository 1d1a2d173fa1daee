"""The plan's metrics (Ⅳ-1, Ⅳ-3, Ⅳ-6) and the tenancy of readings and imports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kanmin.core import metrics
from kanmin.core.errors import NotFound, PermissionDenied
from kanmin.core.fiscal_year import FiscalYear
from kanmin.disaster import selectors, services
from kanmin.disaster.intake import Incoming
from kanmin.disaster.models import Source, StationKind
from kanmin.disaster.tests import factories

JST = dt.timezone(dt.timedelta(hours=9))


def test_metrics_count_per_fiscal_year(miyakonojo, miyazaki, river):
    trap = factories.station(miyakonojo, kind=StationKind.TRAP, unit="回")
    factories.station(miyakonojo, kind=StationKind.FARM, unit="℃", active=False)
    factories.station(miyazaki)
    readings = [
        # 31 March and 1 April (Japan time) fall in two fiscal years.
        Incoming(station=river, observed_at=dt.datetime(2025, 3, 31, 23, 50, tzinfo=JST), value=1),
        Incoming(station=river, observed_at=dt.datetime(2025, 4, 1, 0, 0, tzinfo=JST), value=1),
        Incoming(station=trap, observed_at=dt.datetime(2025, 6, 1, 6, 0, tzinfo=JST), value=1),
    ]
    services.observation_ingest(readings=readings, source=Source.FILE)
    # A correction does not count twice.
    services.observation_ingest(
        readings=[
            Incoming(station=trap, observed_at=dt.datetime(2025, 6, 1, 6, 0, tzinfo=JST), value=0)
        ],
        source=Source.FILE,
    )
    services.reference_levels_set(
        municipality=miyakonojo,
        actor=None,
        station=river,
        danger="4.8",
        valid_from=dt.datetime(2025, 5, 1, tzinfo=JST),
    )
    fy2024, fy2025 = FiscalYear(2024), FiscalYear(2025)

    def value(name, year):
        return metrics.get(name).compute(municipality=miyakonojo, fiscal_year=year)

    # Stations count from the year they were registered (today) on.
    this_year = FiscalYear.of(timezone.localdate())
    assert value("disaster.sensors", this_year) == 2
    assert value("disaster.farm_sensors", this_year) == 1
    assert value("disaster.sensors", FiscalYear(this_year.year - 1)) == 0
    assert value("disaster.observations", fy2024) == 1
    assert value("disaster.observations", fy2025) == 2
    assert value("disaster.farm_observations", fy2025) == 1
    assert value("disaster.stations_with_reference_levels", fy2024) == 0
    assert value("disaster.stations_with_reference_levels", fy2025) == 1


def test_another_municipalitys_operator_cannot_correct_or_import(
    miyakonojo, miyazaki, make_user, river
):
    outsider = make_user("outsider", "disaster_operator", miyazaki)
    when = dt.datetime(2025, 6, 1, tzinfo=JST)
    with pytest.raises(PermissionDenied):
        services.observation_correct(
            municipality=miyakonojo,
            actor=outsider,
            station=river,
            observed_at=when,
            value=1,
            note="x",
        )
    with pytest.raises(NotFound):
        services.observation_correct(
            municipality=miyazaki,
            actor=outsider,
            station=river,
            observed_at=when,
            value=1,
            note="x",
        )
    with pytest.raises(PermissionDenied):
        services.import_job_create(
            municipality=miyakonojo, actor=outsider, upload=SimpleUploadedFile("a.csv", b"x")
        )
    device = factories.device(miyakonojo, river)
    with pytest.raises(PermissionDenied):
        services.device_token_rotate(municipality=miyakonojo, actor=outsider, device=device)
    assert list(selectors.device_list(municipality=miyazaki)) == []
    assert selectors.observation_count(municipality=miyazaki) == 0
    with pytest.raises(NotFound):
        selectors.device_get(municipality=miyazaki, code=device.code)
