"""Writes of the metrics rollup: each consultation's figures, recomputed from its
history when it changes (a beat task catches up every minute)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from consult.models import Consultation
from routing import selectors as routing_selectors

from . import selectors
from .models import ConsultationFigures, RefreshMark, ResolutionShare

CHUNK = 5_000
# Changes committed late with an earlier ``updated_at`` are caught by looking back this far.
OVERLAP = datetime.timedelta(minutes=5)


@transaction.atomic
def refresh_figures(*, consultation_ids: list[int], now: datetime.datetime | None = None) -> int:
    """Recompute the rollup rows of these consultations."""
    now = now or timezone.now()
    targets = selectors.first_targets()
    _, local_governments = routing_selectors.filing_references()
    figures, shares = [], []
    for row, result in selectors.computed(Consultation.objects.filter(pk__in=consultation_ids)):
        (pk, created, routed, current, filer, area, status, first_due, first_at, resolution_due, paused,
         policy) = row  # fmt: skip
        answered = result.first_response_hours is not None
        resolved = result.resolved and result.resolution_hours is not None
        figures.append(
            ConsultationFigures(
                consultation_id=pk,
                filed_at=created,
                filed_office_id=routed,
                current_office_id=current,
                prefecture_code=local_governments[filer].prefecture_id,
                policy_area_id=area,
                closed=status in selectors.CLOSED,
                withdrawn=result.withdrawn,
                paused=paused is not None,
                first_responded=first_at is not None,
                first_office_id=result.first_response_office if answered else routed,
                first_hours=result.first_response_hours,
                first_target_hours=targets.get(policy, 0.0),
                first_due_at=first_due,
                resolution_hours=result.resolution_hours if resolved else None,
                resolution_due_at=resolution_due,
                computed_at=now,
            )
        )
        if resolved:
            shares += [ResolutionShare(figures_id=pk, office_id=o, hours=h) for o, h in result.hours_by_office.items()]
    ConsultationFigures.objects.filter(pk__in=consultation_ids).delete()
    ConsultationFigures.objects.bulk_create(figures, batch_size=2_000)
    ResolutionShare.objects.bulk_create(shares, batch_size=2_000)
    return len(figures)


def refresh_changed(*, now: datetime.datetime | None = None) -> int:
    """Catch the rollup up with every consultation changed since the last run."""
    now = now or timezone.now()
    mark = RefreshMark.objects.filter(name="figures").first()
    changed = Consultation.objects.order_by("updated_at", "id")
    if mark is not None:
        changed = changed.filter(updated_at__gte=mark.changed_up_to - OVERLAP)
    ids = list(changed.values_list("id", flat=True))
    latest = Consultation.objects.order_by("-updated_at").values_list("updated_at", flat=True).first() or now
    for start in range(0, len(ids), CHUNK):
        refresh_figures(consultation_ids=ids[start : start + CHUNK], now=now)
    RefreshMark.objects.update_or_create(name="figures", defaults={"changed_up_to": latest, "refreshed_at": now})
    return len(ids)
