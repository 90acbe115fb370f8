"""Delivery with real parts: a Celery worker process, a Redis server of the
test's own (so that it can be stopped), a web server, and an SMTP sink.

* SIGKILL the worker in the middle of a batch, restart it: every notification
  is delivered exactly once.
* Stop Redis, file 20 consultations through the API, start Redis: all 20 are
  filed and every notification is delivered once.
(Two sweeps at once over the same due rows: test_notification_deadlines.py.)
"""

import asyncio
import http.client
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from accounts.services import issue_token
from consult.models import Consultation
from notifications.models import EmailStatus, Notification

ROOT = Path(__file__).resolve().parent.parent
# `make test` installs and starts Redis (scripts/ensure_services.sh): its server binary is always there.
pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class RedisServer:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._answers, timeout=10, what="redis")

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


class Sink:
    """An SMTP server that records each message's Message-ID; it can be made to
    stall a session before the message is sent (to kill a worker mid-batch)."""

    def __init__(self):
        self.received: list[str] = []
        self.stall_after: int | None = None
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # the sink's per-command chatter

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall_after is not None and len(self.received) >= self.stall_after:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.received.append(line.split(":", 1)[1].strip())
        return "250 Message accepted"


@pytest.fixture
def parts(tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    sink = Sink()
    sink.controller.start()
    processes: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis.url,
        "BANSO_CELERY_EAGER": "0",
        "BANSO_CACHE_PREFIX": f"reliability-{os.getpid()}",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "BANSO_BEAT_SCHEDULER": "celery.beat:PersistentScheduler",
        "BANSO_OUTBOX_SWEEP_SECONDS": "1",
        "BANSO_DEADLINE_SWEEP_SECONDS": "3600",
        "BANSO_OUTBOX_GRACE_SECONDS": "1",
        # Delivery is what is tested here: no quiet hours.
        "BANSO_QUIET_HOURS_START": "24",
        "BANSO_QUIET_HOURS_END": "0",
        "BANSO_TOKEN_RATE": "100000/min",
    }

    def worker(*, beat: bool):
        args = [sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", "solo", "--queues",
                "celery,notifications", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
                "--hostname", f"reliability-{len(processes)}@test"]  # fmt: skip
        if beat:
            args += ["--beat", "--schedule", str(tmp_path / "beat-schedule")]
        process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
        processes.append(process)
        return process

    def web():
        port = free_port()
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        processes.append(process)
        wait_for(lambda: _answers(port), timeout=60, what="gunicorn")
        return port

    def script(code: str):
        """Run Django code in a process of its own, with the workers' settings."""
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", f"import django; django.setup()\n{code}"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    yield {"redis": redis, "sink": sink, "worker": worker, "web": web, "script": script}
    sink.release.set()
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    sink.controller.stop()
    redis.stop()


def _database_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/schema/")
        return conn.getresponse().status == 200
    except OSError:
        return False


def _all_delivered(expected: int, sink: Sink):
    def check():
        rows = Notification.objects.all()
        return (
            rows.count() == expected
            and not rows.filter(delivered_at__isnull=True).exists()
            and not rows.exclude(email_status=EmailStatus.SENT).exists()
            and len(sink.received) >= expected
        )

    return check


def _assert_each_once(sink: Sink, expected: int):
    counts = Counter(sink.received)
    wanted = {f"<banso-email-{pk}@" for pk in Notification.objects.values_list("pk", flat=True)}
    assert len(counts) == expected
    assert {message_id.split("@")[0] + "@" for message_id in counts} == wanted
    assert [m for m, n in counts.items() if n > 1] == []


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(committed_reference_data, people, parts):
    parts["script"](
        "from accounts.models import User\n"
        "from consult import services\n"
        "staff = User.objects.get(email='staff@matsumoto.example.lg.jp')\n"
        "for i in range(30):\n"
        "    services.file_consultation(actor=staff, title=f'相談 {i}', body='本文', policy_area='smart-agri')\n"
    )
    assert Notification.objects.count() == 60  # the office's liaison and lead for each
    sink = parts["sink"]
    sink.stall_after = 20
    first = parts["worker"](beat=False)
    assert sink.stalled.wait(60), "the worker never reached the 21st e-mail"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    assert len(sink.received) == 20
    sink.stall_after = None
    sink.release.set()
    # A new worker (with beat) finds what the dead one had not finished.
    parts["worker"](beat=True)
    wait_for(_all_delivered(60, sink), timeout=90, what="every notification delivered")
    time.sleep(3)  # a few more sweeps: nothing may be sent again
    _assert_each_once(sink, 60)


def test_filing_while_redis_is_down_loses_nothing(committed_reference_data, people, parts):
    token = issue_token(user=people["matsumoto"]).key
    port = parts["web"]()
    parts["redis"].stop()
    answers = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(20):
        body = json.dumps({"title": f"停止中の相談 {i}", "body": "本文", "policy_area": "smart-agri"})
        conn.request("POST", "/api/v1/consultations/", body=body.encode(),
                     headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})  # fmt: skip
        response = conn.getresponse()
        response.read()
        answers.append(response.status)
    assert answers == [201] * 20
    assert Consultation.objects.count() == 20
    assert Notification.objects.count() == 40
    assert not Notification.objects.filter(delivered_at__isnull=False).exists()  # nothing could be queued
    parts["redis"].start()
    parts["worker"](beat=True)
    sink = parts["sink"]
    wait_for(_all_delivered(40, sink), timeout=90, what="every notification delivered")
    time.sleep(3)
    _assert_each_once(sink, 40)
