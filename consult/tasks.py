"""Periodic work on consultations, run by Celery beat."""

from celery import shared_task

from config.celery import RETRYING

from . import services


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
