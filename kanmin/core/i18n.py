"""Translations for code that must work without Django's settings: the file tools
(``kanmin validate`` …) and the pure modules of core and standards.

They read the very catalog that Django reads, ``kanmin/locale/<lang>/LC_MESSAGES/django.mo``,
through Python's own gettext module, so translators have one place (``django.po``, msgids in
English). Django's ``gettext`` cannot serve here: it needs configured settings, and it
answers in the request's language, while a validation report is rendered in the language
it is asked for (``--lang``, the viewer's), possibly both in one process.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

__all__ = ["LOCALE_DIR", "both", "gettext_noop", "pgettext", "translate"]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def gettext_noop(message: str) -> str:
    """Mark ``message`` as a msgid where it is defined and translate it where it is used
    (makemessages finds this name, as it finds Django's function of the same name)."""
    return message


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    return gettext.translation("django", localedir=LOCALE_DIR, languages=[lang], fallback=True)


def translate(message: str, lang: str) -> str:
    """``message`` (an English msgid) in ``lang`` ("ja", "en"); English is the msgid itself."""
    if lang == "en":
        return message
    return _catalog(lang).gettext(message)


def pgettext(context: str, message: str, lang: str) -> str:
    """``message`` in ``lang`` as it is meant in ``context``, for a word that the catalog
    already holds with another meaning (makemessages reads this name as Django's pgettext)."""
    if lang == "en":
        return message
    return _catalog(lang).pgettext(context, message)


def both(message: str, /, **params: object) -> tuple[str, str]:
    """``message`` filled in with ``params`` (``{name}`` placeholders), in Japanese and in
    English: for the parts of a finding that are kept with it in both languages."""
    if not params:  # the text may hold a brace of its own: "(] or })"
        return translate(message, "ja"), message
    return translate(message, "ja").format(**params), message.format(**params)
