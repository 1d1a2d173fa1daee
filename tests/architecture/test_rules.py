"""The design's rules, executable: layers, thin entry points, named migrations."""

from __future__ import annotations

import ast
import io
import os
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


# Queryset and manager methods that write rows.
QUERYSET_WRITES = frozenset(
    {
        "update",
        "delete",
        "create",
        "get_or_create",
        "update_or_create",
        "bulk_create",
        "bulk_update",
    }
)
# Calls that give a queryset (of a manager or of another queryset) and managers themselves.
_QUERYSET_STEPS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "select_related",
        "prefetch_related",
        "select_for_update",
        "order_by",
        "only",
        "defer",
        "using",
        "annotate",
        "alias",
        "distinct",
        "none",
    }
)
_MANAGERS = frozenset({"objects", "all_tenants", "_base_manager", "_default_manager"})

# Writes outside services that are not a person's change to the data, each with its reason.
QUERYSET_WRITE_EXCEPTIONS = {
    # Migrations call it through historical models: the roles' groups and permissions, which
    # migrate rebuilds; nobody edits them.
    "kanmin/accounts/roles.py": "sync_role_permissions",
    # The catalog's generation token, replaced inside the transaction of the catalog service
    # that changed the catalog (every caller is in catalog/services.py).
    "kanmin/catalog/models.py": "SearchGeneration.bump",
    # The task worker's own bookkeeping (heartbeats, a task's status), not tenants' data.
    "kanmin/core/worker.py": "TaskWorker and DBTaskResult rows",
    # A restore puts back the tasks that were waiting; the task queue is not tenants' data.
    "kanmin/core/backup.py": "_requeue",
    # An operator's key rotation rewrites ciphertext only: every value reads the same after it.
    "kanmin/core/management/commands/core_rotate_keys.py": "re-encryption",
    # counter: the demo's counter procedures, made by code when the catalog has none yet (the
    # catalog's own service comes with the procedure catalog; then the demo calls it).
    "kanmin/demo/counter.py": "_procedures",
}


def queryset_writes(source: str) -> list[int]:
    """Line numbers of queryset writes in ``source``: ``Model.objects.create(...)``,
    ``x.filter(...).update(...)``, ``qs.delete()`` where ``qs = ....filter(...)``, …"""
    tree = ast.parse(source)
    querysets: set[str] = set()

    def gives_queryset(node: ast.expr) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in _MANAGERS:
            return True
        if isinstance(node, ast.Name):
            return node.id in querysets
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _QUERYSET_STEPS
        )

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and gives_queryset(node.value):
            querysets.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in QUERYSET_WRITES
        and gives_queryset(node.func.value)
    )


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("ApiToken.objects.filter(pk=1).update(last_used_at=now)", True),
        ("(Token.objects.filter(pk=1)\n    .exclude(x=2)\n    .delete())", True),
        ("qs = user.memberships.filter(role='x')\nqs.delete()", True),
        ("Model.all_tenants.bulk_update(rows, ['title'])", True),
        ("Model._base_manager.filter(pk=1).update(x=1)", True),
        ("row.save()\nenvelope.update({'a': 1})\nrows = []\nrows.clear()", False),
        ("names = {'a'}\nnames.update({'b'})", False),
    ],
)
def test_the_write_finder_finds_queryset_writes(source, found):
    assert bool(queryset_writes(source)) is found


def test_querysets_are_written_only_in_services():
    """``.filter(...).update(...)`` and the other queryset writes happen in services.py (one
    transaction, permission, audit), not beside them in models, views, commands or helpers."""
    offenders = []
    for path in _python_files("*.py"):
        # <area>_services.py: an app's services split by area (procedures' counter_services).
        if path.name in {"services.py", "conftest.py", "factories.py"} or "tests" in path.parts:
            continue
        if path.name.endswith("_services.py"):
            continue
        name = path.relative_to(ROOT).as_posix()
        if name in QUERYSET_WRITE_EXCEPTIONS:
            continue
        offenders += [f"{name}:{line}" for line in queryset_writes(path.read_text())]
    assert not offenders, offenders


def test_the_listed_exceptions_still_write():
    """An exception whose write has gone (moved to a service) is taken off the list."""
    stale = [
        name for name in QUERYSET_WRITE_EXCEPTIONS if not queryset_writes((ROOT / name).read_text())
    ]
    assert not stale, stale


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
    area_services = [p for p in _python_files("*_services.py") if "tests" not in p.parts]
    # A resident applying online or registering is nobody signed in yet: the submission's public
    # id and the browser's grant (procedures.resident), or the e-mailed token, say who acts.
    resident_flows = {
        "kanmin/procedures/apply_services.py",
        "kanmin/accounts/resident_services.py",
    }
    for path in [*_python_files("services.py"), *area_services]:
        if path.relative_to(ROOT).as_posix() in resident_flows:
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                names = [a.arg for a in node.args.kwonlyargs]
                # api_token_authenticate finds who acts: the token's user.
                exempt = {"demo_password", "api_token_authenticate"}
                if "actor" not in names and node.name not in exempt:
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


def test_a_process_starts_without_arrow_or_duckdb():
    """The server's and the worker's start (settings, every app, every URL and view) imports
    neither Arrow nor DuckDB: only a DataStore read or load does. The worker's own memory stays
    far under its limit, and a web process that never reads a table never holds them."""
    code = (
        "import sys, django; django.setup()\n"
        "from django.urls import get_resolver; get_resolver().url_patterns\n"
        "import kanmin.core.worker, kanmin.catalog.ckan.dispatch, kanmin.catalog.services\n"
        "print(sorted(m for m in ('pyarrow', 'duckdb') if m in sys.modules))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kanmin.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
