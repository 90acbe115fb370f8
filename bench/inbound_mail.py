"""Inbound mail: replies received per second by the SMTP service, and processed per second (each one a message) by one worker process.

    .venv/bin/python -m bench inbound_mail        (or: make bench BENCH=inbound_mail)

The replies go through the real path: smtplib to ``manage.py inbound_smtp`` in a
process of its own (stored, one task each), then one Celery worker process
(solo pool, the ``celery`` queue only: the notifications these messages cause
are measured by the ``notifications`` benchmark) checks the token and the
sender, strips the quoted history, checks the attachments and posts each
through ``consult.services.post_message``. A quarter of the replies carry a
PDF. BENCH_INBOUND_MAILS sets the count (default 1,000).
"""

import logging
import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from bench.support import free_port, listening, purge_queues, report, stop_group

ROOT = Path(__file__).resolve().parent.parent
MAILS = int(os.environ.get("BENCH_INBOUND_MAILS", "1000"))
CONSULTATIONS = 50
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 20_000


def _start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603


def _wait(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _consultations() -> list[int]:
    from accounts.models import User
    from consult import services
    from consult.models import Consultation

    staff = User.objects.get(email="staff@matsumoto.example.lg.jp")
    have = list(
        Consultation.objects.filter(filer_id=staff.local_government_id, title__startswith="受信ベンチ")
        .order_by("id")
        .values_list("id", flat=True)
    )
    for index in range(len(have), CONSULTATIONS):
        have.append(
            services.file_consultation(
                actor=staff, title=f"受信ベンチ {index}", body="補助制度について伺います。", policy_area="smart-agri"
            ).consultation.pk
        )
    return have


def _reply(*, sender: str, to: str, index: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Re: 【Banso】受信ベンチ {index}"
    message["Message-ID"] = make_msgid(domain="kanto.maff.example.go.jp")
    message.set_content(
        f"ご連絡ありがとうございます。{index} 件目の回答です。\n\n――――――――\n関東農政局\n\n"
        "2026/12/03 10:00、Banso <no-reply@banso.example.go.jp>のメッセージ:\n\n> 松本市から相談が届きました。\n"
    )
    if index % 4 == 0:
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"資料{index}.pdf")
    return message


def run() -> None:
    from django.core.management import call_command

    from accounts.models import User
    from inbound.models import InboundMail, Status
    from notifications import replies

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    call_command("seed_demo", accounts_only=True, verbosity=0)
    liaison = User.objects.get(email="liaison@kanto.maff.example.go.jp")
    consultations = _consultations()
    InboundMail.objects.all().delete()
    purge_queues()
    port = free_port(2600, 2699)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "BANSO_INBOUND_SMTP_PORT": str(port)}
    smtp = _start([sys.executable, "manage.py", "inbound_smtp"], env)
    hostname = f"bench-inbound-{os.getpid()}@bench"
    worker = None
    try:
        _wait(lambda: listening(port), timeout=60, what="the inbound SMTP service")
        addresses = [
            replies.address(kind=replies.REPLY, consultation_id=consultation, user_id=liaison.pk)
            for consultation in consultations
        ]
        mails = [(to, _reply(sender=liaison.email, to=to, index=index))
                 for index in range(MAILS) for to in [addresses[index % len(addresses)]]]  # fmt: skip
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for to, message in mails:
                client.send_message(message, from_addr=liaison.email, to_addrs=[to])
        intake = time.perf_counter() - start
        stored = InboundMail.objects.count()
        report("SMTP intake (one session, stored + queued)", {"mails": stored, "seconds": intake,
                                                               "per_s": stored / intake})  # fmt: skip

        worker = _start([sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", "solo", "--queues",
                         "celery", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
                         "--hostname", hostname], env)  # fmt: skip
        waiting = InboundMail.objects.filter(status=Status.RECEIVED)
        _wait(lambda: waiting.count() < stored, timeout=120, what="the worker's first mail")
        start, left = time.perf_counter(), waiting.count()
        _wait(lambda: not waiting.exists(), timeout=900, what="every mail processed")
        seconds = time.perf_counter() - start
        posted = InboundMail.objects.filter(status=Status.POSTED).count()
        report("processed by one worker process", {"mails": left, "posted": posted, "seconds": seconds,
                                                    "per_s": left / seconds})  # fmt: skip
    finally:
        if worker is not None:
            stop_group(worker)
        stop_group(smtp)
        purge_queues()
