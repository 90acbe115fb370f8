"""Periodic work on consultations, run by Celery beat."""

from celery import shared_task

from config.celery import RETRYING
from notifications import delivery
from notifications.tasks import queue_in_batches

from . import alarms, services


@shared_task(name="consult.auto_close_resolved", **RETRYING)
def auto_close_resolved() -> int:
    """Close consultations resolved 5 business days ago. Idempotent: a closed
    consultation is never closed twice (the lifecycle refuses it)."""
    total = 0
    while True:
        closed = services.auto_close_due(batch=500)
        total += closed
        if closed < 500:
            return total


@shared_task(name="consult.notify_ownerless_work", **RETRYING)
def notify_ownerless_work() -> int:
    """Daily: tell the leads about open work still assigned to people who left
    their office. Idempotent: each person, office and end of membership once."""
    return services.notify_ownerless_work()


# The deadline tasks keep their deployed names: beat's stored schedule, messages
# already queued, and the route to the notifications queue all use them.


@shared_task(name="notifications.fire_alarms", **RETRYING)
def fire_alarms(ids: list[int]) -> int:
    return sum(1 for pk in ids if alarms.fire_alarm(pk))


@shared_task(name="notifications.sweep_deadlines", acks_late=True)
def sweep_deadlines(limit: int = 10_000) -> int:
    """Claim the due deadline alarms and queue them for firing."""
    return queue_in_batches(fire_alarms, delivery.claim_due_alarms(limit=limit))
