"""Result cards show a plain-text excerpt of a dataset's Markdown description (issue 13)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kanmin.catalog.markdown import display_width, excerpt, plain_text

DEMO_NOTES = (
    "市内の**指定緊急避難場所**の一覧です。\n\n"
    "- 形式: [自治体標準オープンデータセット](https://www.digital.go.jp/resources/open_data)\n"
    "- 更新: 毎年4月 &amp; 随時\n"
)


def test_markdown_becomes_the_text_a_reader_sees() -> None:
    assert plain_text(DEMO_NOTES) == (
        "市内の指定緊急避難場所の一覧です。 "
        "形式: 自治体標準オープンデータセット 更新: 毎年4月 & 随時"
    )


def test_a_short_description_is_kept_whole() -> None:
    assert excerpt("A *short* description.", 120) == "A short description."


def test_japanese_is_cut_between_characters_with_an_ellipsis() -> None:
    text = "避難所の開設状況です。" * 20
    cut = excerpt(text, 30)
    # A Japanese character takes two columns: 14 characters and the ellipsis.
    assert cut == "避難所の開設状況です。避難所…"
    assert text.startswith(cut.removesuffix("…"))


def test_english_is_cut_between_words() -> None:
    text = "Where the automated external defibrillators of the city are, with opening hours."
    cut = excerpt(text, 40)
    assert cut == "Where the automated external…"


def test_a_very_long_word_is_cut_inside_it_rather_than_dropped() -> None:
    text = "See " + "x" * 200
    cut = excerpt(text, 50)
    assert len(cut) == 50 and cut.startswith("See xxx")


def test_a_character_is_never_parted_from_its_combining_mark() -> None:
    text = "か\u3099" * 100  # が written as か + combining dakuten
    cut = excerpt(text, 21)
    assert not cut.removesuffix("…").endswith("か")


@given(st.text(max_size=400), st.integers(min_value=10, max_value=200))
def test_an_excerpt_never_exceeds_its_width_and_starts_the_text(text: str, limit: int) -> None:
    cut = excerpt(text, limit)
    assert display_width(cut) <= limit
    assert plain_text(text).startswith(cut.removesuffix("…").rstrip())


@pytest.mark.django_db
def test_result_cards_show_no_raw_markdown(client, make_dataset) -> None:
    make_dataset("evacuation-space", "指定緊急避難場所一覧", notes_ja=DEMO_NOTES)
    page = client.get("/m/452025/catalog/").content.decode()
    assert "形式: 自治体標準オープンデータセット 更新" in page
    assert "](https://" not in page and "**" not in page and "- 形式" not in page
