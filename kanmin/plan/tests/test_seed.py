"""The plan's data file encodes the seed exactly: every measure, KPI example and term."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = Path(__file__).resolve().parents[4] / "shared" / "seed" / "000_79dab9da654a1204.txt"


def _checker():
    spec = importlib.util.spec_from_file_location("check_seed", DATA / "check_seed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def seed():
    if not SEED.exists():
        pytest.fail(f"the plan's seed text is missing at {SEED} (CI puts shared/ beside the clone)")
    return _checker().seed_structure(SEED)


@pytest.fixture(scope="module")
def data():
    return json.loads((DATA / "miyakonojo_plan.json").read_text(encoding="utf-8"))


def test_every_measure_of_sections_I_to_VI_is_present(seed, data):
    assert [m["number"] for m in data["measures"]] == list(seed["measures"])
    assert len(data["measures"]) == 33
    areas = {m["number"].split("-")[0] for m in data["measures"]}
    assert areas == set("ⅠⅡⅢⅣⅤⅥ")


def test_every_kpi_example_is_present_word_for_word(seed, data):
    normalise = _checker().normalise
    for measure in data["measures"]:
        ours = [normalise(k["ja"]) for k in measure["kpi_examples"]]
        theirs = [normalise(k) for k in seed["measures"][measure["number"]]]
        assert ours == theirs, measure["number"]


def test_the_glossary_has_all_fifty_terms(seed, data):
    assert [g["number"] for g in data["glossary"]] == seed["glossary_numbers"]
    assert len(data["glossary"]) == 50


def test_six_policies_map_to_the_six_areas(data):
    assert [p["number"] for p in data["policies"]] == [f"({i})" for i in range(1, 7)]
    assert [p["area"] for p in data["policies"]] == list("ⅠⅡⅢⅣⅤⅥ")
    for measure in data["measures"]:
        area = measure["number"].split("-")[0]
        assert data["policies"]["ⅠⅡⅢⅣⅤⅥ".index(area)]["number"] == measure["policy"]


def test_every_title_has_an_english_translation(data):
    assert all(m["title"]["en"] for m in data["measures"])
    assert all(k["en"] for m in data["measures"] for k in m["kpi_examples"])
