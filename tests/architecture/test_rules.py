"""The design's rules, executable: layers, thin entry points, named migrations."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kanmin"


def _python_files(pattern: str) -> list[Path]:
    return [p for p in PACKAGE.rglob(pattern) if "migrations" not in p.parts]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["views.py", "api.py", "admin.py"])
def test_entry_points_write_only_through_services(name):
    """Views, API routers and admin classes never save rows themselves."""
    offenders = []
    for path in _python_files(name):
        text = path.read_text()
        for needle in (".objects.create(", ".save(", ".delete()", ".objects.update("):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not offenders, offenders


def test_no_star_imports():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_public_write_services_take_an_actor():
    offenders = []
    for path in _python_files("services.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                names = [a.arg for a in node.args.kwonlyargs]
                if "actor" not in names and node.name not in {"demo_password"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert not offenders, offenders


def test_migrations_are_named():
    for path in PACKAGE.glob("*/migrations/0*.py"):
        assert not re.match(r"\d{4}_auto_", path.name), path


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


def test_translations_use_named_placeholders_only():
    offenders = []
    call = r"(?<![\w.])_\("  # gettext's _( … ), not __init__( or obj._(
    pattern = re.compile(rf"""{call}\s*f["']|{call}[^)]*\)\s*\.format\(|{call}\s*["'][^"']*%[sd]""")
    for path in PACKAGE.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders, offenders
