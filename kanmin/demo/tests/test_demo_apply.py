"""The demo's application forms (issue 16): both live, built twice without a new version."""

from __future__ import annotations

from typing import Any

import pytest

from kanmin.demo.procedures_apply import apply_forms_build
from kanmin.procedures.models import Form, FormVersion

pytestmark = pytest.mark.django_db


def test_the_demo_forms_are_live_and_built_once(miyakonojo: Any) -> None:
    apply_forms_build(municipality=miyakonojo)
    apply_forms_build(municipality=miyakonojo)
    forms = Form.objects.filter(municipality=miyakonojo).order_by("slug")
    assert [f.slug for f in forms] == ["jido-teate", "juminhyo-copy"]
    assert all(f.status == Form.Status.LIVE for f in forms)
    assert FormVersion.objects.filter(municipality=miyakonojo).count() == 2
    assert {f.procedure.code for f in forms} == {"jido-teate", "juminhyo-copy"}
