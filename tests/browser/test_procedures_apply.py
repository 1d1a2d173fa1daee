"""A resident applies for the child allowance on a 360 px phone, by keyboard alone (issue 16):
a multi-page form whose "spouse?" answer skips a page, a name in hiragana, a postcode that
fills the town, an upload, "save and come back later" with the link read from the e-mail,
resumed in another browser, checked and sent; the reference number is shown. axe runs on
every page, and nothing overflows the screen.

Navigation uses only keyboard.press/type (Tab to a control, Space/Enter/arrows to use it);
the file is given to the chooser that Space opens, as a person picks it in the phone's dialog.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from .helpers import LG_CODE, AxeCheck, assert_fits

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
START = f"/m/{LG_CODE}/apply/jido-teate/"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


@pytest.fixture
def forms(municipality: Any, settings: Any, tmp_path: Path) -> Any:
    from kanmin.demo.procedures_apply import apply_forms_build

    settings.DATA_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    apply_forms_build(municipality=municipality)
    return municipality


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on ``selector`` (fails when it never gets there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    pytest.fail(f"{selector} cannot be reached with Tab on {page.url}")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def press_button(page: Page, selector: str) -> None:
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose_file(page: Page, path: Path) -> None:
    """Open the focused file input's chooser from the keyboard and pick ``path`` in it.
    Headless Chromium now and then lets a key press pass without opening the chooser, so the
    key is pressed again (Space, then Enter) before the test gives up."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for key in ("Space", "Enter", "Space"):
        try:
            with page.expect_file_chooser(timeout=4000) as chooser:
                page.keyboard.press(key)
        except PlaywrightTimeout:
            continue
        chooser.value.set_files(str(path))
        return
    pytest.fail("the file chooser did not open from the keyboard")


def checked(page: Page, axe: AxeCheck) -> None:
    page.wait_for_load_state()
    axe(page)
    assert_fits(page)


def test_apply_by_keyboard_with_routing_upload_save_and_resume(
    forms: Any, new_page: Any, axe: AxeCheck, tmp_path: Path
) -> None:
    page = new_page(**PHONE)
    page.goto(START)
    checked(page, axe)
    press_button(page, "button.button-start")

    # Page 1: the claimant. Readings in hiragana, the town from the postcode (the script).
    expect(page.locator("h1")).to_have_text("請求者")
    checked(page, axe)
    type_into(page, "#f-name__family", "都城")
    type_into(page, "#f-name__given", "花子")
    type_into(page, "#f-name__family_kana", "みやこのじょう")
    type_into(page, "#f-name__given_kana", "はなこ")
    type_into(page, "#f-birth_date", "平成2年4月1日")
    type_into(page, "#f-address__postcode", "885-0006")
    expect(page.locator("#f-address__town")).to_have_value("宮崎県都城市吉尾町")
    type_into(page, "#f-address__rest", "1-2-3")
    type_into(page, "#f-phone", "090-1234-5678")
    type_into(page, "#f-email", "hanako@example.jp")
    press_button(page, "button[value=continue]:not(.visually-hidden)")

    # Page 2: no spouse, so the spouse page is skipped.
    expect(page.locator("h1")).to_have_text("配偶者")
    checked(page, axe)
    tab_to(page, "input[name=has_spouse]")
    page.keyboard.press("ArrowDown")  # the second choice, いいえ
    expect(page.locator("input[name=has_spouse][value=no]")).to_be_checked()
    press_button(page, "button[value=continue]:not(.visually-hidden)")

    # Page 3: the children. A wrong date first: the error summary links to the field.
    expect(page.locator("h1")).to_have_text("対象のお子さん")
    checked(page, axe)
    type_into(page, "#f-child_count", "1")
    type_into(page, "#f-eldest_name__family", "都城")
    type_into(page, "#f-eldest_name__given", "一郎")
    type_into(page, "#f-eldest_name__family_kana", "ミヤコノジョウ")
    type_into(page, "#f-eldest_name__given_kana", "イチロウ")
    type_into(page, "#f-eldest_birth_date", "4.6.1")
    press_button(page, "button[value=continue]:not(.visually-hidden)")
    expect(page.locator(".error-summary")).to_be_visible()
    checked(page, axe)
    tab_to(page, ".error-summary a[href='#f-eldest_birth_date']")
    page.keyboard.press("Enter")
    expect(page.locator("#f-eldest_birth_date")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("R4.6.1")
    expect(page.locator("#f-eldest_name__given")).to_have_value("一郎")  # nothing lost

    # Save and come back later: the link goes by e-mail.
    press_button(page, "button[value=save]")
    checked(page, axe)
    expect(page.locator("#f-email")).to_have_value("hanako@example.jp")
    press_button(page, "main form button[type=submit]")
    checked(page, axe)
    [message] = mail.outbox
    link = re.search(r"https?://\S+/apply/resume/\S+/", message.body).group(0)

    # Another browser (the phone's mail app opens the link): resume.
    page.close()
    other = new_page(**PHONE)
    other.bring_to_front()
    other.goto(link)
    checked(other, axe)
    press_button(other, "main form button[type=submit]")
    # The children's page was saved whole, so the first page still to answer opens.
    # Page 4: bank account, the health insurance card, consent.
    expect(other.locator("h1")).to_have_text("振込先と書類")
    checked(other, axe)
    type_into(other, "#f-bank_name", "都城銀行 本店")
    tab_to(other, "input[name=account_type]")
    other.keyboard.press("Space")
    type_into(other, "#f-account_number", "0123456")
    card = tmp_path / "hokensho.jpg"
    card.write_bytes(JPEG)
    tab_to(other, "#f-insurance_card")
    choose_file(other, card)
    press_button(other, "button[value=upload]")
    expect(other.locator(".apply-file-name")).to_have_text("hokensho.jpg")
    checked(other, axe)
    expect(other.locator("#f-bank_name")).to_have_value("都城銀行 本店")
    tab_to(other, "#f-consent")
    other.keyboard.press("Space")
    press_button(other, "button[value=continue]:not(.visually-hidden)")

    # Check your answers: the skipped spouse page is not there; send.
    expect(other.locator("h1")).to_have_text("申請を送信する前に回答を確認してください")
    checked(other, axe)
    summary = other.locator("main").inner_text()
    assert "配偶者の氏名" not in summary
    assert "ミヤコノジョウ" in summary and "宮崎県都城市吉尾町1-2-3" in summary
    assert "hokensho.jpg" in summary and "令和4年6月1日" in summary
    press_button(other, "button[data-once]")

    # Confirmation: the reference number and what happens next.
    checked(other, axe)
    reference = other.locator(".apply-reference").inner_text()
    assert re.fullmatch(rf"{LG_CODE}-20\d\d-\d{{6}}", reference)
    assert "この後の流れ" in other.locator("main").inner_text()
    from kanmin.procedures.models import Submission

    sent = Submission.all_tenants.get(reference=reference)
    assert sent.status == Submission.Status.RECEIVED
    assert len(mail.outbox) == 2 and reference in mail.outbox[1].subject
