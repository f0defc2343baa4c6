"""Evenhand settings: one small module, configured from the environment.

SQLite (WAL mode) under ``var/`` when no ``DATABASE_URL`` is set; PostgreSQL in production.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.getenv("EVENHAND_HOME", BASE_DIR.parent.parent))
VAR_DIR = PROJECT_DIR / "var"
NODE_MODULES = PROJECT_DIR / "node_modules"


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envkey(name: str, development_key: str, *, allow_development: bool) -> str:
    """A secret key from the environment; without one, ``development_key`` if allowed, else refuse to start."""
    value = os.getenv(name, "")
    if value.strip():
        return value
    if allow_development:
        return development_key
    raise ImproperlyConfigured(
        f"{name} is not set. Set it to a long random value of its own (for example the output of"
        " python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), or set EVENHAND_DEMO=1 (as"
        " make demo does) or DEBUG=true to run on fixed development keys."
    )


DEBUG = envbool("DEBUG", "false")
# The fixed development keys are public (they are in this file), so only a local demo (make demo sets
# EVENHAND_DEMO=1) or DEBUG may run on them; anywhere else a missing key stops Evenhand from starting.
DEVELOPMENT_KEYS = DEBUG or envbool("EVENHAND_DEMO", "false")
SECRET_KEY = envkey(
    "SECRET_KEY", "evenhand-development-key-not-for-production", allow_development=DEVELOPMENT_KEYS
)
# Analysts see a keyed pseudonym instead of a CRN; rotating this key changes every pseudonym. A key of its
# own, so that whoever learns SECRET_KEY cannot link pseudonyms back to records, and rotating SECRET_KEY
# (which signs sessions) leaves the pseudonyms as they are.
PSEUDONYM_KEY = envkey(
    "PSEUDONYM_KEY",
    "evenhand-development-pseudonym-key-not-for-production",
    allow_development=DEVELOPMENT_KEYS,
)
if PSEUDONYM_KEY == SECRET_KEY and not DEVELOPMENT_KEYS:
    raise ImproperlyConfigured("PSEUDONYM_KEY is the same as SECRET_KEY: give it a separate random value.")
# Safe voice: the key of the receipt look-up tags and the reporter's access cookie (ADR 0008). Never in the
# database, so a dump alone cannot test a receipt against the tags.
VOICE_KEY = envkey(
    "VOICE_KEY", "evenhand-development-voice-key-not-for-production", allow_development=DEVELOPMENT_KEYS
)
if VOICE_KEY in (SECRET_KEY, PSEUDONYM_KEY) and not DEVELOPMENT_KEYS:
    raise ImproperlyConfigured(
        "VOICE_KEY is the same as SECRET_KEY or PSEUDONYM_KEY: give it a separate random value."
    )

# Registering people: the letter that starts the CRNs Evenhand gives (one letter per service, so that two
# services never give the same CRN), and whether administrators, as well as heads of PDU, manage who may see
# a record (its exclusion and restriction lists).
EVENHAND_CRN_PREFIX = os.environ.get("EVENHAND_CRN_PREFIX", "E")
EVENHAND_ADMINS_MANAGE_ACCESS = envbool("EVENHAND_ADMINS_MANAGE_ACCESS", "false")
# Workforce equality: a unit's breakdown by a staff characteristic is shown only where at least this share of
# its staff declared it (the HMPPS workforce statistics' 60%).
EVENHAND_WORKFORCE_DECLARATION_THRESHOLD = float(
    os.environ.get("EVENHAND_WORKFORCE_DECLARATION_THRESHOLD", "0.6")
)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "ninja",
    # The task queue (ADR 11): django-tasks, with its database backend and worker (`evenhand worker`).
    "django_tasks",
    "django_tasks_db",
    # /metrics (Prometheus): request latency by view, queries by database (docs/deploy.md).
    "django_prometheus",
    "evenhand.core",
    "evenhand.org",
    "evenhand.people",
    "evenhand.cases",
    "evenhand.assessment",
    "evenhand.review",
    "evenhand.audit",
    "evenhand.workload",
    "evenhand.workforce",
    "evenhand.synth",
    "evenhand.equality",
    "evenhand.voice",
    "evenhand.imports",
    "evenhand.jobs",
    "evenhand.api",
]

MIDDLEWARE = [
    # First and last: django-prometheus times the whole stack, and each view (evenhand.core.metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Every response and log line carries the request's id (X-Request-ID), whatever answers it.
    "evenhand.core.observability.RequestIdMiddleware",
    # Before the session and messages middleware: the safe voice reporter's pages never see the session.
    "evenhand.voice.middleware.ReporterAnonymityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Inside WhiteNoise, which answers for static files before this sees them; so every other response.
    "evenhand.core.middleware.NeverCacheMiddleware",
    "evenhand.api.middleware.MethodNotAllowedAsJson",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "evenhand.core.middleware.LoginRequiredMiddleware",
    "evenhand.core.metrics.PrometheusAfter",
]

ROOT_URLCONF = "evenhand.urls"
WSGI_APPLICATION = "evenhand.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "evenhand.core.jinja2.environment",
            "autoescape": True,
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "evenhand.core.context_processors.staff",
                "evenhand.core.context_processors.csrf_once",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

# SQLite, however it is named: WAL lets readers carry on while a writer commits; IMMEDIATE avoids lock
# upgrades failing; a 64 MB page cache and memory-mapped reads keep the equality engine's national queries fast.
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-65536; PRAGMA mmap_size=4294967296;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def _database(url: str) -> dict[str, object]:
    """A database from its URL. Connections are kept for 10 minutes and checked before a request reuses one
    (CONN_HEALTH_CHECKS), so a PostgreSQL restart costs at most the requests in flight."""
    database = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = SQLITE_OPTIONS
    else:
        # Casework pages ask PostgreSQL for a few rows by index. Its defaults suit long reports on spinning disks:
        # JIT compilation (1.5 s spent compiling a count of a PDU's caseload that runs in 30 ms without it) and a
        # random page cost of 4 (whole-table scans chosen over index reads). Solid-state storage is 1.1.
        database["OPTIONS"] = {
            "options": os.getenv("EVENHAND_PG_OPTIONS", "-c jit=off -c random_page_cost=1.1")
        }
    return dict(database)


DATABASE_URL = os.getenv("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": _database(DATABASE_URL)}
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("SQLITE_PATH", str(VAR_DIR / "evenhand.sqlite3")),
            "OPTIONS": SQLITE_OPTIONS,
            "CONN_HEALTH_CHECKS": True,
        }
    }
# Threads a process may use to run one request's independent reads side by side (evenhand.core.concurrent),
# each with its own connection to PostgreSQL; 0 runs them one after another.
READ_THREADS = envint("EVENHAND_READ_THREADS", 4)
# Read replicas (ADR 15): with ANALYTICS_DATABASE_URL (a streaming replica of the primary), the equality
# engine's reads for an analysis, a publication and the workforce measures go to it; everything else,
# and every write and migration, to the primary (evenhand.core.db.AnalyticsRouter).
ANALYTICS_DATABASE_URL = os.getenv("ANALYTICS_DATABASE_URL", "")
ANALYTICS_DATABASE = "analytics" if ANALYTICS_DATABASE_URL else ""
if ANALYTICS_DATABASE_URL:
    DATABASES["analytics"] = _database(ANALYTICS_DATABASE_URL)
# Apps whose every read is analytical, besides the engine's reads, which say so themselves (none by default:
# the workforce app keeps records that its own rules check new ones against, which must be read from the
# primary; its measures, in the equality catalogue, are read as the engine's: ADR 15).
ANALYTICS_APP_LABELS = tuple(envlist("EVENHAND_ANALYTICS_APPS", ""))
DATABASE_ROUTERS = ["evenhand.core.db.AnalyticsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "my-cases"
LOGOUT_REDIRECT_URL = "sign-in"

# Login throttling: lock an account and address pair after repeated failures.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = None
AXES_LOCKOUT_CALLABLE = "evenhand.core.views.locked_out"

SECURE = not DEBUG and envbool("SECURE_COOKIES", "true")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # A browser that has once reached Evenhand over HTTPS then refuses plain HTTP to it and its subdomains
    # for a year. SecurityMiddleware sends the header only on HTTPS requests, so the plain-HTTP demo is
    # unaffected.
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
if not DEBUG and envbool("SECURE_SSL_REDIRECT", "false"):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# django-csp 4: no inline script or style; GOV.UK Frontend's one inline snippet (the js-enabled class) uses a nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"

# GOV.UK Frontend's and MoJ Frontend's CSS ask for /assets/fonts and /assets/images, so static files live
# at /assets/ and both packages' asset folders sit at its root.
STATIC_URL = "/assets/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    str(NODE_MODULES / "govuk-frontend/dist/govuk/assets"),
    str(NODE_MODULES / "@ministryofjustice/frontend/moj/assets"),
    ("govuk", str(NODE_MODULES / "govuk-frontend/dist/govuk")),
    ("moj", str(NODE_MODULES / "@ministryofjustice/frontend/moj")),
]
STATICFILES_DIRS = [d for d in STATICFILES_DIRS if Path(d if isinstance(d, str) else d[1]).is_dir()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or envbool("EVENHAND_PLAIN_STATIC", "false")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Offence flags (besides racially or religiously aggravated and hate crime, always covered) that put a case
# under the sensitive-case protocol: allocation waits for a recorded consultation with the practitioner.
SENSITIVE_CASE_FLAGS = envlist("EVENHAND_SENSITIVE_CASE_FLAGS", "")

# Risk information on a licence: the hours within which a decision on recall is due (one working day by
# default); an emergency is always decided the same day.
RECALL_DECISION_HOURS = envint("EVENHAND_RECALL_DECISION_HOURS", 24)

# One cache for every process (ADR 11): Redis when REDIS_URL is set (a deployment of several app servers and
# workers); otherwise files under var/cache, which every process of one machine shares (the embedded default,
# no server to run). "equality" keeps the dashboard's figures (tens of MB each nationally), apart from the
# small entries; keys are versioned by what they hold and, for figures, by when they were computed.
REDIS_URL = os.getenv("REDIS_URL", "")
CACHE_DIR = Path(os.getenv("EVENHAND_CACHE_DIR", str(VAR_DIR / "cache")))


def _cache(alias: str, timeout: int, entries: int) -> dict[str, object]:
    if REDIS_URL:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"evenhand:{alias}",
            "TIMEOUT": timeout,
        }
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(CACHE_DIR / alias),
        "TIMEOUT": timeout,
        "OPTIONS": {"MAX_ENTRIES": entries},
    }


CACHES = {
    "default": _cache("default", 300, 3000),
    "equality": _cache(
        "equality", envint("EQUALITY_CACHE_SECONDS", 24 * 60 * 60), envint("EQUALITY_CACHE_ENTRIES", 60)
    ),
}

# The task queue: jobs wait in the database and `evenhand worker` runs them, on this machine or any other that
# reaches the database. A running job's worker renews its lease with a heartbeat; a job whose lease runs out
# (its worker was killed) is tried again, up to its attempts, or failed (evenhand.jobs.services.reap).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JOB_HEARTBEAT_SECONDS = float(os.getenv("JOB_HEARTBEAT_SECONDS", "5"))
JOB_LEASE_SECONDS = float(os.getenv("JOB_LEASE_SECONDS", "60"))
# Where publications made from the web are written, one folder per job (downloaded through Evenhand).
PUBLICATIONS_DIR = Path(os.getenv("EVENHAND_PUBLICATIONS_DIR", str(VAR_DIR / "publications")))

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

# /metrics (evenhand.core.metrics), while METRICS_ENABLED: open to a scraper presenting the bearer METRICS_TOKEN,
# or calling from an address in METRICS_ALLOWED_IPS (the socket's, never a forwarded header); everyone else gets
# a 404. No address by default but for the demo's own machine: behind a proxy on the same machine every caller
# comes from 127.0.0.1 (docs/deploy.md).
METRICS_ENABLED = envbool("METRICS_ENABLED", "true")
METRICS_TOKEN = os.getenv("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = envlist("METRICS_ALLOWED_IPS", "127.0.0.1,::1" if DEVELOPMENT_KEYS else "")

# Logs: one JSON object a line in production (LOG_FORMAT=json, python-json-logger), readable lines for the demo
# (LOG_FORMAT=text, its default); either way every line carries the request's id (evenhand.core.observability).
LOG_FORMAT = os.getenv("LOG_FORMAT", "text" if DEVELOPMENT_KEYS else "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT is '{LOG_FORMAT}': set it to json or text.")

# The safe voice reporter's pages leave no line in any log (Django's here; gunicorn's access log through
# evenhand.core.logging.AccessLogger, which `evenhand serve` uses).
UNLOGGED_PATH_PREFIXES = ("/voice/",)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "unlogged_paths": {"()": "evenhand.core.logging.DropUnloggedPaths"},
        "request_id": {"()": "evenhand.core.observability.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["unlogged_paths", "request_id"],
            "formatter": LOG_FORMAT,
        },
        "server": {
            "class": "logging.StreamHandler",
            "filters": ["unlogged_paths", "request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "server",
        },
    },
    "formatters": {
        "json": {"()": "evenhand.core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "loggers": {"django.server": {"handlers": ["server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}
