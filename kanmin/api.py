"""The one REST API at /api/v1/; each app adds its router here."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyHeader, django_auth

from kanmin.accounts import services as accounts_services
from kanmin.accounts.models import ApiToken
from kanmin.catalog.api import public_router as catalog_public_router
from kanmin.catalog.api import router as catalog_router
from kanmin.core.api import public_router
from kanmin.core.api import router as core_router
from kanmin.core.errors import Invalid, KanminError, PermissionDenied, status_error
from kanmin.core.middleware import contains_nul, nul_message
from kanmin.core.schemas import ErrorOut
from kanmin.disaster.api import router as disaster_router
from kanmin.procedures.api import catalog_router as procedures_catalog_router
from kanmin.procedures.api import counter_router as procedures_counter_router  # counter


class TokenAuth(APIKeyHeader):
    """An API token in the Authorization header, with or without a "Token"/"Bearer" prefix.

    A token acts only within its own municipality.
    """

    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiToken | None:
        if not key:
            return None
        match = request.resolver_match
        try:
            token = accounts_services.api_token_authenticate(
                credential=key,
                request=request,
                municipality_code=match.kwargs.get("lg_code") if match else None,
            )
        except PermissionDenied:
            return None  # Ninja answers 401 when no other way in applies
        request.user = token.user
        return token


def anonymous(request: HttpRequest) -> bool:
    """Let in a request without an Authorization header (reads of public data). A header that
    names no valid token of this municipality is still refused, never read as anonymous."""
    return "Authorization" not in request.headers


UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}
ERROR_DESCRIPTIONS = {
    400: "The body is not JSON, or a string in it holds a NUL character (U+0000).",
    401: "The Authorization header names no valid API token of this municipality.",
    403: "Not allowed: the token's or session's user lacks the permission, or a signed-in "
    "session's request lacks its CSRF token.",
    404: "No such municipality, or nothing of that name or id that the caller may see.",
    422: "A parameter or the body is not valid; `fields` says which and why.",
}


class JsonParser(Parser):
    """JSON bodies as Ninja reads them, refusing a NUL character in any string (answered 400,
    as a body that is not JSON): no text column can store one."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if b"\\u0000" in request.body and contains_nul(data):
            raise ValueError(nul_message())
        return data


class KanminAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document says every answer an operation can give.

    Ninja documents only the statuses an operation declares. The answers that come from the
    framework around it are added here, once for every operation, with the one error body
    ``ErrorOut``: 401 where a token is read (a header naming no valid token is refused, never
    read as anonymous), 403 for writes (no permission, or a session without its CSRF token),
    404 where the path names a municipality, 400 where a body is read (not JSON), 422 where a
    parameter or a body is checked. A public read (``anonymous`` among its ways in) declares
    its security optional (``{}``), so that clients and fuzzers know no token is needed.
    """

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            "ErrorOut", ErrorOut.model_json_schema()
        )
        ways_in = {}
        for bound_router in self._get_bound_routers():
            for path_view in bound_router.path_operations.values():
                for operation in path_view.operations:
                    ways_in[operation.operation_id] = list(operation.auth_callbacks)
        for path, methods in document["paths"].items():
            for method, details in methods.items():
                callbacks = ways_in.get(details["operationId"], [])
                _document_answers(path, method.upper(), details, callbacks)
        return document


def _document_answers(
    path: str, method: str, details: dict[str, Any], callbacks: list[Any]
) -> None:
    responses = details.setdefault("responses", {})
    statuses: list[int] = []
    if details.get("security"):
        statuses.append(401)
        if method in UNSAFE_METHODS:
            statuses.append(403)
    if "{lg_code}" in path:
        statuses.append(404)
    if details.get("requestBody"):
        statuses.append(400)
    if details.get("parameters") or details.get("requestBody"):
        statuses.append(422)
    for status in statuses:
        if status not in responses and str(status) not in responses:
            responses[status] = {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {"application/json": {"schema": ERROR_SCHEMA}},
            }
    if anonymous in callbacks and {} not in details.get("security", []):
        details.setdefault("security", []).append({})


api = KanminAPI(
    title="Kanmin API",
    version="1",
    description=(
        "Kanmin's REST API. Errors have the shape {code, message, fields}. No string may hold "
        "a NUL character (U+0000): in a body it is answered 400, in a parameter 422."
    ),
    urls_namespace="api",
    parser=JsonParser(),
)
api.add_router("", public_router)
api.add_router("", core_router, auth=[TokenAuth(), django_auth])
api.add_router("", catalog_public_router, auth=[TokenAuth(), django_auth, anonymous])
api.add_router("", catalog_router, auth=[TokenAuth(), django_auth])
# Devices authenticate with their own tokens (kanmin/disaster/api.py), not people's.
api.add_router("", disaster_router)
# --- procedure catalog (proccat): the published catalog, for anyone.
api.add_router("", procedures_catalog_router)
# counter: aggregate counter statistics, public (no names, small figures withheld).
api.add_router("", procedures_counter_router, auth=[TokenAuth(), django_auth, anonymous])


@api.exception_handler(KanminError)
def kanmin_error(request: HttpRequest, exc: KanminError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


# The framework's own refusals answer with the same body as ours, {code, message, fields}.


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[Any]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        # ("query", "q") → "q"; ("body", "payload", "name") → "name"
        name = ".".join(location[2:] if location[:1] == ["body"] else location[1:]) or "__all__"
        fields.setdefault(name, []).append(error.get("msg", ""))
    return kanmin_error(request, Invalid(fields=fields))


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = kanmin_error(request, status_error(401))
    response["WWW-Authenticate"] = "Token"
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "CSRF" in str(exc):
        error = status_error(
            403,
            _(
                "The CSRF check failed: a signed-in session sends its CSRF token in the "
                "X-CSRFToken header; or use an API token."
            ),
            code="csrf_failed",
        )
    else:
        error = status_error(exc.status_code)
    return kanmin_error(request, error)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return kanmin_error(request, status_error(404))
