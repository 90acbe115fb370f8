"""Beat keeps the metrics rollup current."""

from celery import shared_task

from . import services


@shared_task(
    name="metrics.refresh_figures",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def refresh_figures() -> int:
    """Idempotent: recomputing a consultation's figures twice gives the same row."""
    return services.refresh_changed()
