"""DCAT output: every format parses with rdflib and says what the database holds."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from kanmin.catalog import dcat, licenses, services
from kanmin.catalog.models import Dataset, DatasetState

pytestmark = [
    pytest.mark.django_db,
    # rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph internally.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

HYDRA = dcat.HYDRA
VCARD = dcat.VCARD
RDFLIB_FORMAT = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}
CONTENT_TYPE = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
CSV_BYTES = "町丁目,人口\n本町一丁目,1200\n".encode()


def fetch(client: Any, url: str, fmt: str = "ttl", **extra: Any) -> Graph:
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == f"{CONTENT_TYPE[fmt]}; charset=utf-8"
    graph = Graph()
    graph.parse(data=response.content, format=RDFLIB_FORMAT[fmt])
    return graph


def dataset_uris(graph: Graph) -> set[str]:
    return {str(s) for s in graph.subjects(ns.RDF.type, ns.DCAT.Dataset)}


def page_url(municipality_code: str, name: str) -> str:
    return f"http://testserver/m/{municipality_code}/catalog/dataset/{name}/"


@pytest.fixture
def population(miyakonojo, org, make_dataset):
    group = services.group_create(
        municipality=miyakonojo, actor=None, name="kurashi", title_ja="くらし", title_en="Living"
    )
    dataset = make_dataset(
        "population",
        "町丁目別人口",
        title_en="Population by district",
        notes_ja="住民基本台帳による人口です。",
        notes_en="Population from the basic resident register.",
        tags=["人口", "統計"],
        groups=[group],
        license_id="cc-by-4.0",
        update_frequency="monthly",
        contact_name="情報政策課 統計係",
        contact_email="toukei@example.jp",
        spatial="都城市全域",
        temporal_start=date(2024, 4, 1),
        temporal_end=date(2025, 3, 31),
        standard_dataset="aed",
        resources=[{"url": "https://example.jp/files/population.csv", "name": "人口CSV"}],
    )
    services.resource_create(
        municipality=miyakonojo,
        actor=None,
        dataset=dataset,
        upload=SimpleUploadedFile("452025_population.csv", CSV_BYTES),
        name="アップロードしたCSV",
    )
    dataset.refresh_from_db()
    return dataset


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_a_dataset_in_every_format(client, population, fmt):
    graph = fetch(client, f"/m/452025/catalog/dataset/population.{fmt}", fmt)
    ref = URIRef(page_url("452025", "population"))
    assert dataset_uris(graph) == {str(ref)}
    assert (ref, ns.DCTERMS.identifier, Literal(str(population.pk))) in graph
    assert (ref, ns.DCTERMS.title, Literal(population.title_ja, lang="ja")) in graph
    assert (ref, ns.DCTERMS.title, Literal(population.title_en, lang="en")) in graph
    assert (ref, ns.DCTERMS.description, Literal(population.notes_en, lang="en")) in graph
    assert {str(k) for k in graph.objects(ref, ns.DCAT.keyword)} == {"人口", "統計"}
    assert (ref, ns.DCAT.landingPage, ref) in graph
    assert (
        ref,
        ns.DCTERMS.accrualPeriodicity,
        URIRef("http://publications.europa.eu/resource/authority/frequency/MONTHLY"),
    ) in graph
    # publisher = the organization, with its names
    publisher = graph.value(ref, ns.DCTERMS.publisher)
    assert (publisher, ns.RDF.type, ns.FOAF.Organization) in graph
    assert (publisher, ns.FOAF.name, Literal("情報政策課", lang="ja")) in graph
    # contact point
    contact = graph.value(ref, ns.DCAT.contactPoint)
    assert (contact, ns.RDF.type, VCARD.Kind) in graph
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:toukei@example.jp")
    # temporal coverage
    period = graph.value(ref, ns.DCTERMS.temporal)
    assert graph.value(period, ns.DCAT.startDate) == Literal(date(2024, 4, 1), datatype=ns.XSD.date)
    assert graph.value(period, ns.DCAT.endDate) == Literal(date(2025, 3, 31), datatype=ns.XSD.date)
    # issued / modified as xsd:dateTime equal to the stored values
    modified = graph.value(ref, ns.DCTERMS.modified)
    assert modified.datatype == ns.XSD.dateTime
    assert modified.toPython() == population.modified.replace(microsecond=0)
    assert graph.value(ref, ns.DCTERMS.issued).datatype == ns.XSD.dateTime
    # the category as a theme, the standard data set
    theme = graph.value(ref, ns.DCAT.theme)
    assert (theme, None, Literal("くらし", lang="ja")) in graph
    standard = graph.value(ref, ns.DCTERMS.conformsTo)
    assert graph.value(standard, ns.DCTERMS.identifier) == Literal("aed")
    assert (standard, ns.DCTERMS.title, Literal("AED設置箇所一覧", lang="ja")) in graph
    # conformsTo names the standard's Table Schema, which the portal serves
    assert isinstance(standard, URIRef) and str(standard) == "http://testserver/standards/aed.json"
    schema = client.get("/standards/aed.json")
    assert schema.status_code == 200 and schema["Access-Control-Allow-Origin"] == "*"
    names = [f["name"] for f in schema.json()["fields"]]
    assert "名称" in names and "緯度" in names
    assert client.get("/standards/no-such-standard.json").status_code == 404
    location = graph.value(ref, ns.DCTERMS.spatial)
    assert (location, ns.RDF.type, ns.DCTERMS.Location) in graph
    assert (location, None, Literal("都城市全域", lang="ja")) in graph


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_every_distribution_carries_the_license_url(client, population, fmt):
    graph = fetch(client, f"/m/452025/catalog/dataset/population.{fmt}", fmt)
    ref = URIRef(page_url("452025", "population"))
    distributions = list(graph.objects(ref, ns.DCAT.distribution))
    assert len(distributions) == population.resources.count() == 2
    license_url = licenses.get(population.license_id).url
    assert license_url
    for distribution in distributions:
        assert (distribution, ns.RDF.type, ns.DCAT.Distribution) in graph
        assert client.get(str(distribution)).status_code == 200  # its portal page
        assert graph.value(distribution, ns.DCTERMS.license) == URIRef(license_url)


def test_distributions_describe_their_files(client, population):
    graph = fetch(client, "/m/452025/catalog/dataset/population.ttl")
    ref = URIRef(page_url("452025", "population"))
    by_title = {
        str(graph.value(d, ns.DCTERMS.title)): d for d in graph.objects(ref, ns.DCAT.distribution)
    }
    link = by_title["人口CSV"]
    assert graph.value(link, ns.DCAT.accessURL) == URIRef("https://example.jp/files/population.csv")
    assert graph.value(link, ns.DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/text/csv"
    )
    assert graph.value(link, ns.DCTERMS.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/CSV"
    )
    upload = by_title["アップロードしたCSV"]
    size = graph.value(upload, ns.DCAT.byteSize)
    assert size.datatype == ns.XSD.nonNegativeInteger and int(size) == len(CSV_BYTES)
    download = str(graph.value(upload, ns.DCAT.downloadURL))
    assert download.startswith("http://testserver/m/452025/dataset/")
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CSV_BYTES


def test_the_short_dataset_url_serves_the_same_dataset(client, population):
    long = fetch(client, "/m/452025/catalog/dataset/population.jsonld", "jsonld")
    short = fetch(client, "/m/452025/dataset/population.jsonld", "jsonld")
    assert dataset_uris(short) == dataset_uris(long) == {page_url("452025", "population")}


def test_an_unknown_format_or_dataset_is_404(client, population):
    assert client.get("/m/452025/catalog/dataset/population.n3").status_code == 404
    assert client.get("/m/452025/catalog/dataset/nothing.ttl").status_code == 404
    assert client.get("/m/452025/catalog.csv").status_code == 404


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_the_catalog_in_every_format(client, miyakonojo, population, make_dataset, fmt):
    make_dataset("shelter", "避難所一覧")
    graph = fetch(client, f"/m/452025/catalog.{fmt}", fmt)
    catalog = URIRef("http://testserver/m/452025/catalog/")
    assert (catalog, ns.RDF.type, ns.DCAT.Catalog) in graph
    listed = {str(d) for d in graph.objects(catalog, ns.DCAT.dataset)}
    assert listed == dataset_uris(graph)
    assert listed == {page_url("452025", "population"), page_url("452025", "shelter")}
    titles = {t.language: str(t) for t in graph.objects(catalog, ns.DCTERMS.title)}
    assert set(titles) == {"ja", "en"}
    assert "都城市" in titles["ja"] and "Miyakonojo City" in titles["en"]
    publisher = graph.value(catalog, ns.DCTERMS.publisher)
    assert (publisher, ns.RDF.type, ns.FOAF.Agent) in graph
    assert (publisher, ns.FOAF.name, Literal("都城市", lang="ja")) in graph
    assert graph.value(publisher, ns.FOAF.homepage) == URIRef("http://testserver/m/452025/")
    assert graph.value(catalog, ns.DCTERMS.spatial) is not None
    newest = Dataset.all_tenants.filter(municipality=miyakonojo).latest("modified").modified
    assert graph.value(catalog, ns.DCTERMS.modified).toPython() == newest.replace(microsecond=0)


def test_drafts_and_private_datasets_are_not_shown_to_anonymous_users(
    client, population, make_dataset, steward
):
    make_dataset("wip", "作成中のデータ", state=DatasetState.DRAFT)
    make_dataset("internal", "庁内限定", state=DatasetState.PRIVATE)
    graph = fetch(client, "/m/452025/catalog.ttl")
    assert dataset_uris(graph) == {page_url("452025", "population")}
    assert client.get("/m/452025/catalog/dataset/wip.ttl").status_code == 404
    assert client.get("/m/452025/catalog/dataset/internal.ttl").status_code == 404
    # Staff see their draft at its own URL, as on its page; the harvested catalog stays public.
    client.force_login(steward)
    graph = fetch(client, "/m/452025/catalog/dataset/wip.ttl")
    assert dataset_uris(graph) == {page_url("452025", "wip")}
    assert dataset_uris(fetch(client, "/m/452025/catalog.ttl")) == {
        page_url("452025", "population")
    }


def test_a_tenant_catalog_holds_only_its_own_datasets(
    client, population, make_dataset, miyazaki, other_org
):
    make_dataset("hinanjo", "宮崎市の避難所", municipality=miyazaki, organization=other_org)
    own = fetch(client, "/m/452025/catalog.ttl")
    assert dataset_uris(own) == {page_url("452025", "population")}
    other = fetch(client, "/m/452017/catalog.rdf", "rdf")
    assert dataset_uris(other) == {page_url("452017", "hinanjo")}
    assert client.get("/m/452017/catalog/dataset/population.ttl").status_code == 404
    # The root catalog lists every municipality's published datasets.
    root = fetch(client, "/catalog.jsonld", "jsonld")
    assert dataset_uris(root) == {page_url("452025", "population"), page_url("452017", "hinanjo")}
    assert (URIRef("http://testserver/"), ns.RDF.type, ns.DCAT.Catalog) in root


def _published(make_dataset, count: int) -> list[Dataset]:
    return [make_dataset(f"data-{i:02d}", f"データ{i}") for i in range(count)]


def test_paging_links_and_total(client, make_dataset, monkeypatch):
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    _published(make_dataset, 5)
    graph = fetch(client, "/m/452025/catalog.ttl")
    view = URIRef("http://testserver/m/452025/catalog.ttl?page=1")
    assert (view, ns.RDF.type, HYDRA.PartialCollectionView) in graph
    assert (view, ns.RDF.type, HYDRA.PagedCollection) in graph
    assert graph.value(view, HYDRA.totalItems).toPython() == 5
    assert graph.value(view, HYDRA.first) == view
    assert str(graph.value(view, HYDRA.next)) == "http://testserver/m/452025/catalog.ttl?page=2"
    assert str(graph.value(view, HYDRA.last)) == "http://testserver/m/452025/catalog.ttl?page=3"
    assert graph.value(view, HYDRA.previous) is None
    assert len(dataset_uris(graph)) == 2
    last = fetch(client, "/m/452025/catalog.ttl?page=3")
    view = URIRef("http://testserver/m/452025/catalog.ttl?page=3")
    assert len(dataset_uris(last)) == 1
    assert last.value(view, HYDRA.next) is None
    assert str(last.value(view, HYDRA.previous)) == (
        "http://testserver/m/452025/catalog.ttl?page=2"
    )


def _harvest(client: Any, url: str, fmt: str) -> list[str]:
    """What a DCAT harvester does: parse a page, take its datasets, follow hydra:next."""
    found: list[str] = []
    seen_pages: set[str] = set()
    next_url: str | None = url
    while next_url is not None:
        assert next_url not in seen_pages, "the paging loops"
        seen_pages.add(next_url)
        graph = fetch(client, next_url, fmt)
        found += [
            str(graph.value(d, ns.DCTERMS.identifier))
            for d in graph.subjects(ns.RDF.type, ns.DCAT.Dataset)
        ]
        next_url = None
        for node in graph.subjects(ns.RDF.type, HYDRA.PagedCollection):
            following = graph.value(node, HYDRA.next) or graph.value(node, HYDRA.nextPage)
            next_url = str(following) if following is not None else None
    return found


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_a_harvester_following_next_collects_every_published_dataset(
    client, make_dataset, monkeypatch, fmt
):
    monkeypatch.setattr(dcat, "PAGE_SIZE", 3)
    datasets = _published(make_dataset, 7)
    make_dataset("wip", "作成中", state=DatasetState.DRAFT)
    # A bulk import gives many datasets the same time: pages must still not overlap.
    Dataset.all_tenants.update(modified=timezone.now())
    found = _harvest(client, f"/m/452025/catalog.{fmt}", fmt)
    assert len(found) == len(set(found))
    published = Dataset.all_tenants.filter(state=DatasetState.PUBLISHED)
    assert set(found) == {str(pk) for pk in published.values_list("pk", flat=True)}
    assert len(found) == len(datasets)


def test_modified_since_keeps_datasets_modified_at_or_after_it(client, make_dataset, monkeypatch):
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    old, edge, new1, new2 = _published(make_dataset, 4)
    base = timezone.now().replace(microsecond=0) - timedelta(days=30)
    for dataset, days in ((old, 0), (edge, 10), (new1, 11), (new2, 20)):
        Dataset.all_tenants.filter(pk=dataset.pk).update(modified=base + timedelta(days=days))
    since = (base + timedelta(days=10)).isoformat()
    found = _harvest(client, f"/m/452025/catalog.ttl?modified_since={since}", "ttl")
    assert set(found) == {str(edge.pk), str(new1.pk), str(new2.pk)}
    graph = fetch(client, "/m/452025/catalog.ttl", data={"modified_since": since})
    view = next(graph.subjects(ns.RDF.type, HYDRA.PartialCollectionView))
    assert graph.value(view, HYDRA.totalItems).toPython() == 3
    assert "modified_since=" in str(graph.value(view, HYDRA.next))
    # a plain date means from the start of that day, local time
    day = timezone.localtime(base + timedelta(days=11)).date().isoformat()
    found = _harvest(client, f"/m/452025/catalog.ttl?modified_since={day}", "ttl")
    assert str(old.pk) not in found and str(new2.pk) in found


@pytest.mark.parametrize(
    "value", ["yesterday", "2024-13-01", "2024-02-30T00:00", "12345", "0001-01-01T00:00:00"]
)
def test_a_bad_modified_since_is_a_400_in_the_users_language(client, miyakonojo, value):
    response = client.get(
        "/m/452025/catalog.ttl", {"modified_since": value}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "modified_since" in text and value in text
    assert response["Content-Language"] == "en"
    response = client.get(
        "/m/452025/catalog.ttl", {"modified_since": value}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert response.status_code == 400
    assert response["Content-Language"] == "ja"
    assert value in response.content.decode()


def test_a_bad_page_is_a_400(client, miyakonojo):
    for value in ("0", "-1", "two", "²", "9" * 30):
        assert client.get("/m/452025/catalog.ttl", {"page": value}).status_code == 400


def test_a_page_past_the_end_is_empty_and_points_back(client, make_dataset):
    _published(make_dataset, 1)
    graph = fetch(client, "/m/452025/catalog.ttl?page=999999999")
    assert dataset_uris(graph) == set()
    view = URIRef("http://testserver/m/452025/catalog.ttl?page=999999999")
    assert graph.value(view, HYDRA.next) is None
    assert str(graph.value(view, HYDRA.last)).endswith("catalog.ttl?page=1")


def test_an_offset_in_modified_since_survives_an_unencoded_plus(client, make_dataset):
    (dataset,) = _published(make_dataset, 1)
    stamp = timezone.localtime(dataset.modified).replace(microsecond=0) - timedelta(minutes=1)
    # "+09:00" typed into a URL arrives as " 09:00"
    raw = stamp.isoformat()
    assert "+09:00" in raw
    found = _harvest(client, "/m/452025/catalog.ttl?modified_since=" + raw, "ttl")
    assert found == [str(dataset.pk)]


def test_single_tenant_mode_serves_dcat_at_the_root(client, population, single_tenant):
    graph = fetch(client, "/catalog.ttl")
    assert dataset_uris(graph) == {"http://testserver/catalog/dataset/population/"}
    graph = fetch(client, "/dataset/population.rdf", "rdf")
    assert dataset_uris(graph) == {"http://testserver/catalog/dataset/population/"}


def test_a_catalog_page_costs_the_same_queries_however_many_datasets(client, make_dataset):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            fetch(client, "/m/452025/catalog.ttl")
        return len(captured.captured_queries)

    def add(start: int, count: int) -> None:
        for i in range(start, start + count):
            make_dataset(
                f"d-{i:02d}",
                f"データ{i}",
                tags=[f"タグ{i}"],
                resources=[{"url": f"https://example.jp/{i}.csv", "name": f"CSV{i}"}],
            )

    add(0, 2)
    few = queries()
    add(2, 6)
    assert queries() == few


def test_q_and_fq_narrow_the_catalog_as_package_search_does(client, make_dataset, monkeypatch):
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    tagged = [make_dataset(f"bosai-{n}", f"防災{n}", tags=["防災"]) for n in range(3)]
    make_dataset("other", "観光", tags=["観光"])
    base = timezone.now().replace(microsecond=0) - timedelta(days=30)
    for n, dataset in enumerate(tagged):
        Dataset.all_tenants.filter(pk=dataset.pk).update(modified=base + timedelta(days=n))
    found = _harvest(client, "/m/452025/catalog.ttl?fq=tags:防災", "ttl")
    assert sorted(found) == sorted(str(d.pk) for d in tagged)
    assert _harvest(client, "/m/452025/catalog.ttl?q=観光", "ttl") == [
        str(Dataset.all_tenants.get(name="other").pk)
    ]
    since = (base + timedelta(days=1)).isoformat()
    found = _harvest(client, f"/m/452025/catalog.ttl?fq=tags:防災&modified_since={since}", "ttl")
    assert sorted(found) == sorted([str(tagged[2].pk), str(tagged[1].pk)])
    graph = fetch(client, "/m/452025/catalog.ttl", data={"fq": "tags:防災"})
    view = next(graph.subjects(ns.RDF.type, HYDRA.PartialCollectionView))
    assert graph.value(view, HYDRA.totalItems).toPython() == 3
    assert "fq=" in str(graph.value(view, HYDRA.next))
    bad = client.get("/m/452025/catalog.ttl", {"fq": "nosuchfield:x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "nosuchfield" in bad.content.decode()
