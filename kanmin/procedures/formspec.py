"""The definition of an application form, as staff build it and residents fill it in.

A definition is plain JSON (``Form.draft_definition``, ``FormVersion.definition``)::

    {
      "pages": [
        {
          "id": "applicant",                       # letters, digits, "-" and "_"
          "title": {"ja": "申請者", "en": "Applicant"},
          "questions": [
            {
              "id": "name",                        # unique in the whole form
              "type": "name",                      # one of QUESTION_TYPES
              "label": {"ja": "氏名", "en": "Name"},
              "hint": {"ja": "…", "en": "…"},      # optional
              "required": true,                    # default true
              "options": {}                        # per type, see QUESTION_TYPES
            }
          ],
          "routes": [                              # optional; the first that matches is taken
            {"question": "has_children", "in": ["no"], "goto": "check"}
          ],
          "next": "children"                       # optional; default: the following page
        }
      ]
    }

``goto`` and ``next`` name a page or ``"check"`` (the check-your-answers page, the end). A route
may only name a ``choice`` question on its own page or an earlier one, and may only go forward:
a form never loops. A page is reached only along the route its answers choose, so answers to
questions on pages the route skips are not part of the application (:meth:`FormSpec.kept`).

Question types and their options:

- ``text`` (``max_length``), ``textarea`` (``max_length``), ``number`` (``min``, ``max``,
  ``integer``), ``email``, ``phone``
- ``name``: family and given name, with their katakana readings (``kana``: true by default)
- ``address``: postcode, then the address it gives, then the rest (番地, building)
- ``date``: entered as 西暦 or 和暦 (``min``, ``max`` as ISO dates, or ``"today"``)
- ``choice``: ``choices`` [{"value": "yes", "label": {"ja": …, "en": …}}], ``multiple``
- ``file``: ``max_bytes`` (default 10 MB), ``types`` (default pdf, jpeg, png)
- ``consent``: ``text`` {"ja": …, "en": …}; the answer must be given to go on

Answers are a dict from question id to the value the resident's answer was cleaned to (the
checks of each type live in ``answers.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

CHECK = "check"
QUESTION_TYPES = (
    "text",
    "textarea",
    "number",
    "email",
    "phone",
    "name",
    "address",
    "date",
    "choice",
    "file",
    "consent",
)
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,59}$")


class SpecError(ValueError):
    """A definition that cannot be used; ``problems`` says what is wrong, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def text(value: Any, language: str = "ja") -> str:
    """The ``language`` text of a {"ja": …, "en": …} label (the other one when it is empty)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        return ""
    other = "en" if language == "ja" else "ja"
    return str(value.get(language) or value.get(other) or "")


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: Mapping[str, str]
    hint: Mapping[str, str] = field(default_factory=dict)
    required: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)

    def choice_values(self) -> list[str]:
        return [str(c.get("value")) for c in self.options.get("choices", [])]


@dataclass(frozen=True)
class Route:
    question: str
    values: tuple[str, ...]
    goto: str

    def matches(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.question)
        given = answer if isinstance(answer, list) else [answer]
        return any(str(a) in self.values for a in given if a is not None)


@dataclass(frozen=True)
class Page:
    id: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    routes: tuple[Route, ...] = ()
    next: str | None = None


@dataclass(frozen=True)
class FormSpec:
    pages: tuple[Page, ...]

    def page(self, page_id: str) -> Page:
        for page in self.pages:
            if page.id == page_id:
                return page
        raise KeyError(page_id)

    @property
    def first_page(self) -> str:
        return self.pages[0].id

    def questions(self) -> Iterator[Question]:
        for page in self.pages:
            yield from page.questions

    def question(self, question_id: str) -> Question:
        for question in self.questions():
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def next_page(self, page_id: str, answers: Mapping[str, Any]) -> str:
        """The page after ``page_id`` given the answers (``CHECK`` at the end)."""
        page = self.page(page_id)
        for route in page.routes:
            if route.matches(answers):
                return route.goto
        if page.next:
            return page.next
        index = self.pages.index(page)
        return self.pages[index + 1].id if index + 1 < len(self.pages) else CHECK

    def path(self, answers: Mapping[str, Any]) -> list[Page]:
        """The pages a resident with these answers goes through, in order."""
        pages: list[Page] = []
        current = self.first_page
        while current != CHECK:
            page = self.page(current)
            pages.append(page)
            current = self.next_page(current, answers)
        return pages

    def kept(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Only the answers to questions on the route taken: skipped pages' answers are dropped."""
        ids = {q.id for page in self.path(answers) for q in page.questions}
        return {key: value for key, value in answers.items() if key in ids}


def parse(definition: Mapping[str, Any]) -> FormSpec:
    """The definition as a FormSpec; SpecError lists every problem found."""
    problems: list[str] = []
    raw_pages = definition.get("pages") if isinstance(definition, Mapping) else None
    if not isinstance(raw_pages, list) or not raw_pages:
        raise SpecError(["The form has no pages."])
    pages: list[Page] = []
    page_ids: list[str] = []
    question_pages: dict[str, int] = {}
    for index, raw in enumerate(raw_pages):
        where = f"page {index + 1}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: not an object")
            continue
        page_id = str(raw.get("id", ""))
        if not _ID.match(page_id) or page_id == CHECK:
            problems.append(f"{where}: id {page_id!r} is not a valid page id")
        elif page_id in page_ids:
            problems.append(f"{where}: id {page_id!r} is used twice")
        page_ids.append(page_id)
        questions: list[Question] = []
        for q_index, q in enumerate(raw.get("questions") or []):
            q_where = f"{where}, question {q_index + 1}"
            if not isinstance(q, Mapping):
                problems.append(f"{q_where}: not an object")
                continue
            q_id = str(q.get("id", ""))
            q_type = str(q.get("type", ""))
            if not _ID.match(q_id):
                problems.append(f"{q_where}: id {q_id!r} is not a valid question id")
            elif q_id in question_pages:
                problems.append(f"{q_where}: id {q_id!r} is used twice")
            question_pages[q_id] = index
            if q_type not in QUESTION_TYPES:
                problems.append(f"{q_where}: type {q_type!r} is not one of {QUESTION_TYPES}")
            options = q.get("options") or {}
            if q_type == "choice" and not options.get("choices"):
                problems.append(f"{q_where}: a choice question needs choices")
            questions.append(
                Question(
                    id=q_id,
                    type=q_type,
                    label=q.get("label") or {},
                    hint=q.get("hint") or {},
                    required=bool(q.get("required", True)),
                    options=options,
                )
            )
        if not questions:
            problems.append(f"{where}: a page needs at least one question")
        routes = []
        for r in raw.get("routes") or []:
            values = r.get("in", [r.get("equals")] if "equals" in r else [])
            routes.append(
                Route(
                    question=str(r.get("question", "")),
                    values=tuple(str(v) for v in values),
                    goto=str(r.get("goto", "")),
                )
            )
        nxt = raw.get("next")
        pages.append(
            Page(
                id=page_id,
                title=raw.get("title") or {},
                questions=tuple(questions),
                routes=tuple(routes),
                next=str(nxt) if nxt else None,
            )
        )
    spec = FormSpec(pages=tuple(pages))
    by_id = {q.id: q for q in spec.questions()}
    for index, page in enumerate(pages):
        targets = [r.goto for r in page.routes] + ([page.next] if page.next else [])
        for target in targets:
            if target != CHECK and target not in page_ids:
                problems.append(f"page {page.id!r}: goes to {target!r}, which does not exist")
            elif target != CHECK and page_ids.index(target) <= index:
                problems.append(f"page {page.id!r}: goes back to {target!r}; forms only go forward")
        for route in page.routes:
            question = by_id.get(route.question)
            if question is None or question.type != "choice":
                problems.append(
                    f"page {page.id!r}: routes on {route.question!r}, not a choice question"
                )
            elif question_pages[route.question] > index:
                problems.append(
                    f"page {page.id!r}: routes on {route.question!r}, asked on a later page"
                )
            elif unknown := set(route.values) - set(question.choice_values()):
                problems.append(
                    f"page {page.id!r}: routes on {sorted(unknown)!r}, not choices of "
                    f"{route.question!r}"
                )
    if problems:
        raise SpecError(problems)
    return spec
