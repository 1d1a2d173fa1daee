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


# --- builder: option checks, clear problems, the pure edits, and properties ---

import copy  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kanmin.procedures import formspec  # noqa: E402


@pytest.fixture(autouse=True)
def _english():
    """The problems' English wording is what these tests read (Japanese has its own test)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _with_question(question: dict) -> dict:
    return {"pages": [{"id": "p", "title": {"ja": "ページ"}, "questions": [question]}]}


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ({"type": "file", "options": {"max_bytes": 50 * 1024 * 1024}}, "20 MB"),
        ({"type": "file", "options": {"types": ["exe"]}}, "exe"),
        ({"type": "number", "options": {"min": 10, "max": 1}}, "swap them"),
        ({"type": "number", "options": {"min": "ten"}}, "must be a number"),
        ({"type": "date", "options": {"min": "2025/04/01"}}, "year-month-day"),
        ({"type": "date", "options": {"min": "2026-01-01", "max": "2025-01-01"}}, "swap them"),
        ({"type": "text", "options": {"max_length": 0}}, "whole number"),
        ({"type": "text", "options": {"maxlength": 10}}, "“maxlength” is not an option"),
        ({"type": "consent", "options": {}}, "consent question needs the text"),
        (
            {"type": "choice", "options": {"choices": [{"value": "a b", "label": {"ja": "x"}}]}},
            "a b",
        ),
        ({"type": "choice", "options": {"choices": [{"value": "a", "label": {}}]}}, "no Japanese"),
        ({"type": "signature"}, "not a question type"),
    ],
)
def test_each_types_options_are_checked(question: dict, words: str) -> None:
    """A wrong option names the page, the question and how to fix it."""
    with pytest.raises(SpecError) as caught:
        parse(_with_question({"id": "q", "label": {"ja": "質問"}, **question}))
    [problem] = caught.value.problems
    assert words in problem
    assert "「ページ」" in problem and "「質問」" in problem
    assert problem.page == "p" and problem.question == "q"


@pytest.mark.parametrize(
    ("question", "char", "instead"),
    [
        ({"type": "text", "label": {"ja": "㈱の名前"}}, "㈱", "(株)"),
        ({"type": "text", "label": {"ja": "質問"}, "hint": {"ja": "①から選ぶ"}}, "①", "(1)"),
        ({"type": "text", "label": {"ja": "質問", "en": "Room ㎡"}}, "㎡", "m2"),
        (
            {
                "type": "choice",
                "label": {"ja": "質問"},
                "options": {"choices": [{"value": "a", "label": {"ja": "Ⅰ期"}}]},
            },
            "Ⅰ",
            "I",
        ),
        (
            {"type": "consent", "label": {"ja": "質問"}, "options": {"text": {"ja": "№を確認"}}},
            "№",
            "No.",
        ),
    ],
)
def test_staff_wording_with_platform_dependent_characters_is_refused(
    question: dict, char: str, instead: str
) -> None:
    """What staff type for residents to read is held to the rule residents' answers are."""
    with pytest.raises(SpecError) as caught:
        parse(_with_question({"id": "q", **question}))
    [problem] = caught.value.problems
    assert f"“{char}”" in problem and f"“{instead}”" in problem
    assert problem.page == "p" and problem.question == "q"


def test_a_page_title_with_a_platform_dependent_character_is_refused() -> None:
    definition = _with_question({"id": "q", "type": "text", "label": {"ja": "質問"}})
    definition["pages"][0]["title"] = {"ja": "申請者㈲"}
    with pytest.raises(SpecError) as caught:
        parse(definition)
    [problem] = caught.value.problems
    assert "“㈲”" in problem and problem.page == "p" and problem.question is None


def test_good_options_pass() -> None:
    for question in (
        {"type": "file", "options": {"max_bytes": 20 * 1024 * 1024, "types": ["pdf", "heic"]}},
        {"type": "number", "options": {"min": 0, "max": 120, "integer": True}},
        {"type": "date", "options": {"min": "1900-01-01", "max": "today"}},
        {"type": "consent", "options": {"text": {"ja": "同意します"}}},
        {"type": "name", "options": {"kana": False}},
    ):
        parse(_with_question({"id": "q", "label": {"ja": "質問"}, **question}))


def test_problems_are_in_japanese_for_japanese_pages() -> None:
    from django.utils import translation

    with translation.override("ja"), pytest.raises(SpecError) as caught:
        parse({"pages": []})
    assert "ページ" in caught.value.problems[0]


def test_the_edits_return_new_definitions_and_keep_routes_sound() -> None:
    original = _definition()
    kept = copy.deepcopy(original)
    moved = formspec.move_page(original, "contact", -1)
    assert formspec.page_ids(moved) == ["start", "contact", "child"]
    assert original == kept  # nothing changed in place
    # Removing the page a route goes to removes the route; the rest still parses.
    without = formspec.remove_page(original, "contact")
    assert "routes" not in without["pages"][0]
    parse(without)
    # Removing the question a route depends on removes the route too.
    assert "routes" not in formspec.remove_question(original, "children")["pages"][0]
    added, q_id = formspec.add_question(
        original, "child", {"type": "date", "label": {"ja": "生年月日"}}
    )
    assert q_id == "date-1" and formspec.question_ids(added)[-2:] == ["date-1", "email"]
    with pytest.raises(SpecError, match="already used"):
        formspec.add_question(original, "child", {"id": "email", "type": "email"})
    # A question moved past the top of its page goes to the end of the page before.
    up = formspec.move_question(original, "child_name", -1)
    assert [q["id"] for q in up["pages"][0]["questions"]] == ["children", "child_name"]
    changed = formspec.changes(original, added)
    assert changed.questions_added == ["date-1"] and not changed.pages_added
    assert not formspec.changes(original, kept)


_ids = st.sampled_from(["a", "b", "c", "d", "e"])


@st.composite
def _definitions(draw: st.DrawFn) -> dict:
    """Definitions with pages, choice questions and routes going anywhere (also backwards)."""
    count = draw(st.integers(min_value=1, max_value=5))
    names = [f"p{i}" for i in range(count)]
    pages = []
    for index, name in enumerate(names):
        routes = [
            {
                "question": f"q{draw(st.integers(0, count - 1))}",
                "in": draw(st.lists(st.sampled_from(["yes", "no", "x"]), max_size=2)),
                "goto": draw(st.sampled_from([*names, "check", "nowhere"])),
            }
            for _ in range(draw(st.integers(0, 2)))
        ]
        page = {
            "id": name,
            "title": {"ja": f"頁{index}"},
            "questions": [
                {
                    "id": f"q{index}",
                    "type": "choice",
                    "label": {"ja": "問"},
                    "options": {
                        "choices": [
                            {"value": "yes", "label": {"ja": "はい"}},
                            {"value": "no", "label": {"ja": "いいえ"}},
                        ]
                    },
                }
            ],
            "routes": routes,
        }
        if draw(st.booleans()):
            page["next"] = draw(st.sampled_from([*names, "check"]))
        pages.append(page)
    return {"pages": pages}


@settings(max_examples=300, deadline=None)
@given(
    _definitions(),
    st.dictionaries(st.sampled_from([f"q{i}" for i in range(5)]), st.sampled_from(["yes", "no"])),
)
def test_a_definition_that_parses_never_loops(definition: dict, answers: dict) -> None:
    """Whatever the routes, a definition that parses takes every resident to the end, each page
    at most once, in the order of the form."""
    try:
        spec = parse(definition)
    except SpecError as exc:
        assert exc.problems and all(isinstance(p, str) for p in exc.problems)
        return
    path = [page.id for page in spec.path(answers)]
    order = [page.id for page in spec.pages]
    assert path[0] == spec.first_page
    assert [order.index(p) for p in path] == sorted({order.index(p) for p in path})
    assert set(spec.kept(answers)) <= set(answers)


@settings(max_examples=200, deadline=None)
@given(
    _definitions(),
    st.lists(
        st.tuples(st.sampled_from(["up", "down", "remove", "rq"]), st.integers(0, 4)), max_size=6
    ),
)
def test_edits_never_break_what_parse_accepts(definition: dict, edits: list) -> None:
    """The pure edits never fail on ids they were given from the definition, and whatever they
    make either parses or lists its problems (never raises anything else)."""
    for op, index in edits:
        pages = formspec.page_ids(definition)
        if not pages:
            break
        target = pages[index % len(pages)]
        if op == "up":
            definition = formspec.move_page(definition, target, -1)
        elif op == "down":
            definition = formspec.move_page(definition, target, 1)
        elif op == "remove":
            definition = formspec.remove_page(definition, target)
        else:
            questions = formspec.question_ids(definition)
            if questions:
                definition = formspec.remove_question(definition, questions[index % len(questions)])
    problems = formspec.problems_of(definition)
    assert all(isinstance(p, formspec.Problem) for p in problems)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "label",
                    "title",
                    "questions",
                    "routes",
                    "next",
                    "options",
                    "in",
                    "goto",
                    "question",
                    "choices",
                    "value",
                    "ja",
                    "max_bytes",
                    "types",
                    "min",
                    "max",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_json, max_size=3))
def test_any_imported_json_gives_problems_not_a_crash(pages: list) -> None:
    """Whatever an imported file holds under "pages", checking it lists problems (or accepts
    it); the builder's reads and edits of it do not fail either."""
    definition = {"pages": pages}
    try:
        parse(definition)
    except SpecError as exc:
        assert exc.problems
    formspec.page_ids(definition)
    for question_id in formspec.question_ids(definition):
        try:
            formspec.remove_question(definition, question_id)
        except SpecError:
            pass  # a question without a usable id cannot be found by it
    for page_id in formspec.page_ids(definition):
        try:
            formspec.remove_page(definition, page_id)
        except SpecError:
            pass  # a page without a usable id cannot be found by it
    formspec.changes(definition, formspec.empty_definition())
    # The editor's and the question form's reads of it.
    from kanmin.procedures import builder_forms, builder_views

    builder_views._pages_view(definition)
    for page in formspec._pages(definition):
        builder_forms.route_choices(definition, str(page.get("id", "")))
        builder_forms.route_initial(page)
        for question in formspec._questions(page):
            builder_forms.QuestionForm.initial_from(question)
