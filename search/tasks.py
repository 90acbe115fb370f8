"""Search text kept current: rebuilt after each change to a consultation, on commit."""

from celery import shared_task

from config.celery import RETRYING

from . import services


@shared_task(name="search.build_consultation_text", **RETRYING)
def build_consultation_text(consultation_id: int) -> int:
    """Rebuild one consultation's search text. Idempotent: an up-to-date text is left
    as it is (its stamp says what it was built from), so a repeated delivery writes nothing."""
    return services.build_texts(consultation_ids=[consultation_id])


@shared_task(name="search.sweep_stale_texts", **RETRYING)
def sweep_stale_texts() -> int:
    """Run by beat: the texts whose task was lost (the broker away at commit). Idempotent."""
    return services.sweep_stale_texts()
