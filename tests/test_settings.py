"""Settings read from the environment (django-environ): the documented names and defaults."""

import json
import os
import subprocess
import sys

from django.conf import settings

_PRINT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"], "conn_max_age": s.DATABASES["default"]["CONN_MAX_AGE"],
    "cache": s.CACHES["default"]["BACKEND"], "broker": s.CELERY_BROKER_URL, "hosts": s.ALLOWED_HOSTS,
    "debug": s.DEBUG, "loopback": s.BANSO_WEBHOOK_ALLOW_LOOPBACK, "quiet": s.BANSO_QUIET_HOURS_START,
    "media": str(s.MEDIA_ROOT), "var": str(s.VAR_DIR), "relay": s.BANSO_OUTBOX_RELAY_SECONDS,
}))
"""


def _settings_under(tmp_path, **environment) -> dict:
    """The base settings as a fresh process sees them with only ``environment`` set."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _PRINT],
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings.base", "BANSO_VAR_DIR": str(tmp_path), **environment},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_with_no_environment_banso_runs_on_the_embedded_default(tmp_path):
    found = _settings_under(tmp_path)
    assert found["engine"] == "django.db.backends.sqlite3" and found["conn_max_age"] == 60
    assert found["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert found["broker"] == "filesystem://"
    assert found["hosts"] == ["127.0.0.1", "localhost", "[::1]", "testserver"]
    assert found["debug"] is False and found["loopback"] is False
    assert found["quiet"] == 20 and found["relay"] == 0.05
    assert found["media"] == str(tmp_path / "media") and found["var"] == str(tmp_path)


def test_the_environment_switches_services_and_values(tmp_path):
    found = _settings_under(
        tmp_path,
        DATABASE_URL="postgres://banso@db.example:5432/banso",
        REDIS_URL="redis://127.0.0.1:6379/9",
        DJANGO_ALLOWED_HOSTS="banso.example.go.jp, www.banso.example.go.jp,",
        DJANGO_DEBUG="yes",
        BANSO_QUIET_HOURS_START="21",
        BANSO_MEDIA_ROOT=str(tmp_path / "uploads"),
    )
    assert found["engine"] == "config.db.postgresql"  # Django's, with small bulk inserts as VALUES
    assert found["cache"] == "django_redis.cache.RedisCache" and found["broker"] == "redis://127.0.0.1:6379/9"
    assert found["hosts"] == ["banso.example.go.jp", "www.banso.example.go.jp"]
    assert found["debug"] is True and found["loopback"] is True  # follows DJANGO_DEBUG unless set
    assert found["quiet"] == 21 and found["media"] == str(tmp_path / "uploads")
