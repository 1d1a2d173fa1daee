"""Finding the plan's glossary terms (付録 用語集) in a measure's text, so pages can link them.

The plan marks a term with a footnote number where it first appears (``お知らせ機能*28``); the
data file keeps the text without the markers, so the terms are found again by their wording:
the term as written, without its parenthetical (``AI（人工知能）`` → ``AI``), each item of a listed
term (``スマート自治体、スマートシティ``), in either width (``ＩＣＴ`` = ``ICT``).
Pure functions: no database, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_PARENTHETICAL = re.compile(r"（[^）]*）|\([^)]*\)")
_QUOTES = "「」『』“”\"'"
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# Full-width ASCII (！ … ～) to ASCII, one character for one: positions stay the same.
_NARROW = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def narrow(text: str) -> str:
    """Full-width letters, digits and symbols as ASCII; same length as ``text``."""
    return text.translate(_NARROW)


def term_forms(term: str) -> list[str]:
    """The wordings under which a glossary term is found in text, longest first."""
    unquoted = "".join(c for c in term if c not in _QUOTES)
    base = narrow(_PARENTHETICAL.sub("", unquoted)).strip()
    forms = {narrow(unquoted).strip(), base}
    if "、" in base or "," in base:
        forms.update(part.strip() for part in re.split(r"[、,]", base))
    return sorted((f for f in forms if len(f) >= 2), key=len, reverse=True)


@dataclass(frozen=True)
class Piece:
    """A stretch of text; ``term`` is the glossary entry it names, or None for plain text."""

    text: str
    term: Any = None


def _pattern(forms: Iterable[str], *, ignore_case: bool) -> re.Pattern[str]:
    alternatives = []
    for form in sorted(set(forms), key=len, reverse=True):
        piece = re.escape(form)
        # An ASCII term is a whole word: "AI" is not found inside "MAIL".
        if _ASCII_WORD.match(form[0]):
            piece = r"(?<![A-Za-z0-9])" + piece
        if _ASCII_WORD.match(form[-1]):
            piece += r"(?![A-Za-z0-9])"
        alternatives.append(piece)
    return re.compile("|".join(alternatives), re.IGNORECASE if ignore_case else 0)


def split_terms(
    text: str, terms: Iterable[Any], *, english: bool = False, first_only: bool = True
) -> list[Piece]:
    """``text`` cut into plain pieces and pieces that name a glossary term.

    ``terms`` have ``term_ja`` and ``term_en``; with ``english`` the English wordings are
    looked for (for English text). Only the first mention of each term is a term piece unless
    ``first_only`` is False.
    """
    by_form: dict[str, Any] = {}
    for term in terms:
        wording = (term.term_en if english else term.term_ja) or ""
        for form in term_forms(wording):
            key = form.lower() if english else form
            by_form.setdefault(key, term)
    if not by_form or not text:
        return [Piece(text)] if text else []
    pattern = _pattern(by_form, ignore_case=english)
    searchable = narrow(text)
    pieces: list[Piece] = []
    seen: set[int] = set()
    last = 0
    for match in pattern.finditer(searchable):
        found = match.group(0)
        term = by_form[found.lower() if english else found]
        if first_only and id(term) in seen:
            continue
        seen.add(id(term))
        if match.start() > last:
            pieces.append(Piece(text[last : match.start()]))
        pieces.append(Piece(text[match.start() : match.end()], term))
        last = match.end()
    if last < len(text):
        pieces.append(Piece(text[last:]))
    return pieces


def terms_in(texts: Iterable[str], terms: Iterable[Any], *, english: bool = False) -> list[Any]:
    """The glossary terms named in any of ``texts``, in order of their glossary numbers."""
    terms = list(terms)
    found: dict[int, Any] = {}
    for text in texts:
        for piece in split_terms(text, terms, english=english):
            if piece.term is not None:
                found[id(piece.term)] = piece.term
    return sorted(found.values(), key=lambda t: t.number)
