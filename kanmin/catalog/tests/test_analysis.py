# ruff: noqa: S608  (the statements under test are built with resource ids on purpose)
"""Cross-dataset analysis for staff (issue 17, Ⅱ-3 EBPM): queries over several of the
municipality's DataStore tables (never another's), saved views, derived datasets with their
provenance, recomputed when a source is reloaded, and kept as they were when that fails."""

from __future__ import annotations

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from kanmin.audit.models import AuditEvent
from kanmin.catalog import services
from kanmin.catalog.analysis import selectors as analysis
from kanmin.catalog.analysis import services as analysis_services
from kanmin.catalog.analysis.builder import Spec, build, column_key
from kanmin.catalog.models import DatasetState, DatastoreTable, SavedView
from kanmin.catalog.tests.helpers import run_queued_tasks, upload
from kanmin.core.errors import Conflict, Invalid, NotFound

pytestmark = pytest.mark.django_db

TOWNS = "町名,人口\r\n山之口町,1200\r\n本町一丁目,980\r\n高崎町,3000\r\n"
FACILITIES = (
    "施設名,町名,種別\r\n"
    "山之口体育館,山之口町,体育館\r\n"
    "山之口図書館,山之口町,図書館\r\n"
    "高崎公民館,高崎町,公民館\r\n"
)
COUNT_BY_TOWN = (
    'SELECT t."町名", t."人口", count(f."施設名") AS "施設数" FROM "{towns}" t '
    'LEFT JOIN "{facilities}" f ON f."町名" = t."町名" GROUP BY t."町名", t."人口" '
    'ORDER BY t."町名"'
)


def run_until_idle() -> None:
    """Run queued tasks, and those they queue, until none is left (checks, loads, refreshes)."""
    for _round in range(10):
        if not DBTaskResult.objects.ready().exists():
            return
        run_queued_tasks()
    raise AssertionError("tasks keep queueing tasks")


def _table(make_dataset, steward, name, text, **fields):
    dataset = make_dataset(name, name, **fields)
    resource = upload(dataset, steward, text.encode("cp932"), f"{name}.csv")
    run_until_idle()
    return resource


@pytest.fixture
def towns(make_dataset, steward):
    return _table(make_dataset, steward, "towns", TOWNS)


@pytest.fixture
def facilities(make_dataset, steward):
    # A private table: its municipality's staff analyse it too.
    return _table(make_dataset, steward, "facilities", FACILITIES, state=DatasetState.PRIVATE)


def _rows(resource) -> int:
    return DatastoreTable.all_tenants.get(resource=resource).row_count


# --- queries ---------------------------------------------------------------------------------


def test_a_query_over_two_tables_of_the_municipality(miyakonojo, steward, towns, facilities):
    sql = COUNT_BY_TOWN.format(towns=towns.pk, facilities=facilities.pk)
    result = analysis.analysis_run(municipality=miyakonojo, viewer=steward, sql=sql)
    assert result.columns == ["町名", "人口", "施設数"]
    counts = {r["町名"]: r["施設数"] for r in result.records}
    assert counts == {"山之口町": 2, "本町一丁目": 0, "高崎町": 1}


def test_reading_a_private_table_is_audited_and_a_public_one_is_not(
    miyakonojo, steward, towns, facilities
):
    def reads():
        return list(AuditEvent.objects.filter(action="catalog.analysis.read"))

    analysis.analysis_run(
        municipality=miyakonojo, viewer=steward, sql=f'SELECT count(*) FROM "{towns.pk}"'
    )
    assert reads() == []  # towns is public
    sql = COUNT_BY_TOWN.format(towns=towns.pk, facilities=facilities.pk)
    analysis.analysis_run(municipality=miyakonojo, viewer=steward, sql=sql)
    [entry] = reads()
    assert entry.actor_id == steward.pk
    assert entry.changes["extra"]["tables"] == [str(facilities.pk)]
    assert entry.changes["extra"]["sql"] == sql
    # The system (a derived table's refresh) reads without a person: no entry.
    analysis.analysis_run(municipality=miyakonojo, viewer=None, sql=sql)
    assert len(reads()) == 1


def test_the_tables_listed_are_the_municipalitys_own_with_their_columns(
    miyakonojo, miyazaki, steward, towns, facilities, make_dataset, other_org, other_steward
):
    theirs = make_dataset(
        "their-towns", "宮崎市の人口", municipality=miyazaki, organization=other_org
    )
    upload(theirs, other_steward, TOWNS.encode(), "their.csv")
    run_until_idle()
    tables = analysis.analysis_tables(municipality=miyakonojo, viewer=steward)
    assert {t.resource.pk for t in tables} == {towns.pk, facilities.pk}
    by_id = {t.resource.pk: t for t in tables}
    assert by_id[towns.pk].fields == [{"id": "町名", "type": "text"}, {"id": "人口", "type": "int"}]
    assert by_id[towns.pk].sql_name == f'"{towns.pk}"'


def test_another_municipalitys_table_is_refused(
    miyakonojo, miyazaki, steward, towns, make_dataset, other_org, other_steward
):
    theirs = make_dataset(
        "their-towns", "宮崎市の人口", municipality=miyazaki, organization=other_org
    )
    their_resource = upload(theirs, other_steward, TOWNS.encode(), "their.csv")
    run_until_idle()
    assert _rows(their_resource) == 3  # loaded, and public: still not this municipality's
    sql = f'SELECT * FROM "{towns.pk}" JOIN "{their_resource.pk}" USING ("町名")'
    with pytest.raises(Invalid) as refused, translation.override("en"):
        analysis.analysis_run(municipality=miyakonojo, viewer=steward, sql=sql)
    assert str(their_resource.pk) in refused.value.fields["sql"][0]
    assert "list of tables" in refused.value.fields["sql"][0]


def test_the_sandbox_refusals_reach_the_analysis(miyakonojo, steward, towns):
    with pytest.raises(Invalid) as refused:
        analysis.analysis_run(
            municipality=miyakonojo, viewer=steward, sql="SELECT * FROM read_csv('/etc/passwd')"
        )
    assert "read_csv" in refused.value.fields["sql"][0]


def test_the_builder_writes_a_join_with_a_group_by(miyakonojo, steward, towns, facilities):
    tables = {
        str(t.resource.pk): t.fields
        for t in analysis.analysis_tables(municipality=miyakonojo, viewer=steward)
    }
    spec = Spec(
        table=str(facilities.pk),
        join_table=str(towns.pk),
        join_left=column_key(str(facilities.pk), "町名"),
        join_right=column_key(str(towns.pk), "町名"),
        group_by=column_key(str(facilities.pk), "町名"),
        aggregate="sum",
        aggregate_column=column_key(str(towns.pk), "人口"),
    )
    sql = build(spec, tables)
    result = analysis.analysis_run(municipality=miyakonojo, viewer=steward, sql=sql)
    assert [(r["町名"], r["sum_人口"]) for r in result.records] == [
        ("山之口町", 2400),
        ("高崎町", 3000),
    ]
    everything = build(
        Spec(
            table=str(towns.pk),
            join_table=str(facilities.pk),
            join_left=column_key(str(towns.pk), "町名"),
            join_right=column_key(str(facilities.pk), "町名"),
        ),
        tables,
    )
    joined = analysis.analysis_run(municipality=miyakonojo, viewer=steward, sql=everything)
    assert joined.columns == ["町名", "人口", "施設名", "種別"]
    with pytest.raises(Invalid) as wrong:
        build(
            Spec(
                table=str(towns.pk),
                filter_column=column_key(str(towns.pk), "人口"),
                filter_value="many",
            ),
            tables,
        )
    assert "filter_value" in wrong.value.fields


# --- saved views ----------------------------------------------------------------------------


def _actions(view_or_id) -> list[str]:
    pk = getattr(view_or_id, "pk", view_or_id)
    return list(
        AuditEvent.objects.filter(object_id=str(pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_saved_views_are_created_changed_and_deleted_with_audit_entries(miyakonojo, steward, towns):
    sql = f'SELECT "町名", "人口" FROM "{towns.pk}"'
    view = analysis_services.saved_view_create(
        municipality=miyakonojo,
        actor=steward,
        name_ja="町別人口",
        name_en="Population by town",
        sql=sql,
        chart_kind="bar",
        chart_x="町名",
        chart_y="人口",
    )
    assert view.created_by == steward
    assert analysis.saved_view_get(municipality=miyakonojo, id=view.pk) == view
    analysis_services.saved_view_update(
        municipality=miyakonojo, actor=steward, view=view, name_ja="町丁目別人口"
    )
    assert SavedView.objects.get(pk=view.pk).name_ja == "町丁目別人口"
    with pytest.raises(Invalid) as refused:
        analysis_services.saved_view_update(
            municipality=miyakonojo, actor=steward, view=view, sql="DROP TABLE x"
        )
    assert "sql" in refused.value.fields
    assert SavedView.objects.get(pk=view.pk).sql == sql  # nothing saved is lost
    pk = view.pk
    analysis_services.saved_view_delete(municipality=miyakonojo, actor=steward, view=view)
    assert not SavedView.all_tenants.filter(pk=pk).exists()
    assert _actions(pk) == [
        "catalog.saved_view.create",
        "catalog.saved_view.update",
        "catalog.saved_view.delete",
    ]


def test_a_view_over_another_municipalitys_table_is_not_saved(
    miyakonojo, miyazaki, steward, make_dataset, other_org, other_steward
):
    theirs = make_dataset("their-towns", "宮崎市", municipality=miyazaki, organization=other_org)
    their_resource = upload(theirs, other_steward, TOWNS.encode(), "their.csv")
    run_until_idle()
    with pytest.raises(Invalid):
        analysis_services.saved_view_create(
            municipality=miyakonojo,
            actor=steward,
            name_ja="x",
            sql=f'SELECT * FROM "{their_resource.pk}"',
        )
    assert not SavedView.all_tenants.exists()


def test_staff_of_another_municipality_cannot_read_or_change_a_view(
    miyakonojo, miyazaki, steward, other_steward, towns
):
    view = analysis_services.saved_view_create(
        municipality=miyakonojo, actor=steward, name_ja="町別", sql=f'SELECT * FROM "{towns.pk}"'
    )
    with pytest.raises(NotFound):
        analysis.saved_view_get(municipality=miyazaki, id=view.pk)
    assert list(analysis.saved_view_list(municipality=miyazaki)) == []
    with pytest.raises(NotFound):
        analysis_services.saved_view_update(
            municipality=miyazaki, actor=other_steward, view=view, name_ja="盗む"
        )
    with pytest.raises(NotFound):
        analysis_services.saved_view_delete(municipality=miyazaki, actor=other_steward, view=view)
    from kanmin.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):  # their staff, acting in this municipality
        analysis_services.saved_view_update(
            municipality=miyakonojo, actor=other_steward, view=view, name_ja="盗む"
        )
    assert SavedView.objects.get(pk=view.pk).name_ja == "町別"


# --- derived datasets -----------------------------------------------------------------------


@pytest.fixture
def published(miyakonojo, steward, org, towns, facilities):
    view = analysis_services.saved_view_create(
        municipality=miyakonojo,
        actor=steward,
        name_ja="町別の施設数",
        name_en="Facilities by town",
        description="町ごとの人口と施設の数",
        sql=COUNT_BY_TOWN.format(towns=towns.pk, facilities=facilities.pk),
    )
    view = analysis_services.saved_view_publish(
        municipality=miyakonojo,
        actor=steward,
        view=view,
        organization=org,
        name="facilities-by-town",
        state=DatasetState.PUBLISHED,
    )
    run_until_idle()
    view.refresh_from_db()
    return view


def test_publishing_a_view_creates_a_dataset_with_its_provenance(
    client, miyakonojo, published, towns, facilities
):
    resource = published.derived_resource
    dataset = resource.dataset
    assert dataset.name == "facilities-by-town"
    assert dataset.state == DatasetState.PUBLISHED
    assert _rows(resource) == 3  # the result, loaded into the DataStore
    fields = DatastoreTable.all_tenants.get(resource=resource).fields
    assert [f["id"] for f in fields] == ["_id", "町名", "人口", "施設数"]
    assert published.derived_sql == published.sql
    assert published.source_ids == [str(towns.pk), str(facilities.pk)]
    assert published.derived_at is not None
    assert "catalog.saved_view.publish" in _actions(published)
    provenance = analysis.provenance_of(dataset=dataset, viewer=None)
    assert [s.id for s in provenance.sources] == [str(towns.pk), str(facilities.pk)]

    page = client.get(f"/m/452025/catalog/dataset/{dataset.name}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Provenance" in text
    assert f"/catalog/dataset/towns/resource/{towns.pk}/" in text  # a public source: a link
    assert f"/catalog/dataset/facilities/resource/{facilities.pk}/" not in text  # private
    assert "LEFT JOIN" in text  # the query

    ttl = client.get(f"/m/452025/catalog/dataset/{dataset.name}.ttl").content.decode()
    assert "prov:wasDerivedFrom" in ttl
    assert f"/catalog/dataset/towns/resource/{towns.pk}/" in ttl
    assert str(facilities.pk) not in ttl  # private sources are not named


def test_reloading_a_source_refreshes_the_derived_table(miyakonojo, steward, published, towns):
    before = published.derived_at
    assert _rows(published.derived_resource) == 3
    services.resource_update(
        municipality=miyakonojo,
        actor=steward,
        resource=towns,
        upload=SimpleUploadedFile(
            "towns.csv", (TOWNS + "高城町,2000\r\n高崎新町,10\r\n").encode("cp932")
        ),
    )
    run_until_idle()
    published.refresh_from_db()
    assert _rows(published.derived_resource) == 5
    assert published.derived_at > before
    assert published.refresh_error == ""
    assert "catalog.saved_view.refreshed" in _actions(published)


def test_a_failing_refresh_keeps_the_previous_table_and_says_why(
    client, miyakonojo, steward, published, towns
):
    services.resource_update(
        municipality=miyakonojo,
        actor=steward,
        resource=towns,
        # The column the query reads is renamed: the query fails.
        upload=SimpleUploadedFile("towns.csv", "地区,人口\r\n山之口町,1\r\n".encode("cp932")),
    )
    run_until_idle()
    published.refresh_from_db()
    assert _rows(towns) == 1  # the source was reloaded
    assert _rows(published.derived_resource) == 3  # the derived table is the previous one
    assert "町名" in published.refresh_error
    assert published.refresh_failed_at is not None
    assert "catalog.saved_view.refresh_failed" in _actions(published)
    page = client.get(
        f"/m/452025/catalog/dataset/{published.derived_resource.dataset.name}/",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "could not be recomputed" in page.content.decode()


@pytest.mark.parametrize("what", ["resource", "dataset", "table"])
def test_deleting_a_source_says_so_on_the_derived_dataset(
    client, miyakonojo, steward, published, towns, what
):
    """A source deleted (its resource, its dataset, or only its table through the API): the
    derived table keeps its last rows and its page says it could not be recomputed."""
    source_id = str(towns.pk)
    if what == "resource":
        services.resource_delete(municipality=miyakonojo, actor=steward, resource=towns)
    elif what == "dataset":
        services.dataset_delete(municipality=miyakonojo, actor=steward, dataset=towns.dataset)
    else:
        from kanmin.catalog.datastore import services as datastore_services

        datastore_services.datastore_delete(municipality=miyakonojo, actor=steward, resource=towns)
    run_until_idle()
    published.refresh_from_db()
    assert _rows(published.derived_resource) == 3
    assert published.refresh_failed_at is not None
    assert source_id in published.refresh_error
    page = client.get(
        f"/m/452025/catalog/dataset/{published.derived_resource.dataset.name}/",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "could not be recomputed" in page.content.decode()


def test_a_published_view_is_not_deleted_and_cannot_read_its_own_table(
    miyakonojo, steward, published
):
    with pytest.raises(Conflict):
        analysis_services.saved_view_delete(municipality=miyakonojo, actor=steward, view=published)
    analysis_services.saved_view_update(
        municipality=miyakonojo,
        actor=steward,
        view=published,
        sql=f'SELECT * FROM "{published.derived_resource_id}"',
    )
    with pytest.raises(Invalid) as refused:
        analysis_services.saved_view_publish(municipality=miyakonojo, actor=steward, view=published)
    assert "cannot refresh itself" in refused.value.fields["sql"][0]


# --- the page -------------------------------------------------------------------------------

PAGE = "/m/452025/catalog/analysis/"


def test_the_page_is_for_signed_in_staff_of_the_municipality(client, other_steward, towns):
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    client.force_login(other_steward)
    assert client.get(PAGE).status_code in (403, 404)
    assert str(towns.pk) not in client.get(PAGE).content.decode()


def test_staff_run_a_query_and_see_the_tables_beside_the_editor(client, steward, towns, facilities):
    client.force_login(steward)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<code>&quot;{towns.pk}&quot;</code>" in page
    assert f"<code>&quot;{facilities.pk}&quot;</code>" in page  # private: staff see it
    assert "人口" in page and "int" in page
    sql = COUNT_BY_TOWN.format(towns=towns.pk, facilities=facilities.pk)
    response = client.post(
        PAGE,
        {"action": "run", "sql": sql, "chart_kind": "bar", "chart_x": "町名", "chart_y": "施設数"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    text = response.content.decode()
    # Numbers aligned right, as in the resource's table preview.
    assert '<td lang="ja">山之口町</td><td class="num">1200</td><td class="num">2</td>' in text
    # The catalog's one chart: an SVG that says what it shows, and its figures as a table.
    source = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', text)
    assert source is not None
    svg = base64.b64decode(source.group(1)).decode()
    assert "<title>施設数 by 町名</title>" in svg
    assert "Highest: " in svg.split("<desc>", 1)[1]
    assert 'id="chart-figures-caption"' in text
    assert '<th scope="row" lang="ja">山之口町</th><td class="num">2</td>' in text


def test_a_refused_query_says_why_and_keeps_what_was_typed(client, steward, towns):
    client.force_login(steward)
    sql = "SELECT * FROM read_csv('/etc/passwd') -- my long query"
    response = client.post(
        PAGE, {"action": "run", "sql": sql, "name_ja": "下書き"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "is not allowed" in text
    assert "my long query" in text  # the editor still holds it
    assert 'value="下書き"' in text


def test_staff_save_a_view_then_open_and_publish_it(client, steward, org, towns):
    client.force_login(steward)
    sql = f'SELECT "町名", "人口" FROM "{towns.pk}" ORDER BY "人口"'
    response = client.post(
        PAGE,
        {
            "action": "save_new",
            "sql": sql,
            "chart_kind": "line",
            "chart_x": "町名",
            "chart_y": "人口",
            "name_ja": "町別人口",
        },
    )
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert response["Location"] == f"{PAGE}{view.pk}/"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td lang="ja">高崎町</td><td class="num">3000</td>' in page
    assert "data:image/svg+xml" in page
    published = client.post(
        response["Location"],
        {
            "action": "publish",
            "p-organization": org.pk,
            "p-name": "population-by-town",
            "p-state": DatasetState.PRIVATE,
        },
    )
    assert published.status_code == 302
    view.refresh_from_db()
    assert view.derived_resource.dataset.name == "population-by-town"
    assert view.derived_resource.dataset.state == DatasetState.PRIVATE


def test_another_municipalitys_view_is_not_found_here(client, miyazaki, steward, towns, make_user):
    view = analysis_services.saved_view_create(
        municipality=towns.municipality,
        actor=steward,
        name_ja="町別",
        sql=f'SELECT * FROM "{towns.pk}"',
    )
    their_staff = make_user("their-staff", "data_steward", miyazaki)
    client.force_login(their_staff)
    assert client.get(f"/m/452017/catalog/analysis/{view.pk}/").status_code == 404
    assert client.get(f"{PAGE}{view.pk}/").status_code in (403, 404)


def test_every_staff_member_analyses_but_only_stewards_publish(
    client, miyakonojo, make_user, org, towns
):
    from kanmin.core.errors import PermissionDenied

    clerk = make_user("clerk", "department_staff", miyakonojo)
    view = analysis_services.saved_view_create(
        municipality=miyakonojo, actor=clerk, name_ja="町別", sql=f'SELECT * FROM "{towns.pk}"'
    )
    with pytest.raises(PermissionDenied):
        analysis_services.saved_view_publish(
            municipality=miyakonojo, actor=clerk, view=view, organization=org, name="by-town"
        )
    assert view.derived_resource_id is None
    client.force_login(clerk)
    page = client.get(f"{PAGE}{view.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A data steward or an administrator publishes datasets." in page
    resident = make_user("resident", "citizen", miyakonojo)
    client.force_login(resident)
    assert client.get(PAGE).status_code == 403
