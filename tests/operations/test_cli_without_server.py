"""The file tools run on a clerk's own PC: no ``KANMIN_*`` variable, no database, nothing written.

Each test runs the real ``kanmin`` console script in a subprocess, from an empty temporary
directory, with every ``KANMIN_*`` variable and ``DJANGO_SETTINGS_MODULE`` removed from its
environment. Verbs that need the server still name exactly what is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from kanmin.cli import VERBS
from kanmin.standards.tests.factories import aed_rows, csv_bytes

REPO = Path(__file__).resolve().parents[2]


def _kanmin() -> str:
    venv = Path(sys.executable).parent / "kanmin"
    return str(venv) if venv.exists() else shutil.which("kanmin") or "kanmin"


def _bare_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("KANMIN_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Inputs in their own folder; the command runs in ``cwd``, which stays empty."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    header, rows = aed_rows(3)
    good = inputs / "aed.csv"
    good.write_bytes(csv_bytes(header, rows, "utf-8"))
    messy = inputs / "aed-cp932.csv"
    rows[0][header.index("電話番号")] = "(0986)２３－２１１１"
    messy.write_bytes(csv_bytes(header, rows, "cp932"))
    book = Workbook()
    sheet = book.active
    sheet.title = "人口"
    for row in (["地区", "人口（人）"], ["北", 120], ["南", 340]):
        sheet.append(row)
    workbook = inputs / "aed.xlsx"
    book.save(workbook)
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    cwd = tmp_path / "empty"
    cwd.mkdir()
    return {"good": good, "messy": messy, "xlsx": workbook, "out": outputs, "cwd": cwd}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_kanmin(), *args], cwd=cwd, env=_bare_env(), capture_output=True, text=True, timeout=120
    )


def _assert_nothing_written(cwd: Path) -> None:
    assert list(cwd.iterdir()) == [], "the command wrote into the current directory"


def test_validate_needs_no_server_configuration(files):
    args = ["validate", str(files["good"]), "--schema", "aed", "--format", "json"]
    done = _run(args, files["cwd"])
    assert done.returncode == 0, done.stderr
    assert "SystemCheckError" not in done.stderr
    assert json.loads(done.stdout)["valid"] is True
    bad = _run(["validate", str(files["messy"]), "--schema", "aed", "--lang", "en"], files["cwd"])
    assert bad.returncode == 1, bad.stderr
    assert "SystemCheckError" not in bad.stderr
    _assert_nothing_written(files["cwd"])


def test_repair_needs_no_server_configuration(files):
    out = files["out"] / "fixed.csv"
    done = _run(["repair", str(files["messy"]), "--schema", "aed", "-o", str(out)], files["cwd"])
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "0986-23-2111" in out.read_text(encoding="utf-8-sig")
    assert (files["out"] / "fixed.csv.changes.csv").exists()
    _assert_nothing_written(files["cwd"])


def test_check_excel_and_convert_need_no_server_configuration(files):
    checked = _run(["check-excel", str(files["xlsx"]), "--format", "json"], files["cwd"])
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert json.loads(checked.stdout)["machine_readable"] is True
    out = files["out"] / "aed.csv"
    converted = _run(["convert", str(files["xlsx"]), "-o", str(out)], files["cwd"])
    assert converted.returncode == 0, converted.stderr
    assert out.read_text(encoding="utf-8-sig").splitlines()[:2] == ["地区,人口（人）", "北,120"]
    _assert_nothing_written(files["cwd"])


def test_config_and_generate_key_need_no_server_configuration(files):
    config = _run(["config"], files["cwd"])
    assert config.returncode == 0, config.stderr
    assert "KANMIN_SECRET_KEY = (not set)" in config.stdout
    key = _run(["generate-key"], files["cwd"])
    assert key.returncode == 0, key.stderr
    assert len(key.stdout.strip()) == 44
    _assert_nothing_written(files["cwd"])


@pytest.mark.parametrize("words", [*sorted(" ".join(words) for words in VERBS), "migrate"])
def test_help_of_every_verb_needs_no_server_configuration(files, words):
    done = _run([*words.split(), "--help"], files["cwd"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:")
    assert "KANMIN_SECRET_KEY" not in done.stderr
    _assert_nothing_written(files["cwd"])


def test_list_of_verbs_and_help_verb_need_no_server_configuration(files):
    listed = _run([], files["cwd"])
    assert listed.returncode == 0, listed.stderr
    assert "standards_validate" in listed.stdout
    helped = _run(["help", "plan", "export"], files["cwd"])
    assert helped.returncode == 0, helped.stderr
    assert "--municipality" in helped.stdout
    _assert_nothing_written(files["cwd"])


def test_a_verb_that_needs_the_server_still_names_what_is_missing(files):
    done = _run(["audit", "verify"], files["cwd"])
    assert done.returncode != 0
    for missing in ("KANMIN_SECRET_KEY", "KANMIN_ENCRYPTION_KEYS", "KANMIN_ALLOWED_HOSTS"):
        assert missing in done.stderr
    _assert_nothing_written(files["cwd"])


# Records, from inside the command's own process, every directory created, file opened for
# writing and SQLite database opened: the file tools must create none outside their output.
_WATCH = """
import json, os, sys
def hook(event, args):
    if event == "os.mkdir":
        os.write(2, ("WATCHED " + json.dumps(["mkdir", str(args[0])]) + "\\n").encode())
    elif event == "sqlite3.connect":
        os.write(2, ("WATCHED " + json.dumps(["sqlite3", str(args[0])]) + "\\n").encode())
    elif event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1] or "", args[2] or 0
        if any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            os.write(2, ("WATCHED " + json.dumps(["write", os.fsdecode(args[0])]) + "\\n").encode())
sys.addaudithook(hook)
from kanmin.cli import main
sys.exit(main(["kanmin", *sys.argv[1:]]))
"""


def _watched(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], list]:
    done = subprocess.run(
        [sys.executable, "-c", _WATCH, *args],
        cwd=cwd,
        env=_bare_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    events = [
        json.loads(line.removeprefix("WATCHED "))
        for line in done.stderr.splitlines()
        if line.startswith("WATCHED ")
    ]
    return done, events


@pytest.mark.parametrize(
    "verb",
    [
        *("validate", "repair", "check-excel", "convert", "config", "generate-key"),
        *("serve --help", "demo --help", "token create --help"),
    ],
)
def test_no_database_and_no_directory_is_created_anywhere(files, verb):
    out = files["out"]
    args = {
        "validate": ["validate", str(files["good"]), "--schema", "aed"],
        "repair": ["repair", str(files["messy"]), "--schema", "aed", "-o", str(out / "f.csv")],
        "check-excel": ["check-excel", str(files["xlsx"])],
        "convert": ["convert", str(files["xlsx"]), "-o", str(out / "c.csv")],
        "config": ["config"],
    }.get(verb, verb.split())
    done, events = _watched(args, files["cwd"])
    assert done.returncode == 0, done.stderr
    assert not [e for e in events if e[0] == "sqlite3"], events
    assert not [e for e in events if e[0] == "mkdir"], events
    written = [e[1] for e in events if e[0] == "write"]
    assert all(Path(path).parent == out for path in written), written
    if verb in ("repair", "convert"):
        assert written
    _assert_nothing_written(files["cwd"])
