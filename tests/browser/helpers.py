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


# Japanese script: hiragana, katakana (full and half width), CJK ideographs and the
# full-width punctuation that gives a Japanese sentence away (、。「」（）：).
_JAPANESE_RE = (
    r"[\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uff01-\uff0f\uff1a-\uff20\uff5b-\uff9f]"
)

_JAPANESE_OUTSIDE_MARKED_JS = """(pattern) => {
  const japanese = new RegExp(pattern);
  const found = [];
  const marked = (el) => {
    const holder = el.closest('[lang]');
    return holder !== null && holder.getAttribute('lang').toLowerCase().startsWith('ja');
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, template, noscript')) continue;
    if (japanese.test(node.nodeValue) && !marked(parent)) found.push(node.nodeValue.trim());
  }
  for (const el of document.body.querySelectorAll('[alt], [title], [aria-label], [placeholder]')) {
    for (const name of ['alt', 'title', 'aria-label', 'placeholder']) {
      const value = el.getAttribute(name);
      if (value && japanese.test(value) && !marked(el)) found.push(name + '=' + value);
    }
  }
  return found;
}"""


def japanese_outside_marked(page: Page) -> list[str]:
    """Texts on the page that contain Japanese but are not inside an element marked
    ``lang="ja"`` (content that exists only in Japanese must be marked so; everything
    else on an English page must be English). Also reads alt, title, aria-label and
    placeholder attributes."""
    return page.evaluate(_JAPANESE_OUTSIDE_MARKED_JS, _JAPANESE_RE)


_OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 1) {
      const inScroller = el.parentElement && el.parentElement.closest(
        '[data-scroll-x], .table-scroll');
      if (inScroller) continue;
      const cls = typeof el.className === 'string' && el.className
        ? '.' + el.className.split(' ').join('.') : '';
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls +
        ' right=' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 20)};
}"""


def horizontal_overflow(page: Page) -> dict[str, Any]:
    """How the page fits its viewport: ``scrollWidth`` must not exceed ``width``; ``wide``
    names up to 20 elements that stick out (those inside a deliberate horizontal scroller,
    marked ``data-scroll-x`` or class ``table-scroll``, are allowed)."""
    return page.evaluate(_OVERFLOW_JS)


def assert_fits(page: Page) -> None:
    """Fail when anything on the page is wider than the viewport (e.g. at 360 px)."""
    fit = horizontal_overflow(page)
    assert fit["scrollWidth"] <= fit["width"] and not fit["wide"], (
        f"{page.url} overflows its {fit['width']} px viewport: {fit}"
    )
