"""certify settings, driven by the environment.

Nothing set: an SQLite file under ``var/`` and Celery tasks run in-process.
``DATABASE_URL`` set: PostgreSQL through psycopg 3.
``REDIS_URL`` set: Redis is the Celery broker, result backend and the cache.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

from certify.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    local_secret_key,
    redis_from_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
VAR_DIR = Path(env_str("CERTIFY_VAR_DIR") or BASE_DIR / "var")
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if env_str("DATABASE_URL"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is (a production deployment).")
    # Embedded default: a random key made once and kept beside the SQLite file.
    SECRET_KEY = local_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "certify",
    "certify.site",
    "question_bank",
    "exams",
    "grading",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Invalid Unicode, control characters and over-deep JSON are refused before any view runs.
    "certify.input_guard.InputGuardMiddleware",
    # After the first login only the new-password page is reachable (certify.people.auth).
    "certify.people.auth.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "certify.urls"

# The apps are grouped into packages by concept (certify/people, exams/written, …). A package
# keeps its templates and static files beside its code: ``<app>/<package>/templates/`` and
# ``<app>/<package>/static/``, found here, namespaced by the package's name inside.
CONCEPT_APPS = ("certify", "question_bank", "exams", "grading")
CONCEPT_TEMPLATE_DIRS = sorted(path for app in CONCEPT_APPS for path in BASE_DIR.glob(f"{app}/*/templates"))
STATICFILES_DIRS = sorted(path for app in CONCEPT_APPS for path in BASE_DIR.glob(f"{app}/*/static"))
WSGI_APPLICATION = "certify.wsgi.application"

TEMPLATES = [
    {
        # Django's engine; a stored lone surrogate is replaced on output instead of failing the page.
        "BACKEND": "certify.rendering.SafeDjangoTemplates",
        "NAME": "django",  # the alias DRF and Django look the engine up by
        # Each concept package keeps its templates beside its code (e.g. exams/written/templates/).
        "DIRS": CONCEPT_TEMPLATE_DIRS,
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "certify.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# The answer save's one statement is a prepared statement on PostgreSQL (exams/written/services.py);
# false behind a PgBouncer older than 1.21 in transaction mode (it cannot keep prepared statements).
DB_PREPARED_SAVE = env_bool("DB_PREPARED_SAVE", default=True)
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url("DATABASE_URL", DATABASE_URL)}
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    SQLITE_PATH = Path(env_str("SQLITE_PATH") or VAR_DIR / "certify.sqlite3")
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Several requests write at once during a sitting: wait for the lock.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery and the cache ------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    redis_from_url("REDIS_URL", REDIS_URL)
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "certify",
        }
    }
else:
    # Embedded default: no broker, tasks run in the calling process.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE") or "certify"
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "certify.tasks.record_heartbeat",
        "schedule": crontab(),  # every minute
        "options": {"expires": 50},
    },
    "finalize-expired-attempts": {
        "task": "exams.tasks.finalize_expired_attempts",
        "schedule": 5.0,  # seconds; there is no task per attempt (its deadline is past Redis's visibility timeout)
        # A run not started within its own period is dropped: with workers down, sweeps do not pile up.
        "options": {"expires": 5},
    },
    "exports-purge": {
        "task": "grading.tasks.purge_exports",
        "schedule": crontab(minute=17),  # hourly: export files and certificate zips past their retention are deleted
        "options": {"expires": 3000},
    },
    "marking-sweep": {
        "task": "grading.tasks.marking_sweep",
        "schedule": 30.0,  # seconds; submissions enqueue their scripts, marking pages make missing ones
        "options": {"expires": 30},
    },
}

# --- The exam ---------------------------------------------------------------
# Saves arriving this many seconds after the deadline (already in flight) are still kept.
CERTIFY_SAVE_GRACE_SECONDS = env_int("CERTIFY_SAVE_GRACE_SECONDS", 10, minimum=0, maximum=120)
# The embedded default's in-process sweep (manage.py serve): seconds between two runs.
CERTIFY_SWEEP_SECONDS = env_int("CERTIFY_SWEEP_SECONDS", 5, minimum=1, maximum=300)

# --- Excel imports ------------------------------------------------------------
# Untrusted workbooks are read in a child process limited to this much memory and CPU time.
EXCEL_MEMORY_MB = env_int("EXCEL_MEMORY_MB", 512, minimum=128, maximum=8192)
EXCEL_CPU_SECONDS = env_int("EXCEL_CPU_SECONDS", 20, minimum=2, maximum=600)

# --- Excel exports ------------------------------------------------------------
# Finished export files live here (shared by the web and worker processes) for this many days;
# so do the certificate zips (VAR_DIR/certificates/, grading/certificates/bundles.py).
EXPORTS_DIR = Path(env_str("EXPORTS_DIR") or VAR_DIR / "exports")
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7, minimum=1, maximum=365)
# Each export is written by a lean child process (grading/exports/runner.py, within 100 MB at
# 100,000 rows; the worker does not grow). False: in the task's own process (tests whose rows
# are not committed, where a child could not see them).
EXPORT_IN_CHILD_PROCESS = env_bool("EXPORT_IN_CHILD_PROCESS", default=True)
# The export process is killed, and its job marked failed, after this long (a hung child would
# otherwise hold a Celery worker for ever); generous: a 100,000-row workbook takes about a minute.
EXPORT_PROCESS_TIMEOUT_SECONDS = env_int("EXPORT_PROCESS_TIMEOUT_SECONDS", 30 * 60, minimum=60, maximum=24 * 3600)

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "certify.User"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: refuses every credential check of a locked-out account.
    "axes.backends.AxesStandaloneBackend",
    # Passwords and the first-login secret (hashed like a password, certify.people.hashers).
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "certify.people.hashers.FirstLoginHasher",
]
# Lockout per account (django-axes, certify.people.auth): wrong passwords before the account is
# locked, and for how long; an admin unlocks at once (admin → 用户 → 解除登录锁定).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Per address it is the throttle below (a higher limit: one address may be a whole exam room),
# not axes, whose single limit would lock the room out after a few typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "certify.people.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# Throttle per client address (DRF's throttling): sign-in attempts to the page and the token
# endpoint together. A whole exam room may sit behind one address.
LOGIN_RATE_PER_ADDRESS = env_str("LOGIN_RATE_PER_ADDRESS") or "300/hour"
# Certificates (grading.certificates): lookups on the public verification page per client address,
# the issuing organisation printed on the certificate, the address its QR code points to, and the
# TrueType CJK font embedded in the PDF (Debian's fonts-wqy-zenhei when unset).
VERIFY_RATE_PER_ADDRESS = env_str("VERIFY_RATE_PER_ADDRESS") or "20/minute"
CERTIFICATE_ISSUER = env_str("CERTIFICATE_ISSUER") or "营业员岗位技能认证中心"
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL") or "http://127.0.0.1:8000"
CERTIFICATE_FONT = env_str("CERTIFICATE_FONT") or ""
# API tokens expire this many seconds after issue (a candidate's at the end of their sitting).
API_TOKEN_SECONDS = env_int("API_TOKEN_SECONDS", 12 * 3600, minimum=60, maximum=30 * 24 * 3600)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTPS and the browser's protections (`manage.py check --deploy` is clean with the README's
# production variables set) ---------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    # Behind a reverse proxy that terminates HTTPS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts only from our own static
# files (no page has inline script or event-handler attributes; certify/static/certify/pages.js
# carries the small behaviours), styles only from our own stylesheets: no style attribute or
# style element anywhere (layout helpers are classes in certify/static/certify/site.css;
# tests/test_templates_inline_style.py keeps them out). Scripts may still set element.style
# through the CSSOM (Chart.js sizes its canvases so), which style-src does not govern.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"  # what people see; the database stores UTC
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed, unhashed names: works with and without collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders when collectstatic has not run
# (the embedded default); production runs collectstatic.
WHITENOISE_USE_FINDERS = True

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated API call gets 401 with WWW-Authenticate.
        "certify.people.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "certify.rendering.SafeJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Behind this many reverse proxies the client's address is read from X-Forwarded-For
    # (the sign-in throttle per address).
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5) or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "certify API",
    "DESCRIPTION": "营业员岗位技能认证平台 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ItemStatusEnum": "question_bank.models.ItemStatus",
        "SittingStatusEnum": "exams.planning.models.SittingStatus",
        "AssemblyStatusEnum": "exams.papers.models.AssemblyStatus",
        "ScriptStatusEnum": "grading.marking.models.ScriptStatus",
        "TaskStatusEnum": "grading.marking.models.TaskStatus",
        "AttemptStatusEnum": "exams.written.models.AttemptStatus",  # the practical parts' too (same values)
        "RosterImportStatusEnum": "exams.planning.models.RosterImportStatus",
        "RoomKindEnum": "exams.planning.models.RoomKind",
    },
}

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "WARNING"},
}
