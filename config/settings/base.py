"""Settings for every environment, read from the process environment.

With no environment set, Banso runs on the embedded default: SQLite and Celery
on kombu's filesystem transport, so that a first look needs no services.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("BANSO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("BANSO_REQUIRE_SECRET_KEY"):
        raise RuntimeError("DJANGO_SECRET_KEY must be set in production.")
    # Development and the embedded default only; production sets the variable.
    SECRET_KEY = "banso-insecure-development-key-change-me"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("BANSO_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    # Before allauth, so that Banso's templates frame allauth's pages.
    "frontend",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "routing",
    "consult",
    "notifications",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RequestBoundsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.PageSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.PageAuthenticationMiddleware",
    "config.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.banso",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'banso.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USES_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# SQLite (the embedded default) cannot enforce NULLS NOT DISTINCT; PostgreSQL does.
SILENCED_SYSTEM_CHECKS = [] if USES_POSTGRES else ["models.W047"]

# --- Cache, broker ---------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("BANSO_CACHE_PREFIX", "banso"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # Publishing gives up at once when Redis is away (the outbox sweep sends
    # later), so a request never waits on the broker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
else:
    # The embedded default: a cache on disk shared by web and worker, and
    # Celery's filesystem transport instead of a broker.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    _queue_dir = VAR_DIR / "celery-queue"
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        # Exchange tables too, or kombu writes them into ./control of the working directory.
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }

CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = os.environ.get("BANSO_BEAT_SCHEDULER", "django_celery_beat.schedulers:DatabaseScheduler")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic schedules are declared here; django-celery-beat's database scheduler
# copies them into its tables when beat starts.
CELERY_BEAT_SCHEDULE = {
    "auto-close-resolved": {"task": "consult.auto_close_resolved", "schedule": 15 * 60},
    "notifications-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": float(os.environ.get("BANSO_OUTBOX_SWEEP_SECONDS", "60")),
    },
    "notifications-deadlines": {
        "task": "notifications.sweep_deadlines",
        "schedule": float(os.environ.get("BANSO_DEADLINE_SWEEP_SECONDS", "60")),
    },
    "metrics-refresh": {"task": "metrics.refresh_figures", "schedule": 60.0},
    # The dashboard and the metrics API read figures published this often (their staleness).
    "metrics-publish": {
        "task": "metrics.publish_figures",
        "schedule": float(os.environ.get("BANSO_FIGURES_PUBLISH_SECONDS", "300")),
    },
    # 08:30 JST (CELERY_TIMEZONE); the task itself skips holidays and the year-end closure.
    "notifications-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(minute=30, hour=8, day_of_week="mon-fri"),
    },
    # 09:00 JST each weekday; sends last month's report once, from the month's first business day.
    "metrics-monthly-report": {
        "task": "metrics.send_monthly_report",
        "schedule": crontab(minute=0, hour=9, day_of_week="mon-fri"),
    },
}
# Deliveries have their own queue, so a backlog of e-mail never delays other work.
CELERY_TASK_ROUTES = {"notifications.*": {"queue": "notifications"}}

# --- Notifications ----------------------------------------------------------
# No e-mail from 20:00 to 08:00 JST unless urgent; it waits for the morning.
BANSO_QUIET_HOURS_START = int(os.environ.get("BANSO_QUIET_HOURS_START", "20"))
BANSO_QUIET_HOURS_END = int(os.environ.get("BANSO_QUIET_HOURS_END", "8"))
BANSO_DIGEST_EVERY_DAY = env_bool("BANSO_DIGEST_EVERY_DAY")
# Committed deliveries are handed to Celery by a background thread at most this
# often, several events per message under load (0: at once, in the request).
BANSO_OUTBOX_RELAY_SECONDS = float(os.environ.get("BANSO_OUTBOX_RELAY_SECONDS", "0.05"))
# The outbox sweep leaves rows younger than this to the task queued at commit.
BANSO_OUTBOX_GRACE_SECONDS = float(os.environ.get("BANSO_OUTBOX_GRACE_SECONDS", "30"))
# Webhooks: https to public addresses only, unless these are set (development, tests).
BANSO_WEBHOOK_ALLOW_LOOPBACK = env_bool("BANSO_WEBHOOK_ALLOW_LOOPBACK", DEBUG)
BANSO_WEBHOOK_ALLOW_PRIVATE = env_bool("BANSO_WEBHOOK_ALLOW_PRIVATE")

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"
ACCOUNT_ADAPTER = "accounts.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("BANSO_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "reset_password": "5/m/ip,3/5m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Banso"

# Failures of POST /api/v1/auth/token/ allowed per e-mail address and per
# client address in BANSO_TOKEN_FAILURE_WINDOW seconds before answering 429.
BANSO_TOKEN_MAX_FAILURES = int(os.environ.get("BANSO_TOKEN_MAX_FAILURES", "5"))
BANSO_TOKEN_FAILURE_WINDOW = int(os.environ.get("BANSO_TOKEN_FAILURE_WINDOW", "300"))
# Seconds an API token's user is reused from the cache (0: read it on every call).
# Changes to the token, the user or their offices drop the entry at once.
BANSO_TOKEN_CACHE_SECONDS = int(os.environ.get("BANSO_TOKEN_CACHE_SECONDS", "30"))

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated API call then gets 401 with a
        # WWW-Authenticate header instead of a bare 403.
        "accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "config.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth_token": os.environ.get("BANSO_TOKEN_RATE", "30/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Banso API",
    "DESCRIPTION": "伴走型支援のワンストップ相談窓口 — the one-stop consultation desk for local governments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"NotificationKindEnum": "notifications.kinds.Kind"},
}

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("BANSO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end packages come from npm (package-lock.json) and are served from
# node_modules by whitenoise: no CDN at run time.
STATICFILES_DIRS = [("vendor", BASE_DIR / "node_modules")] if (BASE_DIR / "node_modules").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("BANSO_MEDIA_ROOT", VAR_DIR / "media"))

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Banso <no-reply@banso.example.go.jp>")

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BANSO_LOG_LEVEL", "INFO")},
}

# --- Consultations --------------------------------------------------------------
BANSO_ATTACHMENT_MAX_BYTES = int(os.environ.get("BANSO_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
BANSO_MAX_FILES_PER_REQUEST = int(os.environ.get("BANSO_MAX_FILES_PER_REQUEST", "10"))
# The form fields of a request (files are not counted here): Django's default.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploads past this go to a temporary file as they arrive, never whole into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
# Seconds a list's total count is reused (pages are always read fresh).
BANSO_LIST_COUNT_CACHE_SECONDS = int(os.environ.get("BANSO_LIST_COUNT_CACHE_SECONDS", "30"))
