from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from kanmin.audit.models import AuditEvent
from kanmin.core import metrics
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.core.fiscal_year import FiscalYear
from kanmin.plan import selectors, services
from kanmin.plan.models import Kpi, KpiValue, Measure, Review

pytestmark = pytest.mark.django_db
THIS_YEAR = FiscalYear.of(timezone.localdate()).year


def _kpi(plan, number="Ⅰ-1", name="電子申請可能な手続数") -> Kpi:
    return selectors.measure_get(plan=plan, number=number).kpis.get(name_ja=name)


def test_loading_the_seed_creates_the_whole_plan(plan):
    assert plan.policies.count() == 6
    assert plan.measures.count() == 33
    assert Kpi.all_tenants.filter(measure__plan=plan).count() == 53
    assert plan.glossary.count() == 50
    assert AuditEvent.objects.filter(action="plan.plan.load").count() == 1


def test_a_second_plan_for_the_same_municipality_is_refused(plan, miyakonojo, seed_data):
    with pytest.raises(Conflict):
        services.plan_load(municipality=miyakonojo, actor=None, data=seed_data)


def test_the_same_value_again_adds_no_version(plan, clerk, record_value):
    """A double submit or a re-sent figure is no correction: no version 2 of the same number."""
    kpi = _kpi(plan)
    first = record_value(kpi, "actual", 2024, "120", actor=clerk)
    assert first.recorded_now
    for again in ("120", "１２０", "120.0"):
        same = record_value(kpi, "actual", 2024, again, actor=clerk)
        assert same.pk == first.pk and same.version == 1 and not same.recorded_now
    assert KpiValue.all_tenants.filter(kpi=kpi).count() == 1
    assert AuditEvent.objects.filter(action="plan.kpi_actual.record").count() == 1
    # A new comment on the same figure is worth keeping: that is a new version.
    noted = record_value(kpi, "actual", 2024, "120", actor=clerk, comment="確定値")
    assert noted.version == 2 and noted.recorded_now


def test_a_value_is_never_overwritten(plan, clerk, record_value):
    kpi = _kpi(plan)
    first = record_value(kpi, "actual", 2024, "120", actor=clerk)
    second = record_value(kpi, "actual", 2024, "１，２５０", actor=clerk, comment="集計漏れを訂正")
    assert (first.version, second.version) == (1, 2)
    assert KpiValue.all_tenants.get(pk=first.pk).value == Decimal(120)
    assert selectors.kpi_series(kpi=kpi)["actuals"] == {"2024": 1250}
    event = AuditEvent.objects.filter(action="plan.kpi_actual.record").last()
    assert event.changes["before"] == {"value": "120.0000", "version": 1}


@pytest.mark.parametrize("raw", ["abc", "12件", "", "1.2.3"])
def test_a_non_number_is_refused_with_a_message(plan, clerk, raw, record_value):
    with pytest.raises(Invalid) as caught:
        record_value(_kpi(plan), "actual", 2024, raw, actor=clerk)
    assert "value" in caught.value.fields
    assert not KpiValue.all_tenants.exists()


def test_a_fiscal_year_outside_the_plan_is_refused(plan, clerk, record_value):
    for kind, year in (("actual", 2019), ("actual", THIS_YEAR + 1), ("target", THIS_YEAR + 6)):
        with pytest.raises(Invalid) as caught:
            record_value(_kpi(plan), kind, year, 1, actor=clerk)
        assert caught.value.code == "fiscal_year_outside_plan"
    record_value(_kpi(plan), "target", THIS_YEAR + 5, 1, actor=clerk)


def test_another_municipalitys_staff_cannot_record(plan, make_user, miyazaki, record_value):
    outsider = make_user("outsider", "plan_manager", miyazaki)
    with pytest.raises(PermissionDenied):
        record_value(_kpi(plan), "actual", 2024, 1, actor=outsider)
    with pytest.raises(NotFound):
        record_value(_kpi(plan), "actual", 2024, 1, actor=outsider, municipality=miyazaki)


def test_a_citizen_cannot_record(plan, make_user, miyakonojo, record_value):
    citizen = make_user("citizen", "citizen", miyakonojo)
    with pytest.raises(PermissionDenied):
        record_value(_kpi(plan), "actual", 2024, 1, actor=citizen)


COUNTS = {2023: 7, 2024: 11}


@metrics.metric("test.plan_counted", unit="件", description="Counted for the tests")
def _count(*, municipality, fiscal_year):
    """Counts as the data stood at the end of each fiscal year."""
    return COUNTS.get(fiscal_year.year)


@pytest.fixture
def counted(plan, manager, miyakonojo):
    """A KPI computed from a registered metric that counts per fiscal year."""
    measure = selectors.measure_get(plan=plan, number="Ⅱ-1")
    return services.kpi_create(
        municipality=miyakonojo,
        actor=manager,
        measure=measure,
        name_ja="公開データセット数",
        unit="件",
        metric="test.plan_counted",
        formula="公開中のデータセットの数",
    )


def test_a_computed_kpi_is_counted_for_any_past_fiscal_year(counted, manager, miyakonojo):
    for year in (2023, 2024):
        services.kpi_compute(municipality=miyakonojo, actor=manager, kpi=counted, fiscal_year=year)
    assert selectors.kpi_series(kpi=counted)["actuals"] == {"2023": 7, "2024": 11}
    again = services.kpi_compute(
        municipality=miyakonojo, actor=manager, kpi=counted, fiscal_year=2024
    )
    assert again is not None and again.version == 1  # same figure: no new version
    assert again.source == "computed"


def test_a_computed_kpi_refuses_typed_actuals(counted, manager, record_value):
    with pytest.raises(Invalid) as caught:
        record_value(counted, "actual", 2024, 3, actor=manager)
    assert caught.value.code == "computed"


def test_an_unknown_metric_is_refused(plan, manager, miyakonojo):
    measure = selectors.measure_get(plan=plan, number="Ⅱ-1")
    with pytest.raises(Invalid):
        services.kpi_create(
            municipality=miyakonojo,
            actor=manager,
            measure=measure,
            name_ja="x",
            metric="nobody.registered_this",
        )


def test_measures_are_added_renumbered_and_retired_with_history(plan, manager, miyakonojo):
    policy = plan.policies.get(number="(2)")
    measure = services.measure_create(
        municipality=miyakonojo,
        actor=manager,
        plan=plan,
        policy=policy,
        number="Ⅱ-5",
        title_ja="データ連携基盤の整備",
    )
    with pytest.raises(Conflict):
        services.measure_create(
            municipality=miyakonojo,
            actor=manager,
            plan=plan,
            policy=policy,
            number="Ⅱ-5",
            title_ja="重複",
        )
    services.measure_update(municipality=miyakonojo, actor=manager, measure=measure, number="Ⅱ-6")
    services.measure_retire(municipality=miyakonojo, actor=manager, measure=measure)
    assert selectors.measure_list(plan=plan).filter(number="Ⅱ-6").count() == 0
    assert Measure.all_tenants.get(pk=measure.pk).retired_at is not None
    update = AuditEvent.objects.filter(action="plan.measure.update").last()
    assert update.changes["before"]["number"] == "Ⅱ-5"
    assert update.changes["after"]["number"] == "Ⅱ-6"
    assert AuditEvent.objects.filter(action="plan.measure.retire").count() == 1


def test_a_municipality_copies_the_plan_as_a_template(plan, miyazaki, make_user):
    admin = make_user("miyazaki-admin", "plan_manager", miyazaki)
    copy = services.plan_copy(municipality=miyazaki, actor=admin, source=plan)
    assert copy.municipality == miyazaki
    assert copy.measures.count() == 33
    assert not KpiValue.all_tenants.filter(municipality=miyazaki).exists()


@pytest.fixture
def review_flow(plan, manager, clerk, miyakonojo, record_value):
    """Two years of figures for Ⅰ-1's KPI (the actuals entered by 市民課) and the 2024 review."""
    kpi = _kpi(plan)
    for year, target, actual in ((2023, 150, 162), (2024, 200, 188)):
        record_value(kpi, "target", year, target, actor=manager)
        record_value(kpi, "actual", year, actual, actor=clerk)
    review = services.review_open(
        municipality=miyakonojo, actor=manager, plan=plan, fiscal_year=2024
    )
    measure = selectors.measure_get(plan=plan, number="Ⅰ-1")
    return kpi, review, measure


def test_the_annual_review_freezes_its_figures(
    review_flow, manager, clerk, miyakonojo, record_value
):
    kpi, review, measure = review_flow
    with pytest.raises(Invalid):
        services.measure_review_set(
            municipality=miyakonojo, actor=clerk, review=review, measure=measure, progress="delayed"
        )
    services.measure_review_set(
        municipality=miyakonojo,
        actor=clerk,
        review=review,
        measure=measure,
        progress="delayed",
        comment="システム改修待ち",
    )
    with pytest.raises(PermissionDenied):
        services.review_close(municipality=miyakonojo, actor=clerk, review=review)
    closed = services.review_close(
        municipality=miyakonojo, actor=manager, review=review, confirm_incomplete=True
    )
    frozen = closed.snapshot
    entry = next(m for m in frozen["measures"] if m["number"] == "Ⅰ-1")
    assert entry["progress"] == "delayed"
    figures = next(k for k in entry["kpis"] if k["name"] == kpi.name_ja)
    assert figures["actuals"] == {"2023": 162, "2024": 188}

    # A later correction is a new version; the closed review's figures stay as they were.
    record_value(kpi, "actual", 2024, 190, actor=clerk)
    assert Review.all_tenants.get(pk=review.pk).snapshot == frozen
    with pytest.raises(Conflict):
        services.measure_review_set(
            municipality=miyakonojo, actor=clerk, review=closed, measure=measure, progress="done"
        )
    with pytest.raises(Conflict):
        services.review_close(
            municipality=miyakonojo, actor=manager, review=closed, confirm_incomplete=True
        )


def test_dashboard_shows_what_is_behind_and_who_has_not_reported(
    review_flow, plan, clerk, miyakonojo
):
    kpi, review, measure = review_flow
    board = selectors.dashboard(plan=plan, fiscal_year=2024)
    assert [(m.number, k.pk) for m, k, _t, _a in board["behind"]] == [("Ⅰ-1", kpi.pk)]
    assert measure not in board["no_data"] and len(board["no_data"]) == 32
    assert [(d.code, [m.number for m in ms]) for d, ms in board["silent_departments"]] == [
        ("shimin", ["Ⅰ-1"])
    ]
    services.measure_review_set(
        municipality=miyakonojo, actor=clerk, review=review, measure=measure, progress="on_track"
    )
    assert selectors.dashboard(plan=plan, fiscal_year=2024)["silent_departments"] == []


def test_staff_report_only_their_departments_measures(plan, manager, clerk, miyakonojo):
    review = services.review_open(
        municipality=miyakonojo, actor=manager, plan=plan, fiscal_year=2024
    )
    other = selectors.measure_get(plan=plan, number="Ⅱ-1")  # not 市民課's
    with pytest.raises(PermissionDenied) as caught:
        services.measure_review_set(
            municipality=miyakonojo, actor=clerk, review=review, measure=other, progress="done"
        )
    assert caught.value.code == "not_responsible"
    services.measure_review_set(
        municipality=miyakonojo, actor=manager, review=review, measure=other, progress="done"
    )


def test_closing_a_review_with_gaps_needs_an_explicit_confirmation(
    plan, manager, miyakonojo, record_value
):
    review = services.review_open(
        municipality=miyakonojo, actor=manager, plan=plan, fiscal_year=2024
    )
    kpi = _kpi(plan)
    record_value(kpi, "actual", 2024, 5, actor=manager)
    measure = selectors.measure_get(plan=plan, number="Ⅰ-1")
    services.measure_review_set(
        municipality=miyakonojo, actor=manager, review=review, measure=measure, progress="done"
    )
    gaps = selectors.review_gaps(review=review)
    assert len(gaps["unreported"]) == 32 and measure not in gaps["unreported"]
    assert kpi not in [k for _m, k in gaps["missing_actuals"]]
    assert len(gaps["missing_actuals"]) == 52

    with pytest.raises(Conflict) as refused:
        services.review_close(municipality=miyakonojo, actor=manager, review=review)
    assert refused.value.code == "review_incomplete"
    assert "32" in str(refused.value.message) and "52" in str(refused.value.message)
    assert not Review.all_tenants.get(pk=review.pk).is_closed
    assert not AuditEvent.objects.filter(action="plan.review.close").exists()

    closed = services.review_close(
        municipality=miyakonojo, actor=manager, review=review, confirm_incomplete=True
    )
    assert closed.is_closed
    event = AuditEvent.objects.get(action="plan.review.close")
    assert len(event.changes["after"]["unreported_measures"]) == 32


def test_a_complete_review_closes_without_a_confirmation(plan, manager, miyakonojo, record_value):
    review = services.review_open(
        municipality=miyakonojo, actor=manager, plan=plan, fiscal_year=2024
    )
    for measure in selectors.measure_list(plan=plan):
        services.measure_review_set(
            municipality=miyakonojo, actor=manager, review=review, measure=measure, progress="done"
        )
        for kpi in measure.kpis.all():
            record_value(kpi, "actual", 2024, 1, actor=manager)
    assert selectors.review_gaps(review=review)["count"] == 0
    assert services.review_close(municipality=miyakonojo, actor=manager, review=review).is_closed
