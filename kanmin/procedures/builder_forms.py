"""The staff form builder's Django forms: each turns what a clerk typed into the pieces of a
form definition (``formspec``) and back, so that the views only call the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kanmin.procedures import formspec

TYPE_LABELS = {
    "text": pgettext_lazy("form builder", "Short text"),
    "textarea": pgettext_lazy("form builder", "Long text"),
    "number": _("Number"),
    "email": pgettext_lazy("form builder", "E-mail address"),
    "phone": pgettext_lazy("form builder", "Phone number"),
    "name": _("Name (with reading in katakana)"),
    "address": _("Address (postcode lookup)"),
    "date": _("Date (Western calendar or 和暦)"),
    "choice": pgettext_lazy("form builder", "Choice"),
    "file": pgettext_lazy("form builder", "File upload"),
    "consent": pgettext_lazy("form builder", "Consent"),
}
TYPE_CHOICES = [(t, TYPE_LABELS[t]) for t in formspec.QUESTION_TYPES]
FILE_TYPE_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "heic": "HEIC (iPhone)"}
MB = 1024 * 1024


class FormCreateForm(forms.Form):
    procedure: forms.ModelChoiceField = forms.ModelChoiceField(
        label=pgettext_lazy("form builder", "Procedure"),
        queryset=None,
        empty_label=pgettext_lazy("form builder", "Choose the procedure"),
    )
    slug = forms.SlugField(
        label=pgettext_lazy("form builder", "Address name"),
        max_length=60,
        help_text=_("Letters, digits and hyphens; part of the form's address, e.g. jidou-teate."),
    )
    title_ja = forms.CharField(label=_("Title (Japanese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)

    def __init__(self, *args: Any, procedures: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures  # type: ignore[attr-defined]
        self.fields["procedure"].label_from_instance = lambda p: f"{p.name_ja} ({p.code})"  # type: ignore[attr-defined]


class FormTitleForm(forms.Form):
    title_ja = forms.CharField(label=_("Title (Japanese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)


def _targets(definition: dict[str, Any], page_id: str | None) -> list[tuple[str, str]]:
    """Where a page may go: the pages after it and the check-your-answers page."""
    ids = formspec.page_ids(definition)
    later = ids[ids.index(page_id) + 1 :] if page_id in ids else ids
    choices = []
    for page in formspec._pages(definition):
        if page.get("id") in later:
            choices.append((page["id"], formspec.text(page.get("title")) or page["id"]))
    choices.append((formspec.CHECK, pgettext("form builder", "Check your answers (the end)")))
    return choices


class PageForm(forms.Form):
    title_ja = forms.CharField(label=_("Heading (Japanese)"), max_length=200)
    title_en = forms.CharField(label=_("Heading (English)"), max_length=200, required=False)
    page_id = forms.CharField(
        label=pgettext_lazy("form builder", "Page ID"),
        max_length=60,
        required=False,
        help_text=_("Optional; letters, digits, “-” and “_”. Made for you when empty."),
    )
    next_page = forms.ChoiceField(
        label=_("After this page, go to"),
        required=False,
        help_text=_("Unless a routing rule below says otherwise."),
    )

    def __init__(
        self, *args: Any, definition: dict[str, Any], page_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if page_id is None:
            del self.fields["next_page"]
        else:
            del self.fields["page_id"]
            self.fields["next_page"].choices = [  # type: ignore[attr-defined]
                ("", pgettext("form builder", "The following page")),
                *_targets(definition, page_id),
            ]

    def title(self) -> dict[str, str]:
        title = {"ja": self.cleaned_data["title_ja"].strip()}
        if self.cleaned_data.get("title_en", "").strip():
            title["en"] = self.cleaned_data["title_en"].strip()
        return title


def _part(value: Any, language: str) -> str:
    """One language of a {"ja": …, "en": …} text as stored (a plain string counts as ja)."""
    if isinstance(value, dict):
        return str(value.get(language) or "")
    return str(value) if isinstance(value, str) and language == "ja" else ""


def _lang(ja: str, en: str) -> dict[str, str]:
    value = {"ja": ja.strip()}
    if en.strip():
        value["en"] = en.strip()
    return value


class QuestionForm(forms.Form):
    """A question of one type: the common fields, then only the options of its type."""

    question_id = forms.CharField(
        label=pgettext_lazy("form builder", "Question ID"),
        max_length=60,
        required=False,
        help_text=_(
            "Optional; letters, digits, “-” and “_”. Routing rules and the answers' exports use "
            "it, so it cannot be changed later."
        ),
    )
    label_ja = forms.CharField(label=_("Question (Japanese)"), max_length=300)
    label_en = forms.CharField(label=_("Question (English)"), max_length=300, required=False)
    hint_ja = forms.CharField(
        label=pgettext_lazy("form builder", "Hint (Japanese)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    hint_en = forms.CharField(
        label=pgettext_lazy("form builder", "Hint (English)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    # text, textarea
    max_length = forms.IntegerField(
        label=_("Longest answer (characters)"),
        required=False,
        min_value=1,
        max_value=formspec.MAX_TEXT_LENGTH,
    )
    # number
    number_min = forms.DecimalField(
        label=pgettext_lazy("form builder", "Smallest value"), required=False
    )
    number_max = forms.DecimalField(
        label=pgettext_lazy("form builder", "Largest value"), required=False
    )
    integer = forms.BooleanField(
        label=pgettext_lazy("form builder", "Whole numbers only"), required=False
    )
    # date
    date_min = forms.CharField(
        label=pgettext_lazy("form builder", "Earliest date"),
        required=False,
        max_length=10,
        help_text=_("2025-04-01 (year-month-day), “today”, or empty."),
    )
    date_max = forms.CharField(
        label=pgettext_lazy("form builder", "Latest date"),
        required=False,
        max_length=10,
        help_text=_("2025-04-01 (year-month-day), “today”, or empty."),
    )
    # choice
    choices = forms.CharField(
        label=pgettext_lazy("form builder", "Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One per line: value|日本語|English, e.g. yes|はい|Yes. "
            "The value is kept in the answers."
        ),
    )
    multiple = forms.BooleanField(label=_("More than one may be chosen"), required=False)
    # file
    max_mb = forms.DecimalField(
        label=_("Largest file (MB)"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal(formspec.MAX_FILE_BYTES // MB),
        decimal_places=1,
    )
    max_files = forms.IntegerField(
        label=_("How many files may be attached"),
        required=False,
        min_value=1,
        max_value=formspec.MAX_FILES,
        help_text=_("1 when empty."),
    )
    file_types = forms.MultipleChoiceField(
        label=_("Kinds of file accepted"),
        required=False,
        choices=[(t, FILE_TYPE_LABELS[t]) for t in formspec.FILE_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
    # name
    kana = forms.BooleanField(label=_("Ask for the reading in katakana"), required=False)
    # consent
    consent_ja = forms.CharField(
        label=_("What the resident agrees to (Japanese)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent_en = forms.CharField(
        label=_("What the resident agrees to (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    TYPE_FIELDS = {
        "text": ["max_length"],
        "textarea": ["max_length"],
        "number": ["number_min", "number_max", "integer"],
        "date": ["date_min", "date_max"],
        "choice": ["choices", "multiple"],
        "file": ["max_mb", "max_files", "file_types"],
        "name": ["kana"],
        "consent": ["consent_ja", "consent_en"],
    }

    def __init__(self, *args: Any, q_type: str, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.q_type = q_type
        own = set(self.TYPE_FIELDS.get(q_type, []))
        for name in {f for fields in self.TYPE_FIELDS.values() for f in fields} - own:
            del self.fields[name]
        if editing:
            del self.fields["question_id"]
        if "max_mb" in self.fields:
            self.fields["max_mb"].help_text = gettext("At most %(max)s MB; 10 MB when empty.") % {
                "max": formspec.MAX_FILE_BYTES // MB
            }

    @classmethod
    def initial_from(cls, question: dict[str, Any]) -> dict[str, Any]:
        options = question.get("options")
        options = options if isinstance(options, dict) else {}
        label, hint = question.get("label"), question.get("hint")
        initial: dict[str, Any] = {
            "label_ja": _part(label, "ja"),
            "label_en": _part(label, "en"),
            "hint_ja": _part(hint, "ja"),
            "hint_en": _part(hint, "en"),
            "required": question.get("required", True),
            "max_length": options.get("max_length"),
            "number_min": options.get("min") if question.get("type") == "number" else None,
            "number_max": options.get("max") if question.get("type") == "number" else None,
            "integer": options.get("integer", True),
            "date_min": options.get("min", "") if question.get("type") == "date" else "",
            "date_max": options.get("max", "") if question.get("type") == "date" else "",
            "choices": "\n".join(
                "|".join(
                    [
                        str(c.get("value", "")),
                        _part(c.get("label"), "ja"),
                        _part(c.get("label"), "en"),
                    ]
                ).rstrip("|")
                for c in formspec.choices_of(question)
            ),
            "multiple": options.get("multiple", False),
            "max_mb": (
                Decimal(options["max_bytes"]) / MB
                if isinstance(options.get("max_bytes"), int) and options["max_bytes"] > 0
                else None
            ),
            "max_files": options.get("max_files"),
            "file_types": options.get("types") or list(formspec.DEFAULT_FILE_TYPES),
            "kana": options.get("kana", True),
            "consent_ja": _part(options.get("text"), "ja"),
            "consent_en": _part(options.get("text"), "en"),
        }
        if initial["max_mb"] is not None:
            initial["max_mb"] = initial["max_mb"].quantize(Decimal("0.1"))
        return initial

    def clean_choices(self) -> list[dict[str, Any]]:
        lines = [line.strip() for line in self.cleaned_data.get("choices", "").splitlines()]
        choices = []
        for number, line in enumerate((line for line in lines if line), start=1):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) == 1:
                # Only a Japanese label: the value is made from the line's number.
                parts = [f"c{number}", parts[0]]
            value, ja, en = [*parts, "", ""][:3]
            if not ja:
                raise forms.ValidationError(
                    gettext("Line %(number)s: write the Japanese label after the “|”.")
                    % {"number": number}
                )
            choices.append({"value": value, "label": _lang(ja, en)})
        if self.q_type == "choice" and not choices:
            raise forms.ValidationError(gettext("Write at least one choice, one per line."))
        return choices

    def _date(self, name: str) -> str:
        value = self.cleaned_data.get(name, "").strip()
        if value and value != "today":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise forms.ValidationError(
                    gettext("Write the date as 2025-04-01 (year-month-day), or “today”.")
                ) from None
        return value

    def clean_date_min(self) -> str:
        return self._date("date_min")

    def clean_date_max(self) -> str:
        return self._date("date_max")

    def question(self) -> dict[str, Any]:
        """The question as the definition holds it (options checked again by formspec)."""
        data = self.cleaned_data
        options: dict[str, Any] = {}
        t = self.q_type
        if t in ("text", "textarea") and data.get("max_length"):
            options["max_length"] = data["max_length"]
        if t == "number":
            for key, name in (("min", "number_min"), ("max", "number_max")):
                if data.get(name) is not None:
                    number = data[name]
                    options[key] = int(number) if number == number.to_integral() else float(number)
            options["integer"] = bool(data.get("integer"))
        if t == "date":
            for key in ("min", "max"):
                if data.get(f"date_{key}"):
                    options[key] = data[f"date_{key}"]
        if t == "choice":
            options["choices"] = data.get("choices") or []
            if data.get("multiple"):
                options["multiple"] = True
        if t == "file":
            if data.get("max_mb") is not None:
                options["max_bytes"] = int(data["max_mb"] * MB)
            if data.get("max_files"):
                options["max_files"] = data["max_files"]
            options["types"] = list(data.get("file_types") or formspec.DEFAULT_FILE_TYPES)
        if t == "name":
            options["kana"] = bool(data.get("kana"))
        if t == "consent":
            options["text"] = _lang(data.get("consent_ja", ""), data.get("consent_en", ""))
        question: dict[str, Any] = {
            "id": data.get("question_id", "").strip(),
            "type": t,
            "label": _lang(data["label_ja"], data.get("label_en", "")),
            "hint": _lang(data.get("hint_ja", ""), data.get("hint_en", "")),
            "required": bool(data.get("required")) or t == "consent",
            "options": options,
        }
        if not question["hint"]["ja"]:
            question["hint"] = {k: v for k, v in question["hint"].items() if v and k != "ja"}
        return question


class NewQuestionForm(forms.Form):
    type = forms.ChoiceField(
        label=pgettext_lazy("form builder", "Type of question"),
        choices=TYPE_CHOICES,
        widget=forms.RadioSelect,
    )


class RouteForm(forms.Form):
    """One routing rule: if the answer is one of the ticked ones, go to a page."""

    answers = forms.MultipleChoiceField(
        label=_("If the answer is one of"), required=False, widget=forms.CheckboxSelectMultiple
    )
    goto = forms.ChoiceField(label=pgettext_lazy("form builder", "go to"), required=False)

    def __init__(self, *args: Any, answer_choices: list, targets: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answers"].choices = answer_choices  # type: ignore[attr-defined]
        self.fields["goto"].choices = [("", "—"), *targets]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers, goto = data.get("answers") or [], data.get("goto") or ""
        if answers and not goto:
            self.add_error("goto", gettext("Choose where these answers go."))
        if goto and not answers:
            self.add_error("answers", gettext("Tick at least one answer for this rule."))
        if len({a.split("=", 1)[0] for a in answers}) > 1:
            self.add_error(
                "answers",
                gettext("Tick answers of one question per rule; add another rule for another."),
            )
        return data

    def route(self) -> dict[str, Any] | None:
        answers = self.cleaned_data.get("answers") or []
        if not answers or self.cleaned_data.get("DELETE"):
            return None
        question = answers[0].split("=", 1)[0]
        return {
            "question": question,
            "in": [a.split("=", 1)[1] for a in answers],
            "goto": self.cleaned_data["goto"],
        }


RouteFormSet = forms.formset_factory(RouteForm, extra=1, can_delete=True, max_num=20)


def route_choices(definition: dict[str, Any], page_id: str) -> list[tuple[str, Any]]:
    """The answers a rule on this page may test: the choices of the choice questions on this
    page and earlier ones, grouped by question (value "question=choice")."""
    groups: list[tuple[str, Any]] = []
    for page in formspec._pages(definition):
        for question in formspec._questions(page):
            if question.get("type") == "choice":
                label = formspec.text(question.get("label")) or str(question.get("id"))
                groups.append(
                    (
                        label,
                        [
                            (
                                f"{question['id']}={c.get('value')}",
                                formspec.text(c.get("label")) or c.get("value"),
                            )
                            for c in formspec.choices_of(question)
                        ],
                    )
                )
        if page.get("id") == page_id:
            break
    return groups


def route_initial(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"answers": [f"{r.get('question')}={v}" for v in r.get("in") or []], "goto": r.get("goto")}
        for r in formspec._routes(page)
    ]


def targets_for(definition: dict[str, Any], page_id: str) -> list[tuple[str, str]]:
    return _targets(definition, page_id)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Form definition file (.json)"),
        help_text=_("A definition or a version downloaded from a form's history."),
    )
