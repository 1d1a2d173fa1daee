"""The catalog as DCAT (DCAT-AP 3 terms) for harvesters: one graph, three serializations.

``/catalog.<fmt>`` lists a municipality's published datasets (or every municipality's, at the
root of a shared deployment), newest change first, ``PAGE_SIZE`` to a page, with the Hydra
paging terms that DCAT harvesters follow (ckanext-dcat reads ``hydra:PagedCollection`` +
``hydra:next``/``hydra:nextPage``, udata reads ``hydra:PartialCollectionView`` + ``hydra:next``:
the paging node carries both). ``/dataset/<name>.<fmt>`` is one dataset.

URIs are the portal's own pages, so they are stable and dereferenceable: a dataset is its
portal page, a distribution its resource page, an organization or a category the catalog
search filtered by it. The license lives on each distribution, as DCAT wants it.

The output conforms to DCAT-AP 3.0.1 (``catalog/tests/dcat_ap_3_shapes.ttl`` checks it with
pyshacl): every IRI that is the value of a property with a range is typed with that range
(an access right ``dct:RightsStatement``, a frequency ``dct:Frequency``, a language
``dct:LinguisticSystem``, a page ``foaf:Document``), so that a harvester without a reasoner
validates it. For a Japanese city it also gives what DCAT-AP recommends: the publisher's type
(ADMS ``LocalAuthority``), each distribution's planned availability, the catalog's issue date
and license, and the municipality as a place IRI with its box (``dcat:bbox``, WKT) when its
area is known.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kanmin.catalog import licenses, search, selectors
from kanmin.catalog.models import Dataset, DatasetState, Group, Organization, Resource
from kanmin.core.errors import Invalid
from kanmin.core.models import Municipality
from kanmin.core.tenancy import tenant_reverse

PAGE_SIZE = 100
"""Datasets per catalog page (ckanext-dcat's ``ckanext.dcat.datasets_per_page`` default)."""

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_AVAILABILITY = Namespace(
    "http://publications.europa.eu/resource/authority/planned-availability/"
)
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS_PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class RdfFormat:
    rdflib_format: str
    content_type: str


FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat("turtle", "text/turtle; charset=utf-8"),
    "jsonld": RdfFormat("json-ld", "application/ld+json; charset=utf-8"),
    "rdf": RdfFormat("pretty-xml", "application/rdf+xml; charset=utf-8"),
}

# Our update frequencies (models.UpdateFrequency) → the EU frequency authority table.
FREQUENCIES: dict[str, str] = {
    "continuous": "UPDATE_CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUAL",
    "irregular": "IRREG",
    "never": "NEVER",
}

# A resource's format (as staff type it, upper-cased) → the EU file-type authority table.
FILE_TYPES: dict[str, str] = {
    "CSV": "CSV",
    "TSV": "TSV",
    "JSON": "JSON",
    "GEOJSON": "GEOJSON",
    "JSON-LD": "JSON_LD",
    "JSONLD": "JSON_LD",
    "XML": "XML",
    "XLSX": "XLSX",
    "XLS": "XLS",
    "ODS": "ODS",
    "PDF": "PDF",
    "ZIP": "ZIP",
    "HTML": "HTML",
    "TXT": "TXT",
    "KML": "KML",
    "KMZ": "KMZ",
    "GML": "GML",
    "SHP": "SHP",
    "GPKG": "GPKG",
    "PARQUET": "PARQUET",
    "RDF": "RDF_XML",
    "TTL": "RDF_TURTLE",
    "DOCX": "DOCX",
    "DOC": "DOC",
    "PNG": "PNG",
    "JPEG": "JPEG",
    "JPG": "JPEG",
    "GTFS": "GTFS",
}

# Media types Python's table does not know or spells differently.
_MEDIA_TYPES: dict[str, str] = {
    "GEOJSON": "application/geo+json",
    "JSON-LD": "application/ld+json",
    "JSONLD": "application/ld+json",
    "TTL": "text/turtle",
    "KML": "application/vnd.google-earth.kml+xml",
    "KMZ": "application/vnd.google-earth.kmz",
    "GPKG": "application/geopackage+sqlite3",
    "TSV": "text/tab-separated-values",
}
_MEDIA_TYPE = re.compile(
    r"^(application|audio|font|image|model|multipart|text|video)/(?!x-)[a-z0-9][a-z0-9.+_-]*$"
)


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def parse_modified_since(value: str | None) -> datetime | None:
    """``modified_since`` as an aware datetime: an ISO 8601 date (the start of that day, local
    time) or date and time (local time unless it has an offset). Raises ``Invalid``."""
    text = (value or "").strip()
    if not text:
        return None
    # An unencoded "+09:00" in a query string arrives as " 09:00".
    text = re.sub(r"(T[0-9:.]+) ([0-9]{2}(:?[0-9]{2})?)$", r"\1+\2", text)
    parsed: datetime | None = None
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            parsed = datetime.combine(date.fromisoformat(text), time.min)
        elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9].*", text):
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed is not None:
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed)
            parsed.astimezone(UTC)  # the database compares in UTC: year 1 may not convert
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        message = _(
            "modified_since must be an ISO 8601 date or date and time, for example "
            "2024-04-01 or 2024-04-01T09:00:00+09:00 (you gave %(value)s)."
        ) % {"value": text[:100]}
        raise Invalid(message, code="bad_modified_since", fields={"modified_since": [message]})
    return parsed


def parse_page(value: str | None) -> int:
    """``page`` as a number from 1. Raises ``Invalid``."""
    text = (value or "1").strip()
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        message = _("page must be a whole number from 1 (you gave %(value)s).") % {
            "value": text[:100]
        }
        raise Invalid(message, code="bad_page", fields={"page": [message]})
    return int(text)


# --------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------


@dataclass
class CatalogPage:
    municipality: Municipality | None
    datasets: list[Dataset]
    total: int
    page: int
    page_size: int
    modified: datetime | None

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.page_size))


def catalog_page(
    *,
    municipality: Municipality | None,
    viewer: Any,
    page: int = 1,
    modified_since: datetime | None = None,
    page_size: int | None = None,
    q: str = "",
    fq: str = "",
) -> CatalogPage:
    """One page of the published datasets, most recently modified first. Only published ones,
    for staff too: the catalog is what harvesters copy; staff see drafts on the dataset URL.
    ``q`` and ``fq`` narrow it as in ``package_search`` (ckanext-dcat's catalog takes them);
    a bad one raises :class:`~kanmin.catalog.search.QueryError`."""
    size = page_size or PAGE_SIZE
    if q.strip() or fq.strip():
        return _searched_page(municipality, page, size, modified_since, q, fq)
    queryset: QuerySet[Dataset] = selectors.dataset_list(
        municipality=municipality, viewer=viewer, include_private=False, include_drafts=False
    )
    if modified_since is not None:
        queryset = queryset.filter(modified__gte=modified_since)
    total = queryset.count()
    modified = queryset.aggregate(newest=Max("modified"))["newest"] if total else None
    rows = selectors.dataset_with_details(queryset.order_by("-modified", "pk"))
    start = (page - 1) * size
    return CatalogPage(
        municipality=municipality,
        datasets=list(rows[start : start + size]) if start < total else [],
        total=total,
        page=page,
        page_size=size,
        modified=modified,
    )


def _searched_page(
    municipality: Municipality | None,
    page: int,
    size: int,
    modified_since: datetime | None,
    q: str,
    fq: str,
) -> CatalogPage:
    filters = [fq]
    if modified_since is not None:
        since = modified_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        filters.append(f"metadata_modified:[{since} TO *]")

    def found(start: int, rows: int) -> search.SearchResult:
        return search.dataset_search(
            municipality=municipality,
            viewer=None,  # published datasets only
            q=q,
            fq=filters,
            sort="metadata_modified desc",
            rows=rows,
            start=start,
        )

    result = found((page - 1) * size, size)
    newest = result if page == 1 else found(0, 1)
    position = {pk: i for i, pk in enumerate(result.ids)}
    datasets = sorted(
        selectors.dataset_with_details(
            Dataset.all_tenants.filter(pk__in=result.ids).select_related(
                "organization", "municipality"
            )
        ),
        key=lambda d: position[d.pk],
    )
    modified = None
    if newest.ids:
        modified = Dataset.all_tenants.filter(pk=newest.ids[0]).values_list("modified", flat=True)[
            0
        ]
    return CatalogPage(
        municipality=municipality,
        datasets=datasets,
        total=result.count,
        page=page,
        page_size=size,
        modified=modified,
    )


# --------------------------------------------------------------------------------------------
# Graph
# --------------------------------------------------------------------------------------------


def new_graph() -> Graph:
    g = Graph(bind_namespaces="core")  # only the prefixes we use, not rdflib's long default list
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    g.bind("vcard", VCARD)
    g.bind("skos", SKOS)
    g.bind("hydra", HYDRA)
    g.bind("prov", PROV)
    g.bind("xsd", XSD)
    g.bind("dcatap", DCATAP)
    g.bind("gsp", GSP)
    g.bind("adms", ADMS)
    return g


def serialize(graph: Graph, fmt: str) -> bytes:
    spec = FORMATS[fmt]
    if fmt == "jsonld":
        context = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
        text = graph.serialize(format=spec.rdflib_format, context=context, auto_compact=True)
    else:
        text = graph.serialize(format=spec.rdflib_format)
    return text.encode("utf-8")


def _datetime(value: datetime) -> Literal:
    """xsd:dateTime in local time (Japan), with its offset, to the second."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return Literal(local.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _typed(g: Graph, ref: URIRef, cls: URIRef) -> URIRef:
    """``ref`` with its class stated (the range DCAT-AP gives the property it is a value of)."""
    g.add((ref, RDF.type, cls))
    return ref


def _add_texts(g: Graph, subject: Node, predicate: URIRef, ja: str, en: str) -> None:
    if ja:
        g.add((subject, predicate, Literal(ja, lang="ja")))
    if en:
        g.add((subject, predicate, Literal(en, lang="en")))


CATALOG_TITLE = gettext_noop("%(name)s open data catalog")
CATALOG_DESCRIPTION = gettext_noop("The open data that %(name)s publishes.")
CATEGORIES_TITLE = gettext_noop("Categories of %(name)s")
ROOT_CATALOG_TITLE = gettext_noop("Open data catalog of every municipality on this site")
ROOT_CATALOG_DESCRIPTION = gettext_noop(
    "The open data that the municipalities on this site publish, in one catalog."
)


def _add_message(
    g: Graph, subject: Node, predicate: URIRef, message: str, municipality: Municipality | None
) -> None:
    """A translated message, once in Japanese and once in English, whatever the request's
    language: a harvester gets both. ``%(name)s`` is the municipality's name in each."""
    for language in ("ja", "en"):
        with translation.override(language):
            text = _(message)
        if municipality is not None:
            name = municipality.name_ja
            if language == "en" and municipality.name_en:
                name = municipality.name_en
            text = text % {"name": name}
        g.add((subject, predicate, Literal(text, lang=language)))


class _Urls:
    """Absolute portal URLs, built from the request so that hosts and schemes are right."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def catalog_home(self, municipality: Municipality, **query: str) -> str:
        url = self.absolute(tenant_reverse("catalog:home", municipality))
        return f"{url}?{urlencode(query)}" if query else url

    def dataset(self, dataset: Dataset) -> URIRef:
        path = tenant_reverse(
            "catalog:dataset_detail", dataset.municipality, {"name": dataset.name}
        )
        return URIRef(self.absolute(path))

    def standard(self, slug: str) -> URIRef:
        """The standard data set's Table Schema, served by the portal."""
        return URIRef(self.absolute(reverse("standard_schema", kwargs={"slug": slug})))

    def municipality(self, municipality: Municipality) -> URIRef:
        return URIRef(self.absolute(tenant_reverse("core:home", municipality)))

    def organization(self, organization: Organization, municipality: Municipality) -> URIRef:
        return URIRef(self.catalog_home(municipality, organization=organization.name))

    def group(self, group: Group, municipality: Municipality) -> URIRef:
        return URIRef(self.catalog_home(municipality, groups=group.name))

    def resource(self, resource: Resource, dataset: Dataset) -> URIRef:
        path = tenant_reverse(
            "catalog:resource_detail",
            dataset.municipality,
            {"name": dataset.name, "resource_id": resource.pk},
        )
        return URIRef(self.absolute(path))

    def download(self, resource: Resource, municipality: Municipality) -> str:
        path = tenant_reverse(
            "catalog:resource_download",
            municipality,
            {
                "dataset_id": resource.dataset_id,
                "resource_id": resource.pk,
                "filename": resource.filename,
            },
        )
        return self.absolute(path)


def _standard_title(slug: str) -> str:
    from kanmin.standards import SchemaError, get_schema

    try:
        return get_schema(slug).japanese_name
    except SchemaError:
        return ""


def _add_location(g: Graph, ja: str, en: str = "", identifier: str = "") -> BNode:
    node = BNode()
    g.add((node, RDF.type, DCTERMS.Location))
    _add_texts(g, node, SKOS.prefLabel, ja, en)
    if identifier:
        g.add((node, DCTERMS.identifier, Literal(identifier)))
    return node


def _add_agent(g: Graph, ref: URIRef, ja: str, en: str) -> bool:
    """Describe ``ref`` as an organization with its name and page; False when the graph
    describes it already."""
    if (ref, RDF.type, FOAF.Organization) in g:
        return False
    g.add((ref, RDF.type, FOAF.Agent))
    g.add((ref, RDF.type, FOAF.Organization))
    _add_texts(g, ref, FOAF.name, ja, en)
    g.add((ref, FOAF.homepage, _typed(g, ref, FOAF.Document)))
    # A municipality and its departments are a local authority (ADMS publisher types).
    publisher_type = _typed(g, ADMS_PUBLISHER_TYPE.LocalAuthority, SKOS.Concept)
    g.add((publisher_type, SKOS.prefLabel, Literal("Local Authority", lang="en")))
    g.add((ref, DCTERMS.type, publisher_type))
    return True


def _wkt_box(area: tuple[float, float, float, float]) -> Literal:
    """(south, west, north, east) as a WKT polygon, longitude first (GeoSPARQL's default CRS)."""
    south, west, north, east = (repr(float(edge)) for edge in area)
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    text = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in corners) + "))"
    return Literal(text, datatype=GSP.wktLiteral)


def add_place(g: Graph, urls: _Urls, municipality: Municipality) -> URIRef:
    """The municipality as a place: an IRI of its own (its home page's ``#place``), named,
    with its 全国地方公共団体コード and, when its area is known, its box."""
    ref = URIRef(str(urls.municipality(municipality)) + "#place")
    if (ref, RDF.type, DCTERMS.Location) not in g:
        g.add((ref, RDF.type, DCTERMS.Location))
        _add_texts(g, ref, SKOS.prefLabel, municipality.name_ja, municipality.name_en)
        g.add((ref, DCTERMS.identifier, Literal(municipality.lg_code)))
        if municipality.area is not None:
            g.add((ref, DCAT.bbox, _wkt_box(municipality.area)))
    return ref


def add_municipality(g: Graph, urls: _Urls, municipality: Municipality) -> URIRef:
    """The municipality as an agent (publisher of its catalog)."""
    ref = urls.municipality(municipality)
    if _add_agent(g, ref, municipality.name_ja, municipality.name_en):
        g.add((ref, DCTERMS.identifier, Literal(municipality.lg_code)))
        g.add((ref, DCTERMS.spatial, add_place(g, urls, municipality)))
    return ref


def _add_organization(g: Graph, urls: _Urls, dataset: Dataset) -> URIRef:
    organization = dataset.organization
    ref = urls.organization(organization, dataset.municipality)
    _add_agent(g, ref, organization.title_ja, organization.title_en)
    return ref


def _add_theme(g: Graph, urls: _Urls, group: Group, municipality: Municipality) -> URIRef:
    ref = urls.group(group, municipality)
    if (ref, RDF.type, SKOS.Concept) not in g:
        g.add((ref, RDF.type, SKOS.Concept))
        _add_texts(g, ref, SKOS.prefLabel, group.title_ja, group.title_en)
        g.add((ref, SKOS.notation, Literal(group.name)))
        g.add((ref, SKOS.inScheme, _add_scheme(g, urls, municipality)))
    return ref


def _add_scheme(g: Graph, urls: _Urls, municipality: Municipality) -> URIRef:
    """The municipality's categories as a concept scheme (the catalog's theme taxonomy)."""
    scheme = URIRef(urls.catalog_home(municipality) + "#categories")
    if (scheme, RDF.type, SKOS.ConceptScheme) not in g:
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        _add_message(g, scheme, DCTERMS.title, CATEGORIES_TITLE, municipality)
        _add_message(g, scheme, SKOS.prefLabel, CATEGORIES_TITLE, municipality)
    return scheme


def _media_type(resource: Resource) -> str:
    fmt = resource.format.strip().upper()
    candidate = (resource.mimetype or "").strip().lower()
    if not candidate and fmt:
        candidate = _MEDIA_TYPES.get(fmt) or mimetypes.guess_type(f"x.{fmt.lower()}")[0] or ""
    candidate = candidate.split(";", 1)[0].strip().lower()
    return candidate if _MEDIA_TYPE.match(candidate) else ""


def _add_license(g: Graph, license_id: str) -> Node | None:
    lic = licenses.get(license_id)
    if lic is None:
        return None
    node: Node = URIRef(lic.url) if lic.url else BNode()
    if (node, RDF.type, DCTERMS.LicenseDocument) not in g:
        g.add((node, RDF.type, DCTERMS.LicenseDocument))
        g.add((node, DCTERMS.title, Literal(lic.title, lang="ja")))
        g.add((node, DCTERMS.identifier, Literal(lic.id)))
    return node


def _looks_like_a_file(url: str) -> bool:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return "." in last and not last.lower().endswith((".html", ".htm", ".php", ".aspx", ".jsp"))


def _add_distribution(
    g: Graph, urls: _Urls, dataset_ref: URIRef, dataset: Dataset, resource: Resource
) -> URIRef:
    ref = urls.resource(resource, dataset)
    g.add((dataset_ref, DCAT.distribution, ref))
    g.add((ref, RDF.type, DCAT.Distribution))
    g.add((ref, DCTERMS.identifier, Literal(str(resource.pk))))
    if resource.name:
        g.add((ref, DCTERMS.title, Literal(resource.name, lang="ja")))
    if resource.description:
        g.add((ref, DCTERMS.description, Literal(resource.description, lang="ja")))
    if resource.is_upload:
        url = urls.download(resource, dataset.municipality)
        g.add((ref, DCAT.accessURL, URIRef(url)))
        g.add((ref, DCAT.downloadURL, URIRef(url)))
    elif resource.url:
        # A path of this site (a table a Kanmin app offers) is made absolute.
        url = urls.absolute(resource.url) if resource.is_served_here else resource.url
        g.add((ref, DCAT.accessURL, URIRef(url)))
        if _looks_like_a_file(url):
            g.add((ref, DCAT.downloadURL, URIRef(url)))
    media_type = _media_type(resource)
    if media_type:
        media_ref = URIRef(IANA_MEDIA_TYPES + media_type)
        g.add((ref, DCAT.mediaType, media_ref))
        g.add((media_ref, RDF.type, DCTERMS.MediaType))
    fmt = resource.format.strip()
    if fmt:
        file_type = FILE_TYPES.get(fmt.upper())
        if file_type:
            format_ref: Node = EU_FILE_TYPE[file_type]
        else:
            format_ref = BNode()
            g.add((format_ref, RDFS.label, Literal(fmt)))
        g.add((format_ref, RDF.type, DCTERMS.MediaTypeOrExtent))
        g.add((ref, DCTERMS.format, format_ref))
    if resource.size is not None:
        g.add((ref, DCAT.byteSize, Literal(resource.size, datatype=XSD.nonNegativeInteger)))
    license_node = _add_license(g, dataset.license_id)
    if license_node is not None:
        g.add((ref, DCTERMS.license, license_node))
    # Published files stay where they are (DCAT-AP's planned availability).
    g.add((ref, DCATAP.availability, _typed(g, EU_AVAILABILITY.STABLE, SKOS.Concept)))
    g.add((ref, DCTERMS.issued, _datetime(resource.created)))
    g.add((ref, DCTERMS.modified, _datetime(resource.modified)))
    return ref


def _add_provenance(g: Graph, urls: _Urls, ref: URIRef, dataset: Dataset, view: Any) -> None:
    """A derived dataset (a saved view's result, issue 17): ``prov:wasDerivedFrom`` its public
    sources (the dataset from their datasets, its table from their tables) and
    ``prov:wasGeneratedBy`` the computation, with its time. Sources not public are not named."""
    from kanmin.catalog.analysis import selectors as analysis_selectors

    table = view.derived_resource
    table_ref = urls.resource(table, dataset) if table is not None else None
    for source in analysis_selectors.published_sources(view):
        g.add((ref, PROV.wasDerivedFrom, urls.dataset(source.dataset)))
        if table_ref is not None:
            g.add((table_ref, PROV.wasDerivedFrom, urls.resource(source, source.dataset)))
    if view.derived_at is not None:
        activity = BNode()
        g.add((activity, RDF.type, PROV.Activity))
        g.add((activity, PROV.endedAtTime, _datetime(view.derived_at)))
        g.add((ref, PROV.wasGeneratedBy, activity))
        if table_ref is not None:
            g.add((table_ref, PROV.generatedAtTime, _datetime(view.derived_at)))


def add_dataset(g: Graph, urls: _Urls, dataset: Dataset, derived: Any = None) -> URIRef:
    """A dataset, its publisher, contact point and distributions. Expects tags, groups and
    resources prefetched (``selectors.dataset_with_details``). ``derived``: the saved view
    whose result the dataset publishes, if any (its provenance)."""
    ref = urls.dataset(dataset)
    municipality = dataset.municipality
    g.add((ref, RDF.type, DCAT.Dataset))
    g.add((ref, DCTERMS.identifier, Literal(str(dataset.pk))))
    _add_texts(g, ref, DCTERMS.title, dataset.title_ja, dataset.title_en)
    _add_texts(g, ref, DCTERMS.description, dataset.notes_ja, dataset.notes_en)
    for tag in sorted(t.name for t in dataset.tags.all()):
        g.add((ref, DCAT.keyword, Literal(tag)))
    for group in sorted(dataset.groups.all(), key=lambda group: group.name):
        g.add((ref, DCAT.theme, _add_theme(g, urls, group, municipality)))
    g.add((ref, DCTERMS.publisher, _add_organization(g, urls, dataset)))
    g.add((ref, DCAT.landingPage, _typed(g, ref, FOAF.Document)))
    g.add((ref, DCTERMS.language, _typed(g, EU_LANGUAGE.JPN, DCTERMS.LinguisticSystem)))
    access = "PUBLIC" if dataset.state == DatasetState.PUBLISHED else "NON_PUBLIC"
    g.add((ref, DCTERMS.accessRights, _typed(g, EU_ACCESS_RIGHT[access], DCTERMS.RightsStatement)))
    if dataset.contact_name or dataset.contact_email:
        contact = BNode()
        g.add((contact, RDF.type, VCARD.Kind))
        g.add(
            (
                contact,
                VCARD.fn,
                Literal(dataset.contact_name or dataset.organization.title_ja, lang="ja"),
            )
        )
        if dataset.contact_email:
            g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
        g.add((ref, DCAT.contactPoint, contact))
    frequency = FREQUENCIES.get(dataset.update_frequency)
    if frequency:
        g.add(
            (ref, DCTERMS.accrualPeriodicity, _typed(g, EU_FREQUENCY[frequency], DCTERMS.Frequency))
        )
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            g.add((period, DCAT.startDate, Literal(dataset.temporal_start, datatype=XSD.date)))
        if dataset.temporal_end:
            g.add((period, DCAT.endDate, Literal(dataset.temporal_end, datatype=XSD.date)))
        g.add((ref, DCTERMS.temporal, period))
    if dataset.spatial:
        g.add((ref, DCTERMS.spatial, _add_location(g, dataset.spatial)))
    if dataset.standard_dataset:
        standard = urls.standard(dataset.standard_dataset)
        g.add((standard, RDF.type, DCTERMS.Standard))
        g.add((standard, DCTERMS.identifier, Literal(dataset.standard_dataset)))
        title = _standard_title(dataset.standard_dataset)
        if title:
            g.add((standard, DCTERMS.title, Literal(title, lang="ja")))
        g.add((ref, DCTERMS.conformsTo, standard))
    g.add((ref, DCTERMS.issued, _datetime(dataset.created)))
    g.add((ref, DCTERMS.modified, _datetime(dataset.modified)))
    resources: Iterable[Resource] = sorted(
        dataset.resources.all(), key=lambda r: (r.position, r.created)
    )
    for resource in resources:
        _add_distribution(g, urls, ref, dataset, resource)
    if derived is not None:
        _add_provenance(g, urls, ref, dataset, derived)
    _add_origin(g, ref, dataset)
    return ref


def _add_origin(g: Graph, ref: URIRef, dataset: Dataset) -> None:
    """A harvested dataset: ``dct:source`` the remote dataset's page and ``adms:identifier``
    its id there (DCAT-AP's other identifier), as a harvester of this catalog reads them."""
    try:
        origin = dataset.origin  # joined by selectors.dataset_with_details
    except ObjectDoesNotExist:
        return
    if origin.remote_url:
        g.add((ref, DCTERMS.source, URIRef(origin.remote_url)))
    if origin.remote_id:
        identifier = BNode()
        g.add((identifier, RDF.type, ADMS.Identifier))
        g.add((identifier, SKOS.notation, Literal(origin.remote_id)))
        g.add((ref, ADMS.identifier, identifier))


def _derivations(datasets: Iterable[Dataset]) -> dict[str, Any]:
    from kanmin.catalog.analysis import selectors as analysis_selectors

    return analysis_selectors.derivations_for([d.pk for d in datasets])


def dataset_graph(request: HttpRequest, dataset: Dataset) -> Graph:
    g = new_graph()
    add_dataset(g, _Urls(request), dataset, _derivations([dataset]).get(str(dataset.pk)))
    return g


def _page_url(request: HttpRequest, page: int) -> URIRef:
    params = request.GET.copy()
    params["page"] = str(page)
    return URIRef(request.build_absolute_uri(request.path) + "?" + params.urlencode())


def catalog_graph(request: HttpRequest, page: CatalogPage) -> Graph:
    """A catalog page: the catalog, the page's datasets and the Hydra paging links."""
    g = new_graph()
    urls = _Urls(request)
    municipality = page.municipality
    if municipality is not None:
        ref = URIRef(urls.catalog_home(municipality))
        _add_message(g, ref, DCTERMS.title, CATALOG_TITLE, municipality)
        _add_message(g, ref, DCTERMS.description, CATALOG_DESCRIPTION, municipality)
        publisher = add_municipality(g, urls, municipality)
        g.add((ref, DCTERMS.publisher, publisher))
        for location in g.objects(publisher, DCTERMS.spatial):
            g.add((ref, DCTERMS.spatial, location))
        g.add((ref, DCAT.themeTaxonomy, _add_scheme(g, urls, municipality)))
        g.add((ref, DCTERMS.issued, _datetime(municipality.created_at)))
    else:
        ref = URIRef(request.build_absolute_uri(reverse("core:portal")))
        _add_message(g, ref, DCTERMS.title, ROOT_CATALOG_TITLE, None)
        _add_message(g, ref, DCTERMS.description, ROOT_CATALOG_DESCRIPTION, None)
        # The site's operator publishes the catalog of every municipality it serves.
        operator = URIRef(f"{ref}#operator")
        g.add((operator, RDF.type, FOAF.Agent))
        g.add((operator, FOAF.name, Literal(settings.KANMIN_OPERATOR_NAME)))
        g.add((operator, FOAF.homepage, _typed(g, ref, FOAF.Document)))
        g.add((ref, DCTERMS.publisher, operator))
    g.add((ref, RDF.type, DCAT.Catalog))
    g.add((ref, FOAF.homepage, _typed(g, ref, FOAF.Document)))
    g.add((ref, DCTERMS.language, _typed(g, EU_LANGUAGE.JPN, DCTERMS.LinguisticSystem)))
    # The catalog's own metadata, open under the portal's default license.
    catalog_license = _add_license(g, licenses.DEFAULT_LICENSE_ID)
    if catalog_license is not None:
        g.add((ref, DCTERMS.license, catalog_license))
    if page.modified is not None:
        g.add((ref, DCTERMS.modified, _datetime(page.modified)))
    derived = _derivations(page.datasets)
    for dataset in page.datasets:
        g.add((ref, DCAT.dataset, add_dataset(g, urls, dataset, derived.get(str(dataset.pk)))))
    _add_paging(g, request, page)
    return g


def _add_paging(g: Graph, request: HttpRequest, page: CatalogPage) -> None:
    view = _page_url(request, page.page)
    g.add((view, RDF.type, HYDRA.PartialCollectionView))
    g.add((view, RDF.type, HYDRA.PagedCollection))
    g.add((view, HYDRA.totalItems, Literal(page.total)))
    g.add((view, HYDRA.itemsPerPage, Literal(page.page_size)))
    links = {
        "first": 1,
        "last": page.last_page,
        "next": page.page + 1 if page.page < page.last_page else None,
        "previous": min(page.page - 1, page.last_page) if page.page > 1 else None,
    }
    for name, number in links.items():
        if number is None:
            continue
        target = _page_url(request, number)
        g.add((view, HYDRA[name], target))
        g.add((view, HYDRA[f"{name}Page"], target))  # the older Hydra terms ckanext-dcat reads
