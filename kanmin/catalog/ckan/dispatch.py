"""The one view behind ``/api/[3/]action/<name>``: CKAN's envelope, methods and errors."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from kanmin.accounts import services as accounts_services
from kanmin.accounts.models import ApiToken
from kanmin.catalog import filetypes, search, uploads
from kanmin.catalog.ckan.actions import ACTIONS, Action, Context
from kanmin.catalog.models import SearchGeneration
from kanmin.core.errors import Conflict, Invalid, KanminError, NotFound, PermissionDenied
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
    send it; a ``Bearer``/``Token`` prefix is tolerated) or ``X-CKAN-API-Key``."""
    for header in ("HTTP_AUTHORIZATION", "HTTP_X_CKAN_API_KEY"):
        value = request.META.get(header, "").strip()
        if not value:
            continue
        secret = value.split(" ", 1)[1].strip() if " " in value else value
        try:
            token = ApiToken.objects.get_by_secret(secret)
        except ApiToken.DoesNotExist:
            continue
        if not token.user.is_active:
            continue
        # Its first use each day goes to the audit log.
        accounts_services.api_token_use(actor=token.user, token=token, request=request)
        return token.user, token.municipality
    return AnonymousUser(), None


def _lists(items: Any) -> dict[str, Any]:
    return {key: values[0] if len(values) == 1 else values for key, values in items}


def _request_data(request: HttpRequest) -> dict[str, Any]:
    """GET query, JSON body, form or multipart body → the action's data dict."""
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


@csrf_exempt
@tenant_view
def action_view(request: HttpRequest, action: str) -> HttpResponse:
    """Run a CKAN action and answer in CKAN's envelope."""
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
        cached = _answers.get(cache_key)
        if cached is not None:
            return HttpResponse(cached, content_type=CONTENT_TYPE)
        return _answer(request, found, action, data, cache_key)


def _answer(
    request: HttpRequest,
    found: Action,
    action: str,
    data: dict[str, Any],
    cache_key: tuple[str, ...] | None,
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
    if cache_key is not None:
        _answers.put(cache_key, response.content)
    return response


# Anonymous reads of published data are the same for everyone until the catalog changes:
# answers are kept per process, keyed by the catalog's generation token (replaced in the
# transaction of every catalog write), so a change is never served stale.
CACHED_ACTIONS = frozenset(
    {
        "package_search",
        "package_show",
        "package_list",
        "resource_show",
        "current_package_list_with_resources",
        "tag_list",
        "license_list",
    }
)


class _Answers:
    """A small LRU of response bodies, emptied when the generation token changes; behind it,
    the answers the other worker processes of this host made (:class:`_SharedAnswers`)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.token = ""
        self.items: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self.lock = threading.Lock()
        self.shared = _SharedAnswers()

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self.lock:
            body = self.items.get(key) if key[0] == self.token else None
            if body is not None:
                self.items.move_to_end(key)
                return body
        body = self.shared.get(key)
        if body is not None:
            self._keep(key, body)
        return body

    def put(self, key: tuple[str, ...], body: bytes) -> None:
        self._keep(key, body)
        self.shared.put(key, body)

    def _keep(self, key: tuple[str, ...], body: bytes) -> None:
        with self.lock:
            if key[0] != self.token:
                self.token = key[0]
                self.items.clear()
            self.items[key] = body
            if len(self.items) > self.size:
                self.items.popitem(last=False)


class _SharedAnswers:
    """Answers shared by the worker processes of one host, in a SQLite file in the data
    folder (one connection per thread, WAL, no fsync: it is a cache). Each worker would
    otherwise compute every answer once itself. Keyed like the in-process LRU, so an
    answer is never served after a catalog write; rows of other generations are deleted
    as soon as a new one is seen, and the file is trimmed to ``size`` answers. A locked
    (busy) or broken file is skipped, never waited for."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self.local = threading.local()
        self.token = ""
        self.puts = 0

    def _connection(self) -> sqlite3.Connection | None:
        conn = getattr(self.local, "conn", None)
        pid = os.getpid()
        if conn is not None and self.local.pid == pid:
            return conn  # type: ignore[no-any-return]
        folder = Path(settings.DATA_DIR) / "cache"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(folder / "ckan-answers.sqlite3", timeout=0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS answer (key BLOB PRIMARY KEY, token TEXT, body BLOB)"
            )
        except (OSError, sqlite3.Error):
            logger.warning("The shared cache of API answers cannot be used", exc_info=True)
            return None
        self.local.conn, self.local.pid = conn, pid
        return conn

    @staticmethod
    def _digest(key: tuple[str, ...]) -> bytes:
        return hashlib.blake2b("\x1f".join(key).encode(), digest_size=16).digest()

    def get(self, key: tuple[str, ...]) -> bytes | None:
        conn = self._connection()
        if conn is None or not key[0]:
            return None
        try:
            row = conn.execute(
                "SELECT body FROM answer WHERE key = ? AND token = ?", (self._digest(key), key[0])
            ).fetchone()
        except sqlite3.Error:
            return None
        return bytes(row[0]) if row else None

    def put(self, key: tuple[str, ...], body: bytes) -> None:
        conn = self._connection()
        # No token yet (nothing written since the database was made): not worth sharing.
        if conn is None or not key[0]:
            return
        try:
            if key[0] != self.token:
                conn.execute("DELETE FROM answer WHERE token != ?", (key[0],))
                self.token = key[0]
            conn.execute(
                "INSERT OR REPLACE INTO answer (key, token, body) VALUES (?, ?, ?)",
                (self._digest(key), key[0], body),
            )
            self.puts += 1
            if self.puts % 1000 == 0:
                conn.execute(
                    "DELETE FROM answer WHERE rowid <= (SELECT MAX(rowid) FROM answer) - ?",
                    (self.size,),
                )
        except sqlite3.Error:
            pass


_answers = _Answers()


def _cacheable(request: HttpRequest, action: str) -> bool:
    if request.method != "GET" or action not in CACHED_ACTIONS or "callback" in request.GET:
        return False
    if "include_tracking" in request.GET:  # counts change without a catalog write
        return False
    if request.META.get("HTTP_AUTHORIZATION") or request.META.get("HTTP_X_CKAN_API_KEY"):
        return False
    return not (getattr(request, "user", None) is not None and request.user.is_authenticated)


def _cache_key(request: HttpRequest, generation: str) -> tuple[str, ...]:
    match = request.resolver_match
    return (
        generation,
        request.get_host(),
        match.namespace if match else "",
        request.get_full_path(),
        get_language() or "",
    )


@tenant_view
def api_version(request: HttpRequest) -> HttpResponse:
    """``GET /api/3`` → ``{"version": 3}``."""
    return _json({"version": 3})
