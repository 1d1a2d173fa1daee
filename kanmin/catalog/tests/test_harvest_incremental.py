"""Incremental harvesting of a CKAN portal: what the harvester asks (the metadata_modified
range, the order, the pages) and its fall-back to a full listing when the portal refuses the
range. The portal is a small CKAN stand-in answering over real HTTP, as CKAN 2.10 answers
``package_search`` (a remote system, not Kanmin's own code)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kanmin.catalog.harvest import remote
from kanmin.catalog.harvest import services as harvest
from kanmin.catalog.models import Dataset, HarvestKind, HarvestRunStatus

RANGE = re.compile(r"^metadata_modified:\[(\S+) TO \*\]$")


def _package(number: int, modified: str, title: str = "") -> dict[str, Any]:
    return {
        "id": f"id-{number}",
        "name": f"pref-data-{number}",
        "title": title or f"県のデータ {number}",
        "notes": "",
        "license_id": "by-4.0-portal",  # unknown here: matched by its URL
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "isopen": True,
        "metadata_modified": modified,
        "maintainer": "県 情報政策課",
        "maintainer_email": "joho@pref.example.jp",
        "tags": [{"name": "県"}],
        "resources": [{"url": f"https://pref.example.jp/{number}.csv", "format": "CSV"}],
    }


class _Portal:
    def __init__(self) -> None:
        self.packages = [_package(n, f"2026-11-0{n}T00:00:00.000000") for n in range(1, 6)]
        self.requests: list[dict[str, Any]] = []
        self.refuse_ranges = False


@pytest.fixture(autouse=True)
def _harvest_private_addresses(settings: Any) -> None:
    """The remote here is served on 127.0.0.1: the test opts into private addresses."""
    settings.KANMIN_HARVEST_ALLOW_PRIVATE = True


@pytest.fixture
def portal() -> Iterator[tuple[_Portal, str]]:
    state = _Portal()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append(data)
            if self.path != "/api/action/package_search":
                return self._answer(404, {"success": False, "error": {"__type": "Not Found"}})
            packages = sorted(state.packages, key=lambda p: p["metadata_modified"])
            fq = data.get("fq", "")
            if fq:
                match = RANGE.match(fq)
                if state.refuse_ranges or not match:
                    error = {"__type": "Search Query Error", "message": "Invalid fq"}
                    return self._answer(409, {"success": False, "error": error})
                since = match.group(1).rstrip("Z")
                packages = [p for p in packages if p["metadata_modified"] >= since]
            assert data.get("sort") == "metadata_modified asc"
            start, rows = int(data.get("start", 0)), int(data.get("rows", 10))
            result = {"count": len(packages), "results": packages[start : start + rows]}
            self._answer(200, {"success": True, "result": result})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def source(portal: tuple[_Portal, str], miyazaki: Any, other_org: Any) -> Any:
    return harvest.harvest_source_create(
        municipality=miyazaki,
        actor=None,
        title="県のポータル",
        kind=HarvestKind.CKAN,
        url=portal[1] + "/api/3/action",  # pasted with the API path: still found
        organization=other_org,
    )


def _run(source: Any) -> Any:
    return harvest.harvest_run(municipality=source.municipality, actor=None, source=source)


def test_pages_then_asks_only_what_changed(
    portal: tuple[_Portal, str], source: Any, miyazaki: Any, monkeypatch: Any
) -> None:
    state, _url = portal
    monkeypatch.setattr(remote, "ROWS", 2)
    first = _run(source)
    assert first.status == HarvestRunStatus.DONE, first.error
    assert first.created_count == 5 and not first.incremental
    assert [r.get("start") for r in state.requests] == [0, 2, 4]
    assert all("fq" not in r for r in state.requests)
    source.refresh_from_db()
    assert source.harvested_until == dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
    local = Dataset.all_tenants.get(municipality=miyazaki, name="pref-data-1")
    assert local.license_id == "cc-by-4.0"  # matched by its URL
    assert local.contact_email == "joho@pref.example.jp"

    state.requests.clear()
    state.packages[2] = _package(3, "2026-11-20T08:00:00.123456", title="県のデータ 3（改訂）")
    second = _run(source)
    assert second.incremental
    assert state.requests[0]["fq"] == "metadata_modified:[2026-11-05T00:00:00.000Z TO *]"
    # Only the boundary dataset (unchanged) and the changed one were listed.
    assert {r["name"]: r["outcome"] for r in second.results} == {
        "pref-data-5": "unchanged",
        "pref-data-3": "updated",
    }
    assert Dataset.all_tenants.get(municipality=miyazaki, name="pref-data-3").title_ja == (
        "県のデータ 3（改訂）"
    )


def test_falls_back_to_a_full_listing_when_the_range_is_refused(
    portal: tuple[_Portal, str], source: Any
) -> None:
    state, _url = portal
    _run(source)
    state.refuse_ranges = True
    state.requests.clear()
    run = _run(source)
    assert run.status == HarvestRunStatus.DONE
    assert not run.incremental
    assert "fq" in state.requests[0] and "fq" not in state.requests[1]
    assert run.unchanged_count == 5


def test_a_failed_dataset_is_asked_for_again(
    portal: tuple[_Portal, str], source: Any, miyazaki: Any
) -> None:
    state, _url = portal
    state.packages[1]["maintainer_email"] = "not an address"
    run = _run(source)
    assert run.failed_count == 1 and run.created_count == 4
    source.refresh_from_db()
    # The next run starts from the failed dataset's time, not the newest.
    assert source.harvested_until == dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    state.packages[1]["maintainer_email"] = "ok@pref.example.jp"
    again = _run(source)
    assert {r["name"]: r["outcome"] for r in again.results}["pref-data-2"] == "created"


def test_a_portal_that_is_not_ckan_fails_the_run(source: Any, miyazaki: Any) -> None:
    source = harvest.harvest_source_update(
        municipality=miyazaki, actor=None, source=source, url=source.url + "/nothing-here"
    )
    run = _run(source)
    assert run.status == HarvestRunStatus.FAILED
    assert "could not be read" in run.error["en"]
