"""Browser-test fixtures: one headless Debian Chromium per session, a fresh browser context per
page, and an axe-core check (WCAG 2.0/2.1, levels A and AA) to run on every page a test visits.

Playwright's sync API runs an event loop in the test thread, so the suite needs
DJANGO_ALLOW_ASYNC_UNSAFE=true (scripts/test.sh exports it). Tests that use ``live_server`` get a
transactional database: rows they create are committed and seen by the server thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .helpers import LG_CODE, AxeCheck

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/test.sh).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """new_page(locale="ja-JP", width=1280, height=800): a page in its own fresh context
    (no cookies), whose relative URLs resolve against the live server."""
    contexts = []

    def make(*, locale: str = "ja-JP", width: int = 1280, height: int = 800) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop-sized page whose browser asks for Japanese."""
    return new_page()


@pytest.fixture
def axe() -> AxeCheck:
    return AxeCheck()


@pytest.fixture
def municipality(transactional_db: None) -> Any:
    from kanmin.core import services

    return services.municipality_create(
        actor=None, lg_code=LG_CODE, name_ja="都城市", name_en="Miyakonojo City"
    )
