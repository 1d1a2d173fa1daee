"""The ``kanmin`` command: everything manage.py does, plus Kanmin's own verbs.

``kanmin tenant add 452025 都城市`` runs the management command ``core_tenant_add``; words that
are not one of Kanmin's verbs go to Django unchanged (``kanmin migrate``, ``kanmin shell``).
"""

from __future__ import annotations

import os
import sys

# (words typed) -> management command
VERBS: dict[tuple[str, ...], str] = {
    ("demo",): "kanmin_demo",
    ("serve",): "core_serve",
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
    ("validate",): "standards_validate",
    ("repair",): "standards_repair",
    ("check-excel",): "standards_check_excel",
    ("convert",): "standards_convert",
}


def translate(argv: list[str]) -> list[str]:
    """Map ``kanmin tenant add …`` to ``manage.py core_tenant_add …``."""
    words = argv[1:]
    for length in (2, 1):
        key = tuple(words[:length])
        if key in VERBS:
            return [argv[0], VERBS[key], *words[length:]]
    return list(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    argv = translate(argv)
    if len(argv) > 1 and argv[1] == "kanmin_demo":
        # The demo runs the development profile: plain HTTP on localhost, generated keys.
        os.environ.setdefault("KANMIN_PROFILE", "dev")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kanmin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
