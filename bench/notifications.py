"""Notifications: in-app and e-mail deliveries per second by one worker process, and a beat sweep over 1,000,000 armed alarms.

    .venv/bin/python -m bench notifications        (or: make bench BENCH=notifications)

Targets (issue 5): one worker process delivers >= 500 in-app notifications/s
and >= 100 e-mails/s to a local SMTP sink; a deadline sweep over 1,000,000
armed alarms with 5,000 due finds and queues them in under 1 s.
"""

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.support import percentile, purge_queues, report

ROOT = Path(__file__).resolve().parent.parent
IN_APP = 20_000
EMAILS = 2_000
ALARMS = 1_000_000
DUE = 5_000


class _Sink:
    """A local SMTP server that counts what it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.count = 0
        self.lock = threading.Lock()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # the sink's per-command chatter

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


def _start_worker(sink_port: int) -> subprocess.Popen:
    from config.celery import app

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "BANSO_QUIET_HOURS_START": "24",
        "BANSO_QUIET_HOURS_END": "0",
    }
    hostname = f"bench-{os.getpid()}@bench"
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", "solo", "--queues", "notifications",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING", "--hostname", hostname],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[hostname], timeout=1.0):
            return worker
    worker.kill()
    raise RuntimeError("the worker did not start")


def _stop(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)


def _make_notifications(count: int, *, email: bool) -> list[int]:
    from django.utils import timezone

    from accounts.models import User
    from consult.models import Consultation
    from notifications.models import EmailStatus, Notification

    recipient = User.objects.get(email="liaison@kanto.maff.example.go.jp")
    consultations = list(Consultation.objects.order_by("-id").values_list("id", "reference", "title")[:500])
    now = timezone.now()
    rows = [
        Notification(
            recipient=recipient,
            kind="routed",
            consultation_id=cid,
            data={"reference": ref, "title": title, "event": "routed", "office": "関東農政局"},
            created_at=now,
            email_status=EmailStatus.PENDING if email else EmailStatus.NONE,
            delivered_at=now if email else None,
        )
        for i in range(count)
        for cid, ref, title in [consultations[i % len(consultations)]]
    ]
    return [n.pk for n in Notification.objects.bulk_create(rows, batch_size=5000)]


def _deliver(task, ids: list[int], done) -> float:
    from notifications.tasks import BATCH

    start = time.perf_counter()
    for i in range(0, len(ids), BATCH):
        task.apply_async(args=[ids[i : i + BATCH]])
    while not done():
        time.sleep(0.05)
        if time.perf_counter() - start > 300:
            raise RuntimeError("deliveries did not finish in 300 s")
    return time.perf_counter() - start


def _arm_alarms() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM notifications_alarm")
        if cursor.fetchone()[0] < ALARMS:
            cursor.execute(
                "INSERT INTO notifications_alarm (consultation_id, kind, deadline, due_at) "
                "SELECT id, 'first_overdue', now() + interval '30 days', now() + interval '30 days' "
                "FROM consult_consultation ORDER BY id LIMIT %s ON CONFLICT DO NOTHING",
                [ALARMS],
            )
        cursor.execute("UPDATE notifications_alarm SET due_at = now() + interval '30 days', claimed_at = NULL "
                       "WHERE due_at <= now() OR claimed_at IS NOT NULL")  # fmt: skip
        cursor.execute("VACUUM ANALYZE notifications_alarm")


def _make_due() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_alarm SET due_at = now() - interval '1 minute', claimed_at = NULL "
            "WHERE id IN (SELECT id FROM notifications_alarm ORDER BY random() LIMIT %s)",
            [DUE],
        )


def run() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from consult import tasks as consult_tasks
    from notifications import delivery, tasks
    from notifications.models import Alarm, EmailStatus, Notification

    call_command("seed_demo", accounts_only=True, verbosity=0)
    sink = _Sink()
    sink.controller.start()
    purge_queues()
    worker = _start_worker(sink.port)
    try:
        ids = _make_notifications(IN_APP, email=False)
        seconds = _deliver(
            tasks.deliver_inbox,
            ids,
            lambda: not Notification.objects.filter(pk__in=ids, delivered_at__isnull=True).exists(),
        )
        report("in-app, one worker process", {"notifications": len(ids), "seconds": seconds,
                                               "per_s": len(ids) / seconds})  # fmt: skip
        Notification.objects.filter(pk__in=ids).delete()

        ids = _make_notifications(EMAILS, email=True)
        seconds = _deliver(tasks.send_emails, ids, lambda: sink.count >= len(ids))
        sent = Notification.objects.filter(pk__in=ids, email_status=EmailStatus.SENT).count()
        report("e-mail to a local SMTP sink, one worker", {"emails": sink.count, "marked_sent": sent,
                                                            "seconds": seconds, "per_s": sink.count / seconds})  # fmt: skip
        Notification.objects.filter(pk__in=ids).delete()
    finally:
        _stop(worker)
        sink.controller.stop()

    # The sweep: nobody consumes the queue meanwhile; what it queues is purged afterwards.
    _arm_alarms()
    armed = Alarm.objects.filter(due_at__isnull=False).count()
    timings = []
    for _ in range(5):
        _make_due()
        start = time.perf_counter()
        queued = consult_tasks.sweep_deadlines()
        timings.append(time.perf_counter() - start)
        if queued != DUE:
            raise RuntimeError(f"the sweep queued {queued} of {DUE} due alarms")
        purge_queues()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE notifications_alarm SET due_at = now() + interval '30 days', claimed_at = NULL "
                           "WHERE claimed_at IS NOT NULL")  # fmt: skip
    report("deadline sweep (claim + queue)", {"armed_alarms": armed, "due": DUE,
                                              "p50_ms": sorted(timings)[2] * 1000,
                                              "max_ms": max(timings) * 1000,
                                              "p95_ms": percentile(timings, 0.95) * 1000})  # fmt: skip
    _make_due()
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = delivery.due_alarms(timezone.now(), limit=10_000).query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        print("  query plan of the claim:")
        for (line,) in cursor.fetchall():
            print(f"    {line}")
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notifications_alarm SET due_at = now() + interval '30 days' WHERE due_at <= now()")
