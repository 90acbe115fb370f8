"""Answer by e-mail with real parts: the ``inbound_smtp`` service in a process of
its own, a real SMTP conversation (smtplib), a Celery worker process and a Redis
server of the test's own. A reply to a notification becomes one message; the
same mail delivered twice still makes one; SIGINT stops the service."""

import os
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail as outbox

from bench.support import free_port, listening, stop_group
from consult.models import Message
from inbound.models import InboundMail, Status
from notifications import replies
from tests.test_notification_reliability import ROOT, RedisServer, _database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def inbound(tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    port = free_port(2600, 2699)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis.url,
        "BANSO_CELERY_EAGER": "0",
        "BANSO_CACHE_PREFIX": f"inbound-{os.getpid()}",
        "BANSO_INBOUND_SMTP_PORT": str(port),
    }
    processes: list[subprocess.Popen] = []

    def start(args):
        process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
        processes.append(process)
        return process

    smtp = start([sys.executable, "manage.py", "inbound_smtp"])
    start([sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", "solo", "--queues",
           "celery,notifications", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
           "--hostname", "inbound@test"])  # fmt: skip
    wait_for(lambda: listening(port), timeout=60, what="the inbound SMTP service")
    yield {"port": port, "smtp": smtp}
    for process in processes:
        stop_group(process, signum=signal.SIGTERM, wait=20)
    redis.stop()


def test_a_reply_by_smtp_becomes_one_message_even_delivered_twice(committed_reference_data, people, file, inbound,
                                                                  settings):  # fmt: skip
    settings.BANSO_QUIET_HOURS_START, settings.BANSO_QUIET_HOURS_END = 24, 0
    consultation = file(people["matsumoto"])
    liaison = people["maff"]
    # The notification e-mail the liaison received (tasks run in this process; e-mail in memory).
    (notice,) = [m for m in outbox.outbox if m.to == [liaison.email]]
    (reply_to,) = notice.reply_to
    assert replies.parse(reply_to).user_id == liaison.pk

    reply = EmailMessage()
    reply["From"] = f"関東 農子 <{liaison.email}>"
    reply["To"] = reply_to
    reply["Subject"] = "Re: " + notice.subject
    reply["Message-ID"] = make_msgid(domain="kanto.maff.example.go.jp")
    reply["In-Reply-To"] = notice.extra_headers["Message-ID"]
    reply.set_content(
        "拝見しました。明日までに回答します。\n\n" + "\n".join("> " + line for line in notice.body.splitlines())
    )
    with smtplib.SMTP("127.0.0.1", inbound["port"], timeout=30) as client:
        client.send_message(reply, from_addr=liaison.email, to_addrs=[reply_to])
        client.send_message(reply, from_addr=liaison.email, to_addrs=[reply_to])  # delivered again
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # only our reply addresses are accepted
            client.send_message(reply, from_addr=liaison.email, to_addrs=["someone@example.com"])

    wait_for(lambda: InboundMail.objects.filter(status=Status.POSTED).exists(), timeout=60, what="the worker")
    time.sleep(1)
    (mail,) = InboundMail.objects.all()
    assert mail.deliveries == 2 and mail.envelope_from == liaison.email
    (message,) = Message.objects.filter(consultation=consultation, author=liaison)
    assert message.body == "拝見しました。明日までに回答します。"
    assert mail.posted_message_id == message.pk

    # As if written on the page: the first response is recorded, one "replied" event.
    consultation.refresh_from_db()
    assert consultation.first_responded_at == message.created_at
    assert consultation.events.filter(kind="replied", actor=liaison).count() == 1

    inbound["smtp"].send_signal(signal.SIGINT)
    assert inbound["smtp"].wait(20) == 0
