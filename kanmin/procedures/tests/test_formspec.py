"""The form definition's routing: forward only, skipped pages' answers dropped."""

from __future__ import annotations

import pytest

from kanmin.procedures.formspec import CHECK, SpecError, parse


def _definition(**first_page: object) -> dict:
    return {
        "pages": [
            {
                "id": "start",
                "title": {"ja": "はじめに"},
                "questions": [
                    {
                        "id": "children",
                        "type": "choice",
                        "label": {"ja": "お子さんはいますか"},
                        "options": {
                            "choices": [
                                {"value": "yes", "label": {"ja": "はい"}},
                                {"value": "no", "label": {"ja": "いいえ"}},
                            ]
                        },
                    }
                ],
                "routes": [{"question": "children", "in": ["no"], "goto": "contact"}],
                **first_page,
            },
            {
                "id": "child",
                "title": {"ja": "お子さん"},
                "questions": [{"id": "child_name", "type": "name", "label": {"ja": "氏名"}}],
            },
            {
                "id": "contact",
                "title": {"ja": "連絡先"},
                "questions": [{"id": "email", "type": "email", "label": {"ja": "メール"}}],
            },
        ]
    }


def test_route_skips_a_page_and_its_answers() -> None:
    spec = parse(_definition())
    answers = {"children": "no", "child_name": "都城 太郎", "email": "a@example.jp"}
    assert [p.id for p in spec.path(answers)] == ["start", "contact"]
    assert spec.kept(answers) == {"children": "no", "email": "a@example.jp"}
    assert spec.next_page("start", {"children": "yes"}) == "child"
    assert spec.next_page("contact", {}) == CHECK


def test_route_backwards_or_to_nowhere_is_refused() -> None:
    definition = _definition()
    definition["pages"][2]["next"] = "start"
    definition["pages"][0]["routes"][0]["goto"] = "nowhere"
    with pytest.raises(SpecError) as caught:
        parse(definition)
    assert len(caught.value.problems) == 2


def test_route_on_unknown_choice_is_refused() -> None:
    definition = _definition()
    definition["pages"][0]["routes"][0]["in"] = ["maybe"]
    with pytest.raises(SpecError, match="maybe"):
        parse(definition)
