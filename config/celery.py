"""The Celery application. Workers and beat load Django settings from here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("banso")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
