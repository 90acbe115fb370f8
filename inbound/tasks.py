"""Celery tasks of inbound mail. They take ids and are idempotent (the row's
status says what is done), acknowledged late and retried with backoff up to a
cap; beat queues what was received but never queued."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from config.celery import RETRYING

from . import services
from .models import InboundMail, NoticeState, Status

log = logging.getLogger(__name__)

GRACE = datetime.timedelta(seconds=60)


def publish(task, mail_id: int) -> bool:
    try:
        task.apply_async(args=[mail_id], retry=False)
        return True
    except Exception:  # the broker is away: the row waits for the sweep
        log.warning("could not queue %s for inbound mail %s; the sweep will", task.name, mail_id, exc_info=True)
        return False


@shared_task(name="inbound.process_mail", **RETRYING)
def process_mail(mail_id: int) -> str | None:
    return services.process(mail_id=mail_id)


@shared_task(name="inbound.send_notice", **RETRYING)
def send_notice(mail_id: int) -> bool:
    return services.send_notice(mail_id=mail_id)


@shared_task(name="inbound.sweep", acks_late=True)
def sweep(limit: int = 1000) -> int:
    """Queue the mails and notices that have waited longer than a task takes to arrive."""
    before = timezone.now() - GRACE
    waiting = list(
        InboundMail.objects.filter(status=Status.RECEIVED, received_at__lte=before)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    notices = list(
        InboundMail.objects.filter(notice_state=NoticeState.PENDING, processed_at__lte=before)
        .order_by("processed_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(publish(process_mail, pk) for pk in waiting) + sum(publish(send_notice, pk) for pk in notices)
