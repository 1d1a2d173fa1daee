"""Independent structure check of the Miyakonojo plan seed text (no Django).

``seed_structure(path)`` parses the raw PDF-extracted text with regexes (it does not read
``miyakonojo_plan.json``) and returns the measure numbers with their KPI example bullets and the
glossary numbers, so a test can compare the JSON against the seed text::

    from kanmin.plan.data.check_seed import normalise, seed_structure

Run as a script to compare the JSON next to this file against the seed and print the counts::

    .venv/bin/python kanmin/plan/data/check_seed.py [SEED] [JSON]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SEED = HERE.parents[2].parent / "shared" / "seed" / "000_79dab9da654a1204.txt"
DEFAULT_JSON = HERE / "miyakonojo_plan.json"

ROMAN = "ⅠⅡⅢⅣⅤⅥ"
_FOOTNOTE = re.compile(r"[*＊]\s*[0-9０-９]+")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

# Section 7 (基本施策の体系) runs from its heading to section 8.
_SECTION7 = re.compile(
    r"^\s*７\.\s*官民データ活用の推進に係る基本施策の体系.*?(?=^\s*８\.)", re.M | re.S
)
_AREA = re.compile(rf"^\s*([{ROMAN}])[．.]", re.M)
_MEASURE = re.compile(r"^\s*NO\s*([0-9０-９]+)\s*施策", re.M)
_KPI_HEAD = re.compile(r"KPIの例\s*$", re.M)
_BULLET = re.compile(r"^\s*・(.*?)(?=^\s*・|\Z)", re.M | re.S)
_PAGE_NUMBER = re.compile(r"^\s*\d+\s*$", re.M)
_GLOSSARY = re.compile(r"^\s*付録．用語集\s*$", re.M)
_GLOSSARY_NUMBER = re.compile(r"^\s*(\d{1,3})(?=\s)", re.M)


def normalise(text: str) -> str:
    """Comparison form: no footnote markers (*27, ＊3), no whitespace at all."""
    return re.sub(r"\s+", "", _FOOTNOTE.sub("", text))


def _join(chunk: str) -> str:
    """Join a wrapped bullet into one line, dropping footnote markers and page numbers."""
    chunk = _PAGE_NUMBER.sub("", _FOOTNOTE.sub("", chunk))
    return " ".join(part.strip() for part in chunk.splitlines() if part.strip())


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[re.Match[str], str]]:
    """Each match of ``pattern`` with the text up to the next match."""
    matches = list(pattern.finditer(text))
    ends = [m.start() for m in matches[1:]] + [len(text)]
    return [(m, text[m.end() : end]) for m, end in zip(matches, ends, strict=True)]


def seed_structure(path: str | Path = DEFAULT_SEED) -> dict:
    """Measures with their KPI example bullets, and glossary numbers, read from the seed text.

    Returns ``{"measures": {"Ⅰ-1": ["電子申請可能な手続数", ...], ...},
    "glossary_numbers": [1, 2, ...]}``. KPI strings are joined across line breaks with
    footnote markers removed; compare them through :func:`normalise`.
    """
    text = Path(path).read_text(encoding="utf-8")

    section7 = _SECTION7.search(text)
    if section7 is None:
        raise ValueError("section ７ (基本施策の体系) not found")
    measures: dict[str, list[str]] = {}
    for area, area_text in _spans(_AREA, section7.group(0)):
        for measure, body in _spans(_MEASURE, area_text):
            number = f"{area.group(1)}-{int(measure.group(1).translate(_FULLWIDTH_DIGITS))}"
            if number in measures:
                raise ValueError(f"measure {number} appears twice")
            head = _KPI_HEAD.search(body)
            if head is None:
                raise ValueError(f"measure {number} has no KPI list")
            kpis = [_join(b) for b in _BULLET.findall(body[head.end() :])]
            measures[number] = [k for k in kpis if k]

    glossary = _GLOSSARY.search(text)
    if glossary is None:
        raise ValueError("付録．用語集 not found")
    # Entry numbers start a line and count up from 1; any other leading number (page numbers
    # such as the "18" printed between terms 46 and 47) is not the next expected one.
    numbers: list[int] = []
    for match in _GLOSSARY_NUMBER.finditer(text, glossary.end()):
        if int(match.group(1)) == len(numbers) + 1:
            numbers.append(len(numbers) + 1)
    return {"measures": measures, "glossary_numbers": numbers}


def compare(seed: dict, data: dict) -> list[str]:
    """Differences between the parsed seed and the JSON data (empty list when they agree)."""
    problems: list[str] = []
    json_measures = {m["number"]: [k["ja"] for k in m["kpi_examples"]] for m in data["measures"]}
    if list(json_measures) != list(seed["measures"]):
        problems.append(
            f"measure numbers differ: json {list(json_measures)} seed {list(seed['measures'])}"
        )
    for number, seed_kpis in seed["measures"].items():
        got = [normalise(k) for k in json_measures.get(number, [])]
        want = [normalise(k) for k in seed_kpis]
        if got != want:
            problems.append(f"{number}: KPI examples differ: json {got} seed {want}")
    json_glossary = [g["number"] for g in data["glossary"]]
    if json_glossary != seed["glossary_numbers"]:
        problems.append(
            f"glossary numbers differ: json {json_glossary} seed {seed['glossary_numbers']}"
        )
    return problems


def main(argv: list[str]) -> int:
    seed_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SEED
    json_path = Path(argv[2]) if len(argv) > 2 else DEFAULT_JSON
    seed = seed_structure(seed_path)
    data = json.loads(json_path.read_text(encoding="utf-8"))

    per_area = {r: sum(n.startswith(r + "-") for n in seed["measures"]) for r in ROMAN}
    kpis = sum(len(v) for v in seed["measures"].values())
    print(
        f"seed: {len(seed['measures'])} measures {per_area}, {kpis} KPI examples, "
        f"{len(seed['glossary_numbers'])} glossary terms"
    )
    print(
        f"json: {len(data['policies'])} policies, {len(data['measures'])} measures, "
        f"{sum(len(m['kpi_examples']) for m in data['measures'])} KPI examples, "
        f"{len(data['glossary'])} glossary terms"
    )

    problems = compare(seed, data)
    for problem in problems:
        print("MISMATCH", problem)
    if not problems:
        print("OK: measure numbers, KPI example texts and glossary numbers agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
