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
  ``integer``: true by default), ``email``, ``phone``
- ``name``: family and given name, with their katakana readings (``kana``: true by default)
- ``address``: postcode, then the address it gives, then the rest (番地, building)
- ``date``: entered as 西暦 or 和暦 (``min``, ``max`` as ISO dates, or ``"today"``)
- ``choice``: ``choices`` [{"value": "yes", "label": {"ja": …, "en": …}}], ``multiple``
- ``file``: ``max_bytes`` (default 10 MB, at most ``MAX_FILE_BYTES``), ``types`` (any of
  ``FILE_TYPES``; default pdf, jpeg, png), ``max_files`` (default 1, at most ``MAX_FILES``)
- ``consent``: ``text`` {"ja": …, "en": …}; the answer must be given to go on

:func:`parse` checks all of this (options of each type included) and lists every problem in
words a clerk can act on: which page and question, what is wrong, how to fix it. The builder's
edits are pure functions from a definition to a new one (:func:`add_page`,
:func:`add_question`, :func:`move_question`, :func:`remove_page`, :func:`set_routes`, …), so
that the staff pages only call them and save the result; :func:`changes` says what changed
between two definitions (for the publish confirmation).

Answers are a dict from question id to the value the resident's answer was cleaned to (the
checks of each type live in ``answers.py``).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from django.utils.translation import gettext as _

from kanmin.core import jp_text

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
# Uploads: a hard cap whatever the form says, and the kinds of document a form may ask for.
MAX_FILE_BYTES = 20 * 1024 * 1024
DEFAULT_FILE_BYTES = 10 * 1024 * 1024
FILE_TYPES = ("pdf", "jpeg", "png", "heic")
DEFAULT_FILE_TYPES = ("pdf", "jpeg", "png")
MAX_TEXT_LENGTH = 10_000
MAX_FILES = 10
# The options each type knows; anything else in ``options`` is a mistake (a typo in an import).
TYPE_OPTIONS: dict[str, frozenset[str]] = {
    "text": frozenset({"max_length"}),
    "textarea": frozenset({"max_length"}),
    "number": frozenset({"min", "max", "integer"}),
    "email": frozenset(),
    "phone": frozenset(),
    "name": frozenset({"kana"}),
    "address": frozenset(),
    "date": frozenset({"min", "max"}),
    "choice": frozenset({"choices", "multiple"}),
    "file": frozenset({"max_bytes", "types", "max_files"}),
    "consent": frozenset({"text"}),
}
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,59}$")
_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")


class Problem(str):
    """One problem of a definition, in the active language, with where it is: ``page`` (a page
    id or None) and ``question`` (a question id or None), for links on the builder's pages."""

    page: str | None
    question: str | None

    def __new__(cls, message: str, *, page: str | None = None, question: str | None = None):
        obj = super().__new__(cls, message)
        obj.page = page
        obj.question = question
        return obj


class SpecError(ValueError):
    """A definition that cannot be used; ``problems`` says what is wrong, one line each
    (each a :class:`Problem`, a str that knows its page and question)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]


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
        return [str(c.get("value")) for c in choices_of(self)]


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


# ------------------------------------------------------------------------------------------
# Checking a definition
# ------------------------------------------------------------------------------------------


def _page_where(index: int, raw: Any) -> str:
    title = text(raw.get("title"), "ja") if isinstance(raw, Mapping) else ""
    if title:
        return _("Page %(number)s 「%(title)s」") % {"number": index + 1, "title": title}
    return _("Page %(number)s") % {"number": index + 1}


def _question_where(page_where: str, index: int, raw: Any) -> str:
    label = text(raw.get("label"), "ja") if isinstance(raw, Mapping) else ""
    if label:
        return _("%(page)s, question %(number)s 「%(label)s」") % {
            "page": page_where,
            "number": index + 1,
            "label": label,
        }
    return _("%(page)s, question %(number)s") % {"page": page_where, "number": index + 1}


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _date_bound(value: Any) -> dt.date | str | None:
    """An ISO date, "today", or None when the value is neither."""
    if value == "today":
        return "today"
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def unusable_characters(text: str) -> str | None:
    """A message naming the first character that must not be sent (a platform-dependent
    character such as ① or ㈱, or 外字), with its usual replacement; None when all are fine.
    Half-width katakana are not refused here: :func:`normalize_text` widens them."""
    for issue in jp_text.find_platform_dependent(text):
        if issue.severity != "error" or issue.kind == "halfwidth_katakana":
            continue
        if issue.replacement:
            return _(
                "“%(char)s” is a platform-dependent character (環境依存文字) that other "
                "computers may not show. Write “%(replacement)s” instead."
            ) % {"char": issue.char, "replacement": issue.replacement}
        return _(
            "“%(char)s” is a platform-dependent character (環境依存文字) that other computers "
            "may not show. Write it with ordinary characters instead."
        ) % {"char": issue.char}
    return None


def _wording_problem(*labels: Any) -> str | None:
    """The first unusable character in any language of these labels (a label is a
    ``{"ja": …, "en": …}`` mapping, or text)."""
    for label in labels:
        values = label.values() if isinstance(label, Mapping) else [label]
        for value in values:
            if isinstance(value, str) and (message := unusable_characters(value)):
                return message
    return None


def _label_problem(label: Any) -> bool:
    return not (isinstance(label, Mapping) and str(label.get("ja") or "").strip())


def option_problems(q_type: str, options: Any) -> list[str]:
    """What is wrong with a question's options for its type, each a sentence that says how to
    fix it (without where: the caller says which question)."""
    if not isinstance(options, Mapping):
        return [_("The options are not a set of named values. Remove them or fix the import.")]
    problems: list[str] = []
    known = TYPE_OPTIONS.get(q_type, frozenset())
    for key in sorted(set(options) - known):
        problems.append(
            _("“%(option)s” is not an option of this question type; remove it.") % {"option": key}
        )
    if q_type in ("text", "textarea") and "max_length" in options:
        value = options["max_length"]
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 1 <= value <= MAX_TEXT_LENGTH
        ):
            problems.append(
                _("The maximum length must be a whole number from 1 to %(max)s characters.")
                % {"max": MAX_TEXT_LENGTH}
            )
    if q_type == "number":
        low: Any = options.get("min")
        high: Any = options.get("max")
        for name, value in (("min", low), ("max", high)):
            if value is not None and not _is_number(value):
                problems.append(
                    _("The %(bound)s must be a number (e.g. 0 or 2.5), or left empty.")
                    % {"bound": _("smallest value") if name == "min" else _("largest value")}
                )
        if _is_number(low) and _is_number(high) and low > high:
            problems.append(
                _(
                    "The smallest value (%(min)s) is larger than the largest value (%(max)s); "
                    "swap them."
                )
                % {"min": low, "max": high}
            )
        if options.get("integer", True) and any(
            _is_number(v) and not float(v).is_integer() for v in (low, high)
        ):
            problems.append(
                _("Whole numbers only are asked for, so the limits must be whole numbers too.")
            )
    if q_type == "date":
        low, high = _date_bound(options.get("min")), _date_bound(options.get("max"))
        for name, raw, value in (
            ("min", options.get("min"), low),
            ("max", options.get("max"), high),
        ):
            if raw not in (None, "") and value is None:
                problems.append(
                    _(
                        "The %(bound)s “%(value)s” is not a date: write it as 2025-04-01 "
                        "(year-month-day) or “today”."
                    )
                    % {
                        "bound": _("earliest date") if name == "min" else _("latest date"),
                        "value": raw,
                    }
                )
        if isinstance(low, dt.date) and isinstance(high, dt.date) and low > high:
            problems.append(
                _("The earliest date (%(min)s) is after the latest date (%(max)s); swap them.")
                % {"min": low.isoformat(), "max": high.isoformat()}
            )
    if q_type == "choice":
        choices = options.get("choices")
        if not isinstance(choices, list) or not choices:
            problems.append(
                _("A choice question needs at least one choice: add them, one per line.")
            )
        else:
            seen: set[str] = set()
            for number, choice in enumerate(choices, start=1):
                value = str(choice.get("value", "")) if isinstance(choice, Mapping) else ""
                if not _VALUE.match(value):
                    problems.append(
                        _(
                            "Choice %(number)s: its value “%(value)s” must be letters, digits, "
                            "“.”, “-” or “_” (e.g. yes, no, over-65)."
                        )
                        % {"number": number, "value": value}
                    )
                elif value in seen:
                    problems.append(
                        _(
                            "Choice %(number)s: the value “%(value)s” is used twice; "
                            "give it another."
                        )
                        % {"number": number, "value": value}
                    )
                seen.add(value)
                if isinstance(choice, Mapping) and _label_problem(choice.get("label")):
                    problems.append(
                        _("Choice %(number)s has no Japanese label; write what residents see.")
                        % {"number": number}
                    )
    if q_type == "file":
        size = options.get("max_bytes")
        if size is not None and (
            not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_FILE_BYTES
        ):
            problems.append(
                _("The largest file size must be from 1 byte to %(max)s MB.")
                % {"max": MAX_FILE_BYTES // (1024 * 1024)}
            )
        count = options.get("max_files")
        if count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_FILES
        ):
            problems.append(
                _("The number of files must be a whole number from 1 to %(max)s.")
                % {"max": MAX_FILES}
            )
        types = options.get("types")
        if types is not None:
            if not isinstance(types, list) or not types:
                problems.append(
                    _("Choose at least one kind of file (%(types)s).")
                    % {"types": ", ".join(FILE_TYPES)}
                )
            elif unknown := [t for t in types if t not in FILE_TYPES]:
                problems.append(
                    _("Files of kind %(unknown)s cannot be asked for; choose from %(types)s.")
                    % {"unknown": ", ".join(map(str, unknown)), "types": ", ".join(FILE_TYPES)}
                )
    if q_type == "consent" and _label_problem(options.get("text")):
        problems.append(_("A consent question needs the text the resident agrees to, in Japanese."))
    return problems


def parse(definition: Mapping[str, Any]) -> FormSpec:
    """The definition as a FormSpec; SpecError lists every problem found."""
    problems: list[Problem] = []

    def problem(message: str, page: str | None = None, question: str | None = None) -> None:
        problems.append(Problem(message, page=page, question=question))

    raw_pages = definition.get("pages") if isinstance(definition, Mapping) else None
    if not isinstance(raw_pages, list) or not raw_pages:
        raise SpecError([Problem(_("The form has no pages yet: add a page with a question."))])
    pages: list[Page] = []
    page_ids: list[str] = []
    question_pages: dict[str, int] = {}
    wheres: dict[str, str] = {}
    for index, raw in enumerate(raw_pages):
        where = _page_where(index, raw)
        if not isinstance(raw, Mapping):
            problem(_("%(where)s is not a page. Fix the imported file.") % {"where": where})
            continue
        page_id = str(raw.get("id", ""))
        pid = page_id or None
        if not _ID.match(page_id) or page_id == CHECK:
            problem(
                _(
                    "%(where)s: its ID “%(id)s” must start with a letter and have only letters, "
                    "digits, “-” and “_” (and cannot be “check”)."
                )
                % {"where": where, "id": page_id},
                pid,
            )
        elif page_id in page_ids:
            problem(
                _("%(where)s: the ID “%(id)s” is used by another page; give it another ID.")
                % {"where": where, "id": page_id},
                pid,
            )
        page_ids.append(page_id)
        wheres[page_id] = where
        if _label_problem(raw.get("title")):
            problem(
                _("%(where)s has no Japanese title; write the heading residents see.")
                % {"where": where},
                pid,
            )
        elif message := _wording_problem(raw.get("title")):
            problem(_("%(where)s: %(problem)s") % {"where": where, "problem": message}, pid)
        questions: list[Question] = []
        raw_questions = raw.get("questions") or []
        if not isinstance(raw_questions, list):
            raw_questions = []
        for q_index, q in enumerate(raw_questions):
            q_where = _question_where(where, q_index, q)
            if not isinstance(q, Mapping):
                problem(
                    _("%(where)s is not a question. Fix the imported file.") % {"where": q_where},
                    pid,
                )
                continue
            q_id = str(q.get("id", ""))
            q_type = str(q.get("type", ""))
            qid = q_id or None
            if not _ID.match(q_id):
                problem(
                    _(
                        "%(where)s: its ID “%(id)s” must start with a letter and have only "
                        "letters, digits, “-” and “_”."
                    )
                    % {"where": q_where, "id": q_id},
                    pid,
                    qid,
                )
            elif q_id in question_pages:
                problem(
                    _("%(where)s: the ID “%(id)s” is used by another question; give it another ID.")
                    % {"where": q_where, "id": q_id},
                    pid,
                    qid,
                )
            question_pages[q_id] = index
            if q_type not in QUESTION_TYPES:
                problem(
                    _("%(where)s: “%(type)s” is not a question type; use one of %(types)s.")
                    % {"where": q_where, "type": q_type, "types": ", ".join(QUESTION_TYPES)},
                    pid,
                    qid,
                )
            elif _label_problem(q.get("label")):
                problem(
                    _("%(where)s has no Japanese label; write the question residents see.")
                    % {"where": q_where},
                    pid,
                    qid,
                )
            options = q.get("options") or {}
            wording = [q.get("label"), q.get("hint")]
            if isinstance(options, Mapping):
                wording.append(options.get("text"))
                wording.extend(
                    c.get("label") for c in options.get("choices") or [] if isinstance(c, Mapping)
                )
            if message := _wording_problem(*wording):
                problem(
                    _("%(where)s: %(problem)s") % {"where": q_where, "problem": message},
                    pid,
                    qid,
                )
            if q_type in QUESTION_TYPES:
                for message in option_problems(q_type, options):
                    problem(
                        _("%(where)s: %(problem)s") % {"where": q_where, "problem": message},
                        pid,
                        qid,
                    )
            questions.append(
                Question(
                    id=q_id,
                    type=q_type,
                    label=q.get("label") or {},
                    hint=q.get("hint") or {},
                    required=bool(q.get("required", True)),
                    options=options if isinstance(options, Mapping) else {},
                )
            )
        if not questions:
            problem(
                _("%(where)s has no questions; add one, or remove the page.") % {"where": where},
                pid,
            )
        routes = []
        raw_routes = raw.get("routes") or []
        for r in raw_routes if isinstance(raw_routes, list) else []:
            if not isinstance(r, Mapping):
                problem(
                    _("%(where)s: a route is not a rule. Fix the imported file.")
                    % {"where": where},
                    pid,
                )
                continue
            values = r.get("in", [r.get("equals")] if "equals" in r else [])
            routes.append(
                Route(
                    question=str(r.get("question", "")),
                    values=tuple(str(v) for v in values) if isinstance(values, list) else (),
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
        where = wheres.get(page.id) or _page_where(index, {})
        targets = [r.goto for r in page.routes] + ([page.next] if page.next else [])
        for target in targets:
            if target != CHECK and target not in page_ids:
                problem(
                    _(
                        "%(where)s: a route goes to “%(target)s”, which is not a page of this "
                        "form; choose a later page or the check-your-answers page."
                    )
                    % {"where": where, "target": target},
                    page.id,
                )
            elif target != CHECK and page_ids.index(target) <= index:
                problem(
                    _(
                        "%(where)s: a route goes back to %(target)s; forms only go forward, so "
                        "choose a later page or the check-your-answers page."
                    )
                    % {"where": where, "target": wheres.get(target, target)},
                    page.id,
                )
        for route in page.routes:
            question = by_id.get(route.question)
            if question is None or question.type != "choice":
                problem(
                    _(
                        "%(where)s: a route depends on “%(question)s”, which is not a choice "
                        "question; route on a choice question of this page or an earlier one."
                    )
                    % {"where": where, "question": route.question},
                    page.id,
                )
            elif question_pages[route.question] > index:
                problem(
                    _(
                        "%(where)s: a route depends on “%(question)s”, which is asked on a later "
                        "page; move the route to that page or later."
                    )
                    % {"where": where, "question": text(question.label)},
                    page.id,
                )
            elif not route.values:
                problem(
                    _("%(where)s: a route on “%(question)s” names no answers; tick at least one.")
                    % {"where": where, "question": text(question.label)},
                    page.id,
                )
            elif unknown := set(route.values) - set(question.choice_values()):
                problem(
                    _(
                        "%(where)s: a route names %(values)s, which are not choices of "
                        "“%(question)s”; pick from its choices."
                    )
                    % {
                        "where": where,
                        "values": ", ".join(f"“{v}”" for v in sorted(unknown)),
                        "question": text(question.label),
                    },
                    page.id,
                )
    if problems:
        raise SpecError(list(problems))
    return spec


def problems_of(definition: Mapping[str, Any]) -> list[Problem]:
    """Every problem of a definition (none when it parses)."""
    try:
        parse(definition)
    except SpecError as exc:
        return exc.problems
    return []


# ------------------------------------------------------------------------------------------
# Building a definition: pure edits that return a new definition
# ------------------------------------------------------------------------------------------


def empty_definition() -> dict[str, Any]:
    """A new form's definition: no pages yet (it does not parse until one has a question)."""
    return {"pages": []}


def _pages(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pages of a definition that are objects (an imported file may hold anything)."""
    pages = definition.get("pages") if isinstance(definition, Mapping) else None
    return [p for p in pages if isinstance(p, dict)] if isinstance(pages, list) else []


def _questions(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    questions = page.get("questions")
    return [q for q in questions if isinstance(q, dict)] if isinstance(questions, list) else []


def _routes(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    routes = page.get("routes")
    return [r for r in routes if isinstance(r, dict)] if isinstance(routes, list) else []


def _question_list(page: dict[str, Any]) -> list[Any]:
    """The page's own list of questions, made a list first if it was not one."""
    if not isinstance(page.get("questions"), list):
        page["questions"] = []
    return page["questions"]  # type: ignore[no-any-return]


def choices_of(question: Any) -> list[dict[str, Any]]:
    """The choices of a question (dict or Question) that are objects."""
    options = getattr(question, "options", None)
    if options is None and isinstance(question, Mapping):
        options = question.get("options")
    choices = options.get("choices") if isinstance(options, Mapping) else None
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []


def _copy(definition: Mapping[str, Any]) -> dict[str, Any]:
    new = copy.deepcopy(dict(definition)) if isinstance(definition, Mapping) else {}
    if not isinstance(new.get("pages"), list):
        new["pages"] = []
    return new


def _missing_page(page_id: str) -> SpecError:
    return SpecError(
        [Problem(_("There is no page “%(id)s” in this form (any more).") % {"id": page_id})]
    )


def _missing_question(question_id: str) -> SpecError:
    return SpecError(
        [Problem(_("There is no question “%(id)s” in this form (any more).") % {"id": question_id})]
    )


def page_ids(definition: Mapping[str, Any]) -> list[str]:
    return [str(p.get("id", "")) for p in _pages(definition)]


def question_ids(definition: Mapping[str, Any]) -> list[str]:
    return [str(q.get("id", "")) for p in _pages(definition) for q in _questions(p)]


def new_id(taken: list[str] | set[str], prefix: str) -> str:
    """``prefix`` followed by the first number not taken (page-1, name-2, …)."""
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"


def find_page(definition: Mapping[str, Any], page_id: str) -> dict[str, Any]:
    for page in _pages(definition):
        if isinstance(page, Mapping) and page.get("id") == page_id:
            return page  # type: ignore[return-value]
    raise _missing_page(page_id)


def find_question(definition: Mapping[str, Any], question_id: str) -> tuple[dict, dict]:
    """The page holding the question, and the question."""
    for page in _pages(definition):
        for question in _questions(page):
            if question.get("id") == question_id:
                return page, question  # type: ignore[return-value]
    raise _missing_question(question_id)


def _taken_ids(definition: Mapping[str, Any]) -> set[str]:
    return set(page_ids(definition)) | set(question_ids(definition)) | {CHECK}


def _checked_id(definition: Mapping[str, Any], wanted: str, prefix: str, kind: str) -> str:
    if not wanted:
        return new_id(_taken_ids(definition), prefix)
    if not _ID.match(wanted) or wanted == CHECK:
        raise SpecError(
            [
                Problem(
                    _(
                        "The ID “%(id)s” must start with a letter and have only letters, digits, "
                        "“-” and “_”."
                    )
                    % {"id": wanted}
                )
            ]
        )
    taken = set(page_ids(definition)) if kind == "page" else set(question_ids(definition))
    if wanted in taken:
        raise SpecError(
            [Problem(_("The ID “%(id)s” is already used; give another.") % {"id": wanted})]
        )
    return wanted


def add_page(
    definition: Mapping[str, Any],
    *,
    title: Mapping[str, str],
    page_id: str = "",
    after: str | None = None,
) -> tuple[dict[str, Any], str]:
    """A new definition with an empty page (at the end, or after page ``after``) and its id."""
    new = _copy(definition)
    page_id = _checked_id(new, page_id, "page", "page")
    page = {"id": page_id, "title": dict(title), "questions": []}
    pages = new["pages"]
    if after:
        index = pages.index(find_page(new, after)) + 1
        pages.insert(index, page)
    else:
        pages.append(page)
    return new, page_id


def update_page(
    definition: Mapping[str, Any],
    page_id: str,
    *,
    title: Mapping[str, str] | None = None,
    next_page: str | None = None,
) -> dict[str, Any]:
    """A new definition with the page's title and/or where it goes next changed (``next_page``
    "" for the following page)."""
    new = _copy(definition)
    page = find_page(new, page_id)
    if title is not None:
        page["title"] = dict(title)
    if next_page is not None:
        if next_page:
            page["next"] = next_page
        else:
            page.pop("next", None)
    return new


def _drop_routes(new: dict[str, Any], *, to_page: str = "", on: set[str] | None = None) -> None:
    """Remove routes that go to ``to_page`` or depend on the questions ``on``."""
    for page in _pages(new):
        page["routes"] = [
            r
            for r in _routes(page)
            if not (to_page and r.get("goto") == to_page)
            and str(r.get("question")) not in (on or set())
        ]
        if not page["routes"]:
            page.pop("routes")
        if to_page and page.get("next") == to_page:
            page.pop("next")


def remove_page(definition: Mapping[str, Any], page_id: str) -> dict[str, Any]:
    """A new definition without the page, its questions, and the routes to it or on them."""
    new = _copy(definition)
    page = find_page(new, page_id)
    ids = {str(q.get("id")) for q in _questions(page)}
    new["pages"].remove(page)
    _drop_routes(new, to_page=page_id, on=ids)
    return new


def _moved(items: list[Any], item: Any, offset: int) -> None:
    index = items.index(item)
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))


def move_page(definition: Mapping[str, Any], page_id: str, offset: int) -> dict[str, Any]:
    """A new definition with the page moved ``offset`` places (-1 up, 1 down). Routes that now
    go backwards are shown as problems, not removed: the staff member decides."""
    new = _copy(definition)
    _moved(new["pages"], find_page(new, page_id), offset)
    return new


def _clean_question(raw: Mapping[str, Any]) -> dict[str, Any]:
    question: dict[str, Any] = {
        "id": str(raw.get("id", "")),
        "type": str(raw.get("type", "")),
        "label": dict(raw.get("label") or {}),
    }
    hint = {k: v for k, v in dict(raw.get("hint") or {}).items() if v}
    if hint:
        question["hint"] = hint
    question["required"] = bool(raw.get("required", True))
    options = {k: v for k, v in dict(raw.get("options") or {}).items() if v not in (None, "", [])}
    if options:
        question["options"] = options
    return question


def add_question(
    definition: Mapping[str, Any], page_id: str, question: Mapping[str, Any]
) -> tuple[dict[str, Any], str]:
    """A new definition with the question at the end of the page, and the question's id (made
    from its type when it has none)."""
    new = _copy(definition)
    page = find_page(new, page_id)
    wanted = str(question.get("id") or "")
    q_id = _checked_id(new, wanted, str(question.get("type") or "question"), "question")
    _question_list(page).append(_clean_question({**question, "id": q_id}))
    return new, q_id


def update_question(
    definition: Mapping[str, Any], question_id: str, question: Mapping[str, Any]
) -> dict[str, Any]:
    """A new definition with the question replaced (its id kept: routes and answers name it).
    Routes on it that name choices it no longer has are shown as problems."""
    new = _copy(definition)
    page, old = find_question(new, question_id)
    questions = page["questions"]
    questions[questions.index(old)] = _clean_question({**question, "id": question_id})
    return new


def remove_question(definition: Mapping[str, Any], question_id: str) -> dict[str, Any]:
    """A new definition without the question and the routes on it."""
    new = _copy(definition)
    page, question = find_question(new, question_id)
    page["questions"].remove(question)
    _drop_routes(new, on={question_id})
    return new


def move_question(definition: Mapping[str, Any], question_id: str, offset: int) -> dict[str, Any]:
    """A new definition with the question moved ``offset`` places on its page; past the top or
    bottom of its page it moves to the end of the page before, or the start of the page after."""
    new = _copy(definition)
    page, question = find_question(new, question_id)
    pages = _pages(new)
    questions = page["questions"]
    index = questions.index(question)
    target = index + offset
    page_index = pages.index(page)
    if target < 0 and page_index > 0:
        questions.remove(question)
        _question_list(pages[page_index - 1]).append(question)
    elif target >= len(questions) and page_index + 1 < len(pages):
        questions.remove(question)
        _question_list(pages[page_index + 1]).insert(0, question)
    else:
        _moved(questions, question, offset)
    return new


def set_routes(
    definition: Mapping[str, Any], page_id: str, routes: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A new definition with the page's routes replaced: each {"question", "in", "goto"}."""
    new = _copy(definition)
    page = find_page(new, page_id)
    cleaned = [
        {
            "question": str(r.get("question", "")),
            "in": [str(v) for v in r.get("in") or []],
            "goto": str(r.get("goto", "")),
        }
        for r in routes
    ]
    if cleaned:
        page["routes"] = cleaned
    else:
        page.pop("routes", None)
    return new


@dataclass(frozen=True)
class Changes:
    """What changed from one definition to another, by id (for the publish confirmation)."""

    pages_added: list[str]
    pages_removed: list[str]
    questions_added: list[str]
    questions_removed: list[str]
    questions_changed: list[str]
    other: bool  # titles, order or routes

    def __bool__(self) -> bool:
        return bool(
            self.pages_added
            or self.pages_removed
            or self.questions_added
            or self.questions_removed
            or self.questions_changed
            or self.other
        )


def changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> Changes:
    old = old or {}
    old_pages, new_pages = page_ids(old), page_ids(new)
    old_q = {str(q.get("id")): q for p in _pages(old) for q in _questions(p)}
    new_q = {str(q.get("id")): q for p in _pages(new) for q in _questions(p)}
    found = Changes(
        pages_added=[p for p in new_pages if p not in old_pages],
        pages_removed=[p for p in old_pages if p not in new_pages],
        questions_added=[q for q in new_q if q not in old_q],
        questions_removed=[q for q in old_q if q not in new_q],
        questions_changed=[q for q in new_q if q in old_q and old_q[q] != new_q[q]],
        other=False,
    )
    if not found and dict(old) != dict(new):
        return Changes(**{**found.__dict__, "other": True})
    return found
