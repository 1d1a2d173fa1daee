"""Rows for the procedures tests."""

from __future__ import annotations

import itertools
import json
from typing import Any

# --- queue ---
# Submitted applications made directly (the apply flow is another part's): a procedure of a
# department, its form and one version, and submissions on it in any status.


_queue_numbers = itertools.count(1)

QUEUE_DEFINITION: dict[str, Any] = {
    "pages": [
        {
            "id": "applicant",
            "title": {"ja": "申請者", "en": "Applicant"},
            "questions": [
                {"id": "name", "type": "name", "label": {"ja": "氏名", "en": "Name"}},
                {"id": "phone", "type": "phone", "label": {"ja": "電話番号", "en": "Phone"}},
                {
                    "id": "reason",
                    "type": "choice",
                    "label": {"ja": "理由", "en": "Reason"},
                    "options": {
                        "choices": [
                            {"value": "move", "label": {"ja": "転入", "en": "Moving in"}},
                            {"value": "birth", "label": {"ja": "出生", "en": "Birth"}},
                        ]
                    },
                },
            ],
        },
        {
            "id": "detail",
            "title": {"ja": "内容", "en": "Details"},
            "questions": [
                {"id": "note", "type": "textarea", "label": {"ja": "備考", "en": "Note"}},
            ],
        },
    ]
}

QUEUE_ANSWERS: dict[str, Any] = {
    "name": {
        "family": "都城",
        "given": "花子",
        "family_kana": "ミヤコノジョウ",
        "given_kana": "ハナコ",
    },
    "phone": "0986-23-1111",
    "reason": "move",
    "note": "よろしくお願いします",
}


def queue_department(municipality: Any, code: str, name_ja: str) -> Any:
    from kanmin.core.models import Department

    return Department.objects.create(municipality=municipality, code=code, name_ja=name_ja)


def queue_version(municipality: Any, department: Any, *, code: str | None = None) -> Any:
    """A published form version of a procedure of ``department``."""
    from kanmin.procedures.models import Form, FormVersion, Procedure

    n = next(_queue_numbers)
    procedure = Procedure.objects.create(
        municipality=municipality,
        code=code or f"proc-{n}",
        name_ja=f"児童手当の申請{n}",
        name_en=f"Child allowance {n}",
        department=department,
        is_online=True,
        channels=["online"],
    )
    form = Form.objects.create(
        municipality=municipality,
        procedure=procedure,
        slug=f"form-{n}",
        title_ja=f"申請書{n}",
        status=Form.Status.LIVE,
        draft_definition=QUEUE_DEFINITION,
    )
    version = FormVersion.objects.create(
        municipality=municipality, form=form, number=1, definition=QUEUE_DEFINITION
    )
    form.live_version = version
    form.save(update_fields=["live_version"])
    return version


def queue_submission(
    version: Any,
    *,
    status: str = "received",
    answers: dict[str, Any] | None = None,
    email: str = "hanako@example.jp",
    applicant: Any = None,
    reference: str | None = None,
    submitted_at: Any = None,
) -> Any:
    """A submitted application on ``version`` (its 受付 event included)."""
    from django.utils import timezone

    from kanmin.procedures.models import Submission, SubmissionEvent

    n = next(_queue_numbers)
    now = submitted_at or timezone.now()
    submission = Submission.objects.create(
        municipality=version.municipality,
        form=version.form,
        version=version,
        procedure=version.form.procedure,
        department=version.form.procedure.department,
        reference=reference or f"Q-{version.municipality.lg_code}-{n:06d}",
        status=status,
        applicant=applicant,
        email=email,
        answers=json.dumps(QUEUE_ANSWERS if answers is None else answers, ensure_ascii=False),
        submitted_at=now,
    )
    SubmissionEvent.objects.create(
        municipality=version.municipality,
        submission=submission,
        kind=SubmissionEvent.Kind.STATUS,
        status_from="draft",
        status_to="received",
        by_resident=True,
        at=now,
    )
    return submission


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
