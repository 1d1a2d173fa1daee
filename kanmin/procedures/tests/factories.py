"""Rows for the procedures tests."""

from __future__ import annotations

import itertools
from typing import Any

_numbers = itertools.count(1)


# --- builder ---
def procedure(municipality: Any, *, code: str | None = None, **fields: Any) -> Any:
    """A procedure of the catalog (児童手当 unless told otherwise), made directly: the
    procedure services are another part's."""
    from kanmin.procedures.models import Procedure

    values: dict[str, Any] = {
        "name_ja": "児童手当の認定請求",
        "name_en": "Child allowance claim",
        "channels": ["online", "counter"],
        "is_online": True,
    }
    values.update(fields)
    return Procedure.objects.create(
        municipality=municipality, code=code or f"proc-{next(_numbers)}", **values
    )


def two_page_definition() -> dict[str, Any]:
    """A valid definition: a choice routes "no" past the children's page."""
    return {
        "pages": [
            {
                "id": "start",
                "title": {"ja": "はじめに", "en": "Start"},
                "questions": [
                    {
                        "id": "children",
                        "type": "choice",
                        "label": {"ja": "お子さんはいますか", "en": "Do you have children?"},
                        "options": {
                            "choices": [
                                {"value": "yes", "label": {"ja": "はい", "en": "Yes"}},
                                {"value": "no", "label": {"ja": "いいえ", "en": "No"}},
                            ]
                        },
                    }
                ],
                "routes": [{"question": "children", "in": ["no"], "goto": "check"}],
            },
            {
                "id": "child",
                "title": {"ja": "お子さん", "en": "Your child"},
                "questions": [{"id": "child_name", "type": "name", "label": {"ja": "氏名"}}],
            },
        ]
    }


def form(municipality: Any, *, slug: str | None = None, definition: Any = None, **kw: Any) -> Any:
    """A draft form of a new procedure, with ``definition`` as its draft when given."""
    from kanmin.procedures import builder_services

    made = builder_services.form_create(
        municipality=municipality,
        actor=None,
        procedure=kw.pop("procedure", None) or procedure(municipality),
        slug=slug or f"form-{next(_numbers)}",
        title_ja=kw.pop("title_ja", "児童手当 認定請求書"),
        title_en=kw.pop("title_en", "Child allowance claim"),
    )
    if definition is not None:
        made = builder_services.form_definition_save(
            municipality=municipality, actor=None, form=made, definition=definition
        )
    return made


# --- end builder ---
