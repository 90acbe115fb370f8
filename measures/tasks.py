"""Beat: tell the followers of a measure when its window opens and a week before it closes."""

from celery import shared_task

from config.celery import RETRYING

from . import services
from . import windows as window_rules


@shared_task(name="measures.notify_window", **RETRYING)
def notify_window(window_id: int, kind: str) -> int:
    return services.notify_window(window_id=window_id, kind=kind)


@shared_task(name="measures.sweep_windows", **RETRYING)
def sweep_windows() -> int:
    """Idempotent: each (window, person, kind) is told once, however often this runs."""
    due = services.due_windows(window_rules.today())
    total = 0
    for kind, window_ids in due.items():
        for window_id in window_ids:
            total += services.notify_window(window_id=window_id, kind=kind)
    return total
