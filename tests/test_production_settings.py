"""config.settings.production: refuses a missing, short or published secret key,
passes ``check --deploy`` with no warning, and sets HTTPS, cookies, sessions
and the trusted proxy count."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = secrets.token_urlsafe(50)
HOSTS = "banso.example.go.jp"

SHOW = """
import json
from django.conf import settings
names = ["DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
         "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
         "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_AGE", "BANSO_SESSION_IDLE_SECONDS",
         "ALLAUTH_TRUSTED_PROXY_COUNT", "MIDDLEWARE", "REST_FRAMEWORK"]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def run(code_or_args, **env):
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "BANSO_"))}
    environ |= {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    environ |= {key: value for key, value in env.items() if value is not None}
    args = code_or_args if isinstance(code_or_args, list) else ["-c", "import django; django.setup()\n" + code_or_args]
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_good_key_gives_the_production_settings():
    result = run(SHOW, DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS=HOSTS, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False  # whatever DJANGO_DEBUG says
    assert values["SECRET_KEY"] == GOOD_KEY and values["ALLOWED_HOSTS"] == [HOSTS]
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"] and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY"):
        assert values[name] is True, name
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-") and values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["BANSO_SESSION_IDLE_SECONDS"] == 30 * 60 and values["SESSION_COOKIE_AGE"] == 12 * 3600
    middleware = values["MIDDLEWARE"]
    assert middleware.index("config.security.IdleSessionTimeoutMiddleware") > middleware.index(
        "config.middleware.PageAuthenticationMiddleware"
    )
    assert "csp.middleware.CSPMiddleware" in middleware and "config.security.NoStoreForSignedInMiddleware" in middleware
    assert values["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1 and values["REST_FRAMEWORK"]["NUM_PROXIES"] == 1


def test_the_environment_sets_the_proxy_count_and_the_idle_timeout():
    result = run(
        SHOW, DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS=HOSTS,
        BANSO_TRUSTED_PROXY_COUNT="2", BANSO_SESSION_IDLE_MINUTES="15",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["ALLAUTH_TRUSTED_PROXY_COUNT"] == 2 and values["REST_FRAMEWORK"]["NUM_PROXIES"] == 2
    assert values["BANSO_SESSION_IDLE_SECONDS"] == 15 * 60


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "must be set"),
        ("", "must be set"),
        ("banso-insecure-development-key-change-me", "published"),
        ("change-me-in-production", "published"),
        ("django-insecure-" + "x" * 60, "published"),
        ("too-short-" + "a1b2c3d4e5", "at least 50"),
        ("a" * 80, "at least 50"),  # long but not random
    ],
    ids=["missing", "empty", "development-constant", "compose-placeholder", "django-insecure", "short", "one-letter"],
)
def test_a_bad_key_refuses_to_start(key, message):
    result = run("", DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS=HOSTS)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_no_allowed_hosts_refuses_to_start():
    result = run("", DJANGO_SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_check_deploy_passes_with_no_warning():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS=HOSTS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_make_check_deploy_and_ci_run_it():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\ncheck-deploy:" in makefile and "config.settings.production" in makefile
    assert "--deploy --fail-level WARNING" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make check-deploy" in ci and "make audit" in ci
