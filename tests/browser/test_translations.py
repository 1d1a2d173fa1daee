"""The Japanese catalog is complete and compiled (no browser and no database needed).

Update it with, from kanmin/: ``manage.py makemessages -l ja --ignore "*/tests/*"``, translate,
then ``manage.py compilemessages -l ja``.
"""

from __future__ import annotations

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LC_MESSAGES = Path(__file__).resolve().parents[2] / "kanmin" / "locale" / "ja" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
# A fresh checkout writes both files within moments of each other, in either order.
MTIME_SLACK_SECONDS = 2.0


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The key gettext uses for the entry in a compiled catalog."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def parse_po(path: Path) -> list[Entry]:
    """The active entries of a .po file (obsolete ``#~`` entries are left out). Entries are
    separated by blank lines, as gettext's tools and makemessages write them."""
    entries = []
    lines = path.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(lines):
        block_start = number
        block: list[str] = []
        while number < len(lines) and lines[number].strip():
            block.append(lines[number].strip())
            number += 1
        number += 1
        if not block:
            continue
        entry = Entry(line=block_start + 1)
        keyword, parts = "", []
        fields: list[tuple[str, list[str]]] = []
        for line in block:
            if line.startswith("#~"):
                continue
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                parts.append(line)
            else:
                keyword, _, rest = line.partition(" ")
                parts = [rest]
                fields.append((keyword, parts))
        if not fields:
            continue
        for keyword, parts in fields:
            text = _unquote(parts)
            if keyword == "msgctxt":
                entry.msgctxt = text
            elif keyword == "msgid":
                entry.msgid = text
            elif keyword == "msgid_plural":
                entry.msgid_plural = text
            elif keyword == "msgstr":
                entry.msgstr[0] = text
            elif keyword.startswith("msgstr["):
                entry.msgstr[int(keyword[7:-1])] = text
            else:
                raise AssertionError(f"{path}:{entry.line}: unknown keyword {keyword!r}")
        entries.append(entry)
    return entries


def _messages() -> list[Entry]:
    return [e for e in parse_po(PO) if e.msgid != ""]


def test_catalog_exists() -> None:
    assert PO.is_file(), f"{PO} is missing: run makemessages -l ja"
    assert MO.is_file(), f"{MO} is missing: run compilemessages -l ja"
    assert len(_messages()) > 50, "the Japanese catalog is suspiciously small"


def _plural_forms() -> int:
    """nplurals from the header: Japanese has a single plural form."""
    header = next(e for e in parse_po(PO) if e.msgid == "")
    for line in header.msgstr[0].splitlines():
        if line.startswith("Plural-Forms:") and "nplurals=" in line:
            return int(line.split("nplurals=")[1].split(";")[0])
    return 2


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    problems = []
    forms = _plural_forms()
    for entry in _messages():
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy: {entry.msgid!r}")
        expected = forms if entry.msgid_plural is not None else 1
        strings = [entry.msgstr.get(i, "") for i in range(max(expected, len(entry.msgstr)))]
        if not all(s.strip() for s in strings):
            problems.append(f"line {entry.line}: untranslated: {entry.msgid!r}")
    assert not problems, "django.po needs translating:\n" + "\n".join(problems)


def test_header_declares_japanese_and_is_not_fuzzy() -> None:
    header = next(e for e in parse_po(PO) if e.msgid == "")
    assert "fuzzy" not in header.flags, "a fuzzy header is left out of the compiled catalog"
    assert "Language: ja\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_compiled_catalog_is_up_to_date() -> None:
    assert MO.stat().st_mtime + MTIME_SLACK_SECONDS >= PO.stat().st_mtime, (
        "django.mo is older than django.po: run compilemessages -l ja"
    )
    with MO.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    catalog: dict[object, str] = compiled._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in _messages():
        if entry.msgid_plural is None:
            if catalog.get(entry.key) != entry.msgstr.get(0):
                stale.append(entry.msgid)
        elif any(catalog.get((entry.key, i)) != s for i, s in entry.msgstr.items()):
            stale.append(entry.msgid)
    assert not stale, "django.mo does not match django.po (run compilemessages -l ja):\n" + (
        "\n".join(map(repr, stale))
    )


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        ("Staff sign-in", "職員ログイン"),
        ("Skip to main content", "本文へ移動"),
        ("Municipality administrator", "団体管理者"),
    ],
)
def test_key_terms(msgid: str, expected: str) -> None:
    with MO.open("rb") as fp:
        assert gettext.GNUTranslations(fp).gettext(msgid) == expected


KANMIN = LC_MESSAGES.parents[2]
# The calls whose first (or, with a context, second) string argument is a message.
_PLAIN_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop"}
_CONTEXT_CALLS = {"pgettext", "pgettext_lazy"}
# {% translate "…" %} / {% trans '…' %} with an optional context: the forms templates use most;
# blocktranslate is left to makemessages.
_TEMPLATE_TAG = __import__("re").compile(
    r"""{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msg>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?"""
)


def _source_messages() -> set[tuple[str | None, str]]:
    """(context, message) of the literal messages in the package's code and templates (tests
    and migrations left out, as makemessages is told to)."""
    found: set[tuple[str | None, str]] = set()
    for path in KANMIN.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if name in _PLAIN_CALLS and args and isinstance(args[0], str) and args[0]:
                found.add((None, args[0]))
            elif name in _CONTEXT_CALLS and len(args) > 1 and isinstance(args[1], str):
                if isinstance(args[0], str):
                    found.add((args[0], args[1]))
    for path in KANMIN.rglob("*.html"):
        if "tests" in path.parts:
            continue
        for match in _TEMPLATE_TAG.finditer(path.read_text(encoding="utf-8")):
            found.add((match["ctx"], match["msg"]))
    return found


def test_every_message_of_the_code_is_in_the_catalog() -> None:
    """A label written in the code but missing here shows in English on Japanese pages (a
    counter desk said 'Called'). makemessages would add it untranslated; this says which."""
    catalog = {(e.msgctxt, e.msgid) for e in _messages()}
    missing = sorted(
        (m for m in _source_messages() if m not in catalog), key=lambda m: (m[0] or "", m[1])
    )
    assert not missing, "django.po lacks these messages (context, message):\n" + "\n".join(
        map(repr, missing)
    )
