"""Periodic work on consultations, run by Celery beat."""

from celery import shared_task

from . import services


@shared_task(
    name="consult.auto_close_resolved",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def auto_close_resolved() -> int:
    """Close consultations resolved 5 business days ago. Idempotent: a closed
    consultation is never closed twice (the lifecycle refuses it)."""
    total = 0
    while True:
        closed = services.auto_close_due(batch=500)
        total += closed
        if closed < 500:
            return total
