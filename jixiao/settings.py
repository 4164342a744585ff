"""Settings come from the environment (django-environ).

With nothing set, the embedded default runs: SQLite, eager Celery, files in ./media.
Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), SECRET_KEY,
ALLOWED_HOSTS and DEBUG=off; see README.md.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# The embedded default needs no secret; production must bring its own.
SECRET_KEY = env("SECRET_KEY", default="" if not DEBUG else "dev-only-insecure-key-jixiao")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY 未设置：生产环境必须通过环境变量提供。")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "pgtrigger",
    "core",
    "accounts",
    "credits",
    "reviews",
    "audits",
    "certificates",
    "reports",
    "sealing",
    "bench",
]

MIDDLEWARE = [
    # /healthz/ for the healthchecks, before host validation and the HTTPS redirect.
    "core.handlers.HealthCheckMiddleware",
    # A body over REQUEST_MAX_BYTES is refused before it is read.
    "core.handlers.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # NUL and other control characters in a query, form or JSON body: a Chinese 400, before any view.
    "core.inputs.ControlCharacterMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A refusal (core.errors.DomainError) no view caught becomes the site's Chinese error page.
    "core.handlers.DomainErrorMiddleware",
    # A lost database connection: a Chinese 503, not a traceback.
    "core.handlers.DatabaseUnavailableMiddleware",
]
# The CSRF refusal in Chinese, inside the site's layout.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

ROOT_URLCONF = "jixiao.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "jixiao.context_processors.contacts",
            ],
        },
    },
]

WSGI_APPLICATION = "jixiao.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Lets parallel test runs on one PostgreSQL server use separate test databases.
if env("JIXIAO_TEST_DB_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("JIXIAO_TEST_DB_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # PostgreSQL cancels a statement that runs longer than this (milliseconds), so a request the
    # client gave up on cannot keep its query holding the database. 0: no limit (the embedded
    # default, and what Celery workers running the seal or the big reports set for themselves).
    DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=0)
    if DATABASE_STATEMENT_TIMEOUT > 0:
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c statement_timeout={DATABASE_STATEMENT_TIMEOUT}".strip()
# A persistent connection the server dropped (restart, failover, idle timeout) is checked before
# a request uses it and replaced, instead of costing that worker a failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# A PostgreSQL streaming replica for the big read-only builds (the 学年档案, a district's
# exports): core.db.ReplicaRouter sends reads there only inside core.db.reading_replica(); every
# write and every other read stays on the primary. Unset: there is only the primary.
if env("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = env.db("REPLICA_DATABASE_URL")
    for _key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):
        if _key in DATABASES["default"] and DATABASES["default"]["ENGINE"] == DATABASES["replica"]["ENGINE"]:
            DATABASES["replica"].setdefault(_key, DATABASES["default"][_key])
    # Tests read the primary's test database through the alias (no second test database).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db.ReplicaRouter"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row
GUARDIAN_MONKEY_PATCH_USER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed logins per account and per client address before a pause (see accounts.throttle).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# Per client address: a school behind one address must not be locked out by a few typos.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=10 * LOGIN_FAILURE_LIMIT)
# 身份证号 conflicts with accounts outside the actor's scope, per account, before checks pause.
ID_CLASH_LIMIT = env.int("ID_CLASH_LIMIT", default=10)
ID_CLASH_WINDOW_SECONDS = env.int("ID_CLASH_WINDOW_SECONDS", default=24 * 3600)
# Reverse proxies in front of the site that append to X-Forwarded-For (0: use REMOTE_ADDR only).
LOGIN_TRUSTED_PROXIES = env.int("LOGIN_TRUSTED_PROXIES", default=0)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Development serves static files from the app folders (no collectstatic needed).
WHITENOISE_AUTOREFRESH = env.bool("WHITENOISE_AUTOREFRESH", default=DEBUG)
# First 学年 of the five-year 360-credit cycle (2017 = 2017-2018, the first year of credits).
CREDITS_CYCLE_START_YEAR = env.int("CREDITS_CYCLE_START_YEAR", default=2017)
# 继教证书 and 学分证明书 (certificates/): the public address printed in the QR code, where each
# issuing body's signing key lives (see certificates/signing.py), and the verification page's limit.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
CERT_SIGNING_DIR = Path(env("CERT_SIGNING_DIR", default=str(BASE_DIR / "var" / "signing")))
CERT_SIGNING_PASSWORD = env("CERT_SIGNING_PASSWORD", default="")
CERT_SIGNING_REQUIRED = env.bool("CERT_SIGNING_REQUIRED", default=False)
CERT_TRUST_ROOTS = env.list("CERT_TRUST_ROOTS", default=[])
VERIFY_RATE_LIMIT = env.int("VERIFY_RATE_LIMIT", default=30)  # lookups per address per minute
# Proof files: PDF/JPG/PNG up to this size.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# The largest request body accepted at all (a form with a few proof files): refused with a
# Chinese 413 from its Content-Length before anything is read or spooled
# (core.handlers.RequestSizeLimitMiddleware); nginx's client_max_body_size is the same figure.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# E-mail copies of notifications (recipients with an address): printed on the console in the
# embedded default; production sets EMAIL_URL (smtp+tls://user:password@host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST", "localhost")
EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = EMAIL_CONFIG.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = EMAIL_CONFIG.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="jixiao@localhost")

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://jixiao")
}

# Celery: with no broker the tasks run in-process, so the embedded default needs no Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TIMEZONE = TIME_ZONE
# Acknowledged on receipt by default; tasks that are idempotent (the seal's) ask for acks_late
# themselves, so a worker killed mid-task has them delivered again.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One broker may serve several sites (or test runs): each names its own queue.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Redis redelivers an unacknowledged task after the visibility timeout: longer than any task
# (a seal chunk is one school: seconds), so a slow task is never run twice at once for nothing.
# A broker that cannot be reached must cost a request a second or two, not the default 19 s of
# retries (then a 500): connect within BROKER_CONNECT_TIMEOUT, retry a publish twice, briefly;
# the caller then fails the job with a Chinese message (accounts.jobs.job_enqueue). Workers
# still wait for the broker at startup.
BROKER_CONNECT_TIMEOUT = env.float("BROKER_CONNECT_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
}
# Seconds each seal chunk waits before committing: 0 in production; a demo or a test sets it to
# watch the progress bar or to stop a worker mid-seal.
SEAL_CHUNK_PAUSE_SECONDS = env.float("SEAL_CHUNK_PAUSE_SECONDS", default=0)
# Teachers a seal task takes at once (whole schools): large enough that the per-query round trips
# stop mattering, small enough that N workers share a city evenly and one transaction stays short.
SEAL_BATCH_TEACHERS = env.int("SEAL_BATCH_TEACHERS", default=2000)
# Unfinished bulk-review jobs one reviewer may have at a time.
BULK_JOBS_PER_USER = env.int("BULK_JOBS_PER_USER", default=1)
# A running job that has not reported progress for this long lost its worker and is resumed.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=120)
# An import's initial passwords wait (encrypted) this long for their one download, then go.
INITIAL_PASSWORD_TTL_HOURS = env.int("INITIAL_PASSWORD_TTL_HOURS", default=72)
CELERY_BEAT_SCHEDULE = {
    "academic-years": {
        "task": "credits.academic_years_ensure",
        "schedule": crontab(hour=0, minute=5),
    },
    "resume-stale-imports": {
        "task": "accounts.resume_stale_imports",
        "schedule": 60.0,
    },
    "purge-initial-passwords": {
        "task": "accounts.purge_initial_passwords",
        "schedule": crontab(minute=15),
    },
    "deadline-reminders": {
        "task": "reviews.tasks.send_deadline_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Each reviewer's one daily summary of their queues (only when new work arrived).
    "reviewer-digests": {
        "task": "reviews.tasks.send_reviewer_digests",
        "schedule": crontab(hour=7, minute=30),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a refused token answers 401 with WWW-Authenticate, as clients expect.
        "accounts.tokens.TokenAuthentication",
        "accounts.tokens.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"imports": env("IMPORT_THROTTLE_RATE", default="30/hour")},
    # One handler turns every refusal (core.errors.DomainError) and DRF's own errors into a Chinese body.
    "EXCEPTION_HANDLER": "core.handlers.api_exception_handler",
}
# API tokens (django-rest-knox): stored as digests, expiring, a few per account at most.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24)
API_TOKEN_LIMIT_PER_USER = env.int("API_TOKEN_LIMIT_PER_USER", default=5)
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jixiao 继教学分平台 API",
    "DESCRIPTION": "成都市中小学教师继续教育学分登记、审核与确认。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page describe every endpoint: only for signed-in accounts.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The site runs on a closed network: Swagger UI is served from the vendored sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content-Security-Policy (django-csp): scripts only from this origin's files (the pages carry no
# inline script or on…= handler: static/js/site.js does that work), nothing framed, no plugins,
# forms post only here. Inline style attributes stay allowed (layout only; they run no code).
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Production hardening: on whenever DEBUG is off.
# Trusted only behind a TLS proxy that sets X-Forwarded-Proto itself (compose's nginx): otherwise
# any client could claim to be on HTTPS.
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 8 * 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # LOG_FORMAT=json in production: one JSON object a line, with the security events' fields
    # (core.logs) as keys an operator can filter on; plain key=value lines otherwise.
    "formatters": {
        "plain": {"()": "core.logs.KeyValueFormatter"},
        "json": {"()": "core.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "json" if env("LOG_FORMAT", default="plain") == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint announces every rendering step at INFO ("Step 2 - Fetching and parsing CSS"),
    # already when it is imported: every manage.py command and every PDF would print them.
    "loggers": {"weasyprint.progress": {"level": env("WEASYPRINT_LOG_LEVEL", default="WARNING")}},
}

# A feed file larger than this is parsed and imported by a Celery job with progress (the API
# answers 202 with the job's id), not inside the request.
FEED_SYNC_MAX_BYTES = env.int("FEED_SYNC_MAX_BYTES", default=256 * 1024)
# Seconds an open 学年's dashboard figures stay cached (reports.selectors._cached);
# 0 sums them on every request. A sealed 学年's are kept (they never change).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
