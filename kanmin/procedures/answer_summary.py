"""A submission's answers as people read them: question labels from the form version's
definition, each answer as one line of text (for the staff page, the status page and exports).

Pure functions over the definition and the answers dict; nothing here reads the database."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kanmin.procedures import formspec
from kanmin.procedures.formspec import FormSpec, Question

# The parts of a name and an address answer, in the order they are written.
_NAME_PARTS = ("family", "given")
_KANA_PARTS = ("family_kana", "given_kana")
_ADDRESS_PARTS = ("postcode", "prefecture", "city", "town", "address", "rest", "building")


@dataclass(frozen=True)
class Answer:
    question: str
    type: str
    label: str
    text: str


@dataclass(frozen=True)
class AnswerPage:
    id: str
    title: str
    answers: tuple[Answer, ...]


def load(raw: str) -> dict[str, Any]:
    """The answers dict kept (as JSON text) in ``Submission.answers``; {} when empty or broken."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def spec_of(definition: Mapping[str, Any]) -> FormSpec | None:
    try:
        return formspec.parse(definition)
    except formspec.SpecError:
        return None


def _join(parts: list[str], sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def display(question: Question | None, value: Any, language: str = "ja") -> str:
    """One answer as text. Unknown shapes are shown as their values joined, never dropped."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return "、".join(t for t in (display(question, v, language) for v in value) if t)
    qtype = question.type if question is not None else ""
    if qtype == "choice" and question is not None:
        for choice in question.options.get("choices", []):
            if str(choice.get("value")) == str(value):
                return formspec.text(choice.get("label"), language) or str(value)
        return str(value)
    if isinstance(value, Mapping):
        if any(k in value for k in _NAME_PARTS):
            name = _join([str(value.get(k) or "") for k in _NAME_PARTS])
            kana = _join([str(value.get(k) or "") for k in _KANA_PARTS])
            return f"{name}（{kana}）" if kana else name
        if qtype == "address" or any(k in value for k in ("postcode", "address")):
            known = [str(value.get(k) or "") for k in _ADDRESS_PARTS]
            postcode, rest = known[0], known[1:]
            others = [str(v) for k, v in value.items() if k not in _ADDRESS_PARTS and v]
            text = _join([*rest, *others])
            return _join([f"〒{postcode}" if postcode else "", text])
        for key in ("filename", "name"):
            if value.get(key):
                return str(value[key])
        return _join([display(None, v, language) for v in value.values()])
    return str(value)


def pages(
    definition: Mapping[str, Any], answers: Mapping[str, Any], language: str = "ja"
) -> list[AnswerPage]:
    """The answers page by page along the route the resident took, with the labels of the
    version they applied on. Answers to questions the definition does not know come last."""
    spec = spec_of(definition)
    result: list[AnswerPage] = []
    seen: set[str] = set()
    if spec is not None:
        for page in spec.path(answers):
            rows = []
            for q in page.questions:
                seen.add(q.id)
                rows.append(
                    Answer(
                        q.id,
                        q.type,
                        formspec.text(q.label, language),
                        display(q, answers.get(q.id)),
                    )
                )
            result.append(AnswerPage(page.id, formspec.text(page.title, language), tuple(rows)))
    rest = [
        Answer(key, "", key, display(None, value, language))
        for key, value in answers.items()
        if key not in seen and spec is None
    ]
    if rest:
        result.append(AnswerPage("other", str(_("Other answers")), tuple(rest)))
    return result


def columns(definition: Mapping[str, Any], language: str = "ja") -> list[tuple[str, str, Question]]:
    """Every question of a version as (id, label, question), in the form's order: the answer
    columns of an export."""
    spec = spec_of(definition)
    if spec is None:
        return []
    return [(q.id, formspec.text(q.label, language), q) for q in spec.questions()]
