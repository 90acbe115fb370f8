"""Settings for every environment, read from the process environment.

With no environment set, Banso runs on the embedded default: SQLite and Celery
on kombu's filesystem transport, so that a first look needs no services.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _csv(value: str) -> list[str]:
    """A comma-separated list, blanks around items ignored ("a, b" is ["a", "b"])."""
    return [item.strip() for item in value.split(",") if item.strip()]


# Every environment variable Banso reads, with its type and default (README "Configuration").
# None: derived below (from BANSO_VAR_DIR or DJANGO_DEBUG).
env = environ.Env(
    DJANGO_DEBUG=(bool, False),
    DJANGO_SECRET_KEY=(str, ""),
    DJANGO_ALLOWED_HOSTS=(_csv, ["127.0.0.1", "localhost", "[::1]", "testserver"]),
    DJANGO_CSRF_TRUSTED_ORIGINS=(_csv, []),
    DJANGO_SECURE_COOKIES=(bool, False),
    BANSO_SITE_URL=(str, "http://127.0.0.1:8000"),
    BANSO_VAR_DIR=(Path, BASE_DIR / "var"),
    BANSO_MEDIA_ROOT=(Path, None),  # BANSO_VAR_DIR/media
    BANSO_STATIC_ROOT=(Path, BASE_DIR / "staticfiles"),
    DATABASE_URL=(str, None),  # SQLite in BANSO_VAR_DIR/banso.sqlite3
    DATABASE_CONN_MAX_AGE=(int, 60),
    REDIS_URL=(str, ""),  # empty: file cache and Celery's filesystem transport
    BANSO_CACHE_PREFIX=(str, "banso"),
    BANSO_BEAT_SCHEDULER=(str, "django_celery_beat.schedulers:DatabaseScheduler"),
    BANSO_OUTBOX_SWEEP_SECONDS=(float, 60.0),
    BANSO_DEADLINE_SWEEP_SECONDS=(float, 60.0),
    BANSO_FIGURES_PUBLISH_SECONDS=(float, 300.0),
    BANSO_QUIET_HOURS_START=(int, 20),
    BANSO_QUIET_HOURS_END=(int, 8),
    BANSO_DIGEST_EVERY_DAY=(bool, False),
    BANSO_OUTBOX_RELAY_SECONDS=(float, 0.05),
    BANSO_OUTBOX_GRACE_SECONDS=(float, 30.0),
    BANSO_WEBHOOK_ALLOW_LOOPBACK=(bool, None),  # as DJANGO_DEBUG
    BANSO_WEBHOOK_ALLOW_PRIVATE=(bool, False),
    BANSO_EMAIL_VERIFICATION=(str, "optional"),
    BANSO_TOKEN_MAX_FAILURES=(int, 5),
    BANSO_TOKEN_FAILURE_WINDOW=(int, 300),
    BANSO_TOKEN_CACHE_SECONDS=(int, 30),
    BANSO_TOKEN_RATE=(str, "30/min"),
    BANSO_TOKEN_TTL_DAYS=(int, 30),
    BANSO_MFA_REQUIRED_ROLES=(_csv, ["liaison", "secretariat"]),
    DJANGO_EMAIL_BACKEND=(str, "django.core.mail.backends.console.EmailBackend"),
    EMAIL_HOST=(str, "localhost"),
    EMAIL_PORT=(int, 25),
    DEFAULT_FROM_EMAIL=(str, "Banso <no-reply@banso.example.go.jp>"),
    BANSO_LOG_LEVEL=(str, "INFO"),
    BANSO_ATTACHMENT_MAX_BYTES=(int, 20 * 1024 * 1024),
    BANSO_MAX_FILES_PER_REQUEST=(int, 10),
    BANSO_LIST_COUNT_CACHE_SECONDS=(int, 30),
    # Answer by e-mail (docs/inbound-mail.md).
    BANSO_REPLY_DOMAIN=(str, "reply.banso.example.go.jp"),
    BANSO_REPLY_TTL_DAYS=(int, 30),
    BANSO_INBOUND_SMTP_HOST=(str, "127.0.0.1"),
    BANSO_INBOUND_SMTP_PORT=(int, 2525),
    BANSO_INBOUND_NOTICE_SECONDS=(int, 3600),
    BANSO_IMAP_HOST=(str, ""),
    BANSO_IMAP_PORT=(int, 993),
    BANSO_IMAP_USER=(str, ""),
    BANSO_IMAP_PASSWORD=(str, ""),
    BANSO_IMAP_FOLDER=(str, "INBOX"),
    BANSO_IMAP_DONE_FOLDER=(str, ""),
    # Production only (config/settings/production.py).
    BANSO_TRUSTED_PROXY_COUNT=(int, 1),
    BANSO_TRUSTED_CLIENT_IP_HEADER=(str, ""),
    BANSO_SESSION_IDLE_MINUTES=(int, 30),
    BANSO_SESSION_MAX_HOURS=(int, 12),
)

VAR_DIR = env("BANSO_VAR_DIR")

DEBUG = env("DJANGO_DEBUG")
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    # Development and the embedded default only: config.settings.production
    # refuses to start without a real key.
    SECRET_KEY = "banso-insecure-development-key-change-me"  # noqa: S105

ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("BANSO_SITE_URL")

INSTALLED_APPS = [
    # Django's admin with Banso's site: sign-in through allauth, the secretariat only.
    "accounts.admin_site.BansoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
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
    "measures",
    "inbound",
    "search",
    "library",
    "demo",
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
    # After authentication: roles that must use a second factor reach only its set-up page.
    "accounts.middleware.SecondFactorRequiredMiddleware",
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
    "default": {
        **environ.Env.db_url_config(env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'banso.sqlite3'}"),
        "CONN_MAX_AGE": env("DATABASE_CONN_MAX_AGE"),
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USES_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if USES_POSTGRES:
    # Django's backend with small bulk inserts as VALUES (config/db/postgresql/compiler.py).
    DATABASES["default"]["ENGINE"] = "config.db.postgresql"
# SQLite (the embedded default) cannot enforce NULLS NOT DISTINCT; PostgreSQL does.
SILENCED_SYSTEM_CHECKS = [] if USES_POSTGRES else ["models.W047"]

# --- Cache, broker ---------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # While Redis is away a read is a miss and a write is skipped (logged), so
    # filing and reading go on: the database is the truth, the cache saves work.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("BANSO_CACHE_PREFIX"),
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 2},
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
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
CELERY_BEAT_SCHEDULER = env("BANSO_BEAT_SCHEDULER")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic schedules are declared here; django-celery-beat's database scheduler
# copies them into its tables when beat starts.
CELERY_BEAT_SCHEDULE = {
    "auto-close-resolved": {"task": "consult.auto_close_resolved", "schedule": 15 * 60},
    "library-common-terms": {"task": "library.refresh_common_terms", "schedule": 6 * 3600},
    "notifications-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": env("BANSO_OUTBOX_SWEEP_SECONDS"),
    },
    "notifications-deadlines": {
        "task": "notifications.sweep_deadlines",
        "schedule": env("BANSO_DEADLINE_SWEEP_SECONDS"),
    },
    "metrics-refresh": {"task": "metrics.refresh_figures", "schedule": 60.0},
    # Search texts whose task was lost (the broker away when the change committed).
    "search-sweep": {"task": "search.sweep_stale_texts", "schedule": 5 * 60},
    # Window notices of followed measures (each person once per window and kind).
    "measures-windows": {"task": "measures.sweep_windows", "schedule": 15 * 60},
    # The dashboard and the metrics API read figures published this often (their staleness).
    "metrics-publish": {
        "task": "metrics.publish_figures",
        "schedule": env("BANSO_FIGURES_PUBLISH_SECONDS"),
    },
    # 08:30 JST (CELERY_TIMEZONE); the task itself skips holidays and the year-end closure.
    "notifications-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(minute=30, hour=8, day_of_week="mon-fri"),
    },
    # 00:30 JST daily, after memberships ending that day (人事異動 on 1 April) have ended:
    # the leads are told of open work still assigned to people who left (once each).
    "consult-ownerless-work": {"task": "consult.notify_ownerless_work", "schedule": crontab(minute=30, hour=0)},
    # Inbound mail whose task was never queued (the broker was away) or was lost.
    "inbound-sweep": {"task": "inbound.sweep", "schedule": 60.0},
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
BANSO_QUIET_HOURS_START = env("BANSO_QUIET_HOURS_START")
BANSO_QUIET_HOURS_END = env("BANSO_QUIET_HOURS_END")
BANSO_DIGEST_EVERY_DAY = env("BANSO_DIGEST_EVERY_DAY")
# Committed deliveries are handed to Celery by a background thread at most this
# often, several events per message under load (0: at once, in the request).
BANSO_OUTBOX_RELAY_SECONDS = env("BANSO_OUTBOX_RELAY_SECONDS")
# The outbox sweep leaves rows younger than this to the task queued at commit.
BANSO_OUTBOX_GRACE_SECONDS = env("BANSO_OUTBOX_GRACE_SECONDS")
# Webhooks: https to public addresses only, unless these are set (development, tests).
BANSO_WEBHOOK_ALLOW_LOOPBACK = env("BANSO_WEBHOOK_ALLOW_LOOPBACK", default=DEBUG)
BANSO_WEBHOOK_ALLOW_PRIVATE = env("BANSO_WEBHOOK_ALLOW_PRIVATE")

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, loading whether the user has a second factor with the user.
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
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
ACCOUNT_EMAIL_VERIFICATION = env("BANSO_EMAIL_VERIFICATION")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "reset_password": "5/m/ip,3/5m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Banso"
# One 30-second step either side (RFC 6238 §5.2): a code typed or sent as the step turns is still good.
MFA_TOTP_TOLERANCE = 1

MFA_ADAPTER = "accounts.adapters.BansoMFAAdapter"
# Roles that must sign in with a second factor (TOTP); until they set it up,
# pages lead to its set-up page and the API refuses them.
BANSO_MFA_REQUIRED_ROLES = env("BANSO_MFA_REQUIRED_ROLES")

# Failures of POST /api/v1/auth/token/ (wrong password or wrong second-factor
# code) allowed per account and per client address in
# BANSO_TOKEN_FAILURE_WINDOW seconds before answering 429.
BANSO_TOKEN_MAX_FAILURES = env("BANSO_TOKEN_MAX_FAILURES")
BANSO_TOKEN_FAILURE_WINDOW = env("BANSO_TOKEN_FAILURE_WINDOW")
# API tokens (django-rest-knox): only a digest is stored; a token expires this
# many days after it was issued, and all of a person's tokens are revoked when
# the password changes or the account is deactivated.
BANSO_TOKEN_TTL_DAYS = env("BANSO_TOKEN_TTL_DAYS")
# knox's own token model is swapped for Banso's (accounts.ApiToken); knox's
# migrations would still create its unused table, so knox runs without them.
MIGRATION_MODULES = {"knox": None}
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 — a model name, not a secret
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": datetime.timedelta(days=BANSO_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# Seconds an API token's user is reused from the cache (0: read it on every call).
# Changes to the token, the user, their offices or second factor drop the entry at once.
BANSO_TOKEN_CACHE_SECONDS = env("BANSO_TOKEN_CACHE_SECONDS")

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
    "DEFAULT_THROTTLE_RATES": {"auth_token": env("BANSO_TOKEN_RATE")},
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
STATIC_ROOT = env("BANSO_STATIC_ROOT")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end packages come from npm (package-lock.json) and are served from
# node_modules by whitenoise: no CDN at run time.
STATICFILES_DIRS = [("vendor", BASE_DIR / "node_modules")] if (BASE_DIR / "node_modules").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env("BANSO_MEDIA_ROOT") or VAR_DIR / "media"

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND")
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = env("EMAIL_PORT")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")

# --- Answer by e-mail (inbound) ---------------------------------------------------
BANSO_REPLY_DOMAIN = env("BANSO_REPLY_DOMAIN").strip().lower()
BANSO_REPLY_TTL_DAYS = env("BANSO_REPLY_TTL_DAYS")
BANSO_INBOUND_SMTP_HOST = env("BANSO_INBOUND_SMTP_HOST")
BANSO_INBOUND_SMTP_PORT = env("BANSO_INBOUND_SMTP_PORT")
# At most one notice (a polite bounce) per sender address in this many seconds.
BANSO_INBOUND_NOTICE_SECONDS = env("BANSO_INBOUND_NOTICE_SECONDS")
BANSO_IMAP_HOST = env("BANSO_IMAP_HOST")
BANSO_IMAP_PORT = env("BANSO_IMAP_PORT")
BANSO_IMAP_USER = env("BANSO_IMAP_USER")
BANSO_IMAP_PASSWORD = env("BANSO_IMAP_PASSWORD")
BANSO_IMAP_FOLDER = env("BANSO_IMAP_FOLDER")
BANSO_IMAP_DONE_FOLDER = env("BANSO_IMAP_DONE_FOLDER")

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_SECURE = env("DJANGO_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("BANSO_LOG_LEVEL")},
}

# --- Consultations --------------------------------------------------------------
BANSO_ATTACHMENT_MAX_BYTES = env("BANSO_ATTACHMENT_MAX_BYTES")
BANSO_MAX_FILES_PER_REQUEST = env("BANSO_MAX_FILES_PER_REQUEST")
# The form fields of a request (files are not counted here): Django's default.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploads past this go to a temporary file as they arrive, never whole into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
# Seconds a list's total count is reused (pages are always read fresh).
BANSO_LIST_COUNT_CACHE_SECONDS = env("BANSO_LIST_COUNT_CACHE_SECONDS")

# --- Content-Security-Policy and caching for signed-in people ----------------
# Every environment (and so the browser tests) serves the production policy:
# no inline script or style anywhere. DRF's browsable API is the one exception
# (config.renderers); Swagger UI and the admin need none (docs/security.md).
from csp.constants import NONE, SELF  # noqa: E402

INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE += ["config.security.NoStoreForSignedInMiddleware"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# DRF's browsable API with its one exception (config.renderers.BrowsableAPIRenderer).
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
    "config.renderers.BrowsableAPIRenderer" if name == "rest_framework.renderers.BrowsableAPIRenderer" else name
    for name in REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
]
