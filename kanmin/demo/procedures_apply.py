"""The demo's two application forms (issue 16, the resident apply flow): 住民票の写し交付請求
and 児童手当 認定請求, from ``kanmin/procedures/data/forms/``.

The procedures they belong to are found by code, or made when the procedure catalog's demo
has not made them (the catalog part builds them with their full details)."""

from __future__ import annotations

from typing import Any

from kanmin.core.models import Department, Municipality
from kanmin.procedures import apply_services

FORMS = {
    # form slug: (procedure code, name, English name, department code)
    "juminhyo-copy": (
        "juminhyo-copy",
        "住民票の写し交付請求",
        "Copy of the residence certificate",
        "shimin",
    ),
    "jido-teate": ("jido-teate", "児童手当 認定請求", "Child allowance", "kodomo"),
}


def apply_forms_build(*, municipality: Municipality, actor: Any = None) -> None:
    for slug, (code, name_ja, name_en, department_code) in FORMS.items():
        procedure = apply_services.procedure_ensure(
            municipality=municipality,
            code=code,
            name_ja=name_ja,
            name_en=name_en,
            department=Department.objects.filter(
                municipality=municipality, code=department_code
            ).first(),
        )
        apply_services.form_install(
            municipality=municipality,
            procedure=procedure,
            definition=apply_services.form_file(slug),
            actor=actor,
        )
