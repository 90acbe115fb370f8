"""Beat keeps the metrics rollup current."""

from celery import shared_task

from config.celery import RETRYING

from . import services


@shared_task(name="metrics.refresh_figures", **RETRYING)
def refresh_figures() -> int:
    """Idempotent: recomputing a consultation's figures twice gives the same row."""
    return services.refresh_changed()


@shared_task(name="metrics.send_monthly_report", **RETRYING)
def send_monthly_report() -> int:
    """Run by beat every weekday morning: sends last month's report once, on the
    first business day of the month (or the next run after it, if that one failed)."""
    return services.send_monthly_report()


@shared_task(name="metrics.publish_figures", **RETRYING)
def publish_figures() -> str:
    """Every few minutes (beat): the figures of this fiscal year, ready in the cache."""
    return services.publish_figures().isoformat()
