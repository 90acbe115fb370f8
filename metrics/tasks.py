"""Beat keeps the metrics rollup current."""

from celery import shared_task

from config.celery import RETRYING

from . import services


@shared_task(name="metrics.refresh_figures", **RETRYING)
def refresh_figures() -> int:
    """Idempotent: recomputing a consultation's figures twice gives the same row."""
    return services.refresh_changed()
