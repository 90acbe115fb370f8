"""Settings for the test suite: real PostgreSQL and Redis, fast hashing."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/banso")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("BANSO_CACHE_PREFIX", "banso-test")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless a test starts a worker that sends to a local SMTP sink.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
BANSO_LIST_COUNT_CACHE_SECONDS = 0  # tests count exactly

# Tasks run in the test process unless a test starts a real worker (BANSO_CELERY_EAGER=0).
CELERY_TASK_ALWAYS_EAGER = env.bool("BANSO_CELERY_EAGER", default=True)  # noqa: F405
BANSO_WEBHOOK_ALLOW_LOOPBACK = True
