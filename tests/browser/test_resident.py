"""The resident on a 360 px phone and the English-speaking visitor (issue 13): the home page's
search box, results before the filters, plain-text excerpts, a 404 that says what is missing,
no overflow, and no Japanese outside content marked as Japanese on English pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from conftest import password_of

from .helpers import LG_CODE, AxeCheck, assert_fits, ja, japanese_outside_marked

pytestmark = pytest.mark.browser

HOME = f"/m/{LG_CODE}/"
CATALOG = f"/m/{LG_CODE}/catalog/"
PHONE = {"width": 360, "height": 740}
CSV = "名称,緯度,経度\n都城市役所,31.7196,131.0616\n".encode()
# As the demo writes descriptions: Markdown with a list, a link and emphasis.
NOTES = (
    "市内の**指定緊急避難場所**の一覧です。\n\n"
    "- 形式: [自治体標準オープンデータセット](https://www.digital.go.jp/resources/open_data)\n"
    "- 更新: 毎年4月\n"
)
LONG_EMAIL = "kikikanri-bousai-tantou@city.miyakonojo.miyazaki.example.jp"


@pytest.fixture
def catalog_data(municipality: Any) -> dict[str, Any]:
    """Demo-like data: Japanese-only titles, descriptions, tags and file names next to a
    dataset with an English version; a department with an English name; a long e-mail."""
    from kanmin.catalog import services
    from kanmin.core import services as core_services

    department = core_services.department_create(
        municipality=municipality,
        actor=None,
        code="kikikanri",
        name_ja="危機管理課",
        name_en="Crisis Management Division",
    )
    bousai = services.organization_create(
        municipality=municipality,
        actor=None,
        name="kikikanri",
        title_ja="危機管理課",
        department=department,
    )
    kikaku = services.organization_create(
        municipality=municipality,
        actor=None,
        name="kikaku",
        title_ja="総合政策課",
        title_en="Policy Planning Division",
    )
    disaster = services.group_create(
        municipality=municipality, actor=None, name="bousai", title_ja="防災", title_en="Disaster"
    )
    life = services.group_create(
        municipality=municipality, actor=None, name="kurashi", title_ja="くらし"
    )
    shelters = services.dataset_create(
        municipality=municipality,
        actor=None,
        organization=bousai,
        name="evacuation-space",
        title_ja="指定緊急避難場所一覧（本町一丁目ほか）",
        notes_ja=NOTES,
        license_id="cc-by-4.0",
        contact_name="都城市 危機管理課",
        contact_email=LONG_EMAIL,
        spatial="宮崎県都城市",
        tags=["避難所", "防災"],
        groups=[disaster, life],
        state="published",
    )
    services.resource_create(
        municipality=municipality,
        actor=None,
        dataset=shelters,
        name="避難場所一覧",
        upload=SimpleUploadedFile("452025_evacuation_space.csv", CSV, "text/csv"),
    )
    services.dataset_create(
        municipality=municipality,
        actor=None,
        organization=kikaku,
        name="aed",
        title_ja="AED設置箇所一覧",
        title_en="AED locations",
        notes_ja="市内のAED設置箇所です。",
        notes_en="Where the AEDs in the city are.",
        license_id="gov-jp-2.0",
        tags=["AED"],
        groups=[disaster],
        state="published",
    )
    for n in range(3):  # enough results to fill a phone's screen
        services.dataset_create(
            municipality=municipality,
            actor=None,
            organization=kikaku,
            name=f"hinanjo-{n}",
            title_ja=f"避難所の開設状況 {n}",
            notes_ja="避難所の開設状況です。" * 20,
            license_id="cc-by-4.0",
            tags=["避難所"],
            state="published",
        )
    return {"shelters": shelters, "department": department}


def _results_top(page: Page) -> float:
    return page.locator("#catalog-results > li").first.bounding_box()["y"]  # type: ignore[index]


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_a_resident_searches_from_the_home_page_on_a_phone(
    new_page: Callable[..., Page], catalog_data: Any, axe: AxeCheck, locale: str
) -> None:
    english = locale == "en-US"
    page = new_page(locale=locale, **PHONE)
    page.goto(HOME)
    axe(page)
    assert_fits(page)

    # The home page has a search box: it searches the open data.
    search = page.get_by_role("search").get_by_role("searchbox")
    search.fill("避難")
    search.press("Enter")
    expect(page).to_have_url(f"{page.url.split('/m/')[0]}{CATALOG}?q=%E9%81%BF%E9%9B%A3")
    expect(page.locator("#catalog-results > li")).to_have_count(4)

    # The results come first: the first one is on the screen without scrolling; the filters
    # wait behind one button.
    assert page.evaluate("window.scrollY") == 0
    assert _results_top(page) + 40 < PHONE["height"], "the results start below the fold"
    filters = page.locator("#catalog-filters")
    expect(filters).not_to_have_attribute("open", "")
    expect(page.get_by_role("link", name="防災", exact=False).first).to_be_hidden()
    axe(page)
    assert_fits(page)

    # The cards show plain text, not Markdown.
    first_text = page.locator("#catalog-results").inner_text()
    assert "**" not in first_text and "](" not in first_text and "- 形式" not in first_text
    expect(page.locator("#catalog-results")).to_contain_text(
        "指定緊急避難場所の一覧です。 形式: 自治体標準"
    )

    # The button opens the filters from the keyboard.
    summary = filters.locator("summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(filters).to_have_attribute("open", "")
    category = "Category" if english else ja("Category")
    filters.get_by_text(category, exact=True).click()
    expect(
        filters.get_by_role("link", name="Disaster (1)" if english else "防災 (1)")
    ).to_be_visible()
    axe(page)
    assert_fits(page)

    # Open a dataset.
    page.locator("#catalog-results").get_by_role(
        "link", name="指定緊急避難場所一覧", exact=False
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("指定緊急避難場所一覧")
    axe(page)
    assert_fits(page)
    if english:
        assert japanese_outside_marked(page) == []


def test_the_filters_stand_beside_the_results_on_a_wide_screen(
    new_page: Callable[..., Page], catalog_data: Any, axe: AxeCheck
) -> None:
    page = new_page(width=1280, height=800)
    page.goto(f"{CATALOG}?q=避難")
    filters = page.locator("#catalog-filters")
    expect(filters).to_have_attribute("open", "")
    filters_box = filters.bounding_box()
    results_box = page.locator("#catalog-results").bounding_box()
    assert filters_box is not None and results_box is not None
    assert filters_box["x"] + filters_box["width"] <= results_box["x"]
    axe(page)


def _sign_in(page: Page, username: str) -> None:
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password_of(username))
    page.locator("main form button[type=submit]").click()


def _public_pages(catalog_data: Any) -> list[tuple[str, int]]:
    shelters = catalog_data["shelters"]
    resource = shelters.resources.get()
    return [
        (HOME, 200),
        (CATALOG, 200),
        (f"{CATALOG}?q=避難&groups=bousai", 200),
        (f"{CATALOG}dataset/evacuation-space/", 200),
        (f"{CATALOG}dataset/aed/", 200),
        (f"{CATALOG}dataset/evacuation-space/resource/{resource.pk}/", 200),
        (f"{CATALOG}dataset/no-such-dataset/", 404),
        ("/m/999999/", 404),
        ("/", 200),
        ("/accounts/login/", 200),
    ]


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_public_and_core_pages_fit_a_phone_and_english_has_no_unmarked_japanese(
    new_page: Callable[..., Page],
    catalog_data: Any,
    make_user: Callable[..., Any],
    axe: AxeCheck,
    locale: str,
) -> None:
    english = locale == "en-US"
    page = new_page(locale=locale, **PHONE)
    for url, status in _public_pages(catalog_data):
        response = page.goto(url)
        assert response is not None and response.status == status, url
        expect(page.locator("html")).to_have_attribute("lang", "en" if english else "ja")
        assert_fits(page)
        if english:
            assert japanese_outside_marked(page) == [], url
        axe(page)

    # The staff home page of a member of staff.
    from kanmin.core import services as core_services

    core_services.department_create(
        municipality=catalog_data["department"].municipality,
        actor=None,
        code="kikaku",
        name_ja="総合政策課",
        name_en="Policy Planning Division",
    )
    make_user("sato", "municipality_admin", catalog_data["department"].municipality)
    page.goto(f"/accounts/login/?next={HOME}staff/")
    _sign_in(page, "sato")
    expect(page).to_have_url(f"{page.url.split('/m/')[0]}{HOME}staff/")
    assert_fits(page)
    if english:
        assert japanese_outside_marked(page) == [], page.url
    axe(page)


def test_english_pages_name_things_in_english_and_say_once_what_is_only_in_japanese(
    new_page: Callable[..., Page], catalog_data: Any
) -> None:
    page = new_page(locale="en-US")
    page.goto(f"{CATALOG}dataset/evacuation-space/")
    # The Japanese-only title is marked, and the page says once that some content is Japanese.
    expect(page.locator("h1")).to_have_attribute("lang", "ja")
    expect(page.locator(".notice-japanese-only")).to_have_count(1)
    metadata = page.locator("table.metadata")
    # The licence, the department's English name, the list separator in English.
    expect(metadata).to_contain_text("Creative Commons Attribution 4.0 International (CC BY 4.0)")
    expect(metadata).to_contain_text("Crisis Management Division")
    expect(metadata.locator("tr", has_text="Categories")).to_contain_text("Disaster, くらし")
    expect(metadata.locator("tr", has_text="Tags").locator("td")).to_have_text("避難所, 防災")
    citation = page.locator(".citation")
    expect(citation).to_contain_text("Miyakonojo City, Crisis Management Division (")
    expect(citation).to_contain_text("(accessed ")
    expect(citation.locator('[lang="ja"]')).to_have_text("指定緊急避難場所一覧（本町一丁目ほか）")

    # A dataset with an English version has nothing to mark and no notice.
    page.goto(f"{CATALOG}dataset/aed/")
    expect(page.locator("h1")).to_have_text("AED locations")
    expect(page.locator(".notice-japanese-only")).to_have_count(0)
    expect(page.locator("table.metadata")).to_contain_text("Public Data License (Version 1.0)")
    assert japanese_outside_marked(page) == []

    # The Japanese pages keep their Japanese names and 、.
    ja_page = new_page()
    ja_page.goto(f"{CATALOG}dataset/evacuation-space/")
    ja_metadata = ja_page.locator("table.metadata")
    expect(ja_metadata.locator("tr", has_text=ja("Tags")).locator("td")).to_have_text(
        "避難所、防災"
    )
    expect(ja_metadata).to_contain_text("クリエイティブ・コモンズ 表示 4.0 国際")
    expect(ja_page.locator(".notice-japanese-only")).to_have_count(0)
    expect(ja_page.locator(".citation")).to_contain_text("都城市 危機管理課（")


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_a_missing_dataset_says_so_and_offers_the_search(
    new_page: Callable[..., Page], catalog_data: Any, axe: AxeCheck, locale: str
) -> None:
    english = locale == "en-US"
    page = new_page(locale=locale, **PHONE)
    response = page.goto(f"{CATALOG}dataset/evacuation-spaces/")
    assert response is not None and response.status == 404
    heading = "Dataset not found" if english else ja("Dataset not found")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("main")).to_contain_text("evacuation-spaces")
    axe(page)
    assert_fits(page)

    page.locator("main").get_by_role("searchbox").fill("避難場所")
    page.locator("main").get_by_role("searchbox").press("Enter")
    results = page.locator("#catalog-results")
    expect(results.get_by_role("link", name="指定緊急避難場所一覧", exact=False)).to_have_count(1)


def test_a_resident_resets_a_forgotten_password_on_a_phone_by_keyboard(
    municipality: Any, make_user: Callable[..., Any], new_page: Callable[..., Page], axe: AxeCheck
) -> None:
    """The header offers sign-in and registration (not 'Staff sign-in'); the reset pages pass
    axe at 360 px and work from the keyboard; once signed in, the header leads to My page."""
    import re

    from django.core import mail

    resident = make_user("hanako@example.jp", "citizen", municipality)
    resident.email = "hanako@example.jp"
    resident.save()
    page = new_page(**PHONE)
    page.goto(HOME)
    nav = page.get_by_role("navigation", name=ja("Site"))
    expect(nav.get_by_role("link", name=ja("Register as a resident"))).to_be_visible()
    expect(nav).not_to_contain_text(ja("Staff sign-in"))
    nav.get_by_role("link", name=ja("Sign in"), exact=True).focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name=ja("Forgot your password?")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Forgotten password"))
    assert_fits(page)
    axe(page)
    page.get_by_label(ja("E-mail address")).fill("hanako@example.jp")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Check your e-mail"))
    assert_fits(page)
    axe(page)
    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Set a new password"))
    assert_fits(page)
    axe(page)
    new_password = "kirishima-Takachiho-88"
    page.locator("#id_new_password1").fill(new_password)
    page.locator("#id_new_password2").fill(new_password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(ja("Your password was changed"))
    axe(page)
    page.get_by_role("main").get_by_role("link", name=ja("Sign in")).click()
    page.locator("input[name=username]").fill("hanako@example.jp")
    page.locator("input[name=password]").fill(new_password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/accounts/$"))  # signed in: the account page
    page.goto(HOME)
    nav = page.get_by_role("navigation", name=ja("Site"))
    expect(nav.get_by_role("link", name=ja("Staff pages"))).to_have_count(0)
    nav.get_by_role("link", name=ja("My page")).click()
    expect(page).to_have_url(re.compile(f"/m/{LG_CODE}/my/$"))
    assert_fits(page)
    axe(page)
    # A link used once does not work again, and says so.
    page.goto(link.group(1))
    expect(page.get_by_role("alert")).to_be_visible()
    axe(page)
