"""The ``kanmin`` command: everything manage.py does, plus Kanmin's own verbs.

``kanmin tenant add 452025 都城市`` runs the management command ``core_tenant_add``; words that
are not one of Kanmin's verbs go to Django unchanged (``kanmin migrate``, ``kanmin shell``).

The file tools (``validate``, ``repair``, ``check-excel``, ``convert``), ``config``,
``generate-key`` and ``--help`` of any verb run without a server: a clerk checks a CSV on their
own PC with no ``KANMIN_*`` variable set, no database and no file written beside it.
"""

from __future__ import annotations

import os
import sys

# (words typed) -> management command
VERBS: dict[tuple[str, ...], str] = {
    ("demo",): "kanmin_demo",
    ("serve",): "core_serve",
    ("worker",): "core_worker",
    ("tenant", "add"): "core_tenant_add",
    ("audit", "verify"): "audit_verify",
    ("audit", "prune"): "audit_prune",
    ("backup",): "core_backup",
    ("restore",): "core_restore",
    ("config",): "core_config",
    ("generate-key",): "core_generate_key",
    ("rotate-keys",): "core_rotate_keys",
    ("plan", "export"): "plan_export",
    ("plan", "import"): "plan_import",
    ("disaster", "listen"): "disaster_listen",
    ("token", "create"): "accounts_token_create",
    ("token", "list"): "accounts_token_list",
    ("token", "revoke"): "accounts_token_revoke",
    ("validate",): "standards_validate",
    ("repair",): "standards_repair",
    ("check-excel",): "standards_check_excel",
    ("convert",): "standards_convert",
    ("disaster", "backtest"): "disaster_backtest",
    ("catalog", "sync"): "catalog_sync",
    ("procedures", "sweep-orphans"): "procedures_sweep_orphans",
    # datastore (issue 17)
    ("catalog", "datastore-load"): "catalog_datastore_load",
    # harvesting (issue 18)
    ("catalog", "harvest"): "catalog_harvest",
    # ICT governance register (issue 19)
    ("governance", "kpis"): "governance_kpis",
}

# Commands that need neither the server's configuration nor a database.
WITHOUT_SERVER = frozenset(
    {
        "standards_validate",
        "standards_repair",
        "standards_check_excel",
        "standards_convert",
        "core_config",
        "core_generate_key",
    }
)
_HELP_WORDS = frozenset({"help", "-h", "--help", "--version", "version"})


def translate(argv: list[str]) -> list[str]:
    """Map ``kanmin tenant add …`` to ``manage.py core_tenant_add …``."""
    words = argv[1:]
    if words[:1] == ["help"] and len(words) > 1:  # kanmin help token create
        return [argv[0], "help", *translate([argv[0], *words[1:]])[1:]]
    for length in (2, 1):
        key = tuple(words[:length])
        if key in VERBS:
            return [argv[0], VERBS[key], *words[length:]]
    return list(argv)


def needs_server(argv: list[str]) -> bool:
    """Whether the (translated) command line needs the server's configuration and database.

    Help of any verb, the list of verbs, and the commands in ``WITHOUT_SERVER`` do not.
    """
    if len(argv) < 2 or argv[1] in _HELP_WORDS or argv[1] in WITHOUT_SERVER:
        return False
    return not any(word in ("-h", "--help") for word in argv[2:])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    argv = translate(argv)
    if len(argv) > 1 and argv[1] == "kanmin_demo":
        # The demo runs the development profile: plain HTTP on localhost, generated keys.
        os.environ.setdefault("KANMIN_PROFILE", "dev")
    if not needs_server(argv):
        from kanmin.core import conf

        conf.run_without_server()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kanmin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
