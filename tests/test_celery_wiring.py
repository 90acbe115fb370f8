"""A real Celery worker starts from the project's app and answers over Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


def test_the_celery_app_reads_django_settings():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert app.conf.task_acks_late is True
    assert app.conf.timezone == "Asia/Tokyo"


def test_a_real_worker_answers_a_ping_over_redis():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    hostname = f"wiring-{os.getpid()}@test"
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", "solo", "--hostname", hostname,
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        replies = []
        deadline = time.monotonic() + 30
        while not replies and time.monotonic() < deadline:
            replies = app.control.ping(destination=[hostname], timeout=1.0)
        assert replies == [{hostname: {"ok": "pong"}}]
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output.decode(errors="replace")
