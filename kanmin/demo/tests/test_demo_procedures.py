"""The demo's procedure catalog: loaded through the import service from its data file, linked
to the plan's KPIs of online procedures, a published dataset of the catalog; building the
demo again changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kanmin.catalog.models import Dataset, DatasetState
from kanmin.core import metrics
from kanmin.core.fiscal_year import FiscalYear
from kanmin.demo.services import demo_build
from kanmin.plan.models import Kpi
from kanmin.procedures import selectors

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_procedure_catalog(client: Any, settings: Any, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    city = demo_build(password="demo-test-password").municipality
    procedures = list(selectors.procedure_list(city))
    codes = {p.code for p in procedures}
    assert len(procedures) >= 30
    assert {"juminhyo-utsushi", "tennyu", "jido-teate-nintei", "inu-toroku"} <= codes
    juminhyo = selectors.procedure_get(city, "juminhyo-utsushi")
    assert juminhyo.fee_yen == 300 and juminhyo.legal_basis == "住民基本台帳法第12条"
    assert juminhyo.department.name_ja == "市民課"
    assert not any(p.pittari_id for p in procedures)  # never invented
    departments = {p.department.name_ja for p in procedures if p.department}
    assert {"市民課", "こども課", "福祉課", "税務課", "介護保険課"} <= departments
    # The plan's KPIs count the catalog.
    kpi = Kpi.all_tenants.get(municipality=city, name_ja="電子申請可能な手続数")
    assert kpi.metric == "procedures.online_procedures"
    online = sum(1 for p in procedures if p.is_online)
    figure = metrics.get(kpi.metric).compute(
        municipality=city, fiscal_year=FiscalYear.of(dt.date.today())
    )
    assert online > 10 and figure == online
    assert Kpi.all_tenants.filter(
        municipality=city, metric="procedures.online_applications"
    ).exists()
    # The catalog's dataset, published by the plan's secretariat.
    dataset = Dataset.all_tenants.get(municipality=city, provider="procedures.procedures")
    assert dataset.state == DatasetState.PUBLISHED
    assert dataset.organization.name == "jouhou-seisaku"
    assert client.get("/m/452025/procedures/").status_code == 200
    # Again: nothing added.
    demo_build(password="demo-test-password")
    assert selectors.procedure_list(city).count() == len(procedures)
