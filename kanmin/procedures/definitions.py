"""Form definitions as files and fingerprints: pure functions for the builder's pages and
services."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.translation import gettext as _

from kanmin.core.errors import Invalid

# An imported definition larger than this is refused before it is read.
MAX_IMPORT_BYTES = 1_000_000


def definition_digest(definition: Any) -> str:
    """A short fingerprint of a definition: a page sends it back with an edit, so that an edit
    made on an older copy of the draft (another tab, another clerk) is refused, not merged."""
    data = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def definition_from_json(data: str | bytes) -> dict[str, Any]:
    """The definition in an uploaded JSON file: a definition ({"pages": …}) or a version as the
    history page downloads it ({"definition": {"pages": …}, …}). Invalid says what is wrong."""
    if len(data) > MAX_IMPORT_BYTES:
        raise Invalid(
            _("The file is larger than %(max)s kB; a form definition is much smaller.")
            % {"max": MAX_IMPORT_BYTES // 1000},
            fields={"file": [_("Choose a form definition file (.json) downloaded from Kanmin.")]},
        )
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        loaded = json.loads(text)
    except UnicodeDecodeError:
        message = _("The file is not UTF-8 text; choose the .json file downloaded from Kanmin.")
        raise Invalid(message, fields={"file": [message]}) from None
    except json.JSONDecodeError as exc:
        message = _(
            "The file is not valid JSON: %(error)s at line %(line)s, column %(column)s."
        ) % {
            "error": exc.msg,
            "line": exc.lineno,
            "column": exc.colno,
        }
        raise Invalid(message, fields={"file": [message]}) from None
    if isinstance(loaded, dict) and isinstance(loaded.get("definition"), dict):
        loaded = loaded["definition"]
    if not isinstance(loaded, dict) or not isinstance(loaded.get("pages"), list):
        message = _("The file holds no form definition: it needs a list of “pages”.")
        raise Invalid(message, fields={"file": [message]})
    return loaded
