"""File imports: CSV and the river database's .dat (CP932), in the background, with progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from kanmin.core.errors import PermissionDenied
from kanmin.disaster import selectors, services
from kanmin.disaster.models import ImportJob, IntakeRefusal, Observation, Quality, StationKind
from kanmin.disaster.tests import factories

JST = dt.timezone(dt.timedelta(hours=9))


def run_queued_tasks() -> None:
    """Run every queued task the way the worker does: through the task's own function."""
    for result in DBTaskResult.objects.ready():
        args = result.args_kwargs
        result.task.call(*args["args"], **args["kwargs"])
        result.set_successful(None)


def dat_file(code: str = "301011281105010") -> bytes:
    """A 水文水質データベース hourly stage file as the site serves it (CP932)."""
    pairs_1 = ",".join(f"{1 + h / 100:.2f}," for h in range(1, 25))
    pairs_2 = [f"{2 + h / 100:.2f},*" for h in range(1, 25)]
    pairs_2[4] = ",$"  # 5時: missing
    pairs_2[5] = ",#"  # 6時: station closed, no reading
    lines = [
        "水位月表",
        f"観測所記号,{code}",
        "観測所名,岳下橋(たけしたばし)",
        "水系名,大淀川",
        "単位,m",
        "年月日,1時,,2時,,3時,,4時,,5時,,6時,,7時,,8時,,9時,,10時,,11時,,12時,,"
        "13時,,14時,,15時,,16時,,17時,,18時,,19時,,20時,,21時,,22時,,23時,,24時,",
        f"2019/10/12,{pairs_1}",
        "2019/10/13," + ",".join(pairs_2) + ",",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def test_csv_import_runs_in_the_background_with_progress(miyakonojo, operator, river):
    other = factories.station(miyakonojo, code="hiwatashi")
    csv = (
        "観測所コード,観測日時,観測値,品質\n"
        "takeshita,2019-10-12 21:00,5.20,final\n"
        "hiwatashi,2019-10-12T21:00:00+09:00,3.10,\n"
        "takeshita,2019-10-12 21:00,5.20,final\n"
        "takeshita,2019-10-12 22:00,abc,\n"
        "nowhere,2019-10-12 22:00,1,\n"
        "takeshita,2019-10-12 23:00\n"
    ).encode("cp932")
    job = services.import_job_create(
        municipality=miyakonojo,
        actor=operator,
        upload=SimpleUploadedFile("水位.csv", csv),
    )
    assert job.status == "queued" and job.percent is None
    run_queued_tasks()
    job.refresh_from_db()
    assert (job.status, job.format, job.total_rows, job.processed_rows, job.percent) == (
        "done",
        "csv",
        6,
        6,
        100,
    )
    assert (job.stored, job.duplicates, job.refused) == (2, 1, 3)
    first = Observation.all_tenants.get(station=river)
    assert first.observed_at == dt.datetime(2019, 10, 12, 21, 0, tzinfo=JST)
    assert (first.quality, first.source, first.import_job) == (Quality.FINAL, "file", job)
    assert Observation.all_tenants.get(station=other).value == Decimal("3.1000")
    reasons = sorted(IntakeRefusal.objects.filter(import_job=job).values_list("reason", flat=True))
    assert reasons == ["malformed", "not_numeric", "unknown_station"]
    malformed = IntakeRefusal.objects.get(reason="malformed")
    assert "row 7" in malformed.where or "7" in malformed.where


def test_river_database_dat_file_in_cp932(miyakonojo, operator):
    station = factories.station(miyakonojo, code="301011281105010")
    job = services.import_job_create(
        municipality=miyakonojo, actor=operator, upload=SimpleUploadedFile("kind2.dat", dat_file())
    )
    run_queued_tasks()
    job.refresh_from_db()
    assert (job.status, job.format) == ("done", "wis_dat")
    assert job.total_rows == 47  # 48 hours less the closed one
    series = list(selectors.observation_series(station=station))
    assert len(series) == 47
    assert series[0].observed_at == dt.datetime(2019, 10, 12, 1, 0, tzinfo=JST)
    assert (series[0].value, series[0].quality) == (Decimal("1.0100"), "final")
    # Hour 24 is 00:00 of the next day.
    midnight = [o for o in series if o.observed_at == dt.datetime(2019, 10, 13, 0, 0, tzinfo=JST)]
    assert midnight[0].value == Decimal("1.2400")
    missing = [o for o in series if o.quality == Quality.MISSING]
    assert [o.observed_at for o in missing] == [dt.datetime(2019, 10, 13, 5, 0, tzinfo=JST)]
    assert missing[0].value is None
    assert series[-1].quality == Quality.PROVISIONAL
    # The same file of final values again later: provisional values become final versions.
    final = dat_file().replace(b",*", b",")
    services.import_job_create(
        municipality=miyakonojo,
        actor=operator,
        upload=SimpleUploadedFile("kind2-final.dat", final),
    )
    run_queued_tasks()
    second = ImportJob.all_tenants.order_by("-pk").first()
    assert (second.duplicates, second.corrected) == (24 + 1, 22)
    assert Observation.all_tenants.filter(station=station, is_current=True).count() == 47


def test_an_import_killed_midway_goes_on_after_the_last_batch(miyakonojo, river, monkeypatch):
    rows = "\n".join(f"takeshita,2019-10-12T{h:02d}:00:00+09:00,{h}" for h in range(24))
    job = services.import_job_create(
        municipality=miyakonojo,
        actor=None,
        upload=SimpleUploadedFile("a.csv", ("station,observed_at,value\n" + rows).encode()),
    )
    monkeypatch.setattr(services, "IMPORT_BATCH", 10)
    calls = {"n": 0}
    real = services.observation_ingest

    def dies_on_second_batch(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("killed")
        return real(**kwargs)

    monkeypatch.setattr(services, "observation_ingest", dies_on_second_batch)
    with pytest.raises(SystemExit):
        services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.stored) == ("running", 10, 10)
    monkeypatch.setattr(services, "observation_ingest", real)
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.stored, job.duplicates) == ("done", 24, 24, 0)


def test_a_file_that_is_not_text_fails_with_a_reason(miyakonojo, river):
    job = services.import_job_create(
        municipality=miyakonojo,
        actor=None,
        upload=SimpleUploadedFile("x.csv", b"station,value\n\xff\xfe\xfa\x80\x81"),
        station=river,
    )
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message
    assert Observation.all_tenants.count() == 0


def test_import_needs_the_permission(miyakonojo, make_user):
    clerk = make_user("clerk", "department_staff", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.import_job_create(
            municipality=miyakonojo, actor=clerk, upload=SimpleUploadedFile("a.csv", b"x")
        )


def test_the_task_failing_for_good_marks_the_job(miyakonojo, river):
    job = services.import_job_create(
        municipality=miyakonojo,
        actor=None,
        upload=SimpleUploadedFile("a.csv", b"station,observed_at,value\n"),
        station=river,
    )
    services.import_job_fail(job_id=job.pk, reason="worker_lost")
    job.refresh_from_db()
    assert job.status == "failed" and job.message


def test_rain_file_refuses_negative_values(miyakonojo):
    rain = factories.station(miyakonojo, code="rain1", kind=StationKind.RAIN)
    job = services.import_job_create(
        municipality=miyakonojo,
        actor=None,
        upload=SimpleUploadedFile("r.csv", b"observed_at,value\n2020-07-01 10:00,-1\n"),
        station=rain,
    )
    run_queued_tasks()
    job.refresh_from_db()
    assert (job.stored, job.refused) == (0, 1)
    assert IntakeRefusal.objects.get().reason == "impossible"
