"""The harvester does not read the server's own network (SSRF) unless
KANMIN_HARVEST_ALLOW_PRIVATE is true: neither when a source is saved nor when a run fetches,
nor after a redirect. The remote is a real web server on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kanmin.catalog.harvest import addresses
from kanmin.catalog.harvest import services as harvest
from kanmin.catalog.harvest.forms import HarvestSourceForm
from kanmin.catalog.models import HarvestKind, HarvestRunStatus, HarvestSchedule, HarvestSource
from kanmin.core.tenancy import tenant_reverse

CATALOG = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .

<https://pref.example.jp/dataset/hinanjo> a dcat:Dataset ;
    dct:title "指定避難所一覧"@ja ;
    dcat:distribution [ a dcat:Distribution ;
                        dcat:downloadURL <https://pref.example.jp/files/hinanjo.csv> ] .
"""
METADATA = "http://169.254.169.254/latest/meta-data/catalog.ttl"


@pytest.fixture
def server() -> Iterator[str]:
    """``/catalog.ttl`` is a DCAT catalog; ``/moved.ttl`` redirects to the cloud's metadata
    service."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/moved.ttl":
                self.send_response(302)
                self.send_header("Location", METADATA)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = CATALOG.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _form(url: str, org: Any, municipality: Any) -> HarvestSourceForm:
    data = {
        "title": "県のオープンデータ",
        "kind": HarvestKind.DCAT,
        "url": url,
        "organization": org.pk,
        "schedule": HarvestSchedule.choices[0][0],
        "active": "on",
    }
    return HarvestSourceForm(data, municipality=municipality)


def _source(url: str, miyazaki: Any, org: Any) -> Any:
    return harvest.harvest_source_create(
        municipality=miyazaki,
        actor=None,
        title="県のオープンデータ",
        kind=HarvestKind.DCAT,
        url=url,
        organization=org,
    )


def _run(source: Any) -> Any:
    return harvest.harvest_run(municipality=source.municipality, actor=None, source=source)


PRIVATE = "127.0.0.1 10.1.2.3 172.16.0.1 192.168.1.1 169.254.169.254 0.0.0.0 100.64.0.1"


@pytest.mark.parametrize(
    "address", [*PRIVATE.split(), "::1", "fd00::1", "fe80::1%eth0", "::ffff:127.0.0.1"]
)
def test_private_addresses(address: str) -> None:
    assert addresses.is_private(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "133.1.2.3", "2001:4860:4860::8888"])
def test_public_addresses(address: str) -> None:
    assert not addresses.is_private(address)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/catalog.ttl", "http://169.254.169.254/", "http://localhost:8000/"],
)
def test_the_form_refuses_a_private_address_unless_allowed(
    url: str, settings: Any, miyazaki: Any, other_org: Any
) -> None:
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = False
    form = _form(url, other_org, miyazaki)
    assert not form.is_valid()
    message = form.errors["url"][0]
    assert "private or local network" in message or "プライベート" in message
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = True
    assert _form(url, other_org, miyazaki).is_valid()


def test_the_staff_page_says_why_in_the_readers_language(
    client: Any, make_user: Any, settings: Any, miyazaki: Any, other_org: Any
) -> None:
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = False
    client.force_login(make_user("miyazaki-steward", "data_steward", miyazaki))
    page = client.post(
        tenant_reverse("catalog:harvest_source_new", miyazaki),
        {
            "title": "内部",
            "kind": HarvestKind.DCAT,
            "url": "http://169.254.169.254/latest/",
            "organization": other_org.pk,
            "schedule": HarvestSchedule.choices[0][0],
        },
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert page.status_code == 422  # the form again, with the error
    text = page.content.decode()
    assert "169.254.169.254" in text and "プライベート" in text
    assert not HarvestSource.all_tenants.filter(municipality=miyazaki).exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_run_refuses_a_private_address_unless_allowed(
    host: str, server: str, settings: Any, miyazaki: Any, other_org: Any
) -> None:
    # Saved while allowed (or before the setting was turned off): the run checks again.
    source = _source(server.replace("127.0.0.1", host) + "/catalog.ttl", miyazaki, other_org)
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = False
    run = _run(source)
    assert run.status == HarvestRunStatus.FAILED
    assert "private or local network" in run.error["en"]
    assert "プライベート" in run.error["ja"]
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = True
    run = _run(source)
    assert run.status == HarvestRunStatus.DONE, run.error
    assert run.created_count == 1


def test_a_ckan_source_on_a_private_address_is_refused(
    server: str, settings: Any, miyazaki: Any, other_org: Any
) -> None:
    source = harvest.harvest_source_create(
        municipality=miyazaki,
        actor=None,
        title="ポータル",
        kind=HarvestKind.CKAN,
        url=server.replace("127.0.0.1", "localhost"),
        organization=other_org,
    )
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = False
    run = _run(source)
    assert run.status == HarvestRunStatus.FAILED
    assert "private or local network" in run.error["en"]


def test_a_redirect_to_a_private_address_is_refused(
    server: str, settings: Any, monkeypatch: pytest.MonkeyPatch, miyazaki: Any, other_org: Any
) -> None:
    """The test's own server is on 127.0.0.1, so only the link-local network counts as
    private here: the first request is read, the redirect to the metadata service is not."""
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = False
    monkeypatch.setattr(addresses, "PRIVATE_NETWORKS", (ipaddress.ip_network("169.254.0.0/16"),))
    assert _run(_source(server + "/catalog.ttl", miyazaki, other_org)).status == "done"
    run = _run(_source(server + "/moved.ttl", miyazaki, other_org))
    assert run.status == HarvestRunStatus.FAILED
    assert "169.254.169.254" in run.error["en"]
    assert "private or local network" in run.error["en"]


def test_each_connection_is_checked_by_the_address_it_reached(server: str, settings: Any) -> None:
    """Below the per-request check: a host that resolved to a public address when checked
    but to a private one when connecting (DNS rebinding) is refused by the socket's peer."""
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = False
    with addresses.session() as session:
        pool = session.get_adapter(server).poolmanager.connection_from_url(server)
        connection = pool._new_conn()
        with pytest.raises(addresses.PrivateAddress) as refused:
            connection.connect()
        assert refused.value.params["address"] == "127.0.0.1"
        settings.KANMIN_HARVEST_ALLOW_PRIVATE = True
        connection = pool._new_conn()
        connection.connect()  # allowed: connects
        connection.close()
