"""Kanmin's own settings, declared once: name, type, default, doc.

Each option is read from the environment variable of the same name. ``kanmin config`` prints
them with their docs, and the system check ``core.E001`` reports a bad value at start-up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

OptionType = Literal["str", "bool", "int", "list", "path"]
Profile = Literal["production", "dev"]

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Option:
    name: str
    type: OptionType
    default: Any
    doc: str
    secret: bool = False
    choices: tuple[str, ...] = ()
    # For a URL option: the schemes it accepts (an empty value always passes).
    schemes: tuple[str, ...] = ()

    def raw(self) -> str | None:
        return os.environ.get(self.name)

    def parse(self, raw: str) -> Any:
        if self.type == "bool":
            low = raw.strip().lower()
            if low in {"1", "true", "yes", "on"}:
                return True
            if low in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(f"{self.name}: expected true/false, got {raw!r}")
        if self.type == "int":
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"{self.name}: expected an integer, got {raw!r}") from None
        if self.type == "list":
            return [item.strip() for item in raw.split(",") if item.strip()]
        if self.type == "path":
            return Path(raw).expanduser()
        if self.choices and raw not in self.choices:
            raise ValueError(f"{self.name}: expected {' or '.join(self.choices)}, got {raw!r}")
        if self.schemes and raw and raw.partition("://")[0] not in self.schemes:
            expected = " or ".join(f"{scheme}://" for scheme in self.schemes)
            # A secret's value (a URL may hold a password) is never repeated in the message.
            got = "another value" if self.secret else repr(raw)
            raise ValueError(f"{self.name}: expected a URL starting with {expected}, got {got}")
        return raw


OPTIONS: tuple[Option, ...] = (
    Option(
        "KANMIN_PROFILE",
        "str",
        "production",
        "production (safe defaults: secure cookies, HTTPS only, HSTS) or dev (what `kanmin "
        "demo` selects: plain HTTP on localhost, keys generated in KANMIN_DATA_DIR).",
    ),
    Option(
        "KANMIN_DEBUG",
        "bool",
        False,
        "Django's DEBUG: detailed error pages. Only for a developer's own machine.",
    ),
    Option(
        "KANMIN_DATA_DIR",
        "path",
        BASE_DIR / "var",
        "Folder for the embedded SQLite database, uploaded files and generated dev keys.",
    ),
    Option(
        "KANMIN_DATABASE_URL",
        "str",
        "",
        "Database URL (postgres://user@host:5432/name or sqlite:///path). Empty: SQLite "
        "file kanmin.sqlite3 in KANMIN_DATA_DIR.",
    ),
    Option(
        "KANMIN_CACHE_URL",
        "str",
        "",
        "Redis URL of the shared cache (redis://127.0.0.1:6379/0), which keeps the public API's "
        "answers until the catalog changes. Empty: a SQLite file in KANMIN_DATA_DIR/cache, "
        "which every server process on this machine shares; Redis for servers on several "
        "machines.",
        secret=True,
        schemes=("redis", "rediss", "unix"),
    ),
    Option(
        "KANMIN_EMAIL_URL",
        "str",
        "",
        "Where Kanmin's e-mail goes (receipts, links to resume an application, notices): "
        "smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465. Empty: "
        "each message is written as a file in KANMIN_DATA_DIR/mail, for a demo or a machine "
        "without a mail server.",
        secret=True,
        schemes=("smtp", "smtps"),
    ),
    Option(
        "KANMIN_EMAIL_FROM",
        "str",
        "Kanmin <noreply@localhost>",
        "The sender of Kanmin's e-mail.",
    ),
    Option(
        "KANMIN_SECRET_KEY",
        "str",
        "",
        "Django's secret key. Required in production; dev generates one in KANMIN_DATA_DIR.",
        secret=True,
    ),
    Option(
        "KANMIN_ENCRYPTION_KEYS",
        "list",
        [],
        "Comma-separated Fernet keys for personal data at rest; the first encrypts, all decrypt "
        "(rotation: put the new key first, run `kanmin rotate-keys`, then drop the old one).",
        secret=True,
    ),
    Option(
        "KANMIN_ALLOWED_HOSTS",
        "list",
        [],
        "Host names this deployment answers to. Required in production.",
    ),
    Option(
        "KANMIN_SINGLE_TENANT",
        "str",
        "",
        "A 全国地方公共団体コード: serve only that municipality at the site root instead of "
        "choosing it from the /m/<code>/ URL prefix.",
    ),
    Option(
        "KANMIN_SSL_REDIRECT",
        "bool",
        True,
        "Redirect plain HTTP to HTTPS (production profile only).",
    ),
    Option(
        "KANMIN_BEHIND_PROXY",
        "bool",
        False,
        "Trust X-Forwarded-Proto from a reverse proxy that terminates TLS.",
    ),
    Option(
        "KANMIN_LOGIN_FAILURE_LIMIT",
        "int",
        5,
        "Failed sign-ins after which an account and address are locked out.",
    ),
    Option(
        "KANMIN_LOCKOUT_MINUTES",
        "int",
        15,
        "How long a lock-out lasts.",
    ),
    Option(
        "KANMIN_AUDIT_RETENTION_DAYS",
        "int",
        0,
        "How many days audit log entries (changes and security events) are kept; older ones "
        "are removed by `kanmin audit prune`, which keeps `kanmin audit verify` working. "
        "0 keeps every entry.",
    ),
    Option(
        "KANMIN_STATIC_MANIFEST",
        "bool",
        True,
        "Serve hashed, compressed static files (needs collectstatic, which `kanmin serve` runs).",
    ),
    Option(
        "KANMIN_BASE_URL",
        "str",
        "http://127.0.0.1:8000",
        "The public address of this site, for links in files Kanmin writes (オープンデータ一覧).",
    ),
    Option(
        "KANMIN_SEARCH_BACKEND",
        "str",
        "memory",
        "How the catalog is searched: memory (each web worker keeps an index of the published "
        "datasets; fastest on one machine) or database (SQL only, shared by every worker).",
        choices=("memory", "database"),
    ),
    Option(
        "KANMIN_MAP_TILE_URL",
        "str",
        "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png",
        "Background tiles of the map previews of tables with latitude and longitude, as a "
        "Leaflet URL template ({z}/{x}/{y}, {s} for subdomains). Default: 国土地理院's "
        "地理院タイル (標準地図), free for any use that shows their attribution and meant to "
        "be used by web maps; OpenStreetMap's tile server needs a Referer header, which this "
        "site does not send to other sites (Referrer-Policy: same-origin). Its host is added "
        "to the Content-Security-Policy's img-src. Empty: points without a background map.",
        schemes=("https", "http"),
    ),
    Option(
        "KANMIN_MAP_ATTRIBUTION",
        "str",
        '<a href="https://maps.gsi.go.jp/development/ichiran.html" lang="ja">地理院タイル</a>',
        "The attribution the tile server requires, shown on every map (HTML: text and links; "
        'mark Japanese words lang="ja"). For OpenStreetMap\'s tiles: '
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        "contributors.",
    ),
    Option(
        "KANMIN_UPLOAD_MAX_BYTES",
        "int",
        200 * 1024 * 1024,
        "Largest file a user may upload, in bytes.",
    ),
    Option(
        "KANMIN_TASK_MEMORY_MB",
        "int",
        1024,
        "Memory one background task (a file check) may use, in MB; a task that needs more is "
        "stopped and marked failed with that reason (0: no limit).",
    ),
    Option(
        "KANMIN_OPERATOR_NAME",
        "str",
        "Kanmin",
        "Who runs this site (on a shared site, e.g. the prefecture or the municipalities' "
        "joint council): the publisher of the catalog of every municipality (/catalog.ttl, "
        "DCAT-AP requires one). Each municipality's own catalog names the municipality.",
    ),
    Option(
        "KANMIN_HARVEST_ALLOW_PRIVATE",
        "bool",
        False,
        "Let harvest sources be read from private and local addresses (127.0.0.0/8, 10/8, "
        "172.16/12, 192.168/16, 169.254/16 with the cloud metadata service, ::1, fc00::/7, "
        "fe80::/10). Off, a steward cannot make the server read its own network; true by "
        "default in the dev profile.",
    ),
    Option(
        "KANMIN_DATASTORE_MEMORY_TABLE_MB",
        "int",
        16,
        "A DataStore table whose file is at most this many MB is searched from a copy in the "
        "web worker's memory (faster for the many small tables); larger ones from the file "
        "(0: always from the file).",
    ),
    Option(
        "KANMIN_DATASTORE_MEMORY_CACHE_MB",
        "int",
        128,
        "The most MB of DataStore tables (by file size) one web worker keeps in memory at a "
        "time; above it, tables are searched from their files.",
    ),
    Option(
        "KANMIN_MQTT_BROKER",
        "str",
        "mqtt://127.0.0.1:1883",
        "MQTT broker of `kanmin disaster listen` (mqtt://[user:password@]host:port).",
    ),
    Option(
        "KANMIN_DISASTER_MAX_FUTURE_SECONDS",
        "int",
        300,
        "Sensor readings timed more than this many seconds ahead of the server's clock are "
        "refused.",
    ),
    Option(
        "KANMIN_DISASTER_MAX_AGE_DAYS",
        "int",
        30,
        "Live sensor readings (MQTT, HTTP) older than this many days are refused; files of "
        "past readings are not limited (0: no limit).",
    ),
    Option(
        "KANMIN_DISASTER_MAX_READINGS_PER_MINUTE",
        "int",
        600,
        "Readings one sensor may send in a minute; beyond, they are refused as a flood "
        "(0: no limit).",
    ),
    Option(
        "KANMIN_DISASTER_AUTH_FAILURES",
        "int",
        20,
        "Requests with an unknown device or a wrong token one address may send to the "
        "readings API within KANMIN_DISASTER_AUTH_WINDOW_SECONDS; beyond, they are answered "
        "429 and only counted (0: no limit).",
    ),
    Option(
        "KANMIN_DISASTER_AUTH_WINDOW_SECONDS",
        "int",
        600,
        "The window of KANMIN_DISASTER_AUTH_FAILURES, in seconds.",
    ),
)

_BY_NAME = {option.name: option for option in OPTIONS}

# Answers of an older catalog are never asked for again; they leave within a day.
CACHE_TIMEOUT = 24 * 3600


def tile_source(url: str) -> str:
    """The Content-Security-Policy source of a tile URL template: its scheme and host, a
    ``{s}`` subdomain as ``*`` (empty for an empty URL)."""
    from urllib.parse import urlsplit

    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def email(url: str, data_dir: Path) -> dict[str, Any]:
    """Django's e-mail settings for KANMIN_EMAIL_URL (empty: files in ``<data_dir>/mail``)."""
    from urllib.parse import unquote, urlsplit

    if not url:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(data_dir / "mail"),
        }
    parts = urlsplit(url)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "smtp" and bool(parts.username),
        "EMAIL_TIMEOUT": 20,
    }


def caches(url: str, data_dir: Path | None = None) -> dict[str, Any]:
    """Django's ``CACHES`` for KANMIN_CACHE_URL.

    Empty: a SQLite file of its own, ``<data_dir>/cache/answers.sqlite3``
    (``kanmin.core.cache.SQLiteFileCache``), the embedded default: every server process on
    the machine shares it, and it needs no other service. Its size is bounded by MAX_ENTRIES,
    checked every CULL_EVERY writes of a connection, never counted per write. Measured with
    benchmarks/bench_catalog_api.py --cold (2 cores, runs in turn; benchmarks/README.md): a
    missed API answer cost the server about 40 % more CPU with Django's database cache, a
    table in Kanmin's database (a COUNT of the table on every write, base64 of the pickle, a
    committed transaction in the main database), and about as much as before issue 14 with
    this file. Django's file cache lists its whole folder on every write (1-2 ms per answer).

    A Redis URL: Redis through Django's own backend, for servers on several machines, which a
    file on one machine cannot serve.
    """
    if url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "kanmin",
                "TIMEOUT": CACHE_TIMEOUT,
                # A cache that does not answer must not hold up the answer it would have saved.
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
    folder = data_dir if data_dir is not None else get("KANMIN_DATA_DIR")
    return {
        "default": {
            "BACKEND": "kanmin.core.cache.SQLiteFileCache",
            "LOCATION": str(Path(folder) / "cache" / "answers.sqlite3"),
            "TIMEOUT": CACHE_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": 10_000, "CULL_EVERY": 500},
        }
    }


def option(name: str) -> Option:
    return _BY_NAME[name]


def get(name: str) -> Any:
    """Return the option's value; fall back to its default when unset or unparsable.

    A bad value never stops settings from loading: the system check reports it instead, so
    the operator sees every problem at once with its option's doc.
    """
    opt = _BY_NAME[name]
    raw = opt.raw()
    if raw is None:
        return opt.default
    try:
        return opt.parse(raw)
    except ValueError:
        return opt.default


def errors() -> list[str]:
    """Return one message per option whose environment value cannot be parsed."""
    found = []
    for opt in OPTIONS:
        raw = opt.raw()
        if raw is None:
            continue
        try:
            opt.parse(raw)
        except ValueError as exc:
            found.append(str(exc))
    profile = os.environ.get("KANMIN_PROFILE", "production")
    if profile not in ("production", "dev"):
        found.append(f"KANMIN_PROFILE: expected production or dev, got {profile!r}")
    return found


_without_server = False


def run_without_server() -> None:
    """Load the settings for a command that needs no server: no keys are required or generated,
    there is no database, and nothing is written to KANMIN_DATA_DIR. ``kanmin`` calls this before
    Django is set up for the file tools (validate, repair, check-excel, convert), config,
    generate-key and help."""
    global _without_server
    _without_server = True


def without_server() -> bool:
    return _without_server


def profile() -> Profile:
    return "dev" if get("KANMIN_PROFILE") == "dev" else "production"
