"""The one REST API at /api/v1/; each app adds its router here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import APIKeyHeader, django_auth

from kanmin.accounts import services as accounts_services
from kanmin.accounts.models import ApiToken
from kanmin.catalog.api import public_router as catalog_public_router
from kanmin.catalog.api import router as catalog_router
from kanmin.core.api import public_router
from kanmin.core.api import router as core_router
from kanmin.core.errors import KanminError, PermissionDenied
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


api = NinjaAPI(
    title="Kanmin API",
    version="1",
    description="Kanmin's REST API. Errors have the shape {code, message, fields}.",
    urls_namespace="api",
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
