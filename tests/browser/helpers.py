"""What the browser tests share besides fixtures: the axe-core check and small helpers."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LG_CODE = "452025"


def ja(msgid: str) -> str:
    """The Japanese text the site shows for an English msgid; fails if it is untranslated."""
    with translation.override("ja"):
        text = translation.gettext(msgid)
    assert text != msgid, f"no Japanese translation for {msgid!r}"
    return text


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}")
        lines.append(f"  {v['helpUrl']}")
        for node in v["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            for summary_line in (node.get("failureSummary") or "").splitlines():
                lines.append(f"       {summary_line}")
    return "\n".join(lines)


class AxeCheck:
    """``axe(page)`` runs axe-core on the page as it is now and fails on any A/AA violation."""

    def __init__(self) -> None:
        self._axe = Axe()
        self.pages_checked: list[str] = []

    def __call__(self, page: Page) -> None:
        results = self._axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        self.pages_checked.append(page.url)
        violations = results.response["violations"]
        if violations:
            report = _describe(violations)
            print(f"\naxe-core violations on {page.url}:\n{report}")
            pytest.fail(
                f"{len(violations)} WCAG A/AA rule(s) violated on {page.url}:\n{report}",
                pytrace=False,
            )
