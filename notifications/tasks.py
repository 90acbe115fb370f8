"""Celery tasks of notifications, on the ``notifications`` queue. They take ids,
are idempotent (the rows carry the delivery state) and are retried with
backoff and jitter up to a cap; beat sweeps what was never queued."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from config.celery import RETRYING

from . import delivery
from .models import EmailStatus, Notification, WebhookDelivery, WebhookStatus

BATCH = 100


@shared_task(name="notifications.deliver", **RETRYING)
def deliver(inbox_ids: list[int], email_ids: list[int]) -> int:
    """The new notifications of one event: the inbox first, then their e-mails."""
    delivered = delivery.deliver_inbox(inbox_ids)
    delivery.send_emails(email_ids)
    return delivered


@shared_task(name="notifications.deliver_inbox", **RETRYING)
def deliver_inbox(ids: list[int]) -> int:
    return delivery.deliver_inbox(ids)


@shared_task(name="notifications.send_emails", **RETRYING)
def send_emails(ids: list[int]) -> int:
    return delivery.send_emails(ids)


@shared_task(name="notifications.send_webhooks", **RETRYING)
def send_webhooks(ids: list[int]) -> int:
    return delivery.send_webhooks(ids)


@shared_task(name="notifications.send_digest", **RETRYING)
def send_digest(user_id: int) -> int:
    return delivery.send_digest(user_id)


def queue_in_batches(task, ids: list[int]) -> int:
    """Queue ``task`` over ``ids`` in batches; returns how many ids were queued."""
    from .services import _publish

    queued = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        if _publish(task, chunk):
            queued += len(chunk)
    return queued


@shared_task(name="notifications.sweep_outbox", acks_late=True)
def sweep_outbox(limit: int = 20_000) -> dict:
    """Queue what is waiting: deliveries never queued (broker or worker was
    down), e-mails whose quiet hours or retry delay ended, webhook retries."""
    now = timezone.now()
    # What was written this long ago and still waits was never queued, or its task was lost.
    before = now - datetime.timedelta(seconds=settings.BANSO_OUTBOX_GRACE_SECONDS)
    inbox = list(
        Notification.objects.filter(delivered_at__isnull=True, created_at__lte=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    emails = list(
        Notification.objects.filter(email_status=EmailStatus.PENDING)
        .filter(Q(email_not_before__lte=now) | Q(email_not_before__isnull=True, created_at__lte=before))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    hooks = list(
        WebhookDelivery.objects.filter(status=WebhookStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return {
        "inbox": queue_in_batches(deliver_inbox, inbox),
        "emails": queue_in_batches(send_emails, emails),
        "webhooks": queue_in_batches(send_webhooks, hooks),
    }


@shared_task(name="notifications.send_digests", acks_late=True)
def send_digests() -> int:
    """At 08:30 JST on business days: one digest e-mail per person who has any."""
    from routing.selectors import office_calendar

    today = timezone.localdate()
    if not office_calendar(None).is_business_day(today) and not settings.BANSO_DIGEST_EVERY_DAY:
        return 0
    people = set(Notification.objects.filter(email_status=EmailStatus.DIGEST).values_list("recipient_id", flat=True))
    for user_id in people:
        send_digest.apply_async(args=[user_id])
    return len(people)
