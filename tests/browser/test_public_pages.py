"""The public pages in a real browser: language, landmarks, keyboard use, small screens, axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, ja

pytestmark = pytest.mark.browser

HOME = f"/m/{LG_CODE}/"
LANDMARKS = ("banner", "navigation", "main", "contentinfo")


def active_element(page: Page) -> dict[str, Any]:
    """What has keyboard focus, and how its focus is drawn."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
                tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute("href"),
                text: el.innerText ? el.innerText.trim() : (el.value || ""),
                inMain: el.closest("main") !== null,
                outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                boxShadow: style.boxShadow,
                box: {x: box.x, y: box.y, width: box.width, height: box.height},
                viewport: {width: innerWidth, height: innerHeight},
            };
        }"""
    )


def assert_focus_visible(el: dict[str, Any]) -> None:
    outlined = el["outlineStyle"] not in ("none", "hidden") and el["outlineWidth"] >= 2
    assert outlined or el["boxShadow"] != "none", f"no visible focus indicator on {el}"
    box, viewport = el["box"], el["viewport"]
    assert box["width"] > 0 and box["height"] > 0, f"focused element is not drawn: {el}"
    assert 0 <= box["x"] < viewport["width"] and 0 <= box["y"] < viewport["height"], (
        f"focused element is off screen: {el}"
    )


def assert_landmarks(page: Page) -> None:
    for role in LANDMARKS:
        expect(page.get_by_role(role).first, f"no {role} landmark").to_be_visible()
    expect(page.get_by_role("main")).to_have_count(1)


def test_home_is_japanese_by_default_with_landmarks_and_skip_link(
    page: Page, municipality: Any, axe: AxeCheck
) -> None:
    response = page.goto(HOME)
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("都城市")
    assert_landmarks(page)
    axe(page)

    # The first Tab lands on the skip link, which shows itself with a visible focus ring.
    page.keyboard.press("Tab")
    skip = active_element(page)
    assert skip["tag"] == "a" and skip["href"] == "#main", skip
    assert skip["text"] == ja("Skip to main content")
    assert_focus_visible(skip)
    axe(page)

    # Enter follows it: focus moves to <main>, and the next Tab stays inside the main content.
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    after = active_element(page)
    assert after["inMain"], f"Tab after the skip link left the main content: {after}"
    assert_focus_visible(after)


def test_home_cards_are_in_japanese(page: Page, municipality: Any) -> None:
    page.goto(HOME)
    expect(page.locator("#part-catalog h3")).to_have_text(ja("Open data"))
    expect(page.locator("#part-plan h3")).to_have_text(ja("Data utilization plan"))


def test_every_header_control_shows_keyboard_focus(page: Page, municipality: Any) -> None:
    page.goto(HOME)
    seen = []
    for _ in range(6):
        page.keyboard.press("Tab")
        el = active_element(page)
        if el["inMain"]:
            break
        assert_focus_visible(el)
        seen.append(el["tag"])
    # the skip link, the home link, the sign-in link, the language select and its button
    assert seen.count("a") >= 3 and "select" in seen and "button" in seen, seen


def test_language_form_switches_to_english(
    page: Page, live_server: Any, municipality: Any, axe: AxeCheck
) -> None:
    page.goto(HOME)
    page.get_by_label(ja("Language")).select_option("en")
    page.get_by_role("button", name=ja("Change"), exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}{HOME}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Miyakonojo City")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
    assert_landmarks(page)
    axe(page)

    # The choice sticks for the next page, and switching back gives Japanese again.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("都城市")


def test_english_browser_gets_english_without_switching(
    new_page: Callable[..., Page], municipality: Any, axe: AxeCheck
) -> None:
    page = new_page(locale="en-US")
    page.goto(HOME)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Miyakonojo City")
    expect(page.get_by_label("Language")).to_have_value("en")
    axe(page)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_home_fits_a_360px_screen(
    new_page: Callable[..., Page], municipality: Any, axe: AxeCheck, locale: str
) -> None:
    page = new_page(locale=locale, width=360, height=740)
    page.goto(HOME)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"the page scrolls sideways at 360 px: {scroll_width} px wide"
    # Nothing sticks out of the viewport on its own either (text cut off by overflow).
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5
                          && !el.matches(".skip-link, .visually-hidden"))
            .map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))"""
    )
    assert too_wide == [], f"elements wider than the screen: {too_wide}"
    axe(page)


def test_unknown_municipality_is_an_accessible_404(
    page: Page, transactional_db: None, axe: AxeCheck
) -> None:
    response = page.goto("/m/999999/")
    assert response is not None and response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Municipality not found"))
    expect(page.locator("main")).to_contain_text("999999")
    assert_landmarks(page)
    axe(page)
