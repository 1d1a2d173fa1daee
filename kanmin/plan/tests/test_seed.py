"""The plan's data file encodes the seed exactly: every measure, KPI example and term.

The seed text lives outside the repository (``../shared/seed/`` beside the clone, or the folder
in ``KANMIN_SEED_DIR``). A clone on its own skips these checks and says why; CI sets
``KANMIN_REQUIRE_SEED=1`` (in ``.ci/run``), under which a missing seed fails the run, so the
check cannot silently stop running.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
REPO = Path(__file__).resolve().parents[3]
SEED_NAME = "000_79dab9da654a1204.txt"
REQUIRE_SEED = "KANMIN_REQUIRE_SEED"


def seed_path(environ: Mapping[str, str]) -> Path:
    folder = environ.get("KANMIN_SEED_DIR") or REPO.parent / "shared" / "seed"
    return Path(folder) / SEED_NAME


def missing_seed(
    path: Path, environ: Mapping[str, str]
) -> tuple[Literal["skip", "fail"], str] | None:
    """None when the seed text is there; otherwise whether to skip or fail, and the reason."""
    if path.is_file():
        return None
    reason = (
        f"the plan's seed text is missing at {path}: put shared/seed/ beside the clone "
        "or set KANMIN_SEED_DIR to its folder"
    )
    if environ.get(REQUIRE_SEED, "") not in ("", "0"):
        return "fail", f"{reason} ({REQUIRE_SEED} is set, so the check must run)"
    return "skip", f"{reason}; set {REQUIRE_SEED}=1 to make this a failure"


SEED = seed_path(os.environ)


def _checker():
    spec = importlib.util.spec_from_file_location("check_seed", DATA / "check_seed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def require_seed() -> Path:
    """The seed's path; skips the calling test when it is missing, or fails it under
    KANMIN_REQUIRE_SEED (every test that reads the seed goes through here)."""
    verdict = missing_seed(SEED, os.environ)
    if verdict is not None:
        action, reason = verdict
        if action == "fail":
            pytest.fail(reason)
        pytest.skip(reason)
    return SEED


@pytest.fixture(scope="module")
def seed():
    return _checker().seed_structure(require_seed())


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


def test_a_missing_seed_skips_with_its_reason_unless_required(tmp_path):
    absent = tmp_path / SEED_NAME
    action, reason = missing_seed(absent, {})
    assert action == "skip"
    assert str(absent) in reason and REQUIRE_SEED in reason
    assert missing_seed(absent, {REQUIRE_SEED: "0"})[0] == "skip"
    action, reason = missing_seed(absent, {REQUIRE_SEED: "1"})
    assert action == "fail" and str(absent) in reason
    absent.write_text("seed", encoding="utf-8")
    assert missing_seed(absent, {REQUIRE_SEED: "1"}) is None
    assert missing_seed(absent, {}) is None


def test_the_seed_folder_can_be_named():
    assert seed_path({"KANMIN_SEED_DIR": "/srv/seed"}) == Path("/srv/seed") / SEED_NAME
    assert seed_path({}) == REPO.parent / "shared" / "seed" / SEED_NAME


def test_ci_requires_the_seed():
    """CI runs .ci/run: it must make a missing seed a failure, not a skip."""
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert f"export {REQUIRE_SEED}=1" in [line.strip() for line in lines]
