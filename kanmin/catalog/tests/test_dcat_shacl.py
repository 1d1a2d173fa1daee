"""The DCAT a harvester reads conforms to DCAT-AP 3.0.1: pyshacl with our shapes
(``dcat_ap_3_shapes.ttl``, the spec's mandatory properties and ranges) finds no violation in
the catalog or a dataset, in every serialization; and the check can fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib import namespace as ns

from kanmin.catalog import dcat, services
from kanmin.core.models import Municipality

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

SHAPES = Graph().parse(Path(__file__).with_name("dcat_ap_3_shapes.ttl"), format="turtle")
SH = ns.SH
RDFLIB_FORMAT = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}
CATALOG = URIRef("http://testserver/m/452025/catalog/")


def violations(graph: Graph, severity: URIRef = SH.Violation) -> list[str]:
    """One line per result of ``severity``: focus node, path, message."""
    _conforms, report, _text = validate(
        graph, shacl_graph=SHAPES, inference="none", allow_warnings=True
    )
    assert isinstance(report, Graph)
    return sorted(
        f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: "
        f"{report.value(r, SH.resultMessage)}"
        for r in report.subjects(SH.resultSeverity, severity)
    )


def fetch(client: Any, url: str, fmt: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return Graph().parse(data=response.content, format=RDFLIB_FORMAT[fmt])


@pytest.fixture
def demo_catalog(miyakonojo: Municipality, org: Any, make_dataset: Any) -> Municipality:
    """A small catalog shaped like the demo's: a municipality with its area, a category,
    datasets with every field and with only the required ones, a link and an upload."""
    Municipality.objects.filter(pk=miyakonojo.pk).update(
        area_south=31.58, area_west=130.88, area_north=31.97, area_east=131.23
    )
    group = services.group_create(
        municipality=miyakonojo, actor=None, name="bosai", title_ja="防災", title_en="Safety"
    )
    full = make_dataset(
        "aed",
        "AED設置箇所一覧",
        title_en="AED locations",
        notes_ja="市内のAED設置箇所です。",
        tags=["防災", "医療"],
        groups=[group],
        license_id="cc-by-4.0",
        update_frequency="monthly",
        contact_name="危機管理課",
        contact_email="bosai@example.jp",
        spatial="都城市全域",
        standard_dataset="aed",
        resources=[{"url": "https://example.jp/files/aed.csv", "name": "AED CSV"}],
    )
    services.resource_create(
        municipality=miyakonojo,
        actor=None,
        dataset=full,
        upload=SimpleUploadedFile(
            "452025_aed.csv", "名称,緯度,経度\n市役所,31.72,131.06\n".encode()
        ),
        name="AED アップロード",
    )
    make_dataset(
        "shelter",
        "指定緊急避難場所一覧",
        notes_ja="指定緊急避難場所です。",
        resources=[{"url": "https://example.jp/shelter/", "name": "避難所のページ"}],
    )
    return miyakonojo


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_the_catalog_has_no_dcat_ap_violation(client, demo_catalog, fmt):
    graph = fetch(client, f"/m/452025/catalog.{fmt}", fmt)
    assert len(list(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 2
    assert violations(graph) == []


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_a_dataset_has_no_dcat_ap_violation(client, demo_catalog, fmt):
    assert violations(fetch(client, f"/m/452025/catalog/dataset/aed.{fmt}", fmt)) == []


def test_the_full_dataset_has_every_recommended_property(client, demo_catalog):
    graph = fetch(client, "/m/452025/catalog/dataset/aed.ttl", "ttl")
    warnings = violations(graph, SH.Warning)
    # temporal coverage is the one recommendation the demo's dataset leaves out
    assert all("temporal" in line for line in warnings), warnings


def test_the_catalog_says_what_dcat_ap_recommends_for_a_city(client, demo_catalog):
    graph = fetch(client, "/m/452025/catalog.ttl", "ttl")
    assert graph.value(CATALOG, ns.DCTERMS.issued).datatype == ns.XSD.dateTime
    license_ = graph.value(CATALOG, ns.DCTERMS.license)
    assert (license_, ns.RDF.type, ns.DCTERMS.LicenseDocument) in graph
    # the publisher is a local authority (ADMS publisher type)
    publisher = graph.value(CATALOG, ns.DCTERMS.publisher)
    local_authority = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    assert graph.value(publisher, ns.DCTERMS.type) == local_authority
    assert (local_authority, ns.RDF.type, ns.SKOS.Concept) in graph
    # the city as a place: an IRI, with its bounding box in WKT
    place = graph.value(CATALOG, ns.DCTERMS.spatial)
    assert isinstance(place, URIRef)
    assert (place, ns.RDF.type, ns.DCTERMS.Location) in graph
    bbox = graph.value(place, ns.DCAT.bbox)
    assert bbox.datatype == dcat.GSP.wktLiteral
    assert str(bbox) == (
        "POLYGON((130.88 31.58, 131.23 31.58, 131.23 31.97, 130.88 31.97, 130.88 31.58))"
    )
    # every distribution says its planned availability
    distributions = list(graph.subjects(ns.RDF.type, ns.DCAT.Distribution))
    assert len(distributions) == 3
    for distribution in distributions:
        availability = graph.value(distribution, dcat.DCATAP.availability)
        assert (availability, ns.RDF.type, ns.SKOS.Concept) in graph


def test_a_municipality_without_coordinates_has_no_bbox(client, demo_catalog):
    Municipality.objects.filter(pk=demo_catalog.pk).update(
        area_south=None, area_west=None, area_north=None, area_east=None
    )
    graph = fetch(client, "/m/452025/catalog.ttl", "ttl")
    assert not list(graph.objects(None, ns.DCAT.bbox))
    assert violations(graph) == []


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        # a frequency IRI that is not typed dct:Frequency
        (
            (dcat.EU_FREQUENCY.MONTHLY, ns.RDF.type, ns.DCTERMS.Frequency),
            "accrualPeriodicity",
        ),
        # the landing page not typed foaf:Document
        (
            (URIRef("http://testserver/m/452025/catalog/dataset/aed/"), ns.RDF.type, None),
            "landingPage",
        ),
        # the category scheme without its title
        ((None, ns.DCTERMS.title, None), "title"),
    ],
)
def test_the_shapes_find_a_broken_catalog(client, demo_catalog, remove, expected):
    graph = fetch(client, "/m/452025/catalog.ttl", "ttl")
    assert violations(graph) == []
    if remove[1] == ns.DCTERMS.title:  # only the scheme's title
        scheme = graph.value(CATALOG, ns.DCAT.themeTaxonomy)
        remove = (scheme, ns.DCTERMS.title, None)
    elif remove[2] is None:  # only the foaf:Document type
        remove = (remove[0], ns.RDF.type, ns.FOAF.Document)
    graph.remove(remove)
    found = violations(graph)
    assert found, "removing a required triple must make a violation"
    assert any(expected in line for line in found), found


def test_the_root_catalog_is_published_by_the_sites_operator(client, demo_catalog, settings):
    """The catalog of every municipality on a shared site names KANMIN_OPERATOR_NAME as its
    publisher, and conforms."""
    settings.KANMIN_OPERATOR_NAME = "宮崎県 市町村共同利用協議会"
    graph = fetch(client, "/catalog.ttl", "ttl")
    assert violations(graph) == []
    catalog = next(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    publisher = graph.value(catalog, ns.DCTERMS.publisher)
    assert str(graph.value(publisher, ns.FOAF.name)) == "宮崎県 市町村共同利用協議会"
