"""The only settings module. Kanmin's own options come from ``kanmin.core.conf``."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import dj_database_url
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

from kanmin.core import conf

BASE_DIR = conf.BASE_DIR
PROFILE = conf.profile()
DEV = PROFILE == "dev"
DATA_DIR: Path = conf.get("KANMIN_DATA_DIR")
# A command that needs no server (``kanmin validate`` on a clerk's PC, ``kanmin config``, help):
# no keys required or generated, no database, nothing written to DATA_DIR.
WITHOUT_SERVER = conf.without_server()


def _dev_secrets() -> dict[str, str]:
    """Generate, once, the keys a developer's instance uses, and keep them in the data folder."""
    path = DATA_DIR / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    values = {
        "secret_key": secrets.token_urlsafe(50),
        "encryption_key": Fernet.generate_key().decode(),
    }
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


SECRET_KEY: str = conf.get("KANMIN_SECRET_KEY")
ENCRYPTION_KEYS: list[str] = conf.get("KANMIN_ENCRYPTION_KEYS")
if DEV and not WITHOUT_SERVER and (not SECRET_KEY or not ENCRYPTION_KEYS):
    _generated = _dev_secrets()
    SECRET_KEY = SECRET_KEY or _generated["secret_key"]
    ENCRYPTION_KEYS = ENCRYPTION_KEYS or [_generated["encryption_key"]]
if not SECRET_KEY:
    # Production without a key: the system check core.E002 refuses to start. A random key keeps
    # management commands such as `kanmin config` usable for diagnosis.
    SECRET_KEY = "unset-" + secrets.token_urlsafe(40)
    SECRET_KEY_MISSING = True
else:
    SECRET_KEY_MISSING = False

DEBUG: bool = conf.get("KANMIN_DEBUG")
ALLOWED_HOSTS: list[str] = conf.get("KANMIN_ALLOWED_HOSTS") or (
    ["127.0.0.1", "localhost", "[::1]"] if DEV else []
)
KANMIN_SINGLE_TENANT: str = conf.get("KANMIN_SINGLE_TENANT")
KANMIN_BASE_URL: str = conf.get("KANMIN_BASE_URL").rstrip("/")
KANMIN_SEARCH_BACKEND: str = conf.get("KANMIN_SEARCH_BACKEND")
KANMIN_OPERATOR_NAME: str = conf.get("KANMIN_OPERATOR_NAME")
# The dev profile harvests a developer's own test servers; production never reads private
# addresses unless the operator says so.
KANMIN_HARVEST_ALLOW_PRIVATE: bool = (
    conf.get("KANMIN_HARVEST_ALLOW_PRIVATE")
    if conf.option("KANMIN_HARVEST_ALLOW_PRIVATE").raw() is not None
    else DEV
)
KANMIN_DATASTORE_MEMORY_TABLE_MB: int = conf.get("KANMIN_DATASTORE_MEMORY_TABLE_MB")
KANMIN_DATASTORE_MEMORY_CACHE_MB: int = conf.get("KANMIN_DATASTORE_MEMORY_CACHE_MB")
KANMIN_MAP_TILE_URL: str = conf.get("KANMIN_MAP_TILE_URL")
KANMIN_MAP_ATTRIBUTION: str = conf.get("KANMIN_MAP_ATTRIBUTION")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "kanmin.core",
    "kanmin.accounts",
    "kanmin.audit",
    "kanmin.standards",
    "kanmin.plan",
    "kanmin.catalog",
    "kanmin.disaster",
    "kanmin.procedures",
    "kanmin.governance",
    "kanmin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Every REST API error answer as {code, message, fields}, whoever below answered it.
    "kanmin.core.middleware.ApiErrorBodyMiddleware",
    "kanmin.core.middleware.NulQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads the body: an oversized upload is refused from its header.
    "kanmin.catalog.uploads.UploadSizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kanmin.core.tenancy.TenantMiddleware",
    "kanmin.core.middleware.KanminErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kanmin.urls"
WSGI_APPLICATION = "kanmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kanmin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kanmin.core.context_processors.tenant",
                "kanmin.accounts.context_processors.resident",
            ],
        },
    },
]

_db_url: str = conf.get("KANMIN_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kanmin.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
if WITHOUT_SERVER:
    # Django's dummy backend: any query fails loudly instead of creating a database file.
    DATABASES = {}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # A larger page cache and memory-mapped reads: catalog search reads whole tables.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA mmap_size=268435456; PRAGMA cache_size=-65536;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 60
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared cache (the public API's anonymous answers): Redis when KANMIN_CACHE_URL names
# one, otherwise a SQLite file in DATA_DIR/cache (kanmin.core.conf.caches says why).
CACHES = conf.caches(conf.get("KANMIN_CACHE_URL"), DATA_DIR)

# E-mail (receipts, resume links, notices): SMTP when KANMIN_EMAIL_URL names a server,
# otherwise one file per message in DATA_DIR/mail.
globals().update(conf.email(conf.get("KANMIN_EMAIL_URL"), DATA_DIR))
DEFAULT_FROM_EMAIL: str = conf.get("KANMIN_EMAIL_FROM")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kanmin.accounts.backends.MembershipBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:portal"
LOGOUT_REDIRECT_URL = "core:portal"

AXES_FAILURE_LIMIT = conf.get("KANMIN_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = conf.get("KANMIN_LOCKOUT_MINUTES") / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kanmin.accounts.views.locked_out"
AXES_VERBOSE = False
# A lock-out lasts KANMIN_LOCKOUT_MINUTES from the failure that caused it: attempts refused
# during it do not start it again, so the page can say when signing in works again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

OTP_TOTP_ISSUER = "Kanmin"
# Wrong one-time codes count with wrong passwords in django-axes, per account and address
# (kanmin.accounts.forms). django-otp's own back-off is per device, whatever the address: after
# enough wrong codes from someone who knows only the password it refused the right code too.
OTP_TOTP_THROTTLE_FACTOR = 0

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "kanmin" / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Third-party browser code comes as Python packages (XStatic), pinned like any dependency:
# Leaflet and Leaflet.markercluster for the map preview of a resource (issue 17).
STATICFILES_DIRS = [
    BASE_DIR / "kanmin" / "static",
    ("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("vendor/leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
]
if not WITHOUT_SERVER:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it before collectstatic
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "kanmin.core.staticfiles.ManifestStorage"
        if conf.get("KANMIN_STATIC_MANIFEST")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_BYTES = conf.get("KANMIN_UPLOAD_MAX_BYTES")
# Uploads being received are written here, not to the system's temporary folder: what a crash
# leaves is removed when the server or a worker starts and on the worker's schedule.
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
if not WITHOUT_SERVER:  # the file commands write nothing outside their output
    Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Security. Production is strict by default; the dev profile serves plain HTTP on localhost.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEV:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = conf.get("KANMIN_SSL_REDIRECT")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    if conf.get("KANMIN_BEHIND_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # The map previews' background tiles (KANMIN_MAP_TILE_URL) are images of its host.
        "img-src": ["'self'", "data:", *filter(None, [conf.tile_source(KANMIN_MAP_TILE_URL)])],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO" if DEV else "WARNING"},
}
