"""The package's face (``kanmin/standards/__init__.py``): what other apps import."""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType

import kanmin.standards as face


def test_every_name_on_the_face_is_the_object_even_after_its_module_is_imported() -> None:
    # A package attribute named like one of its modules is replaced by that module once the
    # module is imported: import all of them first, then read the face.
    for module in ("checks", "geojson", "messages", "quality", "reader", "repair", "report"):
        importlib.import_module(f"kanmin.standards.{module}")
    importlib.import_module("kanmin.standards.validate")
    for name in face.__all__:
        value = getattr(face, name)
        assert not isinstance(value, ModuleType), name
    assert face.validate_table.__module__ == "kanmin.standards.validate"
    assert face.repair_table.__module__ == "kanmin.standards.repair"


def test_importing_the_face_loads_neither_numpy_nor_pyarrow() -> None:
    code = (
        "import sys, kanmin.standards; "
        "print(sorted(m for m in ('numpy', 'pyarrow', 'django.conf') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
