"""Delivery: the writes the Celery tasks make. Each delivery is claimed under a
row lock (SKIP LOCKED) and marked in the same transaction, so a retried,
duplicated or re-queued task never sends twice; what a dead worker had claimed
is unlocked by the database and sent by the next task or sweep."""

from __future__ import annotations

import datetime
import logging
import random

from django.core.cache import cache
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import audience
from .kinds import Kind
from .models import (
    Alarm,
    EmailStatus,
    Notification,
    Profile,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookStatus,
)

log = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
MAX_WEBHOOK_ATTEMPTS = 6
WEBHOOK_DISABLE_AFTER = 10  # failed attempts in a row
STALE_CLAIM = datetime.timedelta(minutes=10)


def backoff(attempts: int, *, base: float = 30, cap: float = 3600) -> datetime.timedelta:
    """Exponential with full jitter, capped."""
    return datetime.timedelta(seconds=random.uniform(base / 2, min(cap, base * 2**attempts)))  # noqa: S311


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


# --- in-app -------------------------------------------------------------------------------------


def deliver_inbox(ids: list[int], *, now: datetime.datetime | None = None) -> int:
    """Mark the notifications delivered to the inbox and refresh their people's unread counts."""
    now = now or timezone.now()
    with transaction.atomic():
        people = list(
            Notification.objects.filter(pk__in=ids, delivered_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", "recipient_id")
        )
        if people:
            Notification.objects.filter(pk__in=[pk for pk, _ in people]).update(delivered_at=now)
    if people:
        try:
            cache.delete_many([unread_cache_key(user) for user in {user for _, user in people}])
        except Exception:
            log.warning("could not refresh unread counts", exc_info=True)
    return len(people)


# --- who may still be told ------------------------------------------------------------------------


def still_allowed(ids: list[int]) -> set[int]:
    """Of these notifications, those whose person may still be told now: active,
    and (for one about a consultation) still allowed by the visibility rule to see
    it, and its internal notes for an internal event. Between writing and sending
    (quiet hours, the digest, retries) an account may close, an office may hand
    the consultation on or a liaison may leave the office. One batched check per
    consultation (``audience.who_sees``)."""
    rows = list(
        Notification.objects.filter(pk__in=ids, recipient__is_active=True).values_list(
            "pk", "recipient_id", "consultation_id", "event__internal", "event__created_at"
        )
    )
    allowed = {pk for pk, _user, consultation, _internal, _at in rows if consultation is None}
    asked: dict[tuple, list[tuple[int, int]]] = {}
    for pk, user, consultation, internal, at in rows:
        if consultation is not None:
            asked.setdefault((consultation, at if internal else None), []).append((pk, user))
    consultations = audience.subjects({consultation for consultation, _at in asked})
    for (consultation_id, internal_at), people in asked.items():
        consultation = consultations.get(consultation_id)
        if consultation is None:
            continue
        seeing = audience.who_sees(consultation, {user for _pk, user in people}, internal_at=internal_at)
        allowed.update(pk for pk, user in people if user in seeing)
    return allowed


# --- e-mail ------------------------------------------------------------------------------------


def send_emails(ids: list[int], *, now: datetime.datetime | None = None) -> int:
    """Send the e-mails of these notifications that are due, one transaction each."""
    from .texts import email_for

    sent = 0
    allowed = still_allowed(ids)
    # One SMTP session for the batch (opened here, so sending does not close it).
    connection = get_connection()
    try:
        for pk in ids:
            now_each = now or timezone.now()
            with transaction.atomic():
                found = list(
                    Notification.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("recipient__notification_profile", "event")
                    .filter(pk=pk, email_status=EmailStatus.PENDING)
                    .filter(Q(email_not_before__isnull=True) | Q(email_not_before__lte=now_each))
                    .order_by()[:1]  # one row by its key: no ordering to compile
                )
                notification = found[0] if found else None
                if notification is None:
                    continue  # sent, not yet due, or being sent by another worker
                if pk not in allowed or not notification.recipient.is_active:
                    # Left, or may no longer see it, since it was written.
                    notification.email_status = EmailStatus.NONE
                    notification.save(update_fields=["email_status"])
                    continue
                profile = getattr(notification.recipient, "notification_profile", None)
                try:
                    message = email_for(notification, language=profile.language if profile else "ja")
                    message.connection = connection
                    connection.open()  # no-op while the session is open
                    message.send()
                except Exception as exc:  # one bad message never holds up the rest
                    _email_failed(notification, exc, now_each)
                    connection.close()  # a broken session must not fail the next address
                    continue
                notification.email_status = EmailStatus.SENT
                notification.emailed_at = now_each
                notification.email_error = ""
                notification.save(update_fields=["email_status", "emailed_at", "email_error"])
                sent += 1
    finally:
        connection.close()
    return sent


def _email_failed(notification: Notification, exc: Exception, now) -> None:
    notification.email_attempts += 1
    notification.email_error = f"{type(exc).__name__}: {exc}"[:1000]
    if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
        notification.email_status = EmailStatus.FAILED
    else:
        notification.email_not_before = now + backoff(notification.email_attempts)
    notification.save(update_fields=["email_attempts", "email_error", "email_status", "email_not_before"])
    log.warning("e-mail for notification %s failed (%s)", notification.pk, notification.email_error)


def _language(user_id: int) -> str:
    return Profile.objects.filter(user_id=user_id).values_list("language", flat=True).first() or "ja"


def send_digest(user_id: int, *, now: datetime.datetime | None = None) -> int:
    """One e-mail listing the person's digest notifications since the last one."""
    from accounts.models import User

    from .texts import digest_email

    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(recipient_id=user_id, email_status=EmailStatus.DIGEST)
            .order_by("created_at", "id")
        )
        if not rows:
            return 0
        allowed = still_allowed([n.pk for n in rows])
        dropped = [n.pk for n in rows if n.pk not in allowed]
        if dropped:  # left, or may no longer see it, since it was written
            Notification.objects.filter(pk__in=dropped).update(email_status=EmailStatus.NONE)
        rows = [n for n in rows if n.pk in allowed]
        if not rows:
            return 0
        user = User.objects.get(pk=user_id)
        key = f"{user_id}-{rows[-1].pk}"
        digest_email(user, rows, language=_language(user_id), key=key).send()
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(email_status=EmailStatus.SENT, emailed_at=now)
    return len(rows)


# --- webhooks ----------------------------------------------------------------------------------


def send_webhooks(ids: list[int], *, now: datetime.datetime | None = None) -> int:
    from . import webhooks

    delivered = 0
    for pk in ids:
        now_each = now or timezone.now()
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("endpoint")
                .filter(pk=pk, status=WebhookStatus.PENDING, next_attempt_at__lte=now_each)
                .first()
            )
            if delivery is None:
                continue
            endpoint = delivery.endpoint
            if not endpoint.is_active:
                delivery.status = WebhookStatus.FAILED
                delivery.last_error = "endpoint disabled"
                delivery.save(update_fields=["status", "last_error"])
                continue
            outcome = webhooks.post(
                endpoint.url,
                secret=endpoint.secret,
                payload=delivery.payload,
                delivery_key=f"webhook-{delivery.pk}",
                timestamp=str(int(now_each.timestamp())),
            )
            delivery.attempts += 1
            delivery.last_status_code = outcome.status
            delivery.last_error = outcome.error[:1000]
            delivery.log = [
                *delivery.log[-19:],
                {"at": now_each.isoformat(), "status": outcome.status, "error": outcome.error[:300]},
            ]
            if outcome.ok:
                delivery.status = WebhookStatus.SENT
                delivery.sent_at = now_each
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
                delivered += 1
            else:
                if delivery.attempts >= MAX_WEBHOOK_ATTEMPTS:
                    delivery.status = WebhookStatus.FAILED
                else:
                    delivery.next_attempt_at = now_each + backoff(delivery.attempts)
                _webhook_failed(endpoint, outcome.error, now_each)
            delivery.save()
    return delivered


def _webhook_failed(endpoint: WebhookEndpoint, error: str, now) -> None:
    from . import services

    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.consecutive_failures += 1
    fields = ["consecutive_failures"]
    if endpoint.is_active and endpoint.consecutive_failures >= WEBHOOK_DISABLE_AFTER:
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = error[:500]
        fields += ["is_active", "disabled_at", "disabled_reason"]
        services.notify_office_lead(
            office_id=endpoint.office_id,
            kind=Kind.WEBHOOK_DISABLED,
            data={"detail": f"{endpoint.url} ({error[:200]})"},
            now=now,
        )
        services.webhooks_changed()
    endpoint.save(update_fields=fields)


# --- deadline alarms (fired by consult.alarms, which decides the event) ----------------------


def due_alarms(now: datetime.datetime, *, limit: int):
    """The armed alarms due at ``now`` and not claimed by a live sweep, oldest first, locked (partial index)."""
    return (
        Alarm.objects.select_for_update(skip_locked=True)
        .filter(due_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM))
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )


def claim_due_alarms(*, now: datetime.datetime | None = None, limit: int = 10_000) -> list[int]:
    """Claim the armed alarms that are due (or whose claim went stale) for this
    sweep. SKIP LOCKED: two sweeps at once claim disjoint sets."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(due_alarms(now, limit=limit))
        if ids:
            Alarm.objects.filter(pk__in=ids).update(claimed_at=now)
    return ids
