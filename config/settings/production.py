"""Production: HTTPS only, behind a reverse proxy that terminates TLS.

``DJANGO_SETTINGS_MODULE=config.settings.production`` on top of the base settings.
It refuses to start without a real secret key and without the host names the
site answers to; ``make check-deploy`` runs ``check --deploy`` against it.
See docs/security.md.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, REST_FRAMEWORK, env

DEBUG = False

# Keys that must never sign a production session: the development fallback of
# the base settings and the placeholders once shipped in docker-compose.yml.
_PUBLIC_KEYS = {"banso-insecure-development-key-change-me", "change-me-in-production", "collectstatic-only"}
_MIN_KEY_LENGTH = 50


def secret_key_from_environment(variables=os.environ) -> str:
    key = variables.get("DJANGO_SECRET_KEY", "")
    if not key:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
    if key in _PUBLIC_KEYS or "insecure" in key or "change-me" in key:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is a published development value; generate a new one.")
    # The same bar as Django's security.W009.
    if len(key) < _MIN_KEY_LENGTH or len(set(key)) < 5:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY must be at least {_MIN_KEY_LENGTH} random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    return key


SECRET_KEY = secret_key_from_environment()

if not os.environ.get("DJANGO_ALLOWED_HOSTS"):
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the host names the site answers to.")
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")

# --- HTTPS --------------------------------------------------------------------
# The proxy terminates TLS and says so in X-Forwarded-Proto; it must overwrite
# (never pass on) a value the client sent.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Reverse proxies in front of the web process that append to X-Forwarded-For.
# Rate limits (allauth's, DRF's throttles, config.network.client_address) key on
# the address the outermost trusted proxy saw, not on the proxy's own address.
ALLAUTH_TRUSTED_PROXY_COUNT = env("BANSO_TRUSTED_PROXY_COUNT")
# Or a header the proxy sets to the client's address (e.g. X-Real-IP); it wins over X-Forwarded-For.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("BANSO_TRUSTED_CLIENT_IP_HEADER") or None
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": ALLAUTH_TRUSTED_PROXY_COUNT}

# --- Cookies and sessions -----------------------------------------------------
# __Host- cookies are HTTPS only, for this host only, for the whole path.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads it: pages put the token in the form and in hx-headers
# Lax, not Strict: a link in a notification e-mail must arrive signed in.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Signed out after BANSO_SESSION_IDLE_MINUTES without a request of the person's
# own (background polling does not count), and BANSO_SESSION_MAX_HOURS after
# signing in however busy (ASVS 3.3.2, level 2: 30 minutes idle, 12 hours);
# config.security.IdleSessionTimeoutMiddleware enforces both.
BANSO_SESSION_IDLE_SECONDS = env("BANSO_SESSION_IDLE_MINUTES") * 60
SESSION_COOKIE_AGE = env("BANSO_SESSION_MAX_HOURS") * 60 * 60
# A shared office PC forgets the session when the browser closes.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("config.middleware.PageAuthenticationMiddleware") + 1,
    "config.security.IdleSessionTimeoutMiddleware",
)
