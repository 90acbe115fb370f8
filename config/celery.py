"""The Celery application. Workers and beat load Django settings from here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("banso")

# Every task: acknowledged after it ran, retried with exponential backoff and
# jitter up to a cap (tasks are idempotent, so a retry repeats nothing).
RETRYING = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
