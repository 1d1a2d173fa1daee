"""Reading a harvest source into :class:`Record` values, one per remote dataset.

CKAN and Kanmin sources are read with the ``ckanapi`` client (``package_search``, paged with
``start``/``rows``, oldest change first); an incremental run sends
``fq=metadata_modified:[<since> TO *]`` and falls back to the full listing when the remote
refuses the range (CKAN's answer to a query it cannot run is a 400 or a 409). DCAT sources are
fetched over HTTP and parsed with rdflib (Turtle, JSON-LD, RDF/XML), following Hydra's next
page. Every request goes through :func:`kanmin.catalog.harvest.addresses.session`, which
refuses the server's own network. Nothing here writes: :mod:`kanmin.catalog.harvest.services`
decides and writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS
from rdflib.term import Node

from kanmin.catalog import licenses
from kanmin.catalog.models import NAME_PATTERN, HarvestKind, UpdateFrequency

if TYPE_CHECKING:
    import requests

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ROWS = 100  # datasets asked for per page of package_search
MAX_PAGES = 1000  # a source that pages for ever is cut off here
TIMEOUT = 30  # seconds per HTTP request
MAX_DCAT_BYTES = 64 * 1024 * 1024  # one page of a DCAT catalog; larger ones must page (Hydra)
USER_AGENT = "Kanmin harvester (+https://github.com/kanmin)"
_NAME = re.compile(NAME_PATTERN)
_DCAT_FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/n-triples": "nt",
}
_DCAT_SUFFIXES = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml"}


def bilingual(message: Any, **params: Any) -> dict[str, str]:
    """A message in Japanese and in English (runs keep both, pages show the reader's)."""
    texts = {}
    for language in ("ja", "en"):
        with override(language):
            texts[language] = str(message) % params if params else str(message)
    return texts


class SourceUnreachable(Exception):
    """The source could not be read at all (or stopped answering part way): the run fails
    with this message, in Japanese and English."""

    def __init__(self, message: dict[str, str]) -> None:
        super().__init__(message["en"])
        self.message = message


@dataclass
class Record:
    """One remote dataset, as the values Kanmin's catalog services take. ``problem`` (in both
    languages) is set when the record could not be read; it is then reported as failed."""

    remote_id: str
    name: str
    remote_url: str = ""
    modified: dt.datetime | None = None
    values: dict[str, Any] = field(default_factory=dict)
    resources: list[dict[str, str]] = field(default_factory=list)
    problem: dict[str, str] | None = None

    @property
    def title(self) -> str:
        return str(self.values.get("title_ja") or self.name)

    def content_hash(self) -> str:
        return content_hash(self.values, self.resources)


def content_hash(values: dict[str, Any], resources: list[dict[str, str]]) -> str:
    """A hash of a dataset's values and links, independent of key order."""
    canonical = json.dumps(
        {"values": values, "resources": resources},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO-8601 time as CKAN writes it (naive means UTC); None when it is not one."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            day = dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            return None
        parsed = dt.datetime(day.year, day.month, day.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _license(license_id: str = "", url: str = "", is_open: bool | None = None) -> str:
    """The local licence for a remote one: the same id or URL, else "other-open" for an open
    licence and "notspecified" for the rest."""
    if license_id and licenses.get(license_id) is not None:
        return license_id
    wanted = url.rstrip("/").removesuffix("/deed.ja").removesuffix("/deed.en").rstrip("/")
    for lic in licenses.LICENSES:
        known = lic.url.rstrip("/").removesuffix("/deed.ja").rstrip("/")
        if wanted and known and known == wanted:
            return lic.id
    if is_open or (wanted and "creativecommons.org" in wanted):
        return "other-open"
    return "notspecified"


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# --- CKAN and Kanmin -------------------------------------------------------------------------


def api_base(url: str, kind: str = HarvestKind.CKAN) -> str:
    """The address ckanapi is given: the portal's root (Kanmin: ``…/m/<code>``), without a
    trailing ``/api/3/action`` or ``/api/3`` a steward may have pasted (nor, for a Kanmin,
    the ``/catalog`` of its catalog page)."""
    base = url.strip().rstrip("/")
    if kind == HarvestKind.KANMIN:
        base = base.removesuffix("/catalog")
    for suffix in ("/action", "/3", "/api"):
        base = base.removesuffix(suffix)
    return base


def _ckan_record(package: dict[str, Any], kind: str, base: str) -> Record:
    name = _text(package.get("name"))
    record = Record(
        remote_id=_text(package.get("id")) or name,
        name=name,
        modified=parse_time(package.get("metadata_modified")),
        remote_url=(
            f"{base}/catalog/dataset/{name}/"
            if kind == HarvestKind.KANMIN
            else f"{base}/dataset/{name}"
        ),
    )
    values: dict[str, Any] = {
        "title_ja": _text(package.get("title")) or name,
        "notes_ja": _text(package.get("notes")),
        "license_id": _license(
            _text(package.get("license_id")),
            _text(package.get("license_url")),
            bool(package.get("isopen")),
        ),
        "contact_name": _text(package.get("maintainer") or package.get("author")),
        "contact_email": _text(package.get("maintainer_email") or package.get("author_email")),
        "tags": sorted({_text(t.get("name")) for t in package.get("tags") or [] if t.get("name")}),
    }
    if kind == HarvestKind.KANMIN:
        frequency = _text(package.get("update_frequency"))
        values.update(
            title_en=_text(package.get("title_en")),
            notes_en=_text(package.get("notes_en")),
            contact_name=_text(package.get("contact_name")) or values["contact_name"],
            contact_email=_text(package.get("contact_email")) or values["contact_email"],
            spatial=_text(package.get("spatial_text")),
            temporal_start=_date(package.get("temporal_start")),
            temporal_end=_date(package.get("temporal_end")),
            update_frequency=frequency if frequency in UpdateFrequency.values else "",
        )
    record.values = values
    record.resources = [
        {
            "url": _text(r.get("url")),
            "name": _text(r.get("name")),
            "description": _text(r.get("description")),
            "format": _text(r.get("format")),
        }
        for r in sorted(package.get("resources") or [], key=lambda r: r.get("position") or 0)
        if _text(r.get("url"))  # a resource without a link has nothing to point to here
    ]
    if not _NAME.match(name):
        record.problem = bilingual(
            _("The remote dataset's name %(name)s cannot be used as a URL here."), name=name
        )
    return record


def _unreachable(url: str, exc: Exception) -> SourceUnreachable:
    return SourceUnreachable(
        bilingual(
            _("The source %(url)s could not be read: %(error)s"),
            url=url,
            error=str(exc)[:300],
        )
    )


def ckan_records(
    url: str, kind: str, since: dt.datetime | None, listing: dict[str, Any]
) -> Iterator[Record]:
    """The datasets of a CKAN portal or a Kanmin catalog, oldest change first; only those
    changed since ``since`` when given and the remote can filter by it. ``listing`` is told
    whether the listing was incremental (``listing["incremental"]``)."""
    # Imported here: the web and worker processes load the URLs, not the harvester.
    import ckanapi
    import requests

    from kanmin.catalog.harvest import addresses

    base = api_base(url, kind)
    remote = ckanapi.RemoteCKAN(base, user_agent=USER_AGENT, session=addresses.session())
    fq = ""
    if since is not None:
        stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        fq = f"metadata_modified:[{stamp} TO *]"
    listing["incremental"] = bool(fq)

    def page(start: int) -> dict[str, Any]:
        data = {"q": "*:*", "sort": "metadata_modified asc", "rows": ROWS, "start": start}
        if fq:
            data["fq"] = fq
        result = remote.call_action("package_search", data, requests_kwargs={"timeout": TIMEOUT})
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise ckanapi.errors.CKANAPIError("package_search did not answer a search result")
        return result

    with remote:
        try:
            first = page(0)
        except ckanapi.errors.CKANAPIError as exc:
            if not fq:
                raise _unreachable(url, exc) from exc
            # The remote cannot filter by date (400/409 and the like): list everything.
            fq = ""
            listing["incremental"] = False
            try:
                first = page(0)
            except (ckanapi.errors.CKANAPIError, requests.RequestException) as again:
                raise _unreachable(url, again) from again
        except requests.RequestException as exc:
            raise _unreachable(url, exc) from exc
        result = first
        start = 0
        for _number in range(MAX_PAGES):
            packages = result["results"]
            for package in packages:
                if isinstance(package, dict):
                    yield _ckan_record(package, kind, base)
            start += len(packages)
            if not packages or start >= int(result.get("count") or 0):
                return
            try:
                result = page(start)
            except (ckanapi.errors.CKANAPIError, requests.RequestException) as exc:
                raise _unreachable(url, exc) from exc


# --- DCAT -------------------------------------------------------------------------------------


def _dcat_format(response: requests.Response, url: str) -> str | None:
    media = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if media in _DCAT_FORMATS:
        return _DCAT_FORMATS[media]
    path = urlsplit(url).path.lower()
    for suffix, fmt in _DCAT_SUFFIXES.items():
        if path.endswith(suffix):
            return fmt
    return None


def _fetch_graph(url: str) -> Graph:
    import requests

    from kanmin.catalog.harvest import addresses

    try:
        with (
            addresses.session() as session,
            session.get(
                url,
                timeout=TIMEOUT,
                stream=True,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/turtle, application/ld+json, application/rdf+xml;q=0.9",
                },
            ) as response,
        ):
            response.raise_for_status()
            content = bytearray()
            for chunk in response.iter_content(64 * 1024):
                content += chunk
                if len(content) > MAX_DCAT_BYTES:
                    raise SourceUnreachable(
                        bilingual(
                            _("The source %(url)s is larger than %(mb)s MB: page it."),
                            url=url,
                            mb=MAX_DCAT_BYTES // 1024 // 1024,
                        )
                    )
    except requests.RequestException as exc:
        raise _unreachable(url, exc) from exc
    graph = Graph()
    try:
        graph.parse(data=bytes(content), format=_dcat_format(response, url) or "turtle")
    except Exception as exc:  # rdflib raises many kinds for a file it cannot read
        raise SourceUnreachable(
            bilingual(
                _("The source %(url)s is not a DCAT catalog that can be read: %(error)s"),
                url=url,
                error=str(exc)[:300],
            )
        ) from exc
    return graph


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    """A text property by language: "ja" (also for no language or another one) and "en"."""
    found: dict[str, str] = {}
    for value in sorted(graph.objects(subject, predicate), key=str):
        if not isinstance(value, Literal):
            continue
        language = (value.language or "").lower()
        key = "en" if language.startswith("en") else "ja"
        if key not in found or language == key:
            found[key] = str(value).strip()
    return found


def _one(graph: Graph, subject: Node, predicate: URIRef) -> str:
    value = graph.value(subject, predicate)
    return "" if value is None else str(value).strip()


def _dcat_name(subject: Node, identifier: str) -> str:
    path = urlsplit(str(subject)).path.rstrip("/")
    last = path.rsplit("/", 1)[-1].lower() if path else ""
    for candidate in (last, identifier.lower()):
        if _NAME.match(candidate):
            return candidate
    return "dcat-" + hashlib.sha256(str(subject).encode()).hexdigest()[:12]


def _dcat_record(graph: Graph, subject: Node) -> Record:
    identifier = _one(graph, subject, DCTERMS.identifier)
    remote_id = str(subject) if isinstance(subject, URIRef) else identifier
    record = Record(
        remote_id=remote_id or identifier,
        name=_dcat_name(subject, identifier),
        remote_url=_one(graph, subject, DCAT.landingPage)
        or (str(subject) if isinstance(subject, URIRef) else ""),
        modified=parse_time(_one(graph, subject, DCTERMS.modified)),
    )
    titles = _texts(graph, subject, DCTERMS.title)
    notes = _texts(graph, subject, DCTERMS.description)
    contact = graph.value(subject, DCAT.contactPoint)
    contact_names = _texts(graph, contact, VCARD.fn) if contact is not None else {}
    email = _one(graph, contact, VCARD.hasEmail) if contact is not None else ""
    period = graph.value(subject, DCTERMS.temporal)
    license_url = _one(graph, subject, DCTERMS.license)
    distributions = sorted(graph.objects(subject, DCAT.distribution), key=str)
    for distribution in distributions:
        license_url = license_url or _one(graph, distribution, DCTERMS.license)
    license_id = ""
    if license_url:
        license_id = _one(graph, URIRef(license_url), DCTERMS.identifier)
    spatial = graph.value(subject, DCTERMS.spatial)
    record.values = {
        "title_ja": titles.get("ja") or titles.get("en") or record.name,
        "title_en": titles.get("en", ""),
        "notes_ja": notes.get("ja", ""),
        "notes_en": notes.get("en", ""),
        "license_id": _license(license_id, license_url),
        "contact_name": contact_names.get("ja", ""),
        "contact_email": email.removeprefix("mailto:"),
        "spatial": (
            str(spatial).strip()
            if isinstance(spatial, Literal)
            else _texts(graph, spatial, RDFS.label).get("ja", "")
            if spatial is not None
            else ""
        ),
        "temporal_start": _date(_one(graph, period, DCAT.startDate)) if period else None,
        "temporal_end": _date(_one(graph, period, DCAT.endDate)) if period else None,
        "tags": sorted({str(k).strip() for k in graph.objects(subject, DCAT.keyword) if str(k)}),
    }
    resources = []
    for distribution in distributions:
        url = _one(graph, distribution, DCAT.downloadURL) or _one(
            graph, distribution, DCAT.accessURL
        )
        fmt_node = graph.value(distribution, DCTERMS["format"])
        fmt = ""
        if isinstance(fmt_node, Literal):
            fmt = str(fmt_node)
        elif fmt_node is not None:
            fmt = _one(graph, fmt_node, RDFS.label) or str(fmt_node).rsplit("/", 1)[-1]
        if not url:  # a distribution without a link has nothing to point to here
            continue
        resources.append(
            {
                "url": url,
                "name": _texts(graph, distribution, DCTERMS.title).get("ja", ""),
                "description": _texts(graph, distribution, DCTERMS.description).get("ja", ""),
                "format": fmt.strip(),
            }
        )
    record.resources = resources
    if not remote_id:
        record.problem = bilingual(_("The dataset has neither a URI nor a dct:identifier."))
    return record


def _next_page(graph: Graph) -> str:
    for predicate in (HYDRA.next, HYDRA.nextPage):
        for target in graph.objects(None, predicate):
            return str(target)
    return ""


def dcat_records(url: str) -> Iterator[Record]:
    """The datasets of a DCAT catalog, page after page (Hydra ``next``/``nextPage``)."""
    seen_pages: set[str] = set()
    page_url = url
    for _number in range(MAX_PAGES):
        seen_pages.add(page_url)
        graph = _fetch_graph(page_url)
        for subject in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str):
            yield _dcat_record(graph, subject)
        page_url = _next_page(graph)
        if not page_url or page_url in seen_pages:
            return
