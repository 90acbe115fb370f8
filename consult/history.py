"""The past consultations as routing facts, for replaying a draft rule set
(``routing.replay``): read in chunks, without loading the models of each
consultation. Registered with routing in ``ConsultConfig.ready``."""

from __future__ import annotations

from collections.abc import Iterable

from routing import decisions, engine
from routing.models import LocalGovernment
from routing.replay import PastConsultation

from .models import CoFiler, Consultation


def past_consultations(*, limit: int | None = None, chunk: int = 5000) -> Iterable[PastConsultation]:
    """The most recent consultations (all, or ``limit``) as plain facts, read in chunks."""
    filers = {lg.code: decisions.filer_facts(lg) for lg in LocalGovernment.objects.select_related("prefecture")}
    rows = Consultation.objects.order_by("-created_at", "-id").values_list(
        "id", "reference", "policy_area__slug", "filer_id", "urgency", "title", "body", "routed_office__slug"
    )
    if limit:
        rows = rows[:limit]
    batch: list[tuple] = []
    for row in rows.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) >= chunk:
            yield from _with_co_filers(batch, filers)
            batch = []
    if batch:
        yield from _with_co_filers(batch, filers)


def _with_co_filers(batch, filers):
    co_filers: dict[int, list[str]] = {}
    for consultation_id, code in CoFiler.objects.filter(consultation_id__in=[row[0] for row in batch]).values_list(
        "consultation_id", "local_government_id"
    ):
        co_filers.setdefault(consultation_id, []).append(code)
    for pk, reference, area, filer, urgency, title, body, routed in batch:
        yield PastConsultation(
            id=pk,
            reference=reference,
            facts=engine.ConsultationFacts(
                policy_area=area,
                filer=filers[filer],
                co_filers=tuple(filers[code] for code in co_filers.get(pk, ())),
                urgency=urgency,
                title=title,
                body=body,
            ),
            routed_to=routed,
        )
