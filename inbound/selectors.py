"""Reads of inbound mail (the admin and the benchmark read these)."""

from django.db.models import Count, QuerySet

from .models import InboundMail, Status


def mails(*, status: str | None = None) -> QuerySet[InboundMail]:
    """Inbound mails, newest first, without their raw bytes (read one at a time)."""
    rows = InboundMail.objects.defer("raw").select_related("consultation", "author")
    return rows.filter(status=status) if status else rows


def waiting_count() -> int:
    return InboundMail.objects.filter(status=Status.RECEIVED).count()


def counts_by_outcome() -> dict[str, int]:
    return dict(InboundMail.objects.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
