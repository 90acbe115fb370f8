"""Replay: run a draft rule set over past consultations and report which would
be routed differently (old office → new office, with counts).

The core (``replay``) is pure; ``replay_rule_set`` feeds it from the database
in chunks, without loading the models of each consultation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import engine

TRIAGE = "triage"


@dataclass(frozen=True)
class PastConsultation:
    id: int
    reference: str
    facts: engine.ConsultationFacts
    routed_to: str | None  # office slug chosen when filed; None for triage


@dataclass
class ReplayReport:
    total: int = 0
    changed: int = 0
    moves: Counter = field(default_factory=Counter)  # (old office or "triage", new office or "triage") → count
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # a few references per move

    def lines(self) -> list[str]:
        lines = [f"{self.total} consultations replayed, {self.changed} routed differently"]
        for (old, new), count in self.moves.most_common():
            refs = ", ".join(self.examples.get((old, new), []))
            lines.append(f"  {old} → {new}: {count}  (e.g. {refs})")
        return lines

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "changed": self.changed,
            "moves": [
                {"from": old, "to": new, "count": count, "examples": self.examples.get((old, new), [])}
                for (old, new), count in self.moves.most_common()
            ],
        }


def replay(
    items: Iterable[PastConsultation],
    rules: engine.CompiledRuleSet,
    reference: engine.ReferenceSnapshot,
    *,
    examples: int = 3,
) -> ReplayReport:
    report = ReplayReport()
    for item in items:
        report.total += 1
        decision = engine.decide(item.facts, rules, reference)
        new = decision.primary_office.slug if decision.primary_office else TRIAGE
        old = item.routed_to or TRIAGE
        if new != old:
            report.changed += 1
            report.moves[(old, new)] += 1
            sample = report.examples.setdefault((old, new), [])
            if len(sample) < examples:
                sample.append(item.reference)
    return report


def past_consultations(*, limit: int | None = None, chunk: int = 5000) -> Iterable[PastConsultation]:
    """The most recent consultations (all, or ``limit``) as plain facts, read in chunks."""
    from consult.models import CoFiler, Consultation

    from .models import LocalGovernment

    filers = {
        lg.code: engine.FilerFacts(
            code=lg.code,
            name=lg.name,
            prefecture=lg.prefecture_id,
            prefecture_name=lg.prefecture.name,
            prefecture_name_en=lg.prefecture.name_en,
            kind=lg.kind,
        )
        for lg in LocalGovernment.objects.select_related("prefecture")
    }
    rows = Consultation.objects.order_by("-created_at", "-id").values_list(
        "id", "reference", "policy_area__slug", "filer_id", "urgency", "title", "body", "routed_office__slug"
    )
    if limit:
        rows = rows[:limit]
    batch: list[tuple] = []
    for row in rows.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) >= chunk:
            yield from _with_co_filers(batch, filers, CoFiler)
            batch = []
    if batch:
        yield from _with_co_filers(batch, filers, CoFiler)


def _with_co_filers(batch, filers, co_filer_model):
    co_filers: dict[int, list[str]] = {}
    for consultation_id, code in co_filer_model.objects.filter(
        consultation_id__in=[row[0] for row in batch]
    ).values_list("consultation_id", "local_government_id"):
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


def replay_rule_set(*, rule_set, limit: int | None = None) -> ReplayReport:
    """Replay ``rule_set`` (usually a draft) over the past ``limit`` consultations (or all).

    Raises ``engine.RuleSetInvalid`` when the draft does not validate."""
    from . import selectors

    snapshot = selectors.reference_snapshot()
    compiled = engine.compile_rule_set(selectors.rule_specs(rule_set), snapshot, version=rule_set.version)
    return replay(past_consultations(limit=limit), compiled, snapshot)
