"""The one view behind ``/api/[3/]action/<name>``: CKAN's envelope, methods and errors."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt

from kanmin.accounts import services as accounts_services
from kanmin.catalog import filetypes, search, uploads
from kanmin.catalog.ckan import dictize
from kanmin.catalog.ckan.actions import ACTIONS, Action, Context
from kanmin.catalog.datastore import live
from kanmin.catalog.models import SearchGeneration
from kanmin.core.errors import Conflict, Invalid, KanminError, NotFound, PermissionDenied
from kanmin.core.middleware import contains_nul, nul_message
from kanmin.core.tenancy import tenant_view

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/json;charset=utf-8"
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,100}$")


def _json(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)


def _bad_request(message: str) -> HttpResponse:
    """CKAN's two bare-string answers (unknown action, GET on a write action)."""
    return _json(f"Bad request: {message}", status=400)


def _token_user(request: HttpRequest) -> tuple[Any, Any]:
    """(user, municipality) of the API token in ``Authorization`` (raw, as CKAN and ckanapi
    send it; a ``Bearer``/``Token`` prefix is tolerated) or ``X-CKAN-API-Key``; anonymous
    when neither names a usable token (the action then refuses what needs one)."""
    for header in ("HTTP_AUTHORIZATION", "HTTP_X_CKAN_API_KEY"):
        value = request.META.get(header, "").strip()
        if not value:
            continue
        try:
            token = accounts_services.api_token_authenticate(credential=value, request=request)
        except PermissionDenied:
            continue
        return token.user, token.municipality
    return AnonymousUser(), None


def _lists(items: Any) -> dict[str, Any]:
    return {key: values[0] if len(values) == 1 else values for key, values in items}


def _request_data(request: HttpRequest) -> dict[str, Any]:
    """GET query, JSON body, form or multipart body → the action's data dict; a NUL character
    in any of its strings is refused (``ValueError``), as no text column stores one."""
    data = _read_request_data(request)
    if contains_nul(data):
        raise ValueError(nul_message())
    return data


def _read_request_data(request: HttpRequest) -> dict[str, Any]:
    if request.method == "GET":
        data = _lists(request.GET.lists())
        data.pop("callback", None)
        data.pop("_", None)
        return data
    content_type = request.content_type or ""
    if content_type.startswith("multipart/") or content_type.startswith(
        "application/x-www-form-urlencoded"
    ):
        data = _lists(request.POST.lists())
        if not request.FILES and len(data) == 1:
            # CKAN's legacy quirk: a form body whose only key is a JSON document.
            key, value = next(iter(data.items()))
            if value in ("", "1"):
                try:
                    parsed = json.loads(key)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    return parsed
        for key, upload in request.FILES.items():
            data[key] = upload
        return data
    body = request.body.decode("utf-8") if request.body else ""
    if not body.strip():
        return {}
    parsed = json.loads(body)
    if not isinstance(parsed, dict):
        raise ValueError("Request data JSON decoded to a non-dictionary, it must be a dictionary.")
    return parsed


def _help_url(request: HttpRequest, name: str) -> str:
    match = request.resolver_match
    namespace = match.namespace if match and match.namespace else "ckan"
    kwargs: dict[str, Any] = {"action": "help_show"}
    municipality = getattr(request, "municipality", None)
    if namespace == "ckan_tenant" and municipality is not None:
        kwargs["lg_code"] = municipality.lg_code
    path = reverse(f"{namespace}:action_v3", kwargs=kwargs)
    return request.build_absolute_uri(path) + f"?name={name}"


def _error(exc: KanminError) -> tuple[dict[str, Any], int]:
    if isinstance(exc, search.QueryError):
        return {"__type": "Search Query Error", "message": str(exc.message)}, 400
    if isinstance(exc, Invalid | Conflict):
        fields: dict[str, Any] = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        if not fields:
            fields = {"message": [str(exc.message)]}
        return {**fields, "__type": "Validation Error"}, 409
    if isinstance(exc, NotFound):
        return {"__type": "Not Found Error", "message": f"Not found: {exc.message}"}, 404
    if isinstance(exc, PermissionDenied):
        return {"__type": "Authorization Error", "message": f"Access denied: {exc.message}"}, 403
    return {"__type": "Validation Error", "message": [str(exc.message)]}, 409


def accepted_language(request: HttpRequest) -> str | None:
    """The first language of ``Accept-Language`` the site speaks; None when it names none."""
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None


@csrf_exempt
@tenant_view
def action_view(request: HttpRequest, action: str) -> HttpResponse:
    """Run a CKAN action and answer in CKAN's envelope, in the client's language: messages
    in the language its ``Accept-Language`` names, else in English as CKAN answers (a client
    is a program; the site's language cookie does not count); the catalog's display names in
    the named language, else in Japanese, the catalog's own (a harvester that names none
    copies the Japanese names). The HTML site stays Japanese first."""
    accepted = accepted_language(request)
    language = accepted or "en"
    texts = dictize.TEXT_LANGUAGE.set(accepted or "ja")
    try:
        with translation.override(language):
            response = _action_view(request, action)
    finally:
        dictize.TEXT_LANGUAGE.reset(texts)
    response["Content-Language"] = language
    patch_vary_headers(response, ("Accept-Language",))
    return response


def _action_view(request: HttpRequest, action: str) -> HttpResponse:
    found = ACTIONS.get(action)
    if found is None:
        return _bad_request(f"Action name not known: {action}")
    if request.method not in ("GET", "POST"):
        return _bad_request("JSON Error: Invalid request. Please use POST method for your request")
    if request.method == "GET" and not found.side_effect_free:
        return _bad_request("JSON Error: Invalid request. Please use POST method for your request")
    limit = uploads.upload_limit()
    if request.method == "POST" and filetypes.body_too_large(request.META, limit):
        # Refused before the body is read: nothing of the file is stored, not even in /tmp.
        exc = uploads.too_large_error(filetypes.declared_size(request.META))
        refusal = {
            "help": _help_url(request, action),
            "success": False,
            "error": {"__type": "Validation Error", "upload": [str(exc.message)]},
        }
        return _json(refusal, status=413)
    try:
        data = _request_data(request)
    except (ValueError, UnicodeDecodeError) as exc:
        return _bad_request(f"JSON Error: Error decoding JSON data. Error: {exc!r}")
    if not _cacheable(request, action):
        return _answer(request, found, action, data, cache_key=None)
    with SearchGeneration.pinned() as generation:
        cache_key = _cache_key(request, generation)
        cached = _cached_answer(cache_key)
        if cached is not None:
            return HttpResponse(cached, content_type=CONTENT_TYPE)
        return _answer(request, found, action, data, cache_key)


def _answer(
    request: HttpRequest,
    found: Action,
    action: str,
    data: dict[str, Any],
    cache_key: str | None,
) -> HttpResponse:
    user, token_municipality = _token_user(request)
    ctx = Context(
        request=request,
        municipality=getattr(request, "municipality", None),
        user=user,
        token_municipality=token_municipality,
    )
    envelope: dict[str, Any] = {"help": _help_url(request, action)}
    try:
        with live.reads_watched() as live_reads:
            result = found.function(ctx, data)
    except KanminError as exc:
        error, status = _error(exc)
        envelope.update({"success": False, "error": error})
        return _json(envelope, status=status)
    except Exception:
        logger.exception("CKAN action %s failed", action)
        envelope.update(
            {
                "success": False,
                "error": {"__type": "Internal Server Error", "message": "Internal Server Error"},
            }
        )
        return _json(envelope, status=500)
    envelope.update({"success": True, "result": result})
    callback = request.GET.get("callback") if request.method == "GET" else None
    if callback and _CALLBACK.match(callback):
        return HttpResponse(
            f"{callback}({json.dumps(envelope)});", content_type="application/javascript"
        )
    response = _json(envelope)
    if cache_key is not None and not live_reads:  # an app's rows change without a catalog write
        _keep_answer(cache_key, response.content)
    return response


# Anonymous reads of published data are the same for everyone until the catalog changes:
# their answers are kept in Django's cache (KANMIN_CACHE_URL), shared by the server's
# processes, with this process's last ones in front of it (_RecentAnswers), under a key that
# starts with the catalog's generation token. The token is replaced in the transaction of
# every catalog write, so after a change the old answers are never asked for again (they
# age out of the caches), and a change is never served stale.
CACHED_ACTIONS = frozenset(
    {
        "package_search",
        "package_show",
        "package_list",
        "resource_show",
        "current_package_list_with_resources",
        "tag_list",
        "license_list",
        # A table's rows change only with a catalog write (a load, a push, a delete), which
        # changes the generation token; an app's table, read as its rows are now, is not kept
        # (see _answer). Not datastore_search_sql: a statement may ask for random() or now().
        "datastore_search",
        "datastore_info",
    }
)
ANSWER_CACHE = "default"


def _cacheable(request: HttpRequest, action: str) -> bool:
    if request.method != "GET" or action not in CACHED_ACTIONS or "callback" in request.GET:
        return False
    if "include_tracking" in request.GET:  # counts change without a catalog write
        return False
    queries = [
        *request.GET.getlist("q"),
        *request.GET.getlist("fq"),
        *request.GET.getlist("fq_list"),
    ]
    if any("NOW" in text.upper() for text in queries):
        return False  # a range from NOW changes as time passes, without a catalog write
    if request.META.get("HTTP_AUTHORIZATION") or request.META.get("HTTP_X_CKAN_API_KEY"):
        return False
    return not (getattr(request, "user", None) is not None and request.user.is_authenticated)


def _cache_key(request: HttpRequest, generation: str) -> str | None:
    # Every database gets its own token when migrated; an empty one (the row is missing)
    # could be any other database's, so nothing is kept under it.
    if not generation:
        return None
    match = request.resolver_match
    parts = (
        request.get_host(),
        match.namespace if match else "",
        request.get_full_path(),
        get_language() or "",
        dictize.TEXT_LANGUAGE.get() or "",
    )
    # Hashed: a URL can be longer than a portable cache key may be.
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"ckan:{generation}:{digest}"


class _RecentAnswers:
    """The answers this process kept or was given last, in front of the shared cache: a hit
    here reads nothing from the cache (on the API's warm path, about 4 % of the server's
    instructions per answer; benchmarks/README.md). Keyed by the shared cache's key, which
    holds the generation token, so no answer is served after a catalog write: the token a
    request reads has moved on in the write's transaction. Emptied when a newer token is
    seen, and bounded by the bytes of the bodies it holds."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.token = ""
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            body = self.items.get(key)
            if body is not None:
                self.items.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:  # a few huge answers would push out the rest
            return
        token = key.split(":", 2)[1]
        with self.lock:
            if token != self.token:
                self.token = token
                self.items.clear()
                self.bytes = 0
            old = self.items.pop(key, None)
            if old is not None:
                self.bytes -= len(old)
            self.items[key] = body
            self.bytes += len(body)
            while self.bytes > self.max_bytes:
                _key, dropped = self.items.popitem(last=False)
                self.bytes -= len(dropped)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.bytes = 0


RECENT_ANSWER_BYTES = 16 * 1024 * 1024
_recent = _RecentAnswers(RECENT_ANSWER_BYTES)


def _forget_recent(*, setting: str, **kwargs: Any) -> None:
    # Another cache configured (tests do so): what this process kept came from the old one.
    if setting == "CACHES":
        _recent.clear()


setting_changed.connect(_forget_recent, dispatch_uid="kanmin.catalog.ckan.recent_answers")


def _cached_answer(key: str | None) -> bytes | None:
    """The kept answer, if any. The cache is only a shortcut: when it cannot be read
    (Redis down, a damaged file) the answer is computed as if it were not there."""
    if key is None:
        return None
    body = _recent.get(key)
    if body is not None:
        return body
    try:
        body = caches[ANSWER_CACHE].get(key)
    except Exception as exc:  # noqa: BLE001 - any failure of the cache is a miss
        logger.warning("The cache of API answers cannot be read: %r", exc)
        return None
    if not isinstance(body, bytes):
        return None
    _recent.put(key, body)
    return body


# An answer larger than this is computed each time: the shared cache is bounded by entries,
# not bytes, and a reader paging through a big table 32,000 rows at a time would fill it.
ANSWER_KEPT_MAX_BYTES = 512 * 1024


def _keep_answer(key: str, body: bytes) -> None:
    if len(body) > ANSWER_KEPT_MAX_BYTES:
        return
    _recent.put(key, body)
    try:
        caches[ANSWER_CACHE].set(key, body)
    except Exception as exc:  # noqa: BLE001 - an answer not kept is computed again next time
        logger.warning("The cache of API answers cannot be written: %r", exc)


@tenant_view
def api_version(request: HttpRequest) -> HttpResponse:
    """``GET /api/3`` → ``{"version": 3}``."""
    return _json({"version": 3})
