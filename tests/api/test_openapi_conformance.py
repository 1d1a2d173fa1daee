"""The REST API answers as its OpenAPI document says (schemathesis against a live server).

Every operation of ``/api/v1/openapi.json`` is called with generated requests, valid and
invalid, anonymously and with an API token of the municipality; every check schemathesis has
must pass: documented status codes, response bodies matching their schemas (errors included:
``{code, message, fields}``), content types, the security a public read declares. A new
endpoint that answers something its document does not say fails here.

Bounded: a few derandomized examples per operation, so the run is reproducible and short.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from tests.ckan_compat.conftest import catalog  # noqa: F401  (the live server with data)


def _document() -> dict[str, Any]:
    """The document ``/api/v1/openapi.json`` serves (the same function makes both).

    Loaded at collection so that each operation is a test of its own; schemathesis's lazy
    ``from_fixture`` schema, which would load it from the live server, does not run under
    pytest 9 (it reads ``request.node._nodeid``). ``test_the_served_document_is_the_one_tested``
    keeps the two the same."""
    from kanmin.api import api

    return json.loads(json.dumps(api.get_openapi_schema()))


# The municipality to call and the rules a JSON Schema cannot say: the same file the CLI reads.
CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
schema = schemathesis.openapi.from_dict(_document(), config=schemathesis.Config.from_path(CONFIG))


EXAMPLES = settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@EXAMPLES
def test_anonymous_requests_answer_as_documented(
    case: Any,
    catalog: dict[str, Any],  # noqa: F811
) -> None:
    case.call_and_validate(base_url=catalog["root"])


@schema.parametrize()
@EXAMPLES
def test_requests_with_a_token_answer_as_documented(
    case: Any,
    catalog: dict[str, Any],  # noqa: F811
) -> None:
    case.call_and_validate(
        base_url=catalog["root"], headers={"Authorization": f"Token {catalog['token']}"}
    )


def test_the_served_document_is_the_one_tested(catalog: dict[str, Any]) -> None:  # noqa: F811
    import requests

    served = requests.get(catalog["root"] + "/api/v1/openapi.json", timeout=30)
    assert served.status_code == 200
    assert served.json() == _document()
